/* test_schema.c — body validation (wj_schema_validate) and query validation
 * (wj_query_validate) against a nested test schema: status, code and field of each error. */
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "unit.h"
#include "util.h"

/* ---- the test schema: a facility-like document ---- */

static const wj_enum levels[] = {{"tertiary", "三级", "tertiary"}, {"secondary", "二级", "secondary"}, {NULL}};
static const wj_enum tags[] = {{"chest_pain", "胸痛中心", "chest pain"}, {"stroke", "卒中中心", "stroke"}, {NULL}};

static const wj_field dept_fields[] = {
    {"name", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 20},
    {"phone", WJ_T_STRING, 0, WJ_F_PHONE},
    {"beds", WJ_T_INT, 0, .min = 0, .max = 300},
    {0},
};
static const wj_schema dept_schema = {"Dept", dept_fields};

static const wj_field campus_fields[] = {
    {"name", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 50},
    {"area_code", WJ_T_STRING, 0, WJ_F_AREA_CODE},
    {"departments", WJ_T_ARRAY, 0, .max = 5, .object = &dept_schema},
    {0},
};
static const wj_schema campus_schema = {"Campus", campus_fields};

static const wj_field contact_fields[] = {
    {"person", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 30},
    {"phone", WJ_T_STRING, WJ_NULLABLE, WJ_F_PHONE},
    {0},
};
static const wj_schema contact_schema = {"Contact", contact_fields};

static const wj_field doc_fields[] = {
    {"name", WJ_T_STRING, WJ_REQUIRED, .min = 2, .max = 10},
    {"beds", WJ_T_INT, WJ_REQUIRED, .min = 1, .max = 5000},
    {"level", WJ_T_STRING, 0, .enums = levels},
    {"area_code", WJ_T_STRING, 0, WJ_F_AREA_CODE},
    {"opened", WJ_T_STRING, WJ_NULLABLE, WJ_F_DATE},
    {"phone", WJ_T_STRING, 0, WJ_F_PHONE},
    {"parent_id", WJ_T_STRING, WJ_NULLABLE, WJ_F_ID},
    {"note", WJ_T_STRING, WJ_NULLABLE, .max = 100},
    {"lat", WJ_T_NUMBER, WJ_NULLABLE, .min = -90, .max = 90},
    {"active", WJ_T_BOOL, 0},
    {"tags", WJ_T_ARRAY, 0, .max = 2, .items = WJ_T_STRING, .enums = tags},
    {"contact", WJ_T_OBJECT, WJ_NULLABLE, .object = &contact_schema},
    {"campuses", WJ_T_ARRAY, 0, .min = 1, .max = 4, .object = &campus_schema},
    {0},
};
static const wj_schema doc_schema = {"Doc", doc_fields};

static const char *valid_doc =
    "{\"name\":\"济南市中心医院\",\"beds\":1200,\"level\":\"tertiary\",\"area_code\":\"370102000000\","
    "\"opened\":\"1950-06-01\",\"phone\":\"0531-85695114\",\"parent_id\":\"12345\",\"note\":null,"
    "\"lat\":36.66,\"active\":true,\"tags\":[\"chest_pain\",\"stroke\"],"
    "\"contact\":{\"person\":\"王医生\",\"phone\":\"13812345678\"},"
    "\"campuses\":[{\"name\":\"本部\",\"departments\":[{\"name\":\"急诊科\",\"beds\":20}]},"
    "{\"name\":\"东院区\",\"area_code\":\"370112000000\",\"departments\":[{\"name\":\"儿科\"},{\"name\":\"心内科\","
    "\"phone\":\"05318569511\"}]}]}";

static json_t *load(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!v)
        fail_msg("test JSON does not parse: %s: %s", je.text, text);
    return v;
}

/* The valid document with `key` set to `value` (JSON text; NULL removes the key). */
static json_t *doc_with(const char *key, const char *value)
{
    json_t *doc = load(valid_doc);
    if (value)
        json_object_set_new(doc, key, load(value));
    else
        json_object_del(doc, key);
    return doc;
}

