/* test_util.c — number parsing, UTF-8 counting, base64url, SHA-256, buffers. */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "util.h"

static void parse_i64_accepts_whole_numbers(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_true(wj_parse_i64("0", &v));
    assert_int_equal(v, 0);
    assert_true(wj_parse_i64("123", &v));
    assert_int_equal(v, 123);
    assert_true(wj_parse_i64("-42", &v));
    assert_int_equal(v, -42);
    assert_true(wj_parse_i64("9223372036854775807", &v));
    assert_true(v == INT64_MAX);
    assert_true(wj_parse_i64("-9223372036854775808", &v));
    assert_true(v == INT64_MIN);
}

static void parse_i64_rejects_junk_overflow_empty(void **state)
{
    (void)state;
    int64_t v = 777;
    const char *bad[] = {"",    "abc",  "12a", "1 ",  " 1",  "+1", "-",  "--1", "1.0", "1e3", "0x10",
                         "９", "9223372036854775808", "-9223372036854775809", "99999999999999999999"};
    for (size_t i = 0; i < WJ_ARRAY_LEN(bad); i++) {
        if (wj_parse_i64(bad[i], &v))
            fail_msg("wj_parse_i64 accepted \"%s\"", bad[i]);
    }
    assert_false(wj_parse_i64(NULL, &v));
    assert_int_equal(v, 777); /* untouched on failure */
}

static void parse_double_accepts_decimals(void **state)
{
    (void)state;
    double d = 0;
    assert_true(wj_parse_double("3.5", &d));
    assert_true(d == 3.5);
    assert_true(wj_parse_double("-0.25", &d));
    assert_true(d == -0.25);
    assert_true(wj_parse_double("1e3", &d));
    assert_true(d == 1000.0);
    assert_true(wj_parse_double("117.000001", &d));
    assert_true(d > 117.0 && d < 117.00001);
    assert_true(wj_parse_double("42", &d));
    assert_true(d == 42.0);
    assert_true(wj_parse_double(".5", &d));
    assert_true(d == 0.5);
}

static void parse_double_rejects_junk(void **state)
{
    (void)state;
    double d = 9.0;
    const char *bad[] = {"",    "abc", "1.5x", "x1.5", " 1.5", "1.5 ", "inf",  "-inf", "infinity",
                         "nan", "NaN", "1e999", "-1e999", "0x10", "0x1p3", "1,5", "+", "-", "."};
    for (size_t i = 0; i < WJ_ARRAY_LEN(bad); i++) {
        if (wj_parse_double(bad[i], &d))
            fail_msg("wj_parse_double accepted \"%s\"", bad[i]);
    }
    assert_false(wj_parse_double(NULL, &d));
    assert_true(d == 9.0);
}

static void all_digits(void **state)
{
    (void)state;
    assert_true(wj_all_digits("370100000000", 12));
    assert_false(wj_all_digits("37010000000", 12));
    assert_false(wj_all_digits("3701000000001", 12));
    assert_false(wj_all_digits("37010000000a", 12));
    assert_false(wj_all_digits(NULL, 0));
    assert_true(wj_all_digits("", 0));
}

static void utf8_len_valid(void **state)
{
    (void)state;
    assert_int_equal(wj_utf8_len(""), 0);
    assert_int_equal(wj_utf8_len("abc"), 3);
    assert_int_equal(wj_utf8_len("济南市中心医院"), 7);
    assert_int_equal(wj_utf8_len("é"), 1);          /* 2 bytes */
    assert_int_equal(wj_utf8_len("\xF0\x9D\x84\x9E"), 1); /* U+1D11E, 4 bytes */
    assert_int_equal(wj_utf8_len("\xF4\x8F\xBF\xBF"), 1); /* U+10FFFF, the last code point */
    assert_int_equal(wj_utf8_len("a济b"), 3);
}

