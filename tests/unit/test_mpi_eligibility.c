/* test_mpi_eligibility.c — mpi_pools_on: the elderly pool by age on the day (the 60th
 * birthday counts, the day before does not; configurable age), verified attributes valid
 * on the day (from and to inclusive, open ends, revoked ones not), attributes of a merged
 * person, and an unknown person. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "migrate.h"
#include "unit.h"
#include "util.h"
#include "../../src/modules/mpi.h"

typedef struct {
    unit_db *u;
    wj_conn *c;
} efix;

static int setup(void **state)
{
    efix *f = wj_xcalloc(1, sizeof *f);
    if (!(f->u = unit_db_open("eligibility", true))) {
        free(f);
        return -1;
    }
    f->c = db_acquire(f->u->db);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    efix *f = *state;
    db_release(f->c);
    unit_db_close(f->u);
    free(f);
    return 0;
}

static void person(wj_conn *c, int64_t id, const char *birth, int64_t merged_into)
{
    assert_int_equal(db_exec(c,
                             "INSERT INTO persons (id, name, name_key, pinyin, sex, birth_date, merged_into, created_at, "
                             "updated_at) VALUES (?, '测试', '测试', 'ce shi', 'female', ?, ?, 0, 0)",
                             DBP(DB_I(id), DB_S(birth), merged_into ? DB_I(merged_into) : DB_NULL), NULL),
                     DB_OK);
}

static void attribute(wj_conn *c, int64_t person, const char *type, const char *from, const char *to, bool revoked)
{
    static int64_t next = 1000;
    assert_int_equal(db_exec(c,
                             "INSERT INTO person_attributes (id, person_id, type, evidence_type, valid_from, valid_to, "
                             "created_at, revoked_at) VALUES (?, ?, ?, 'card', ?, ?, 0, ?)",
                             DBP(DB_I(++next), DB_I(person), DB_S(type), DB_S(from), DB_S(to),
                                 revoked ? DB_I(1) : DB_NULL),
                             NULL),
                     DB_OK);
}

static unsigned pools(wj_conn *c, int64_t person, const char *date, int age)
{
    unsigned mask = 0;
    wj_error e = {0};
    assert_true(mpi_pools_on(c, person, date, age, &mask, &e));
    return mask;
}

static void elderly_by_age_on_the_day(void **state)
{
    efix *f = *state;
    person(f->c, 1, "1966-12-01", 0);
    assert_int_equal(pools(f->c, 1, "2026-11-30", 60), MPI_POOL_GENERAL);
    assert_int_equal(pools(f->c, 1, "2026-12-01", 60), MPI_POOL_GENERAL | MPI_POOL_ELDERLY);
    assert_int_equal(pools(f->c, 1, "2026-11-30", 59), MPI_POOL_GENERAL | MPI_POOL_ELDERLY);
    /* Born on 29 February 1964: 60 on 29 February 2024, not the day before. */
    person(f->c, 2, "1964-02-29", 0);
    assert_int_equal(pools(f->c, 2, "2024-02-28", 60), MPI_POOL_GENERAL);
    assert_int_equal(pools(f->c, 2, "2024-02-29", 60), MPI_POOL_GENERAL | MPI_POOL_ELDERLY);
    assert_int_equal(pools(f->c, 2, "2025-02-28", 60), MPI_POOL_GENERAL | MPI_POOL_ELDERLY);
}

static void attributes_valid_on_the_day(void **state)
{
    efix *f = *state;
    person(f->c, 3, "1990-05-05", 0);
    attribute(f->c, 3, "military", "2020-01-01", "2026-12-01", false);
    attribute(f->c, 3, "pregnant", "2026-12-02", NULL, false);
    attribute(f->c, 3, "disabled", "2020-01-01", NULL, true);
    assert_int_equal(pools(f->c, 3, "2019-12-31", 60), MPI_POOL_GENERAL);
    assert_int_equal(pools(f->c, 3, "2020-01-01", 60), MPI_POOL_GENERAL | MPI_POOL_MILITARY);
    assert_int_equal(pools(f->c, 3, "2026-12-01", 60), MPI_POOL_GENERAL | MPI_POOL_MILITARY);
    assert_int_equal(pools(f->c, 3, "2026-12-02", 60), MPI_POOL_GENERAL | MPI_POOL_PREGNANT);
    assert_int_equal(pools(f->c, 3, "2030-01-01", 60), MPI_POOL_GENERAL | MPI_POOL_PREGNANT);
}

static void merged_persons_and_unknown_ones(void **state)
{
    efix *f = *state;
    person(f->c, 4, "1980-01-01", 0);
    person(f->c, 5, "1980-01-01", 4); /* merged into 4 */
    attribute(f->c, 5, "disabled", "2021-01-01", NULL, false);
    /* Asked by either id, the current person counts its merged person's attribute. */
    assert_int_equal(pools(f->c, 4, "2026-12-01", 60), MPI_POOL_GENERAL | MPI_POOL_DISABLED);
    assert_int_equal(pools(f->c, 5, "2026-12-01", 60), MPI_POOL_GENERAL | MPI_POOL_DISABLED);
    unsigned mask;
    wj_error e = {0};
    assert_false(mpi_pools_on(f->c, 999, "2026-12-01", 60, &mask, &e));
    assert_int_equal(e.status, 404);
}

int run_mpi_eligibility_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(elderly_by_age_on_the_day, setup, teardown),
        cmocka_unit_test_setup_teardown(attributes_valid_on_the_day, setup, teardown),
        cmocka_unit_test_setup_teardown(merged_persons_and_unknown_ones, setup, teardown),
    };
    return cmocka_run_group_tests_name("mpi_eligibility", tests, NULL, NULL);
}