#define expect_ok(doc, partial)                                                                                     \
    do {                                                                                                            \
        wj_error e_ = {0};                                                                                          \
        json_t *d_ = (doc);                                                                                         \
        bool ok_ = wj_schema_validate(&doc_schema, d_, (partial), &e_);                                             \
        json_decref(d_);                                                                                            \
        if (!ok_)                                                                                                   \
            fail_msg("rejected: %d %s %s: %s", e_.status, e_.code, e_.field, e_.message);                           \
        assert_int_equal(e_.status, 0);                                                                             \
    } while (0)

#define expect_err(doc, partial, st, cd, fld)                                                                       \
    do {                                                                                                            \
        wj_error e_ = {0};                                                                                          \
        json_t *d_ = (doc);                                                                                         \
        bool ok_ = wj_schema_validate(&doc_schema, d_, (partial), &e_);                                             \
        json_decref(d_);                                                                                            \
        if (ok_)                                                                                                    \
            fail_msg("accepted, expected %d %s at %s", (st), (cd), (fld));                                          \
        if (e_.status != (st) || strcmp(e_.code, (cd)) != 0 || strcmp(e_.field, (fld)) != 0)                        \
            fail_msg("got %d %s \"%s\" (%s), expected %d %s \"%s\"", e_.status, e_.code, e_.field, e_.message,    \
                     (st), (cd), (fld));                                                                            \
        assert_true(e_.message[0] != '\0');                                                                         \
        wj_error_clear(&e_);                                                                                        \
    } while (0)

static void valid_documents(void **state)
{
    (void)state;
    expect_ok(load(valid_doc), false);
    expect_ok(load(valid_doc), true);
    /* Only the required fields. */
    expect_ok(load("{\"name\":\"ab\",\"beds\":1}"), false);
    /* Bounds are inclusive. */
    expect_ok(load("{\"name\":\"一二三四五六七八九十\",\"beds\":5000,\"lat\":-90}"), false);
    /* Integers are numbers too. */
    expect_ok(doc_with("lat", "36"), false);
    expect_ok(doc_with("tags", "[]"), false);
}

static void wrong_type_is_400_invalid_type(void **state)
{
    (void)state;
    expect_err(load("[]"), false, 400, "invalid_type", "");
    expect_err(load("\"text\""), true, 400, "invalid_type", "");
    expect_err(json_null(), false, 400, "invalid_type", "");
    expect_err(doc_with("name", "5"), false, 400, "invalid_type", "name");
    expect_err(doc_with("beds", "\"10\""), false, 400, "invalid_type", "beds");
    expect_err(doc_with("beds", "10.5"), false, 400, "invalid_type", "beds");
    expect_err(doc_with("beds", "true"), false, 400, "invalid_type", "beds");
    expect_err(doc_with("lat", "\"36.6\""), false, 400, "invalid_type", "lat");
    expect_err(doc_with("active", "\"true\""), false, 400, "invalid_type", "active");
    expect_err(doc_with("active", "1"), false, 400, "invalid_type", "active");
    expect_err(doc_with("tags", "\"stroke\""), false, 400, "invalid_type", "tags");
    expect_err(doc_with("tags", "[1]"), false, 400, "invalid_type", "tags[0]");
    expect_err(doc_with("contact", "[]"), false, 400, "invalid_type", "contact");
    expect_err(doc_with("contact", "\"王医生\""), false, 400, "invalid_type", "contact");
    expect_err(doc_with("campuses", "{}"), false, 400, "invalid_type", "campuses");
    expect_err(doc_with("campuses", "[{\"name\":\"a\"},7]"), false, 400, "invalid_type", "campuses[1]");
    expect_err(doc_with("campuses", "[{\"name\":\"a\",\"departments\":{}}]"), false, 400, "invalid_type",
               "campuses[0].departments");
    expect_err(doc_with("campuses", "[{\"name\":\"a\"},{\"name\":\"b\",\"departments\":[{\"name\":\"c\"},[]]}]"),
               false, 400, "invalid_type", "campuses[1].departments[1]");
    expect_err(doc_with("campuses", "[{\"name\":\"a\"},{\"name\":\"b\",\"departments\":[{\"name\":7}]}]"), false, 400,
               "invalid_type", "campuses[1].departments[0].name");
}

