/* db.c — the pool, transactions and the two backends behind db.h. */
#include "db.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define STMT_CACHE 64

typedef struct cached_stmt {
    char *sql;
    uint64_t hash;      /* of sql: most lookups compare this, not the text */
    sqlite3_stmt *lite; /* SQLite prepared statement */
    char pg_name[16];   /* PostgreSQL prepared statement name */
    uint64_t used;
} cached_stmt;

struct wj_conn {
    wj_db *db;
    sqlite3 *lite;
    PGconn *pg;
    bool in_tx, holds_write_lock;
    char errmsg[512];
    cached_stmt cache[STMT_CACHE];
    int ncache;
    uint64_t tick;
    int pg_seq;
};

struct wj_db {
    wj_db_kind kind;
    char *url;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    wj_conn **idle;
    int nidle, size, in_use;
    pthread_mutex_t write_mu; /* SQLite: the single writer */
};

static void set_err(wj_conn *c, const char *what, const char *detail, const char *sql)
{
    snprintf(c->errmsg, sizeof c->errmsg, "%s: %s", what, detail ? detail : "");
    wj_log("error", "db", "what", what, "detail", detail, "sql", sql, NULL);
}

static bool is_pg_url(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

static wj_conn *conn_open(wj_db *db)
{
    wj_conn *c = wj_xcalloc(1, sizeof *c);
    c->db = db;
    if (db->kind == WJ_DB_PG) {
        c->pg = PQconnectdb(db->url);
        if (PQstatus(c->pg) != CONNECTION_OK) {
            fprintf(stderr, "weijian: cannot connect to PostgreSQL: %s", PQerrorMessage(c->pg));
            PQfinish(c->pg);
            free(c);
            return NULL;
        }
        PGresult *r = PQexec(c->pg, "SET TIME ZONE 'UTC'; SET client_min_messages = warning");
        PQclear(r);
        return c;
    }
    int rc = sqlite3_open_v2(db->url, &c->lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "weijian: cannot open SQLite database %s: %s\n", db->url,
                c->lite ? sqlite3_errmsg(c->lite) : sqlite3_errstr(rc));
        sqlite3_close(c->lite);
        free(c);
        return NULL;
    }
    /* WAL lets readers run beside the single writer; synchronous=FULL makes every commit
     * durable across power loss; the busy timeout only matters for other processes (the CLI
     * importing while the server runs) since writers in this process queue on write_mu. */
    const char *pragmas = "PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
    char *err = NULL;
    if (sqlite3_exec(c->lite, pragmas, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "weijian: cannot configure SQLite database %s: %s\n", db->url, err ? err : "?");
        sqlite3_free(err);
        sqlite3_close(c->lite);
        free(c);
        return NULL;
    }
    return c;
}

static void conn_close(wj_conn *c)
{
    for (int i = 0; i < c->ncache; i++) {
        free(c->cache[i].sql);
        if (c->cache[i].lite)
            sqlite3_finalize(c->cache[i].lite);
    }
    if (c->lite)
        sqlite3_close(c->lite);
    if (c->pg)
        PQfinish(c->pg);
    free(c);
}

static pthread_once_t lite_once = PTHREAD_ONCE_INIT;
static size_t lite_page_memory;

void db_lite_page_memory(size_t bytes)
{
    lite_page_memory = bytes;
}

/* SQLite keeps allocation statistics behind one global mutex by default: every malloc of
 * every connection would contend on it. Nothing here reads those statistics. */
static void lite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (lite_page_memory) {
        int hdr = 0;
        sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr);
        int slot = (4096 + hdr + 7) & ~7; /* the default page size and its header */
        size_t n = lite_page_memory / (size_t)slot;
        sqlite3_config(SQLITE_CONFIG_PAGECACHE, wj_huge_calloc(n, (size_t)slot), slot, (int)n);
    }
}

