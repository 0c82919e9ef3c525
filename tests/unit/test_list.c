/* test_list.c — list paging: limit, sort and cursors (wj_page_parse, wj_cursor_make),
 * and the list reply shape. */
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "unit.h"
#include "util.h"

static void set_query(wj_req *r, const char *name, const char *value)
{
    r->query.names[r->query.n] = name;
    r->query.values[r->query.n] = value;
    r->query.n++;
}

static void req_done(wj_req *r)
{
    wj_error_clear(&r->err);
    json_decref(r->out);
    r->out = NULL;
}

static void defaults(void **state)
{
    (void)state;
    wj_req r = {0};
    wj_page p;
    memset(&p, 0x5A, sizeof p);
    assert_true(wj_page_parse(&r, &p));
    assert_int_equal(p.limit, WJ_LIMIT_DEFAULT);
    assert_int_equal(p.limit, 50);
    assert_false(p.after);
    assert_null(p.sort);
    assert_false(p.desc);
    assert_string_equal(p.key, "");
    assert_int_equal(p.id, 0);
    assert_false(wj_failed(&r));
}

static void limit_and_sort(void **state)
{
    (void)state;
    wj_req r = {0};
    set_query(&r, "limit", "20");
    set_query(&r, "sort", "-name");
    wj_page p;
    assert_true(wj_page_parse(&r, &p));
    assert_int_equal(p.limit, 20);
    assert_string_equal(p.sort, "name");
    assert_true(p.desc);
    wj_req r2 = {0};
    set_query(&r2, "sort", "code");
    assert_true(wj_page_parse(&r2, &p));
    assert_string_equal(p.sort, "code");
    assert_false(p.desc);
    assert_int_equal(p.limit, 50);
}

static void cursor_round_trip(void **state)
{
    (void)state;
    const struct {
        const char *key;
        int64_t id;
        const char *want_key;
    } cases[] = {
        {"济南市", 12345, "济南市"},
        {NULL, 1, ""},
        {"", INT64_MAX, ""},
        {"2026-11-24T04:13:49.123Z", 7, "2026-11-24T04:13:49.123Z"},
        {"key\x1fwith separator", 99, "key\x1fwith separator"},
    };
    for (size_t i = 0; i < WJ_ARRAY_LEN(cases); i++) {
        char *cur = wj_cursor_make(cases[i].key, cases[i].id);
        assert_non_null(cur);
        /* Cursors travel in URLs unescaped. */
        for (const char *c = cur; *c; c++)
            if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ||
                  *c == '_'))
                fail_msg("cursor %s holds '%c'", cur, *c);
        wj_req r = {0};
        set_query(&r, "cursor", cur);
        wj_page p;
        bool ok = wj_page_parse(&r, &p);
        free(cur);
        assert_true(ok);
        assert_true(p.after);
        assert_true(p.id == cases[i].id);
        assert_string_equal(p.key, cases[i].want_key);
        assert_false(wj_failed(&r));
    }
}

static void expect_bad_cursor(const char *cursor)
{
    wj_req r = {0};
    set_query(&r, "cursor", cursor);
    wj_page p;
    if (wj_page_parse(&r, &p))
        fail_msg("cursor \"%s\" accepted", cursor);
    assert_int_equal(r.err.status, 400);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.err.code, "invalid_parameter");
    assert_string_equal(r.err.field, "cursor");
    assert_true(wj_failed(&r));
    assert_false(p.after);
    req_done(&r);
}

static void garbage_cursor_is_400(void **state)
{
    (void)state;
    expect_bad_cursor("!!!not-base64!!!");
    expect_bad_cursor("a");
    expect_bad_cursor("aGVsbG8");        /* base64url of "hello": no separator */
    expect_bad_cursor("");
    /* Well-formed cursors of bad content. */
    const char *raws[] = {"0\x1fkey", "-5\x1fkey", "abc\x1fkey", "\x1fkey", "12 \x1fkey",
                          "99999999999999999999\x1fkey"};
    for (size_t i = 0; i < WJ_ARRAY_LEN(raws); i++) {
        char *enc = wj_b64url_encode((const unsigned char *)raws[i], strlen(raws[i]));
        expect_bad_cursor(enc);
        free(enc);
    }
    /* An embedded NUL byte. */
    char *enc = wj_b64url_encode((const unsigned char *)"5\x1fk\0ey", 6);
    expect_bad_cursor(enc);
    free(enc);
    /* A key too long for the page. */
    char key[300];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    enc = wj_cursor_make(key, 5);
    expect_bad_cursor(enc);
    free(enc);
    key[255] = '\0'; /* 255 characters still fit */
    enc = wj_cursor_make(key, 5);
    wj_req r = {0};
    set_query(&r, "cursor", enc);
    wj_page p;
    assert_true(wj_page_parse(&r, &p));
    assert_int_equal(strlen(p.key), 255);
    free(enc);
}

static void reply_list_shape(void **state)
{
    (void)state;
    wj_req r = {0};
    json_t *items = json_pack("[{s:s}, {s:s}]", "id", "1", "id", "2");
    wj_reply_list(&r, items, wj_cursor_make("b", 2));
    assert_int_equal(r.status, 200);
    assert_non_null(r.out);
    assert_int_equal(json_array_size(json_object_get(r.out, "items")), 2);
    const char *next = json_string_value(json_object_get(r.out, "next_cursor"));
    assert_non_null(next);
    wj_req r2 = {0};
    set_query(&r2, "cursor", next);
    wj_page p;
    assert_true(wj_page_parse(&r2, &p));
    assert_string_equal(p.key, "b");
    assert_int_equal(p.id, 2);
    req_done(&r);

    wj_reply_list(&r, json_array(), NULL);
    assert_true(json_is_null(json_object_get(r.out, "next_cursor")));
    assert_int_equal(json_array_size(json_object_get(r.out, "items")), 0);
    req_done(&r);
}

int run_list_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(limit_and_sort),
        cmocka_unit_test(cursor_round_trip),
        cmocka_unit_test(garbage_cursor_is_400),
        cmocka_unit_test(reply_list_shape),
    };
    return cmocka_run_group_tests_name("list", tests, NULL, NULL);
}