static void missing_is_422_missing_field(void **state)
{
    (void)state;
    expect_err(doc_with("name", NULL), false, 422, "missing_field", "name");
    expect_err(doc_with("beds", NULL), false, 422, "missing_field", "beds");
    expect_err(load("{}"), false, 422, "missing_field", "name");
    expect_err(doc_with("contact", "{\"phone\":\"13812345678\"}"), false, 422, "missing_field", "contact.person");
    expect_err(doc_with("campuses", "[{\"name\":\"a\"},{\"departments\":[]}]"), false, 422, "missing_field",
               "campuses[1].name");
    expect_err(doc_with("campuses", "[{\"name\":\"a\"},{\"name\":\"b\",\"departments\":[{\"beds\":1}]}]"), false, 422,
               "missing_field", "campuses[1].departments[0].name");
}

static void out_of_range_is_422_invalid_value(void **state)
{
    (void)state;
    expect_err(doc_with("beds", "0"), false, 422, "invalid_value", "beds");
    expect_err(doc_with("beds", "5001"), false, 422, "invalid_value", "beds");
    expect_err(doc_with("beds", "-3"), false, 422, "invalid_value", "beds");
    expect_err(doc_with("lat", "90.0001"), false, 422, "invalid_value", "lat");
    expect_err(doc_with("lat", "1e300"), false, 422, "invalid_value", "lat");
    /* String bounds count characters, not bytes: 11 CJK characters are too many, 10 fit. */
    expect_err(doc_with("name", "\"一二三四五六七八九十一\""), false, 422, "invalid_value", "name");
    expect_ok(doc_with("name", "\"一二三四五六七八九十\""), false);
    expect_err(doc_with("name", "\"a\""), false, 422, "invalid_value", "name");
    /* A required string must not be blank: ASCII or ideographic (U+3000) spaces only. */
    expect_err(doc_with("name", "\"   \""), false, 422, "invalid_value", "name");
    expect_err(doc_with("name", "\"\u3000\u3000 \""), true, 422, "invalid_value", "name");
    expect_err(doc_with("campuses", "[{\"name\":\" \\t\"}]"), false, 422, "invalid_value", "campuses[0].name");
    expect_ok(doc_with("name", "\" a \""), false);
    expect_ok(doc_with("note", "\"   \""), false); /* optional strings may be blank */
    expect_err(doc_with("name", "\"\""), false, 422, "invalid_value", "name");
    expect_err(doc_with("level", "\"primary\""), false, 422, "invalid_value", "level");
    expect_err(doc_with("level", "\"\""), false, 422, "invalid_value", "level");
    expect_err(doc_with("tags", "[\"stroke\",\"stroke\",\"stroke\"]"), false, 422, "invalid_value", "tags");
    expect_err(doc_with("tags", "[\"chest_pain\",\"trauma\"]"), false, 422, "invalid_value", "tags[1]");
    expect_err(doc_with("campuses", "[]"), false, 422, "invalid_value", "campuses");
    expect_err(doc_with("campuses", "[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\"},"
                                    "{\"name\":\"e\"}]"),
               false, 422, "invalid_value", "campuses");
    expect_err(doc_with("campuses", "[{\"name\":\"a\"},{\"name\":\"b\",\"departments\":[{\"name\":\"\"}]}]"), false, 422,
               "invalid_value", "campuses[1].departments[0].name");
    expect_err(doc_with("campuses", "[{\"name\":\"a\"},{\"name\":\"b\",\"departments\":[{\"name\":\"x\",\"beds\":301}]}]"),
               false, 422, "invalid_value", "campuses[1].departments[0].beds");
    expect_err(doc_with("note", "\"" /* 101 characters */
                                "12345678901234567890123456789012345678901234567890"
                                "12345678901234567890123456789012345678901234567890x\""),
               false, 422, "invalid_value", "note");
}

static void unknown_field_is_422_with_path(void **state)
{
    (void)state;
    expect_err(doc_with("nmae", "\"typo\""), false, 422, "invalid_value", "nmae");
    expect_err(doc_with("nmae", "\"typo\""), true, 422, "invalid_value", "nmae");
    expect_err(doc_with("contact", "{\"person\":\"x\",\"fax\":\"1\"}"), false, 422, "invalid_value", "contact.fax");
    expect_err(doc_with("campuses", "[{\"name\":\"a\"},{\"name\":\"b\",\"departments\":[{\"name\":\"c\",\"floor\":3}]}]"),
               false, 422, "invalid_value", "campuses[1].departments[0].floor");
    /* Unknown fields are reported before missing ones. */
    expect_err(load("{\"bogus\":1}"), false, 422, "invalid_value", "bogus");
}