wj_db *db_open(const char *url, int pool_size)
{
    pthread_once(&lite_once, lite_configure);
    wj_db *db = wj_xcalloc(1, sizeof *db);
    db->kind = is_pg_url(url) ? WJ_DB_PG : WJ_DB_SQLITE;
    db->url = wj_xstrdup(url);
    db->size = pool_size > 0 ? pool_size : 1;
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->cv, NULL);
    pthread_mutex_init(&db->write_mu, NULL);
    db->idle = wj_xcalloc((size_t)db->size, sizeof *db->idle);
    /* Open one connection now so a bad URL fails at start, not on the first request. */
    wj_conn *first = conn_open(db);
    if (!first) {
        db_close(db);
        return NULL;
    }
    db->idle[db->nidle++] = first;
    return db;
}

void db_close(wj_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < db->nidle; i++)
        conn_close(db->idle[i]);
    free(db->idle);
    free(db->url);
    pthread_mutex_destroy(&db->mu);
    pthread_cond_destroy(&db->cv);
    pthread_mutex_destroy(&db->write_mu);
    free(db);
}

wj_db_kind db_kind(const wj_db *db)
{
    return db->kind;
}

wj_db_kind db_conn_kind(const wj_conn *c)
{
    return c->db->kind;
}

const char *db_url(const wj_db *db)
{
    return db->url;
}

int db_in_use(wj_db *db, int *pool_size)
{
    pthread_mutex_lock(&db->mu);
    int n = db->in_use;
    if (pool_size)
        *pool_size = db->size;
    pthread_mutex_unlock(&db->mu);
    return n;
}

wj_conn *db_acquire(wj_db *db)
{
    pthread_mutex_lock(&db->mu);
    for (;;) {
        if (db->nidle > 0) {
            wj_conn *c = db->idle[--db->nidle];
            db->in_use++;
            pthread_mutex_unlock(&db->mu);
            return c;
        }
        if (db->in_use + db->nidle < db->size) {
            db->in_use++;
            pthread_mutex_unlock(&db->mu);
            wj_conn *c = conn_open(db);
            if (c)
                return c;
            /* The server was reachable at start; a failed reconnect is fatal for this slot. */
            pthread_mutex_lock(&db->mu);
            db->in_use--;
            pthread_mutex_unlock(&db->mu);
            fprintf(stderr, "weijian: database connection failed\n");
            abort();
        }
        pthread_cond_wait(&db->cv, &db->mu);
    }
}

void db_release(wj_conn *c)
{
    if (!c)
        return;
    if (c->in_tx)
        db_rollback(c);
    wj_db *db = c->db;
    /* A PostgreSQL connection that broke is replaced rather than handed out again. */
    if (c->pg && PQstatus(c->pg) != CONNECTION_OK) {
        conn_close(c);
        c = NULL;
    }
    pthread_mutex_lock(&db->mu);
    db->in_use--;
    if (c)
        db->idle[db->nidle++] = c;
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
}

bool db_in_tx(const wj_conn *c)
{
    return c->in_tx;
}

const char *db_errmsg(const wj_conn *c)
{
    return c->errmsg;
}

/* ---- results ----
 * A result is one allocation: the db_rows, its cell and name pointers, then the text they
 * point into. A query costs a few mallocs, not one per cell (a person's row has 17). */

typedef struct rows_build {
    wj_buf text;   /* every name and non-NULL cell, each NUL-terminated */
    size_t *at;    /* per name, then per cell: offset in text + 1; 0 for SQL NULL */
    size_t nat, cap;
} rows_build;

static void build_add(rows_build *b, const char *s, size_t len)
{
    if (b->nat == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->at = realloc(b->at, b->cap * sizeof *b->at);
        if (!b->at)
            abort();
    }
    if (!s) {
        b->at[b->nat++] = 0;
        return;
    }
    b->at[b->nat++] = b->text.len + 1;
    wj_buf_put(&b->text, s, len);
    wj_buf_put(&b->text, "", 1);
}

/* Decimal text of v (SQLite integers reach the callers as text, as PostgreSQL's do). */
static void build_add_int(rows_build *b, int64_t v)
{
    char tmp[24], *e = tmp + sizeof tmp, *p = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--p = '-';
    build_add(b, p, (size_t)(e - p));
}

