/* test_migrate.c — migrations on a fresh SQLite file, idempotence, refusal of a database
 * newer than the binary; indexes a bulk load set aside, built again by wj_migrate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "index_defer.h"
#include "migrate.h"
#include "unit.h"
#include "util.h"

/* The group shares one database, not migrated at first. */
static int setup(void **state)
{
    return (*state = unit_db_open("migrate", false)) ? 0 : -1;
}

static void migrations_are_ordered(void **state)
{
    (void)state;
    assert_true(wj_migration_count > 0);
    for (int i = 0; i < wj_migration_count; i++) {
        assert_non_null(wj_migrations[i].name);
        assert_non_null(wj_migrations[i].sql);
        assert_true(wj_migrations[i].version > 0);
        if (i)
            assert_true(wj_migrations[i].version > wj_migrations[i - 1].version);
    }
}

static void fresh_database_migrates(void **state)
{
    unit_db *m = *state;
    int latest = wj_migrations[wj_migration_count - 1].version;
    assert_int_equal(wj_schema_version(m->db), 0);
    assert_false(wj_schema_current(m->db));
    assert_true(wj_migrate(m->db, false));
    assert_int_equal(wj_schema_version(m->db), latest);
    assert_true(wj_schema_current(m->db));
    /* One schema_version row per migration. */
    wj_conn *c = db_acquire(m->db);
    db_rows *rows = NULL;
    assert_int_equal(db_query(c, "SELECT COUNT(*), MIN(version) FROM schema_version", DBP_NONE, &rows), DB_OK);
    assert_int_equal(db_int(rows, 0, 0), wj_migration_count);
    assert_int_equal(db_int(rows, 0, 1), wj_migrations[0].version);
    db_rows_free(rows);
    db_release(c);
    /* Running again applies nothing and succeeds. */
    assert_true(wj_migrate(m->db, false));
    assert_int_equal(wj_schema_version(m->db), latest);
    assert_true(wj_schema_current(m->db));
}

static void newer_database_is_refused(void **state)
{
    unit_db *m = *state;
    wj_conn *c = db_acquire(m->db);
    assert_int_equal(db_exec(c, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                             DBP(DB_I(9999), DB_S("9999_from_the_future.sql"), DB_I(0)), NULL),
                     DB_OK);
    db_release(c);
    assert_int_equal(wj_schema_version(m->db), 9999);
    assert_false(wj_migrate(m->db, false));
    assert_false(wj_schema_current(m->db));
    /* Nothing was undone: the row stays. */
    assert_int_equal(wj_schema_version(m->db), 9999);
}

/* The index names of table t, in order, joined by spaces ("" when none). */
static void t_indexes(wj_conn *c, char *out, size_t cap)
{
    db_rows *rows = NULL;
    assert_int_equal(db_query(c, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 't' ORDER BY name",
                              DBP_NONE, &rows),
                     DB_OK);
    out[0] = '\0';
    for (int i = 0; i < rows->nrows; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "", db_text(rows, i, 0));
    db_rows_free(rows);
}

static int64_t deferred_count(wj_conn *c)
{
    db_rows *rows = NULL;
    assert_int_equal(db_query(c, "SELECT count(*) FROM deferred_indexes", DBP_NONE, &rows), DB_OK);
    int64_t n = db_int(rows, 0, 0);
    db_rows_free(rows);
    return n;
}

static void deferred_indexes_are_built_again(void **state)
{
    unit_db *m = *state;
    assert_true(wj_migrate(m->db, false));
    wj_conn *c = db_acquire(m->db);
    assert_int_equal(db_exec_script(c, "CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX t_a ON t(a); "
                                       "CREATE INDEX t_b ON t (b, a); INSERT INTO t VALUES ('x', 'y'), ('z', 'w')"),
                     DB_OK);
    char names[128];
    /* A name that is not a plain identifier: refused, nothing changed. */
    const char *const bad[] = {"t_a", "t_b\"; DROP TABLE t; --"};
    assert_false(wj_index_defer(c, bad, 2));
    t_indexes(c, names, sizeof names);
    assert_string_equal(names, "t_a t_b");
    assert_int_equal(deferred_count(c), 0);
    /* Set aside (an index that does not exist is skipped): gone, each with its statement. */
    const char *const both[] = {"t_a", "t_b", "t_none"};
    assert_true(wj_index_defer(c, both, 3));
    t_indexes(c, names, sizeof names);
    assert_string_equal(names, "");
    db_rows *rows = NULL;
    assert_int_equal(db_query(c, "SELECT name, create_sql FROM deferred_indexes ORDER BY name", DBP_NONE, &rows), DB_OK);
    assert_int_equal(rows->nrows, 2);
    assert_string_equal(db_text(rows, 1, 1), "CREATE INDEX t_b ON t (b, a)");
    db_rows_free(rows);
    /* The load dies here; the next wj_migrate builds them and empties the table. */
    db_release(c);
    assert_true(wj_migrate(m->db, false));
    c = db_acquire(m->db);
    t_indexes(c, names, sizeof names);
    assert_string_equal(names, "t_a t_b");
    assert_int_equal(deferred_count(c), 0);
    assert_int_equal(wj_index_restore(c), 0);
    /* Someone created one again meanwhile: the other is built, the table emptied. */
    assert_true(wj_index_defer(c, both, 2));
    assert_int_equal(db_exec_script(c, "CREATE INDEX t_a ON t(a)"), DB_OK);
    assert_int_equal(wj_index_restore(c), 2);
    t_indexes(c, names, sizeof names);
    assert_string_equal(names, "t_a t_b");
    assert_int_equal(deferred_count(c), 0);
    /* The rebuilt index is the one declared: a query by it finds the row. */
    assert_int_equal(db_query(c, "SELECT a FROM t INDEXED BY t_b WHERE b = 'w'", DBP_NONE, &rows), DB_OK);
    assert_int_equal(rows->nrows, 1);
    assert_string_equal(db_text(rows, 0, 0), "z");
    db_rows_free(rows);
    db_release(c);
}

int run_migrate_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(migrations_are_ordered),
        cmocka_unit_test(fresh_database_migrates),
        cmocka_unit_test(newer_database_is_refused),
        cmocka_unit_test_setup_teardown(deferred_indexes_are_built_again, setup, unit_db_teardown),
    };
    return cmocka_run_group_tests_name("migrate", tests, setup, unit_db_teardown);
}