static void utf8_len_invalid(void **state)
{
    (void)state;
    const char *bad[] = {
        "\xC0\x80",         /* overlong NUL */
        "\xC1\xBF",         /* overlong */
        "\xE0\x80\xAF",     /* overlong '/' */
        "\xF0\x80\x80\xAF", /* overlong '/' */
        "\xED\xA0\x80",     /* U+D800, a surrogate */
        "\xED\xBF\xBF",     /* U+DFFF, a surrogate */
        "\xF4\x90\x80\x80", /* past U+10FFFF */
        "\xE6\xB5",         /* truncated 3-byte sequence */
        "ab\xE6",           /* truncated at the end */
        "\xF0\x9D\x84",     /* truncated 4-byte sequence */
        "\x80",             /* lone continuation byte */
        "a\xBFz",           /* continuation byte in the middle */
        "\xFF",             /* never valid */
        "\xF8\x88\x80\x80\x80", /* 5-byte form */
        "\xE6\x41\x41",     /* lead byte followed by ASCII */
    };
    for (size_t i = 0; i < WJ_ARRAY_LEN(bad); i++)
        if (wj_utf8_len(bad[i]) != -1)
            fail_msg("wj_utf8_len accepted invalid sequence #%zu", i);
}

static void base64url_round_trip(void **state)
{
    (void)state;
    unsigned char bytes[64];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(0xFF - i * 7);
    for (size_t n = 0; n <= sizeof bytes; n++) {
        char *enc = wj_b64url_encode(bytes, n);
        assert_non_null(enc);
        /* URL-safe alphabet, no padding */
        for (const char *p = enc; *p; p++)
            if (*p == '+' || *p == '/' || *p == '=')
                fail_msg("'%c' in base64url output %s", *p, enc);
        size_t m = 999;
        unsigned char *dec = wj_b64url_decode(enc, &m);
        assert_non_null(dec);
        assert_int_equal(m, n);
        assert_memory_equal(dec, bytes, n);
        free(dec);
        free(enc);
    }
    char *enc = wj_b64url_encode((const unsigned char *)"\xFB\xFF", 2);
    assert_string_equal(enc, "-_8");
    free(enc);
    enc = wj_b64url_encode((const unsigned char *)"hello", 5);
    assert_string_equal(enc, "aGVsbG8");
    free(enc);
}

static void base64url_rejects_invalid(void **state)
{
    (void)state;
    const char *bad[] = {"aGVsbG8=", "+_8", "/_8", "a", "aGV sbG8", "aGVsbG8!", "é", "aGVs\nbG8"};
    for (size_t i = 0; i < WJ_ARRAY_LEN(bad); i++) {
        size_t n = 0;
        unsigned char *dec = wj_b64url_decode(bad[i], &n);
        if (dec) {
            free(dec);
            fail_msg("wj_b64url_decode accepted \"%s\"", bad[i]);
        }
    }
    size_t n = 5;
    unsigned char *dec = wj_b64url_decode("", &n);
    assert_non_null(dec);
    assert_int_equal(n, 0);
    free(dec);
}

static void sha256_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    wj_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    wj_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    wj_sha256_hex(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void buf_grows(void **state)
{
    (void)state;
    wj_buf b = {0};
    for (int i = 0; i < 1000; i++)
        wj_buf_printf(&b, "%d,", i % 10);
    assert_int_equal(b.len, 2000);
    assert_int_equal(strlen(b.data), 2000);
    assert_memory_equal(b.data, "0,1,2,", 6);
    wj_buf_puts(&b, "end");
    assert_string_equal(b.data + 2000, "end");
    wj_buf_free(&b);
    assert_null(b.data);
    char *s = wj_xasprintf("%s-%d", "济南", 7);
    assert_string_equal(s, "济南-7");
    free(s);
    s = wj_xstrndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
}

int run_util_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_i64_accepts_whole_numbers),
        cmocka_unit_test(parse_i64_rejects_junk_overflow_empty),
        cmocka_unit_test(parse_double_accepts_decimals),
        cmocka_unit_test(parse_double_rejects_junk),
        cmocka_unit_test(all_digits),
        cmocka_unit_test(utf8_len_valid),
        cmocka_unit_test(utf8_len_invalid),
        cmocka_unit_test(base64url_round_trip),
        cmocka_unit_test(base64url_rejects_invalid),
        cmocka_unit_test(sha256_known_vectors),
        cmocka_unit_test(buf_grows),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