static db_rows *build_finish(rows_build *b, int nrows, int ncols)
{
    size_t nptr = (size_t)nrows * (size_t)ncols + (size_t)ncols + 2;
    size_t head = sizeof(db_rows) + nptr * sizeof(char *);
    db_rows *r = wj_xcalloc(1, head + b->text.len + 1);
    char *text = (char *)r + head;
    if (b->text.len)
        memcpy(text, b->text.data, b->text.len);
    r->nrows = nrows;
    r->ncols = ncols;
    r->names = (char **)(r + 1);
    r->cells = r->names + ncols + 1;
    for (int j = 0; j < ncols; j++)
        r->names[j] = text + b->at[j] - 1;
    for (size_t i = 0; i < (size_t)nrows * (size_t)ncols; i++) {
        size_t at = b->at[(size_t)ncols + i];
        r->cells[i] = at ? text + at - 1 : NULL;
    }
    wj_buf_free(&b->text);
    free(b->at);
    return r;
}

static void build_abandon(rows_build *b)
{
    wj_buf_free(&b->text);
    free(b->at);
}

void db_rows_free(db_rows *r)
{
    free(r);
}

const char *db_text(const db_rows *r, int row, int col)
{
    if (!r || row < 0 || row >= r->nrows || col < 0 || col >= r->ncols)
        return NULL;
    return r->cells[row * r->ncols + col];
}

int64_t db_int(const db_rows *r, int row, int col)
{
    const char *s = db_text(r, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

double db_double(const db_rows *r, int row, int col)
{
    const char *s = db_text(r, row, col);
    return s ? strtod(s, NULL) : 0.0;
}

bool db_is_null(const db_rows *r, int row, int col)
{
    return db_text(r, row, col) == NULL;
}

/* ---- statement cache ---- */

/* FNV-1a: statements share long prefixes ("SELECT p.id, p.name, …"), so comparing the
 * texts of 64 cached statements one by one cost more than running the one found. */
static uint64_t sql_hash(const char *sql)
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

static cached_stmt *cache_find(wj_conn *c, const char *sql, uint64_t hash)
{
    for (int i = 0; i < c->ncache; i++)
        if (c->cache[i].sql && c->cache[i].hash == hash && strcmp(c->cache[i].sql, sql) == 0) {
            c->cache[i].used = ++c->tick;
            return &c->cache[i];
        }
    return NULL;
}

static cached_stmt *cache_slot(wj_conn *c)
{
    for (int i = 0; i < c->ncache; i++)
        if (!c->cache[i].sql)
            return &c->cache[i];
    if (c->ncache < STMT_CACHE)
        return &c->cache[c->ncache++];
    cached_stmt *lru = &c->cache[0];
    for (int i = 1; i < c->ncache; i++)
        if (c->cache[i].used < lru->used)
            lru = &c->cache[i];
    free(lru->sql);
    if (lru->lite)
        sqlite3_finalize(lru->lite);
    if (lru->pg_name[0] && c->pg) {
        char dealloc[40];
        snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", lru->pg_name);
        PQclear(PQexec(c->pg, dealloc));
    }
    memset(lru, 0, sizeof *lru);
    return lru;
}

/* ---- SQLite ---- */

static db_status lite_status(wj_conn *c, int rc, const char *sql)
{
    int ext = sqlite3_extended_errcode(c->lite);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
        snprintf(c->errmsg, sizeof c->errmsg, "%s", sqlite3_errmsg(c->lite));
        return DB_CONFLICT;
    }
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) {
        snprintf(c->errmsg, sizeof c->errmsg, "%s", sqlite3_errmsg(c->lite));
        return DB_FOREIGN;
    }
    set_err(c, sqlite3_errstr(rc), sqlite3_errmsg(c->lite), sql);
    return DB_ERROR;
}

