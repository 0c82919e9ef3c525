/* test_mpi_blockcache.c — the bulk import's in-memory blocking index: the records sharing a
 * key are found (and only they), the per-key limit holds, a rolled-back batch leaves
 * nothing behind, and a sync reads what another connection committed, once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/modules/mpi_blockcache.h"
#include "ids.h"
#include "unit.h"
#include "util.h"

typedef struct seen {
    int64_t records[64];
    int n;
} seen;

static void collect(void *ctx, int64_t record, const mpi_demog *o)
{
    seen *s = ctx;
    assert_non_null(o->name);
    if (s->n < 64)
        s->records[s->n++] = record;
}

static bool has(const seen *s, int64_t record)
{
    for (int i = 0; i < s->n; i++)
        if (s->records[i] == record)
            return true;
    return false;
}

static void add(mpi_bcache *bc, int64_t record, const char *name_year, const char *dob_sex, const char *phone)
{
    mpi_demog d = {"张三", "zhang san", "male", "1980-01-02", phone, "", "", ""};
    mpi_blocks b = {0};
    snprintf(b.name_year, sizeof b.name_year, "%s", name_year);
    snprintf(b.dob_sex, sizeof b.dob_sex, "%s", dob_sex);
    snprintf(b.phone, sizeof b.phone, "%s", phone);
    mpi_bcache_add(bc, record, &d, &b);
}

static seen lookup(const mpi_bcache *bc, const char *name_year, const char *dob_sex, const char *phone, int limit)
{
    mpi_blocks b = {0};
    snprintf(b.name_year, sizeof b.name_year, "%s", name_year);
    snprintf(b.dob_sex, sizeof b.dob_sex, "%s", dob_sex);
    snprintf(b.phone, sizeof b.phone, "%s", phone);
    seen s = {0};
    mpi_bcache_each(bc, &b, limit, collect, &s);
    return s;
}

static void finds_by_each_key(void **state)
{
    (void)state;
    mpi_bcache *bc = mpi_bcache_new();
    add(bc, 1, "zhangsan|1980", "1980-01-02|male", "13800000001");
    add(bc, 2, "lisi|1980", "1980-01-02|male", "");
    add(bc, 3, "wangwu|1990", "1990-03-04|female", "13800000001");
    add(bc, 4, "zhaoliu|1970", "", "");
    seen s = lookup(bc, "zhangsan|1980", "", "", 200);
    assert_int_equal(s.n, 1);
    assert_true(has(&s, 1));
    s = lookup(bc, "", "1980-01-02|male", "", 200);
    assert_int_equal(s.n, 2);
    assert_true(has(&s, 1) && has(&s, 2));
    s = lookup(bc, "", "", "13800000001", 200);
    assert_int_equal(s.n, 2);
    assert_true(has(&s, 1) && has(&s, 3));
    /* An empty key finds nothing, not every record without one. */
    s = lookup(bc, "", "", "", 200);
    assert_int_equal(s.n, 0);
    s = lookup(bc, "nobody|2000", "2000-01-01|male", "139", 200);
    assert_int_equal(s.n, 0);
    /* Adding a record twice keeps one. */
    add(bc, 1, "zhangsan|1980", "1980-01-02|male", "13800000001");
    assert_int_equal(mpi_bcache_size(bc), 4);
    mpi_bcache_free(bc);
}

static void limit_per_key(void **state)
{
    (void)state;
    mpi_bcache *bc = mpi_bcache_new();
    for (int i = 1; i <= 50; i++)
        add(bc, i, "wangwei|1985", "", "");
    seen s = lookup(bc, "wangwei|1985", "", "", 20);
    assert_int_equal(s.n, 20);
    s = lookup(bc, "wangwei|1985", "", "", 200);
    assert_int_equal(s.n, 50);
    mpi_bcache_free(bc);
}

static void identifiers_known(void **state)
{
    (void)state;
    mpi_bcache *bc = mpi_bcache_new();
    mpi_ident card = {"id_card", "11010519491231002X", 0}, hosp = {"hospital_card", "A001", 42},
              other_issuer = {"hospital_card", "A001", 43};
    assert_false(mpi_bcache_may_hold(bc, &card));
    mpi_bcache_add_ident(bc, &card);
    mpi_bcache_add_ident(bc, &hosp);
    mpi_bcache_add_ident(bc, &card); /* twice is once */
    assert_true(mpi_bcache_may_hold(bc, &card));
    assert_true(mpi_bcache_may_hold(bc, &hosp));
    assert_false(mpi_bcache_may_hold(bc, &other_issuer)); /* the issuer is part of the value */
    mpi_bcache_free(bc);
}

static void insert_record(wj_conn *c, int64_t id, const char *name_year)
{
    assert_int_equal(db_exec(c,
                             "INSERT INTO mpi_records (id, name_key, pinyin, sex, birth_date, bk_name_year) "
                             "VALUES (?, '张三', 'zhang san', 'male', '1980-01-02', ?)",
                             DBP(DB_I(id), DB_S(name_year)), NULL),
                     DB_OK);
}