static void string_content(void **state)
{
    (void)state;
    /* An embedded NUL cannot be stored in a C string: refused. */
    json_t *doc = load(valid_doc);
    json_object_set_new(doc, "note", json_stringn("ab\0cd", 5));
    expect_err(doc, false, 422, "invalid_value", "note");
    /* Invalid UTF-8 that slipped past the parser (the nocheck constructor) is refused. */
    doc = load(valid_doc);
    json_object_set_new(doc, "note", json_string_nocheck("\xC0\x80x"));
    expect_err(doc, false, 422, "invalid_value", "note");
    doc = load(valid_doc);
    json_object_set_new(doc, "note", json_string_nocheck("\xED\xA0\x80"));
    expect_err(doc, false, 422, "invalid_value", "note");
}

static void null_handling(void **state)
{
    (void)state;
    /* WJ_NULLABLE: null is accepted (it clears the value). */
    expect_ok(doc_with("note", "null"), false);
    expect_ok(doc_with("opened", "null"), false);
    expect_ok(doc_with("lat", "null"), false);
    expect_ok(doc_with("contact", "null"), false);
    expect_ok(doc_with("contact", "{\"person\":\"x\",\"phone\":null}"), false);
    /* Not nullable and optional: null is the wrong type. */
    expect_err(doc_with("level", "null"), false, 400, "invalid_type", "level");
    expect_err(doc_with("tags", "null"), false, 400, "invalid_type", "tags");
    expect_err(doc_with("tags", "[null]"), false, 400, "invalid_type", "tags[0]");
    expect_err(doc_with("campuses", "null"), false, 400, "invalid_type", "campuses");
    expect_err(doc_with("campuses", "[null]"), false, 400, "invalid_type", "campuses[0]");
    /* Required: null counts as missing, in PATCH too (a required value cannot be cleared). */
    expect_err(doc_with("name", "null"), false, 422, "missing_field", "name");
    expect_err(load("{\"beds\":null}"), true, 422, "missing_field", "beds");
    expect_err(doc_with("campuses", "[{\"name\":null}]"), false, 422, "missing_field", "campuses[0].name");
}

static void partial_mode(void **state)
{
    (void)state;
    /* PATCH: required fields may be absent... */
    expect_ok(load("{}"), true);
    expect_ok(load("{\"beds\":10}"), true);
    expect_ok(load("{\"note\":null,\"level\":\"secondary\"}"), true);
    expect_ok(load("{\"contact\":{\"phone\":\"13812345678\"}}"), true); /* nested objects are partial too */
    /* ...but what is given is still checked. */
    expect_err(load("{\"beds\":0}"), true, 422, "invalid_value", "beds");
    expect_err(load("{\"beds\":\"1\"}"), true, 400, "invalid_type", "beds");
    expect_err(load("{\"name\":\"\"}"), true, 422, "invalid_value", "name");
    /* Items of an array are whole new objects even inside a PATCH. */
    expect_err(load("{\"campuses\":[{\"area_code\":\"370102000000\"}]}"), true, 422, "missing_field",
               "campuses[0].name");
    expect_err(load("{\"campuses\":[{\"name\":\"a\",\"departments\":[{}]}]}"), true, 422, "missing_field",
               "campuses[0].departments[0].name");
    /* Without partial, the same empty body is missing its required fields. */
    expect_err(load("{}"), false, 422, "missing_field", "name");
}