static db_status lite_run(wj_conn *c, const char *sql, const db_val *params, int n, db_rows **out, int64_t *changes)
{
    uint64_t hash = sql_hash(sql);
    cached_stmt *cs = cache_find(c, sql, hash);
    sqlite3_stmt *st;
    if (cs) {
        st = cs->lite;
    } else {
        int rc = sqlite3_prepare_v3(c->lite, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK)
            return lite_status(c, rc, sql);
        cs = cache_slot(c);
        cs->sql = wj_xstrdup(sql);
        cs->hash = hash;
        cs->lite = st;
        cs->used = ++c->tick;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (int i = 0; i < n; i++) {
        switch (params[i].type) {
        case DBV_NULL: sqlite3_bind_null(st, i + 1); break;
        case DBV_INT: sqlite3_bind_int64(st, i + 1, params[i].i); break;
        case DBV_DOUBLE: sqlite3_bind_double(st, i + 1, params[i].d); break;
        case DBV_TEXT: sqlite3_bind_text(st, i + 1, params[i].s, -1, SQLITE_STATIC); break;
        }
    }
    int ncols = sqlite3_column_count(st), nrows = 0;
    rows_build b = {0};
    if (out)
        for (int j = 0; j < ncols; j++) {
            const char *name = sqlite3_column_name(st, j);
            build_add(&b, name, strlen(name));
        }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!out)
            continue;
        for (int j = 0; j < ncols; j++) {
            switch (sqlite3_column_type(st, j)) {
            case SQLITE_NULL: build_add(&b, NULL, 0); break;
            case SQLITE_INTEGER: build_add_int(&b, sqlite3_column_int64(st, j)); break;
            case SQLITE_FLOAT: {
                char num[32];
                int len = snprintf(num, sizeof num, "%.17g", sqlite3_column_double(st, j));
                build_add(&b, num, (size_t)len);
                break;
            }
            default: {
                const char *t = (const char *)sqlite3_column_text(st, j);
                build_add(&b, t, (size_t)sqlite3_column_bytes(st, j));
                break;
            }
            }
        }
        nrows++;
    }
    if (rc != SQLITE_DONE) {
        db_status s = lite_status(c, rc, sql);
        build_abandon(&b);
        if (out)
            *out = NULL;
        sqlite3_reset(st);
        return s;
    }
    if (changes)
        *changes = sqlite3_changes64(c->lite);
    if (out)
        *out = build_finish(&b, nrows, ncols);
    sqlite3_reset(st);
    return DB_OK;
}

/* ---- PostgreSQL ---- */

char *db_pg_placeholders(const char *sql)
{
    wj_buf b = {0};
    int n = 0;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            wj_buf_put(&b, p, 1);
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            wj_buf_put(&b, p, 1);
        } else if (*p == '?') {
            wj_buf_printf(&b, "$%d", ++n);
        } else {
            wj_buf_put(&b, p, 1);
        }
    }
    if (!b.data)
        wj_buf_puts(&b, "");
    return b.data;
}

static db_status pg_status(wj_conn *c, PGresult *res, const char *sql)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state && strcmp(state, "23505") == 0) {
        snprintf(c->errmsg, sizeof c->errmsg, "%s", PQresultErrorMessage(res));
        return DB_CONFLICT;
    }
    if (state && strcmp(state, "23503") == 0) {
        snprintf(c->errmsg, sizeof c->errmsg, "%s", PQresultErrorMessage(res));
        return DB_FOREIGN;
    }
    set_err(c, state ? state : "pg", res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg), sql);
    return DB_ERROR;
}

