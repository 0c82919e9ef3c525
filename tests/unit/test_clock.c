/* test_clock.c — RFC 3339 parsing and formatting, calendar dates, the test clock and
 * "today" in Asia/Shanghai. Compiled with -DWJ_TESTING (test and asan variants). */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "unit.h"
#include "util.h"

static int64_t parse_ok(const char *s)
{
    int64_t ms = 0;
    if (!wj_time_parse(s, &ms))
        fail_msg("wj_time_parse rejected \"%s\"", s);
    return ms;
}

static void time_round_trip(void **state)
{
    (void)state;
    const char *samples[] = {"2026-11-24T04:13:49.123Z", "1970-01-01T00:00:00.000Z", "2024-02-29T23:59:59.999Z",
                             "1900-01-01T00:00:00.000Z", "2200-12-31T23:59:59.001Z", "2000-03-01T12:00:00.500Z"};
    for (size_t i = 0; i < WJ_ARRAY_LEN(samples); i++) {
        char out[32];
        wj_time_format_utc(parse_ok(samples[i]), out);
        assert_string_equal(out, samples[i]);
    }
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("1970-01-01T00:00:01.5Z"), 1500);
    assert_true(parse_ok("1969-12-31T23:59:59.999Z") == -1);
    char out[32];
    wj_time_format_utc(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    wj_time_format_utc(1795536000000LL, out); /* 2026-11-24T16:00:00Z */
    assert_string_equal(out, "2026-11-24T16:00:00.000Z");
    /* More than three fraction digits are truncated to milliseconds. */
    assert_int_equal(parse_ok("1970-01-01T00:00:00.123456Z"), 123);
    /* A space instead of T is accepted (RFC 3339 allows it). */
    assert_int_equal(parse_ok("1970-01-01 00:00:01Z"), 1000);
}

static void time_offsets(void **state)
{
    (void)state;
    int64_t utc = parse_ok("2026-11-24T04:13:49.123Z");
    assert_true(parse_ok("2026-11-24T12:13:49.123+08:00") == utc);
    assert_true(parse_ok("2026-11-23T23:13:49.123-05:00") == utc);
    assert_true(parse_ok("2026-11-24T04:13:49.123+00:00") == utc);
    assert_true(parse_ok("2026-11-24T09:43:49.123+05:30") == utc);
    /* Local midnight in Shanghai is 16:00 UTC the day before. */
    char out[32];
    wj_time_format_utc(parse_ok("2026-11-25T00:00:00+08:00"), out);
    assert_string_equal(out, "2026-11-24T16:00:00.000Z");
}

static void time_rejects_invalid(void **state)
{
    (void)state;
    const char *bad[] = {
        "2023-02-29T00:00:00Z",      /* not a leap year */
        "2100-02-29T00:00:00Z",      /* century, not a leap year */
        "2026-13-01T00:00:00Z",      /* month 13 */
        "2026-00-01T00:00:00Z",      /* month 0 */
        "2026-04-31T00:00:00Z",      /* April has 30 days */
        "2026-11-00T00:00:00Z",      /* day 0 */
        "2026-11-24T24:00:00Z",      /* hour 24 */
        "2026-11-24T23:60:00Z",      /* minute 60 */
        "2026-11-24T23:59:60Z",      /* leap seconds are not accepted */
        "2026-11-24T04:13:49",       /* no zone */
        "2026-11-24T04:13:49.Z",     /* empty fraction */
        "2026-11-24T04:13:49ZZ",     /* junk after the zone */
        "2026-11-24T04:13:49+08",    /* offset without minutes */
        "2026-11-24T04:13:49+0800",  /* offset without colon */
        "2026-11-24T04:13:49+15:00", /* offset too large */
        "2026-11-24T04:13:49+08:60", /* offset minutes */
        "2026-11-24T04:13:49z",      /* lower-case z */
        "2026-11-24",                /* a date is not an instant */
        "2026-11-24X04:13:49Z",      /* separator */
        "2026-1-24T04:13:49Z",       /* short month */
        "1899-12-31T23:59:59Z",      /* before 1900 */
        "2201-01-01T00:00:00Z",      /* after 2200 */
        "+2026-11-24T04:13:49Z",
        "",
    };
    for (size_t i = 0; i < WJ_ARRAY_LEN(bad); i++) {
        int64_t ms = 42;
        if (wj_time_parse(bad[i], &ms))
            fail_msg("wj_time_parse accepted \"%s\"", bad[i]);
        assert_int_equal(ms, 42);
    }
    int64_t ms;
    assert_false(wj_time_parse(NULL, &ms));
    assert_true(wj_time_parse("2024-02-29T00:00:00Z", &ms)); /* leap year */
    assert_true(wj_time_parse("2000-02-29T00:00:00Z", &ms)); /* 400-year rule */
}