static void formats(void **state)
{
    (void)state;
    /* WJ_F_AREA_CODE: exactly 12 digits. */
    expect_ok(doc_with("area_code", "\"370100000000\""), false);
    expect_err(doc_with("area_code", "\"37010000000\""), false, 422, "invalid_value", "area_code");
    expect_err(doc_with("area_code", "\"3701000000001\""), false, 422, "invalid_value", "area_code");
    expect_err(doc_with("area_code", "\"37010000000a\""), false, 422, "invalid_value", "area_code");
    expect_err(doc_with("area_code", "\"３７０１００００００００\""), false, 422, "invalid_value", "area_code");
    expect_err(doc_with("area_code", "370100000000"), false, 400, "invalid_type", "area_code");
    expect_err(doc_with("campuses", "[{\"name\":\"a\"},{\"name\":\"b\",\"area_code\":\"3701\"}]"), false, 422,
               "invalid_value", "campuses[1].area_code");
    /* WJ_F_DATE: a real calendar date. */
    expect_ok(doc_with("opened", "\"2024-02-29\""), false);
    expect_err(doc_with("opened", "\"2023-02-29\""), false, 422, "invalid_value", "opened");
    expect_err(doc_with("opened", "\"2026-13-01\""), false, 422, "invalid_value", "opened");
    expect_err(doc_with("opened", "\"2026-11-24T00:00:00Z\""), false, 422, "invalid_value", "opened");
    expect_err(doc_with("opened", "\"24/11/2026\""), false, 422, "invalid_value", "opened");
    /* WJ_F_PHONE: mobile (11 digits, 1[3-9]) or landline with area code. */
    const char *good_phones[] = {"\"13812345678\"", "\"19912345678\"", "\"0531-85695114\"", "\"010-12345678\"",
                                 "\"05318569511\"", "\"0531-1234567\""};
    for (size_t i = 0; i < WJ_ARRAY_LEN(good_phones); i++)
        expect_ok(doc_with("phone", good_phones[i]), false);
    const char *bad_phones[] = {"\"12812345678\"",   "\"1381234567\"",   "\"138123456789\"", "\"0531--8569511\"",
                                "\"0-5318569511\"",  "\"0531-8569-5114\"", "\"053112\"",     "\"+8613812345678\"",
                                "\"\"",              "\"phone\"",        "\"0531 85695114\"", "\"0531-856951141\""};
    for (size_t i = 0; i < WJ_ARRAY_LEN(bad_phones); i++)
        expect_err(doc_with("phone", bad_phones[i]), false, 422, "invalid_value", "phone");
    expect_err(doc_with("campuses", "[{\"name\":\"a\",\"departments\":[{\"name\":\"b\",\"phone\":\"110\"}]}]"), false,
               422, "invalid_value", "campuses[0].departments[0].phone");
    /* WJ_F_ID: decimal string of a positive int64. */
    expect_ok(doc_with("parent_id", "\"9223372036854775807\""), false);
    const char *bad_ids[] = {"\"0\"", "\"-1\"", "\"01\"", "\"abc\"", "\"9223372036854775808\"", "\"\"", "\"1.5\""};
    for (size_t i = 0; i < WJ_ARRAY_LEN(bad_ids); i++)
        expect_err(doc_with("parent_id", bad_ids[i]), false, 422, "invalid_value", "parent_id");
    expect_err(doc_with("parent_id", "12345"), false, 400, "invalid_type", "parent_id");
}

static void format_ok_direct(void **state)
{
    (void)state;
    assert_true(wj_format_ok(WJ_F_NONE, "anything"));
    assert_true(wj_format_ok(WJ_F_DATETIME, "2026-11-24T04:13:49.123+08:00"));
    assert_false(wj_format_ok(WJ_F_DATETIME, "2026-11-24"));
    assert_true(wj_format_ok(WJ_F_LATLON, "36.66,117.0"));
    assert_true(wj_format_ok(WJ_F_LATLON, "-90,-180"));
    assert_false(wj_format_ok(WJ_F_LATLON, "91,117"));
    assert_false(wj_format_ok(WJ_F_LATLON, "36.6,181"));
    assert_false(wj_format_ok(WJ_F_LATLON, "36.6"));
    assert_false(wj_format_ok(WJ_F_LATLON, ",117"));
    assert_false(wj_format_ok(WJ_F_LATLON, "36.6,"));
    assert_false(wj_format_ok(WJ_F_LATLON, "36.6, 117"));
    assert_false(wj_format_ok(WJ_F_LATLON, "nan,117"));
    assert_false(wj_format_ok(WJ_F_LATLON, "0x10,117"));
    assert_non_null(wj_enum_find(levels, "tertiary"));
    assert_string_equal(wj_enum_find(levels, "secondary")->zh, "二级");
    assert_null(wj_enum_find(levels, "primary"));
    assert_null(wj_enum_find(NULL, "primary"));
}

