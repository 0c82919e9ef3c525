/* db.h — one storage layer over two backends: SQLite (embedded, one writer) and PostgreSQL.
 *
 * SQL is written once with `?` placeholders; the PostgreSQL backend rewrites them to $1..$n.
 * Parameters are always bound, never spliced into the text. Results are materialised into a
 * db_rows value (PostgreSQL returns whole results anyway), read with typed accessors.
 *
 * Connections come from a pool. A write transaction on SQLite first takes the process-wide
 * write lock and then BEGIN IMMEDIATE, so writers queue on a mutex instead of spinning on
 * SQLITE_BUSY; readers run concurrently under WAL. On PostgreSQL every connection may write. */
#ifndef WJ_DB_H
#define WJ_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wj_db wj_db;
typedef struct wj_conn wj_conn;

typedef enum { WJ_DB_SQLITE, WJ_DB_PG } wj_db_kind;

typedef enum {
    DB_OK = 0,
    DB_ERROR,      /* anything unexpected: logged with the SQL that failed */
    DB_CONFLICT,   /* unique or primary-key violation */
    DB_FOREIGN,    /* foreign-key violation */
} db_status;

typedef enum { DBV_NULL, DBV_INT, DBV_DOUBLE, DBV_TEXT } db_val_type;

typedef struct db_val {
    db_val_type type;
    int64_t i;
    double d;
    const char *s;
} db_val;

#define DB_I(x) ((db_val){.type = DBV_INT, .i = (x)})
#define DB_D(x) ((db_val){.type = DBV_DOUBLE, .d = (x)})
static inline db_val db_val_text(const char *s)
{
    return (db_val){.type = s ? DBV_TEXT : DBV_NULL, .s = s};
}
#define DB_S(x) db_val_text(x)
#define DB_NULL ((db_val){.type = DBV_NULL})
/* Expands to "params, count" for db_query/db_exec: db_exec(c, sql, DBP(DB_I(id)), NULL). */
#define DBP(...) ((const db_val[]){__VA_ARGS__}), (int)(sizeof((const db_val[]){__VA_ARGS__}) / sizeof(db_val))
#define DBP_NONE NULL, 0

/* A query's result, one allocation (db_rows_free frees it): every value is text, as
 * PostgreSQL sends it; SQLite's integers and reals are written out the same way. */
typedef struct db_rows {
    int nrows, ncols;
    char **cells; /* nrows*ncols, NULL for SQL NULL */
    char **names; /* ncols column names */
} db_rows;

/* SQLite page caches from one region of `bytes` backed by transparent huge pages (a page
 * fault per 2 MB, not per 4 KB): for a bulk writer whose cache grows to a gigabyte. Call
 * before the first db_open of the process; pages beyond the region come from malloc. */
void db_lite_page_memory(size_t bytes);

/* Opens a pool for `url`: a file path (SQLite) or postgresql://… (PostgreSQL).
 * Returns NULL and prints the reason to stderr on failure. */
wj_db *db_open(const char *url, int pool_size);
void db_close(wj_db *db);
wj_db_kind db_kind(const wj_db *db);
wj_db_kind db_conn_kind(const wj_conn *c);
const char *db_url(const wj_db *db);
/* Connections in use right now (for /metrics). */
int db_in_use(wj_db *db, int *pool_size);

/* Takes a connection from the pool, waiting when all are busy. Never NULL. */
wj_conn *db_acquire(wj_db *db);
/* Returns a connection; an open transaction is rolled back first. */
void db_release(wj_conn *c);

/* Transactions. db_begin(c, true) opens a write transaction (see the header comment);
 * db_begin(c, false) a read transaction: every statement in it sees one snapshot. */
db_status db_begin(wj_conn *c, bool write);
db_status db_commit(wj_conn *c);
void db_rollback(wj_conn *c);
bool db_in_tx(const wj_conn *c);

/* Runs one statement. `out` may be NULL for statements without results; `changes`
 * (may be NULL) receives the number of rows changed. On failure *out is NULL. */
db_status db_query(wj_conn *c, const char *sql, const db_val *params, int n, db_rows **out);
db_status db_exec(wj_conn *c, const char *sql, const db_val *params, int n, int64_t *changes);
/* Serialises write transactions that share `key` until the transaction ends: a PostgreSQL
 * advisory transaction lock; on SQLite a no-op, as its write transactions are already
 * exclusive. Use it where a check and a write must not interleave (throttling, keys). */
db_status db_lock(wj_conn *c, int64_t key);
/* SQLite: PRAGMA data_version, a counter that moves when another connection (of any
 * process) commits, not with this connection's own commits. PostgreSQL: always 0. */
db_status db_data_version(wj_conn *c, int64_t *out);
/* Runs a script of several statements without parameters (migrations). */
db_status db_exec_script(wj_conn *c, const char *sql);
/* The last error message of this connection (for logs, never for clients). */
const char *db_errmsg(const wj_conn *c);

void db_rows_free(db_rows *r);
const char *db_text(const db_rows *r, int row, int col); /* NULL for SQL NULL */
int64_t db_int(const db_rows *r, int row, int col);      /* 0 for NULL */
double db_double(const db_rows *r, int row, int col);
bool db_is_null(const db_rows *r, int row, int col);

/* Online copy of the whole database into a new SQLite file or (PostgreSQL) a pg_dump
 * custom-format archive. Safe while the server is running. */
int db_backup(wj_db *db, const char *to_path);

/* Rewrites `?` placeholders outside quotes to $1..$n. Exposed for unit tests. */
char *db_pg_placeholders(const char *sql);

#endif
