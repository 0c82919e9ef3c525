/* clock.c — see clock.h. */
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef WJ_TESTING
static _Thread_local int64_t thread_override;
#endif

int64_t wj_now_ms(void)
{
#ifdef WJ_TESTING
    if (thread_override)
        return thread_override;
    const char *env = getenv("WEIJIAN_TEST_NOW");
    int64_t ms;
    if (env && wj_time_parse(env, &ms))
        return ms;
#endif
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wj_clock_set_thread_override(int64_t ms)
{
#ifdef WJ_TESTING
    thread_override = ms;
#else
    (void)ms;
#endif
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static unsigned month_days(int y, unsigned m)
{
    static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

void wj_time_format_utc(int64_t ms, char out[32])
{
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t rem = ms - days * 86400000;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 32, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, (int)(rem / 3600000),
             (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), (int)(rem % 1000));
}

json_t *wj_time_json(int64_t ms, bool null_when_zero)
{
    char s[32];
    if (!ms && null_when_zero)
        return json_null();
    wj_time_format_utc(ms, s);
    return json_string(s);
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool parse_date(const char *s, int *y, int *m, int *d)
{
    if (!digits(s, 4, y) || s[4] != '-' || !digits(s + 5, 2, m) || s[7] != '-' || !digits(s + 8, 2, d))
        return false;
    if (*y < 1900 || *y > 2200 || *m < 1 || *m > 12 || *d < 1 || (unsigned)*d > month_days(*y, (unsigned)*m))
        return false;
    return true;
}

bool wj_date_valid(const char *s)
{
    int y, m, d;
    return s && strlen(s) == 10 && parse_date(s, &y, &m, &d);
}

bool wj_time_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, frac = 0;
    if (!s || strlen(s) < 20 || !parse_date(s, &y, &mo, &d))
        return false;
    if ((s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
        s[16] != ':' || !digits(s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 59)
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        int n = 0;
        while (*p >= '0' && *p <= '9') {
            if (n < 3)
                frac = frac * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0)
            return false;
        for (; n < 3; n++)
            frac *= 10;
    }
    int64_t offset_min = 0;
    if (*p == 'Z' && p[1] == '\0') {
        offset_min = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || !digits(p + 4, 2, &om) || oh > 14 || om > 59)
            return false;
        offset_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
    } else {
        return false;
    }
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms = ((days * 86400 + h * 3600 + mi * 60 + sec) - offset_min * 60) * 1000 + frac;
    return true;
}

void wj_today_shanghai(char out[11])
{
    /* Every validated date asks: the text is made once per day (and thread). */
    static _Thread_local int64_t last_days = INT64_MIN;
    static _Thread_local char last[11];
    int64_t ms = wj_now_ms() + WJ_SHANGHAI_OFFSET_MS;
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    if (days != last_days) {
        int y;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        snprintf(last, sizeof last, "%04d-%02u-%02u", y, m, d);
        last_days = days;
    }
    memcpy(out, last, 11);
}

bool wj_date_days(const char *s, int64_t *days)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || !parse_date(s, &y, &m, &d))
        return false;
    *days = days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

void wj_days_date(int64_t days, char out[11])
{
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 11, "%04d-%02u-%02u", y, m, d);
}

int wj_days_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w) + 1;
}

int64_t wj_shanghai_instant(int64_t days, int minute_of_day)
{
    return (days * 86400 + (int64_t)minute_of_day * 60) * 1000 - WJ_SHANGHAI_OFFSET_MS;
}

void wj_date_shanghai(int64_t ms, char out[11])
{
    int64_t t = ms + WJ_SHANGHAI_OFFSET_MS;
    wj_days_date(t >= 0 ? t / 86400000 : -((-t + 86399999) / 86400000), out);
}
