/* ids.c — see ids.h. */
#include "ids.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

#define WJ_ID_EPOCH_MS 1704067200000LL /* 2024-01-01T00:00:00Z */

/* The last id handed out by this process. 22 random bits alone collide within one
 * millisecond (birthday bound: ~1 in 8 for 1000 ids in a ms, dozens per 100k ids in a tight
 * loop), so ids of one process are made strictly increasing: a candidate not above the last
 * one becomes last + 1. The random low bits still keep separate processes apart. */
static _Atomic int64_t last_id;

/* 22 random bits from a per-thread buffer: one getrandom call per 64 ids instead of one
 * per id (bulk imports mint several ids a row). */
static uint32_t random_bits22(void)
{
    static _Thread_local uint32_t buf[64];
    static _Thread_local int left;
    if (left == 0) {
        randombytes_buf(buf, sizeof buf);
        left = 64;
    }
    return buf[--left] & ((1u << 22) - 1);
}

int64_t wj_id_new(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - WJ_ID_EPOCH_MS;
    uint32_t rnd = random_bits22();
    int64_t id = ((ms & ((1LL << 40) - 1)) << 22) | rnd;
    if (id <= 0)
        id = 1;
    int64_t prev = atomic_load(&last_id);
    for (;;) {
        int64_t next = id > prev ? id : prev + 1;
        if (atomic_compare_exchange_weak(&last_id, &prev, next))
            return next;
    }
}

int64_t wj_id_since(int64_t ms_ago)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - WJ_ID_EPOCH_MS - ms_ago;
    return ms > 0 ? (ms & ((1LL << 40) - 1)) << 22 : 1;
}

void wj_id_format(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

bool wj_id_parse(const char *s, int64_t *id)
{
    int64_t v;
    if (!s || *s == '-' || *s == '0' || !wj_parse_i64(s, &v) || v <= 0)
        return false;
    *id = v;
    return true;
}

json_t *wj_id_json(int64_t id)
{
    char s[24];
    if (!id)
        return json_null();
    wj_id_format(id, s);
    return json_string(s);
}