/* ---- queries ---- */

static const wj_param qdecl[] = {
    {"parent", WJ_T_STRING, 0, WJ_F_AREA_CODE},
    {"q", WJ_T_STRING, 0, .min = 1, .max = 5},
    {"level", WJ_T_STRING, 0, .enums = levels},
    {"n", WJ_T_INT, 0, .min = 1, .max = 10},
    {"near", WJ_T_STRING, 0, WJ_F_LATLON},
    {"radius", WJ_T_NUMBER, 0, .min = 0.5, .max = 50},
    {"active", WJ_T_BOOL, 0},
    {0},
};
static const wj_param qdecl_required[] = {
    {"from", WJ_T_STRING, WJ_REQUIRED, WJ_F_DATE},
    {"to", WJ_T_STRING, 0, WJ_F_DATE},
    {0},
};

typedef struct {
    const char *k, *v;
} kv;

static wj_query make_query(const kv *pairs, int n)
{
    wj_query q = {0};
    for (int i = 0; i < n; i++) {
        q.names[i] = pairs[i].k;
        q.values[i] = pairs[i].v;
    }
    q.n = n;
    return q;
}

#define Q(...) make_query((const kv[]){__VA_ARGS__}, (int)(sizeof((const kv[]){__VA_ARGS__}) / sizeof(kv)))

static void query_ok(const wj_param *decl, bool list, wj_query q)
{
    wj_error e = {0};
    if (!wj_query_validate(decl, list, &q, &e))
        fail_msg("query rejected: %d %s %s: %s", e.status, e.code, e.field, e.message);
}

static void query_err(const wj_param *decl, bool list, wj_query q, const char *field)
{
    wj_error e = {0};
    if (wj_query_validate(decl, list, &q, &e))
        fail_msg("query accepted, expected an error on %s", field);
    if (e.status != 400 || strcmp(e.code, "invalid_parameter") != 0 || strcmp(e.field, field) != 0)
        fail_msg("got %d %s \"%s\" (%s), expected 400 invalid_parameter \"%s\"", e.status, e.code, e.field, e.message,
                 field);
    wj_error_clear(&e);
}

static void query_accepts_declared(void **state)
{
    (void)state;
    wj_query empty = {0};
    query_ok(qdecl, false, empty);
    query_ok(NULL, false, empty);
    query_ok(NULL, true, empty);
    query_ok(qdecl, false,
             Q({"parent", "370100000000"}, {"q", "济南"}, {"level", "tertiary"}, {"n", "10"}, {"near", "36.6,117.0"},
               {"radius", "2.5"}, {"active", "false"}));
    query_ok(qdecl, true, Q({"q", "abc"}, {"limit", "1"}, {"cursor", "abc"}, {"sort", "-name"}));
    query_ok(qdecl, true, Q({"limit", "500"}));
    wj_query q = Q({"q", "abc"}, {"n", "3"});
    assert_string_equal(wj_query_get(&q, "n"), "3");
    assert_null(wj_query_get(&q, "limit"));
}

static void query_rejects(void **state)
{
    (void)state;
    /* Unknown and repeated parameters. */
    query_err(qdecl, false, Q({"foo", "1"}), "foo");
    query_err(qdecl, false, Q({"q", "a"}, {"Q", "b"}), "Q");
    query_err(NULL, false, Q({"q", "a"}), "q");
    query_err(qdecl, false, Q({"q", "a"}, {"n", "1"}, {"q", "b"}), "q");
    query_err(qdecl, true, Q({"limit", "5"}, {"limit", "5"}), "limit");
    /* List parameters exist only on list routes. */
    query_err(qdecl, false, Q({"limit", "10"}), "limit");
    query_err(qdecl, false, Q({"cursor", "abc"}), "cursor");
    /* limit bounds: 1..500, an integer. */
    const char *bad_limits[] = {"0", "501", "abc", "", "-1", "1.5", "10 ", "99999999999999999999"};
    for (size_t i = 0; i < WJ_ARRAY_LEN(bad_limits); i++)
        query_err(qdecl, true, Q({"limit", bad_limits[i]}), "limit");
    query_err(NULL, true, Q({"limit", NULL}), "limit");
    query_err(qdecl, true, Q({"cursor", ""}), "cursor");
    /* Declared parameters: type, range, format, enum. */
    query_err(qdecl, false, Q({"n", "11"}), "n");
    query_err(qdecl, false, Q({"n", "x"}), "n");
    query_err(qdecl, false, Q({"q", ""}), "q");
    query_err(qdecl, false, Q({"q", "abcdef"}), "q");
    query_err(qdecl, false, Q({"q", "\xC0\x80"}), "q");
    query_err(qdecl, false, Q({"parent", "3701"}), "parent");
    query_err(qdecl, false, Q({"level", "primary"}), "level");
    query_err(qdecl, false, Q({"near", "36.6"}), "near");
    query_err(qdecl, false, Q({"radius", "0.1"}), "radius");
    query_err(qdecl, false, Q({"radius", "inf"}), "radius");
    query_err(qdecl, false, Q({"active", "yes"}), "active");
    query_err(qdecl, false, Q({"active", "1"}), "active");
}

