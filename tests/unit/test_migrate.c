/* test_migrate.c — migrations on a fresh SQLite file, idempotence, refusal of a database
 * newer than the binary. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "migrate.h"
#include "unit.h"
#include "util.h"

typedef struct {
    char *path;
    wj_db *db;
} mfix;

static int setup(void **state)
{
    mfix *m = wj_xcalloc(1, sizeof *m);
    m->path = unit_temp_db_path("migrate");
    m->db = db_open(m->path, 2);
    if (!m->db) {
        free(m->path);
        free(m);
        return -1;
    }
    *state = m;
    return 0;
}

static int teardown(void **state)
{
    mfix *m = *state;
    db_close(m->db);
    unit_temp_db_remove(m->path);
    free(m->path);
    free(m);
    return 0;
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
    mfix *m = *state;
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
    mfix *m = *state;
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

int run_migrate_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(migrations_are_ordered),
        cmocka_unit_test(fresh_database_migrates),
        cmocka_unit_test(newer_database_is_refused),
    };
    return cmocka_run_group_tests_name("migrate", tests, setup, teardown);
}