static db_status pg_run(wj_conn *c, const char *sql, const db_val *params, int n, db_rows **out, int64_t *changes)
{
    uint64_t hash = sql_hash(sql);
    cached_stmt *cs = cache_find(c, sql, hash);
    /* Types are declared so that "? IS NULL" and comparisons infer correctly. */
    Oid types[64];
    const char *values[64];
    char nums[64][32];
    if (n > 64) {
        set_err(c, "too many parameters", NULL, sql);
        return DB_ERROR;
    }
    for (int i = 0; i < n; i++) {
        switch (params[i].type) {
        case DBV_NULL: types[i] = 0; values[i] = NULL; break;
        case DBV_INT:
            types[i] = 20; /* int8 */
            snprintf(nums[i], sizeof nums[i], "%lld", (long long)params[i].i);
            values[i] = nums[i];
            break;
        case DBV_DOUBLE:
            types[i] = 701; /* float8 */
            snprintf(nums[i], sizeof nums[i], "%.17g", params[i].d);
            values[i] = nums[i];
            break;
        case DBV_TEXT: types[i] = 25; values[i] = params[i].s; break;
        }
    }
    char *pgsql = db_pg_placeholders(sql);
    PGresult *res;
    /* Statements are prepared once per connection. The parameter types of the first use
     * are kept; callers bind the same kinds for the same SQL text. NULLs are untyped, so a
     * statement is only prepared from a call without NULL parameters. */
    bool has_null = false;
    for (int i = 0; i < n; i++)
        has_null |= params[i].type == DBV_NULL;
    if (!cs && !has_null) {
        cs = cache_slot(c);
        snprintf(cs->pg_name, sizeof cs->pg_name, "wj%d", ++c->pg_seq);
        PGresult *pr = PQprepare(c->pg, cs->pg_name, pgsql, n, types);
        if (PQresultStatus(pr) != PGRES_COMMAND_OK) {
            db_status s = pg_status(c, pr, sql);
            PQclear(pr);
            memset(cs, 0, sizeof *cs); /* an empty slot is reused by the next cache_slot */
            free(pgsql);
            return s;
        }
        PQclear(pr);
        cs->sql = wj_xstrdup(sql);
        cs->hash = hash;
        cs->used = ++c->tick;
    }
    if (cs && cs->pg_name[0])
        res = PQexecPrepared(c->pg, cs->pg_name, n, values, NULL, NULL, 0);
    else
        res = PQexecParams(c->pg, pgsql, n, types, values, NULL, NULL, 0);
    free(pgsql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        db_status s = pg_status(c, res, sql);
        PQclear(res);
        if (out)
            *out = NULL;
        return s;
    }
    if (changes) {
        const char *t = PQcmdTuples(res);
        *changes = t && *t ? strtoll(t, NULL, 10) : 0;
    }
    if (out) {
        int nrows = PQntuples(res), ncols = PQnfields(res);
        rows_build b = {0};
        for (int j = 0; j < ncols; j++)
            build_add(&b, PQfname(res, j), strlen(PQfname(res, j)));
        for (int i = 0; i < nrows; i++)
            for (int j = 0; j < ncols; j++) {
                if (PQgetisnull(res, i, j))
                    build_add(&b, NULL, 0);
                else if (PQftype(res, j) == 16) /* booleans come back as t/f; the SQLite side uses 0/1 */
                    build_add(&b, PQgetvalue(res, i, j)[0] == 't' ? "1" : "0", 1);
                else
                    build_add(&b, PQgetvalue(res, i, j), (size_t)PQgetlength(res, i, j));
            }
        *out = build_finish(&b, nrows, ncols);
    }
    PQclear(res);
    return DB_OK;
}

db_status db_query(wj_conn *c, const char *sql, const db_val *params, int n, db_rows **out)
{
    if (out)
        *out = NULL;
    return c->pg ? pg_run(c, sql, params, n, out, NULL) : lite_run(c, sql, params, n, out, NULL);
}

db_status db_data_version(wj_conn *c, int64_t *out)
{
    *out = 0;
    if (c->db->kind != WJ_DB_SQLITE)
        return DB_OK;
    db_rows *rows;
    db_status st = db_query(c, "PRAGMA data_version", NULL, 0, &rows);
    if (st != DB_OK)
        return st;
    *out = rows->nrows ? db_int(rows, 0, 0) : 0;
    db_rows_free(rows);
    return DB_OK;
}

db_status db_exec(wj_conn *c, const char *sql, const db_val *params, int n, int64_t *changes)
{
    return c->pg ? pg_run(c, sql, params, n, NULL, changes) : lite_run(c, sql, params, n, NULL, changes);
}

