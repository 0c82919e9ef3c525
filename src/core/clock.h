/* clock.h — the one source of "now" for the whole server.
 *
 * Instants are int64 milliseconds since the Unix epoch, UTC. Calendar reasoning (days,
 * deadlines) happens in Asia/Shanghai, which has had no DST since 1991: UTC+8 fixed.
 * Test builds (compiled with -DWJ_TESTING) accept an override, either process-wide from
 * $WEIJIAN_TEST_NOW or per request from the X-Weijian-Test-Now header (see http.c);
 * release builds ignore both, so production clocks cannot be moved from outside. */
#ifndef WJ_CLOCK_H
#define WJ_CLOCK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WJ_SHANGHAI_OFFSET_MS (8LL * 3600 * 1000)

/* Current instant in ms (UTC), honouring the test override in test builds. */
int64_t wj_now_ms(void);

/* Test builds only: override "now" for the calling thread (0 clears). A no-op otherwise. */
void wj_clock_set_thread_override(int64_t ms);

/* Formats an instant as RFC 3339 UTC with milliseconds: 2026-11-24T04:13:49.123Z. */
void wj_time_format_utc(int64_t ms, char out[32]);
/* An instant as JSON: its RFC 3339 string; null for 0 when `null_when_zero`. */
json_t *wj_time_json(int64_t ms, bool null_when_zero);
/* Parses RFC 3339 with Z or a ±hh:mm offset; false when malformed or out of range. */
bool wj_time_parse(const char *s, int64_t *ms);
/* Validates a calendar date YYYY-MM-DD (real month lengths, years 1900..2200). */
bool wj_date_valid(const char *s);
/* Today's date in Asia/Shanghai as YYYY-MM-DD. */
void wj_today_shanghai(char out[11]);
/* The Asia/Shanghai date of an instant. */
void wj_date_shanghai(int64_t ms, char out[11]);

/* Calendar arithmetic on days since 1970-01-01: a valid date's day number (false when not
 * a valid date), a day number's date, its ISO weekday (1 = Monday … 7 = Sunday), and the
 * instant of a wall-clock minute of that day in Asia/Shanghai. */
bool wj_date_days(const char *s, int64_t *days);
void wj_days_date(int64_t days, char out[11]);
int wj_days_weekday(int64_t days);
int64_t wj_shanghai_instant(int64_t days, int minute_of_day);

#endif
