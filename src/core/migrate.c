/* migrate.c — see migrate.h. */
#include "migrate.h"

#include <stdio.h>

#include "clock.h"
#include "index_defer.h"

static const char *create_version_table =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at BIGINT NOT NULL)";

int wj_schema_version(wj_db *db)
{
    wj_conn *c = db_acquire(db);
    int v = -1;
    if (db_exec_script(c, create_version_table) == DB_OK) {
        db_rows *rows;
        if (db_query(c, "SELECT COALESCE(MAX(version), 0) FROM schema_version", DBP_NONE, &rows) == DB_OK) {
            v = (int)db_int(rows, 0, 0);
            db_rows_free(rows);
        }
    }
    db_release(c);
    return v;
}

static int binary_version(void)
{
    return wj_migration_count ? wj_migrations[wj_migration_count - 1].version : 0;
}

bool wj_migrate(wj_db *db, bool verbose)
{
    int have = wj_schema_version(db);
    if (have < 0) {
        fputs("weijian: cannot read the schema version\n", stderr);
        return false;
    }
    if (have > binary_version()) {
        fprintf(stderr, "weijian: the database is at schema version %d, newer than this binary (%d); "
                        "upgrade weijian before using it\n", have, binary_version());
        return false;
    }
    wj_conn *c = db_acquire(db);
    bool ok = true;
    for (int i = 0; ok && i < wj_migration_count; i++) {
        const wj_migration *m = &wj_migrations[i];
        if (m->version <= have)
            continue;
        if (verbose)
            fprintf(stderr, "migrate: applying %s\n", m->name);
        ok = db_begin(c, true) == DB_OK && db_exec_script(c, m->sql) == DB_OK &&
             db_exec(c, "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                     DBP(DB_I(m->version), DB_S(m->name), DB_I(wj_now_ms())), NULL) == DB_OK &&
             db_commit(c) == DB_OK;
        if (!ok) {
            fprintf(stderr, "weijian: migration %s failed: %s\n", m->name, db_errmsg(c));
            db_rollback(c);
        }
    }
    db_release(c);
    if (ok && verbose)
        fprintf(stderr, "migrate: schema at version %d\n", binary_version());
    return ok && wj_restore_deferred_indexes(db);
}

bool wj_restore_deferred_indexes(wj_db *db)
{
    wj_conn *c = db_acquire(db);
    int n = wj_index_restore(c);
    db_release(c);
    if (n > 0)
        fprintf(stderr, "weijian: built %d index%s that an unfinished bulk load had set aside\n", n, n == 1 ? "" : "es");
    return n >= 0;
}

bool wj_schema_current(wj_db *db)
{
    int v = wj_schema_version(db);
    if (v > binary_version())
        fprintf(stderr, "weijian: the database is at schema version %d, newer than this binary (%d)\n", v,
                binary_version());
    else if (v < binary_version())
        fprintf(stderr, "weijian: the database is at schema version %d; run `weijian migrate` (binary: %d)\n", v,
                binary_version());
    return v == binary_version();
}