/* The columns of the two tables the cache reads. */
static void create_tables(wj_conn *c)
{
    assert_int_equal(db_exec_script(c, "CREATE TABLE mpi_records (id INTEGER PRIMARY KEY, name_key TEXT, "
                                       "pinyin TEXT, sex TEXT, birth_date TEXT, phone TEXT, address_key TEXT, "
                                       "area_code TEXT, id_card TEXT, bk_name_year TEXT, bk_dob_sex TEXT)"),
                     DB_OK);
    assert_int_equal(db_exec_script(c, "CREATE TABLE person_identifiers (id INTEGER PRIMARY KEY, type TEXT, "
                                       "issuer INTEGER, value TEXT)"),
                     DB_OK);
}

/* A database with the two tables, and two connections to it: the test's own and another
 * writer's. */
typedef struct {
    unit_db *u;
    wj_conn *mine, *other;
} two_conns;

static int two_setup(void **state)
{
    two_conns *t = wj_xcalloc(1, sizeof *t);
    if (!(t->u = unit_db_open("bcache", false))) {
        free(t);
        return -1;
    }
    t->mine = db_acquire(t->u->db);
    t->other = db_acquire(t->u->db);
    create_tables(t->other);
    *state = t;
    return 0;
}

static int two_teardown(void **state)
{
    two_conns *t = *state;
    db_release(t->mine);
    db_release(t->other);
    unit_db_close(t->u);
    free(t);
    return 0;
}

static void sync_follows_other_writers(void **state)
{
    two_conns *t = *state;
    wj_conn *mine = t->mine, *other = t->other;
    insert_record(other, wj_id_new(), "zhangsan|1980");
    mpi_bcache *bc = mpi_bcache_new();
    assert_true(mpi_bcache_sync(bc, mine));
    assert_int_equal(mpi_bcache_size(bc), 1);
    /* Another connection commits a record: the next sync has it, the one after adds nothing. */
    insert_record(other, wj_id_new(), "zhangsan|1980");
    mpi_ident card = {"id_card", "11010519491231002X", 0};
    assert_int_equal(db_exec(other, "INSERT INTO person_identifiers VALUES (?, 'id_card', 0, '11010519491231002X')",
                             DBP(DB_I(wj_id_new())), NULL),
                     DB_OK);
    assert_false(mpi_bcache_may_hold(bc, &card));
    assert_true(mpi_bcache_sync(bc, mine));
    assert_int_equal(mpi_bcache_size(bc), 2);
    assert_true(mpi_bcache_may_hold(bc, &card));
    assert_true(mpi_bcache_sync(bc, mine));
    assert_int_equal(mpi_bcache_size(bc), 2);
    assert_int_equal(lookup(bc, "zhangsan|1980", "", "", 200).n, 2);
    mpi_bcache_free(bc);
}

/* The pipelined import: its writer notices other connections' commits by data_version
 * (its own do not move it), and the preparer's catch-up reads every commit once. */
static void catch_up_reads_every_commit_once(void **state)
{
    two_conns *t = *state;
    wj_conn *writer = t->mine, *other = t->other;
    int64_t v0, v1;
    assert_int_equal(db_data_version(writer, &v0), DB_OK);
    mpi_bcache *bc = mpi_bcache_new();
    int64_t own = wj_id_new();
    mpi_demog d = {"张三", "zhang san", "male", "1980-01-02", "", "", "", ""};
    mpi_blocks b = {"zhangsan|1980", "", ""};
    mpi_bcache_add(bc, own, &d, &b); /* prepared before it is written */
    insert_record(writer, own, "zhangsan|1980");
    assert_int_equal(db_data_version(writer, &v1), DB_OK);
    assert_true(v1 == v0); /* its own commit */
    insert_record(other, wj_id_new(), "zhangsan|1980");
    assert_int_equal(db_data_version(writer, &v1), DB_OK);
    assert_true(v1 != v0); /* another connection's */
    assert_true(mpi_bcache_catch_up(bc, other));
    assert_int_equal(mpi_bcache_size(bc), 2); /* the own record once, the other's added */
    assert_true(mpi_bcache_catch_up(bc, other));
    assert_int_equal(mpi_bcache_size(bc), 2);
    assert_int_equal(lookup(bc, "zhangsan|1980", "", "", 200).n, 2);
    mpi_bcache_free(bc);
}

int run_mpi_blockcache_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_by_each_key),
        cmocka_unit_test(limit_per_key),
        cmocka_unit_test(identifiers_known),
        cmocka_unit_test_setup_teardown(sync_follows_other_writers, two_setup, two_teardown),
        cmocka_unit_test_setup_teardown(catch_up_reads_every_commit_once, two_setup, two_teardown),
    };
    return cmocka_run_group_tests_name("mpi_blockcache", tests, NULL, NULL);
}