static void query_required(void **state)
{
    (void)state;
    wj_query empty = {0};
    query_err(qdecl_required, false, empty, "from");
    query_err(qdecl_required, true, Q({"to", "2026-11-24"}), "from");
    query_ok(qdecl_required, false, Q({"from", "2026-11-24"}));
    query_ok(qdecl_required, true, Q({"to", "2026-11-25"}, {"from", "2026-11-24"}, {"limit", "20"}));
    query_err(qdecl_required, false, Q({"from", "2026-02-30"}), "from");
}

/* Errors become JSON strings: field and message must be valid UTF-8 whatever the client sent
 * (regression: a non-UTF-8 query parameter name made wj_error_json return NULL and the
 * client received the body "null"). */
static void error_text_is_valid_utf8(void **state)
{
    (void)state;
    wj_error e = {0};
    wj_query q = Q({"bad\xff\xfename", "1"});
    assert_false(wj_query_validate(qdecl, false, &q, &e));
    assert_string_equal(e.field, "bad??name");
    json_t *j = wj_error_json(&e);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "field")), "bad??name");
    char *text = json_dumps(j, JSON_COMPACT);
    assert_non_null(text);
    free(text);
    json_decref(j);
    wj_error_clear(&e);

    /* A long unknown key: the path is cut to fit the buffer, never inside a character. */
    json_t *doc = load(valid_doc);
    char key[400] = "x";
    for (int i = 0; i < 100; i++)
        strcat(key, "医");
    json_t *campus = json_array_get(json_object_get(doc, "campuses"), 1);
    json_object_set_new(json_array_get(json_object_get(campus, "departments"), 0), key, json_true());
    assert_false(wj_schema_validate(&doc_schema, doc, false, &e));
    json_decref(doc);
    assert_int_equal(e.status, 422);
    assert_memory_equal(e.field, "campuses[1].departments[0].x", 28);
    assert_true(strlen(e.field) < sizeof e.field);
    assert_true(wj_utf8_len(e.field) > 0);
    j = wj_error_json(&e);
    assert_non_null(j);
    json_decref(j);
    wj_error_clear(&e);

    /* Invalid bytes in a message are replaced, a character cut at the end is dropped. */
    wj_error_set(&e, 422, "invalid_value", "a\xC0\x80" "b", "x\xED" "y %s", "\xE5\x8C");
    assert_string_equal(e.field, "a??b");
    assert_string_equal(e.message, "x?y ");
    j = wj_error_json(&e);
    assert_non_null(j);
    json_decref(j);
    wj_error_clear(&e);
    assert_int_equal(e.status, 0);
}

int run_schema_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_documents),
        cmocka_unit_test(wrong_type_is_400_invalid_type),
        cmocka_unit_test(missing_is_422_missing_field),
        cmocka_unit_test(out_of_range_is_422_invalid_value),
        cmocka_unit_test(unknown_field_is_422_with_path),
        cmocka_unit_test(string_content),
        cmocka_unit_test(null_handling),
        cmocka_unit_test(partial_mode),
        cmocka_unit_test(formats),
        cmocka_unit_test(format_ok_direct),
        cmocka_unit_test(query_accepts_declared),
        cmocka_unit_test(query_rejects),
        cmocka_unit_test(query_required),
        cmocka_unit_test(error_text_is_valid_utf8),
    };
    return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