static void date_valid(void **state)
{
    (void)state;
    const char *good[] = {"2024-02-29", "2000-02-29", "2026-11-24", "1900-01-01", "2200-12-31", "2026-04-30",
                          "2026-12-31"};
    for (size_t i = 0; i < WJ_ARRAY_LEN(good); i++)
        if (!wj_date_valid(good[i]))
            fail_msg("wj_date_valid rejected %s", good[i]);
    const char *bad[] = {"2023-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-11-00",
                         "2026-11-32", "1899-12-31", "2201-01-01", "2026-1-01",  "2026-11-1",  "2026-11-24x",
                         "2026/11/24", "20261124",   "",           "2026-11-24T00:00:00Z", "abcd-ef-gh"};
    for (size_t i = 0; i < WJ_ARRAY_LEN(bad); i++)
        if (wj_date_valid(bad[i]))
            fail_msg("wj_date_valid accepted %s", bad[i]);
    assert_false(wj_date_valid(NULL));
}

static void today_shanghai_follows_test_clock(void **state)
{
    (void)state;
    char today[11];
    assert_int_equal(setenv("WEIJIAN_TEST_NOW", "2026-11-24T15:59:59Z", 1), 0);
    assert_true(wj_now_ms() == parse_ok("2026-11-24T15:59:59Z"));
    wj_today_shanghai(today);
    assert_string_equal(today, "2026-11-24");
    assert_int_equal(setenv("WEIJIAN_TEST_NOW", "2026-11-24T16:00:00Z", 1), 0);
    wj_today_shanghai(today);
    assert_string_equal(today, "2026-11-25");
    /* Year end in Shanghai comes eight hours before UTC's. */
    assert_int_equal(setenv("WEIJIAN_TEST_NOW", "2026-12-31T16:00:00.000Z", 1), 0);
    wj_today_shanghai(today);
    assert_string_equal(today, "2027-01-01");
    /* An offset in the override is honoured. */
    assert_int_equal(setenv("WEIJIAN_TEST_NOW", "2026-11-25T00:00:00+08:00", 1), 0);
    wj_today_shanghai(today);
    assert_string_equal(today, "2026-11-25");

    /* The per-thread override wins over the environment, and 0 clears it. */
    int64_t t = parse_ok("2030-06-01T03:00:00Z");
    wj_clock_set_thread_override(t);
    assert_true(wj_now_ms() == t);
    wj_today_shanghai(today);
    assert_string_equal(today, "2030-06-01");
    wj_clock_set_thread_override(0);
    assert_true(wj_now_ms() == parse_ok("2026-11-25T00:00:00+08:00"));

    /* A malformed override is ignored: the real clock answers. */
    assert_int_equal(setenv("WEIJIAN_TEST_NOW", "yesterday", 1), 0);
    int64_t real = wj_now_ms();
    assert_true(real > parse_ok("2024-01-01T00:00:00Z"));
    assert_int_equal(unsetenv("WEIJIAN_TEST_NOW"), 0);
    int64_t a = wj_now_ms(), b = wj_now_ms();
    assert_true(b >= a && b - a < 60000);
}

static void calendar_days(void **state)
{
    (void)state;
    int64_t d;
    assert_true(wj_date_days("1970-01-01", &d) && d == 0);
    assert_true(wj_date_days("2026-11-24", &d));
    assert_int_equal(wj_days_weekday(d), 2); /* a Tuesday */
    char out[11];
    wj_days_date(d + 7, out);
    assert_string_equal(out, "2026-12-01");
    wj_days_date(d + 38, out);
    assert_string_equal(out, "2027-01-01");
    assert_false(wj_date_days("2026-02-29", &d));
    assert_true(wj_date_days("1969-12-29", &d) && d == -3);
    assert_int_equal(wj_days_weekday(d), 1); /* a Monday */
    /* 08:00 in Shanghai is midnight UTC. */
    assert_true(wj_date_days("2026-11-24", &d));
    assert_true(wj_shanghai_instant(d, 8 * 60) == parse_ok("2026-11-24T00:00:00Z"));
    wj_date_shanghai(parse_ok("2026-11-24T16:00:00Z"), out);
    assert_string_equal(out, "2026-11-25");
    wj_date_shanghai(parse_ok("2026-11-24T15:59:59.999Z"), out);
    assert_string_equal(out, "2026-11-24");
}

int run_clock_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(time_round_trip),
        cmocka_unit_test(time_offsets),
        cmocka_unit_test(time_rejects_invalid),
        cmocka_unit_test(date_valid),
        cmocka_unit_test(today_shanghai_follows_test_clock),
        cmocka_unit_test(calendar_days),
    };
    return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