db_status db_exec_script(wj_conn *c, const char *sql)
{
    if (c->pg) {
        PGresult *res = PQexec(c->pg, sql);
        ExecStatusType st = PQresultStatus(res);
        db_status s = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? DB_OK : pg_status(c, res, "script");
        PQclear(res);
        return s;
    }
    /* Ids are 64-bit and every table's key is `id BIGINT PRIMARY KEY`. On SQLite only the
     * exact spelling INTEGER PRIMARY KEY makes the column the table's rowid; any other is a
     * second B-tree beside it, one more index to write per row. Both hold 64-bit values. */
    wj_buf text = {0};
    const char *p = sql, *hit;
    while ((hit = strstr(p, "BIGINT PRIMARY KEY")) != NULL) {
        wj_buf_put(&text, p, (size_t)(hit - p));
        wj_buf_puts(&text, "INTEGER PRIMARY KEY");
        p = hit + strlen("BIGINT PRIMARY KEY");
    }
    wj_buf_puts(&text, p);
    char *err = NULL;
    int rc = sqlite3_exec(c->lite, text.data, NULL, NULL, &err);
    wj_buf_free(&text);
    if (rc != SQLITE_OK) {
        set_err(c, "script", err, NULL);
        sqlite3_free(err);
        return DB_ERROR;
    }
    return DB_OK;
}

db_status db_lock(wj_conn *c, int64_t key)
{
    if (!c->pg)
        return DB_OK;
    return db_exec(c, "SELECT pg_advisory_xact_lock(?)", DBP(DB_I(key)), NULL);
}

/* ---- transactions ---- */

db_status db_begin(wj_conn *c, bool write)
{
    if (c->in_tx) {
        set_err(c, "nested transaction", NULL, NULL);
        return DB_ERROR;
    }
    db_status s;
    if (c->pg) {
        /* A read transaction promises one snapshot for all its statements, as on SQLite;
         * PostgreSQL's default READ COMMITTED would give each statement its own. */
        s = db_exec_script(c, write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    } else if (write) {
        pthread_mutex_lock(&c->db->write_mu);
        c->holds_write_lock = true;
        s = db_exec_script(c, "BEGIN IMMEDIATE");
        if (s != DB_OK) {
            c->holds_write_lock = false;
            pthread_mutex_unlock(&c->db->write_mu);
        }
    } else {
        s = db_exec_script(c, "BEGIN");
    }
    c->in_tx = s == DB_OK;
    return s;
}

static void unlock_writer(wj_conn *c)
{
    if (c->holds_write_lock) {
        c->holds_write_lock = false;
        pthread_mutex_unlock(&c->db->write_mu);
    }
}

db_status db_commit(wj_conn *c)
{
    db_status s = db_exec_script(c, "COMMIT");
    if (s != DB_OK)
        db_exec_script(c, "ROLLBACK");
    c->in_tx = false;
    unlock_writer(c);
    return s;
}

void db_rollback(wj_conn *c)
{
    if (c->in_tx)
        db_exec_script(c, "ROLLBACK");
    c->in_tx = false;
    unlock_writer(c);
}

/* ---- backup ---- */

int db_backup(wj_db *db, const char *to_path)
{
    if (db->kind == WJ_DB_PG) {
        pid_t pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0) {
            execlp("pg_dump", "pg_dump", "--format=custom", "--file", to_path, "--dbname", db->url, (char *)NULL);
            perror("weijian: pg_dump");
            _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return -1;
        return 0;
    }
    wj_conn *c = db_acquire(db);
    sqlite3 *dst = NULL;
    int rc = sqlite3_open(to_path, &dst);
    if (rc == SQLITE_OK) {
        /* The online backup API copies page by page and restarts when a writer changes the
         * source mid-copy; copying everything in one step holds a read snapshot instead. */
        sqlite3_backup *bk = sqlite3_backup_init(dst, "main", c->lite, "main");
        if (bk) {
            rc = sqlite3_backup_step(bk, -1);
            sqlite3_backup_finish(bk);
            rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        } else {
            rc = sqlite3_errcode(dst);
        }
    }
    if (rc != SQLITE_OK)
        fprintf(stderr, "weijian: backup failed: %s\n", dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
    sqlite3_close(dst);
    db_release(c);
    return rc == SQLITE_OK ? 0 : -1;
}
