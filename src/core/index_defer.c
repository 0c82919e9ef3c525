/* index_defer.c — see index_defer.h. */
#include "index_defer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "util.h"

/* DDL cannot take an index name as a parameter: the names are checked to be plain
 * identifiers before they are put into a statement. */
static bool plain_identifier(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

bool wj_index_defer(wj_conn *c, const char *const names[], int n)
{
    if (db_conn_kind(c) != WJ_DB_SQLITE)
        return true;
    for (int i = 0; i < n; i++)
        if (!plain_identifier(names[i]))
            return false;
    if (db_begin(c, true) != DB_OK)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < n; i++) {
        db_rows *rows;
        if (db_query(c, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", DBP(DB_S(names[i])),
                     &rows) != DB_OK) {
            ok = false;
            break;
        }
        if (rows->nrows == 1 && db_text(rows, 0, 0)) {
            char drop[96];
            snprintf(drop, sizeof drop, "DROP INDEX \"%s\"", names[i]);
            ok = db_exec(c, "INSERT INTO deferred_indexes (name, create_sql, deferred_at) VALUES (?, ?, ?)",
                         DBP(DB_S(names[i]), DB_S(db_text(rows, 0, 0)), DB_I(wj_now_ms())), NULL) == DB_OK &&
                 db_exec_script(c, drop) == DB_OK;
        }
        db_rows_free(rows);
    }
    if (ok && db_commit(c) == DB_OK)
        return true;
    db_rollback(c);
    return false;
}

int wj_index_restore(wj_conn *c)
{
    if (db_conn_kind(c) != WJ_DB_SQLITE)
        return 0;
    db_rows *rows;
    /* At rest the table is empty: no write lock to find that out. */
    if (db_query(c, "SELECT 1 FROM deferred_indexes LIMIT 1", DBP_NONE, &rows) != DB_OK)
        return -1;
    int held = rows->nrows;
    db_rows_free(rows);
    if (!held)
        return 0;
    if (db_begin(c, true) != DB_OK)
        return -1;
    if (db_query(c, "SELECT name, create_sql FROM deferred_indexes ORDER BY name", DBP_NONE, &rows) != DB_OK) {
        db_rollback(c);
        return -1;
    }
    bool ok = true;
    /* The statements are SQLite's own text of indexes it held (sqlite_master.sql); IF NOT
     * EXISTS, as someone may have created one again meanwhile. */
    static const char head[] = "CREATE INDEX ";
    for (int i = 0; ok && i < rows->nrows; i++) {
        const char *sql = db_text(rows, i, 1);
        if (!(ok = strncmp(sql, head, sizeof head - 1) == 0))
            break;
        char *create = wj_xasprintf("CREATE INDEX IF NOT EXISTS %s", sql + sizeof head - 1);
        ok = db_exec_script(c, create) == DB_OK;
        free(create);
    }
    int built = rows->nrows;
    db_rows_free(rows);
    if (ok && built)
        ok = db_exec(c, "DELETE FROM deferred_indexes", DBP_NONE, NULL) == DB_OK;
    if (ok && db_commit(c) == DB_OK)
        return built;
    fprintf(stderr, "{\"level\":\"error\",\"msg\":\"deferred indexes not built\",\"why\":\"%s\"}\n", db_errmsg(c));
    db_rollback(c);
    return -1;
}
