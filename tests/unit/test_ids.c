/* test_ids.c — id creation, formatting and parsing. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ids.h"
#include "unit.h"
#include "util.h"

#define N_IDS 100000
#define ID_EPOCH_MS 1704067200000LL /* 2024-01-01T00:00:00Z, as in ids.c */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int64_t real_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void id_new_positive_unique_increasing(void **state)
{
    (void)state;
    int64_t before = real_now_ms() - ID_EPOCH_MS;
    int64_t *ids = wj_xmalloc(N_IDS * sizeof *ids);
    int decreases = 0;
    for (int i = 0; i < N_IDS; i++) {
        ids[i] = wj_id_new();
        if (ids[i] <= 0) {
            long long bad = (long long)ids[i];
            free(ids);
            fail_msg("id #%d is not positive: %lld", i, bad);
        }
        if (i && ids[i] < ids[i - 1])
            decreases++;
    }
    int64_t after = real_now_ms() - ID_EPOCH_MS;
    /* Roughly increasing: the top bits are the creation time. */
    int64_t first_ms = ids[0] >> 22, last_ms = ids[N_IDS - 1] >> 22;
    assert_true(first_ms >= before - 1 && first_ms <= after + 1);
    assert_true(last_ms >= first_ms);
    /* Ids made in one millisecond may spill into the next one's range, never further
     * than the number made. */
    assert_true(last_ms <= after + 1 + N_IDS / (1 << 22) + 1);
    assert_true(decreases < N_IDS / 100);
    /* Unique. */
    qsort(ids, N_IDS, sizeof *ids, cmp_i64);
    int dups = 0;
    for (int i = 1; i < N_IDS; i++)
        dups += ids[i] == ids[i - 1];
    free(ids);
    assert_int_equal(dups, 0);
}

static void id_format_parse(void **state)
{
    (void)state;
    char buf[24];
    int64_t id = wj_id_new(), back = 0;
    wj_id_format(id, buf);
    assert_true(wj_id_parse(buf, &back));
    assert_true(back == id);
    wj_id_format(INT64_MAX, buf);
    assert_string_equal(buf, "9223372036854775807");
    assert_true(wj_id_parse(buf, &back));
    assert_true(back == INT64_MAX);
    assert_true(wj_id_parse("1", &back));
    assert_int_equal(back, 1);
}

static void id_parse_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"0",   "-1",   "01",  "abc", "9223372036854775808", "", "00", "-0", "1a",
                         " 1",  "1 ",   "+1",  "1.0", "1e3", "18446744073709551616", "-9223372036854775808"};
    for (size_t i = 0; i < WJ_ARRAY_LEN(bad); i++) {
        int64_t id = 99;
        if (wj_id_parse(bad[i], &id))
            fail_msg("wj_id_parse accepted \"%s\"", bad[i]);
        assert_int_equal(id, 99);
    }
    int64_t id;
    assert_false(wj_id_parse(NULL, &id));
}

int run_ids_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_new_positive_unique_increasing),
        cmocka_unit_test(id_format_parse),
        cmocka_unit_test(id_parse_rejects),
    };
    return cmocka_run_group_tests_name("ids", tests, NULL, NULL);
}
