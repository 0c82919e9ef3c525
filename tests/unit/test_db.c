/* test_db.c — the storage layer: placeholder rewriting, and on each backend statements,
 * typed results, constraint errors, transactions and concurrent writers through the pool.
 *
 * The SQLite run uses a temporary file. The same tests run against PostgreSQL when
 * WEIJIAN_TEST_PG holds a libpq URL to an empty database (tests/pg/with-cluster.sh sets it);
 * they use tables named after this process and drop them afterwards. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "unit.h"
#include "util.h"

typedef struct db_fixture {
    const char *backend; /* "sqlite" or "postgresql" */
    char *url;
    bool temp_file;
    wj_db *db;
    char t[64];      /* main test table */
    char parent[64]; /* foreign key parent */
    char child[64];  /* foreign key child */
    char conc[64];   /* concurrency table */
} db_fixture;

/* Runs a script built with printf and expects success. */
static void script(wj_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void script(wj_conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = NULL;
    if (vasprintf(&sql, fmt, ap) < 0)
        abort();
    va_end(ap);
    db_status s = db_exec_script(c, sql);
    if (s != DB_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", db_errmsg(c));
        free(sql);
        fail_msg("script failed: %s", msg);
    }
    free(sql);
}

static void drop_tables(db_fixture *f)
{
    wj_conn *c = db_acquire(f->db);
    script(c, "DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s",
           f->t, f->child, f->parent, f->conc);
    db_release(c);
}

static int fixture_setup(void **state, const char *backend, const char *url, bool temp_file)
{
    db_fixture *f = wj_xcalloc(1, sizeof *f);
    f->backend = backend;
    f->url = wj_xstrdup(url);
    f->temp_file = temp_file;
    long pid = (long)getpid();
    snprintf(f->t, sizeof f->t, "wj_unit_%ld_t", pid);
    snprintf(f->parent, sizeof f->parent, "wj_unit_%ld_parent", pid);
    snprintf(f->child, sizeof f->child, "wj_unit_%ld_child", pid);
    snprintf(f->conc, sizeof f->conc, "wj_unit_%ld_conc", pid);
    f->db = db_open(url, 4);
    if (!f->db) {
        fprintf(stderr, "db (%s): cannot open %s\n", backend, url);
        free(f->url);
        free(f);
        return -1;
    }
    drop_tables(f);
    *state = f;
    return 0;
}

static int sqlite_setup(void **state)
{
    char *path = unit_temp_db_path("db");
    int rc = fixture_setup(state, "sqlite", path, true);
    free(path);
    return rc;
}

static int pg_setup(void **state)
{
    return fixture_setup(state, "postgresql", getenv("WEIJIAN_TEST_PG"), false);
}

static int fixture_teardown(void **state)
{
    db_fixture *f = *state;
    if (!f)
        return 0;
    drop_tables(f);
    db_close(f->db);
    if (f->temp_file)
        unit_temp_db_remove(f->url);
    free(f->url);
    free(f);
    return 0;
}

/* ---- backend-independent ---- */

static void placeholders(void **state)
{
    (void)state;
    const struct {
        const char *in, *out;
    } cases[] = {
        {"? '?' \"?\" ?", "$1 '?' \"?\" $2"},
        {"", ""},
        {"SELECT 1", "SELECT 1"},
        {"??", "$1$2"},
        {"a = ? AND b IN (?, ?, ?)", "a = $1 AND b IN ($2, $3, $4)"},
        {"x = 'it''s ?' AND y = ?", "x = 'it''s ?' AND y = $1"},
        {"\"we\"\"ird?\" = ?", "\"we\"\"ird?\" = $1"},
        {"'\"?' ? \"'?\" ?", "'\"?' $1 \"'?\" $2"},
        {"? ? ? ? ? ? ? ? ? ? ?", "$1 $2 $3 $4 $5 $6 $7 $8 $9 $10 $11"},
    };
    for (size_t i = 0; i < WJ_ARRAY_LEN(cases); i++) {
        char *out = db_pg_placeholders(cases[i].in);
        assert_non_null(out);
        if (strcmp(out, cases[i].out) != 0) {
            char got[200];
            snprintf(got, sizeof got, "%s", out);
            free(out);
            fail_msg("db_pg_placeholders(%s) = %s, want %s", cases[i].in, got, cases[i].out);
        }
        free(out);
    }
}

/* ---- per backend ---- */

static void open_and_kind(void **state)
{
    db_fixture *f = *state;
    assert_int_equal(db_kind(f->db), strcmp(f->backend, "sqlite") == 0 ? WJ_DB_SQLITE : WJ_DB_PG);
    assert_string_equal(db_url(f->db), f->url);
    int size = 0;
    assert_int_equal(db_in_use(f->db, &size), 0);
    assert_int_equal(size, 4);
    wj_conn *c = db_acquire(f->db);
    assert_int_equal(db_in_use(f->db, NULL), 1);
    assert_false(db_in_tx(c));
    db_release(c);
    assert_int_equal(db_in_use(f->db, NULL), 0);
    db_release(NULL); /* harmless */
}

static void open_fails_cleanly(void **state)
{
    db_fixture *f = *state;
    if (strcmp(f->backend, "sqlite") == 0) {
        assert_null(db_open("/nonexistent-dir-weijian/x/y.db", 2));
    } else {
        /* A port nothing listens on. */
        assert_null(db_open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", 2));
    }
}

static void create_insert_query(void **state)
{
    db_fixture *f = *state;
    wj_conn *c = db_acquire(f->db);
    script(c, "CREATE TABLE %s (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, score DOUBLE PRECISION, note TEXT)",
           f->t);
    char *ins = wj_xasprintf("INSERT INTO %s (id, name, score, note) VALUES (?, ?, ?, ?)", f->t);
    int64_t changes = -1;
    assert_int_equal(db_exec(c, ins, DBP(DB_I(1), DB_S("济南市中心医院"), DB_D(1.5), DB_NULL), &changes), DB_OK);
    assert_int_equal(changes, 1);
    assert_int_equal(db_exec(c, ins, DBP(DB_I(2), DB_S("二"), DB_D(-0.25), DB_S("note ' \" ?")), &changes), DB_OK);
    assert_int_equal(db_exec(c, ins, DBP(DB_I(INT64_MAX), DB_S("max"), DB_NULL, DB_S(NULL)), NULL), DB_OK);

    /* Duplicate primary key and duplicate unique value → DB_CONFLICT, rows unchanged. */
    assert_int_equal(db_exec(c, ins, DBP(DB_I(1), DB_S("other"), DB_D(0), DB_NULL), NULL), DB_CONFLICT);
    assert_true(strlen(db_errmsg(c)) > 0);
    assert_int_equal(db_exec(c, ins, DBP(DB_I(3), DB_S("二"), DB_D(0), DB_NULL), NULL), DB_CONFLICT);
    /* A NOT NULL violation is no conflict. */
    assert_int_equal(db_exec(c, ins, DBP(DB_I(4), DB_NULL, DB_D(0), DB_NULL), NULL), DB_ERROR);

    char *sel = wj_xasprintf("SELECT id, name, score, note FROM %s WHERE id = ?", f->t);
    db_rows *rows = NULL;
    assert_int_equal(db_query(c, sel, DBP(DB_I(1)), &rows), DB_OK);
    assert_non_null(rows);
    assert_int_equal(rows->nrows, 1);
    assert_int_equal(rows->ncols, 4);
    assert_string_equal(rows->names[0], "id");
    assert_string_equal(rows->names[3], "note");
    assert_int_equal(db_int(rows, 0, 0), 1);
    assert_string_equal(db_text(rows, 0, 1), "济南市中心医院");
    assert_true(db_double(rows, 0, 2) == 1.5);
    assert_true(db_is_null(rows, 0, 3));
    assert_null(db_text(rows, 0, 3));
    assert_int_equal(db_int(rows, 0, 3), 0);
    assert_false(db_is_null(rows, 0, 1));
    /* Out of range reads are NULL, not crashes. */
    assert_null(db_text(rows, 1, 0));
    assert_null(db_text(rows, 0, 4));
    assert_null(db_text(rows, -1, 0));
    db_rows_free(rows);

    /* The same statement again (cached), other parameters. */
    assert_int_equal(db_query(c, sel, DBP(DB_I(2)), &rows), DB_OK);
    assert_string_equal(db_text(rows, 0, 3), "note ' \" ?");
    assert_true(db_double(rows, 0, 2) == -0.25);
    db_rows_free(rows);
    assert_int_equal(db_query(c, sel, DBP(DB_I(INT64_MAX)), &rows), DB_OK);
    assert_true(db_int(rows, 0, 0) == INT64_MAX);
    assert_true(db_is_null(rows, 0, 2));
    db_rows_free(rows);

    /* No rows is an empty result, not an error. */
    assert_int_equal(db_query(c, sel, DBP(DB_I(42)), &rows), DB_OK);
    assert_non_null(rows);
    assert_int_equal(rows->nrows, 0);
    db_rows_free(rows);

    /* Several rows, ordered; parameters of each type in one statement. */
    char *many = wj_xasprintf("SELECT id, name FROM %s WHERE id >= ? AND name <> ? AND (score IS NULL OR score < ?) "
                              "ORDER BY id",
                              f->t);
    assert_int_equal(db_query(c, many, DBP(DB_I(1), DB_S("nobody"), DB_D(100.0)), &rows), DB_OK);
    assert_int_equal(rows->nrows, 3);
    assert_int_equal(db_int(rows, 0, 0), 1);
    assert_int_equal(db_int(rows, 1, 0), 2);
    assert_string_equal(db_text(rows, 2, 1), "max");
    db_rows_free(rows);

    /* UPDATE reports the rows changed. */
    char *upd = wj_xasprintf("UPDATE %s SET note = ? WHERE id <= ?", f->t);
    assert_int_equal(db_exec(c, upd, DBP(DB_S("x"), DB_I(2)), &changes), DB_OK);
    assert_int_equal(changes, 2);

    /* Errors: bad SQL, unknown table. *out is NULL on failure. */
    rows = (db_rows *)1;
    assert_int_equal(db_query(c, "SELEKT nonsense", DBP_NONE, &rows), DB_ERROR);
    assert_null(rows);
    assert_true(strlen(db_errmsg(c)) > 0);
    assert_int_equal(db_exec(c, "INSERT INTO wj_no_such_table VALUES (?)", DBP(DB_I(1)), NULL), DB_ERROR);
    assert_int_equal(db_exec_script(c, "THIS IS NOT SQL"), DB_ERROR);
    /* The connection still works afterwards. */
    assert_int_equal(db_query(c, sel, DBP(DB_I(1)), &rows), DB_OK);
    assert_int_equal(rows->nrows, 1);
    db_rows_free(rows);
    db_rows_free(NULL);

    free(ins);
    free(sel);
    free(many);
    free(upd);
    db_release(c);
}

static void foreign_keys(void **state)
{
    db_fixture *f = *state;
    wj_conn *c = db_acquire(f->db);
    script(c, "CREATE TABLE %s (id BIGINT PRIMARY KEY); CREATE TABLE %s (id BIGINT PRIMARY KEY, "
              "parent_id BIGINT NOT NULL REFERENCES %s(id))",
           f->parent, f->child, f->parent);
    char *pins = wj_xasprintf("INSERT INTO %s (id) VALUES (?)", f->parent);
    char *cins = wj_xasprintf("INSERT INTO %s (id, parent_id) VALUES (?, ?)", f->child);
    char *pdel = wj_xasprintf("DELETE FROM %s WHERE id = ?", f->parent);
    assert_int_equal(db_exec(c, pins, DBP(DB_I(10)), NULL), DB_OK);
    assert_int_equal(db_exec(c, cins, DBP(DB_I(1), DB_I(10)), NULL), DB_OK);
    assert_int_equal(db_exec(c, cins, DBP(DB_I(2), DB_I(11)), NULL), DB_FOREIGN);
    assert_int_equal(db_exec(c, pdel, DBP(DB_I(10)), NULL), DB_FOREIGN);
    free(pins);
    free(cins);
    free(pdel);
    db_release(c);
}

static int64_t count_rows(wj_conn *c, const char *table)
{
    char *sql = wj_xasprintf("SELECT COUNT(*) FROM %s", table);
    db_rows *rows = NULL;
    db_status s = db_query(c, sql, DBP_NONE, &rows);
    free(sql);
    if (s != DB_OK)
        return -1;
    int64_t n = db_int(rows, 0, 0);
    db_rows_free(rows);
    return n;
}

static void transactions(void **state)
{
    db_fixture *f = *state;
    wj_conn *c = db_acquire(f->db);
    script(c, "CREATE TABLE %s (id BIGINT PRIMARY KEY, who TEXT)", f->conc);
    char *ins = wj_xasprintf("INSERT INTO %s (id, who) VALUES (?, ?)", f->conc);

    /* Rollback discards. */
    assert_int_equal(db_begin(c, true), DB_OK);
    assert_true(db_in_tx(c));
    assert_int_equal(db_begin(c, true), DB_ERROR); /* no nesting */
    assert_true(db_in_tx(c));
    assert_int_equal(db_exec(c, ins, DBP(DB_I(1), DB_S("rolled back")), NULL), DB_OK);
    assert_int_equal(count_rows(c, f->conc), 1); /* visible inside */
    db_rollback(c);
    assert_false(db_in_tx(c));
    assert_int_equal(count_rows(c, f->conc), 0);
    db_rollback(c); /* rollback outside a transaction is harmless */

    /* Commit keeps, and other connections see it. */
    assert_int_equal(db_begin(c, true), DB_OK);
    assert_int_equal(db_exec(c, ins, DBP(DB_I(1), DB_S("kept")), NULL), DB_OK);
    assert_int_equal(db_exec(c, ins, DBP(DB_I(2), DB_S("kept")), NULL), DB_OK);
    assert_int_equal(db_commit(c), DB_OK);
    assert_false(db_in_tx(c));
    wj_conn *other = db_acquire(f->db);
    assert_ptr_not_equal(other, c);
    assert_int_equal(count_rows(other, f->conc), 2);

    /* Uncommitted writes are invisible to other connections. */
    assert_int_equal(db_begin(c, true), DB_OK);
    assert_int_equal(db_exec(c, ins, DBP(DB_I(3), DB_S("pending")), NULL), DB_OK);
    assert_int_equal(count_rows(other, f->conc), 2);
    /* A conflict inside a transaction, then rollback of the whole. */
    assert_int_equal(db_exec(c, ins, DBP(DB_I(1), DB_S("dup")), NULL), DB_CONFLICT);
    db_rollback(c);
    assert_int_equal(count_rows(other, f->conc), 2);

    /* A read transaction. */
    assert_int_equal(db_begin(other, false), DB_OK);
    assert_int_equal(count_rows(other, f->conc), 2);
    assert_int_equal(db_commit(other), DB_OK);

    /* Releasing a connection with an open transaction rolls it back (and, on SQLite,
     * frees the writer lock: the next write transaction must not block). */
    assert_int_equal(db_begin(c, true), DB_OK);
    assert_int_equal(db_exec(c, ins, DBP(DB_I(4), DB_S("abandoned")), NULL), DB_OK);
    db_release(c);
    assert_int_equal(db_begin(other, true), DB_OK);
    assert_int_equal(count_rows(other, f->conc), 2);
    assert_int_equal(db_commit(other), DB_OK);

    /* Empty the table for the concurrency test. */
    char *del = wj_xasprintf("DELETE FROM %s", f->conc);
    assert_int_equal(db_exec(other, del, DBP_NONE, NULL), DB_OK);
    free(del);
    free(ins);
    db_release(other);
}

#define WRITERS 4
#define TX_PER_WRITER 200

typedef struct writer_arg {
    db_fixture *f;
    int thread;
    int ok, errors, conflicts, read_errors;
} writer_arg;

static void *writer(void *p)
{
    writer_arg *a = p;
    char *ins = wj_xasprintf("INSERT INTO %s (id, who) VALUES (?, ?)", a->f->conc);
    char who[16];
    snprintf(who, sizeof who, "writer %d", a->thread);
    for (int i = 0; i < TX_PER_WRITER; i++) {
        /* Take a connection per transaction, like a request does. */
        wj_conn *c = db_acquire(a->f->db);
        db_status s = db_begin(c, true);
        if (s == DB_OK)
            s = db_exec(c, ins, DBP(DB_I((int64_t)a->thread * 100000 + i + 1), DB_S(who)), NULL);
        if (s == DB_OK)
            s = db_commit(c);
        else
            db_rollback(c);
        if (s == DB_OK)
            a->ok++;
        else if (s == DB_CONFLICT)
            a->conflicts++;
        else
            a->errors++;
        /* Readers run beside the writer. */
        if (i % 10 == 0 && count_rows(c, a->f->conc) < 0)
            a->read_errors++;
        db_release(c);
    }
    free(ins);
    return NULL;
}

static void concurrent_writers(void **state)
{
    db_fixture *f = *state;
    pthread_t th[WRITERS];
    writer_arg args[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        args[i] = (writer_arg){.f = f, .thread = i};
        assert_int_equal(pthread_create(&th[i], NULL, writer, &args[i]), 0);
    }
    int ok = 0, errors = 0, conflicts = 0, read_errors = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        ok += args[i].ok;
        errors += args[i].errors;
        conflicts += args[i].conflicts;
        read_errors += args[i].read_errors;
    }
    assert_int_equal(errors, 0);
    assert_int_equal(conflicts, 0);
    assert_int_equal(read_errors, 0);
    assert_int_equal(ok, WRITERS * TX_PER_WRITER);
    int size = 0;
    assert_int_equal(db_in_use(f->db, &size), 0);
    wj_conn *c = db_acquire(f->db);
    assert_int_equal(count_rows(c, f->conc), WRITERS * TX_PER_WRITER);
    /* Every writer's rows, each once. */
    char *sql = wj_xasprintf("SELECT who, COUNT(*), COUNT(DISTINCT id) FROM %s GROUP BY who ORDER BY who", f->conc);
    db_rows *rows = NULL;
    assert_int_equal(db_query(c, sql, DBP_NONE, &rows), DB_OK);
    free(sql);
    assert_int_equal(rows->nrows, WRITERS);
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal(db_int(rows, i, 1), TX_PER_WRITER);
        assert_int_equal(db_int(rows, i, 2), TX_PER_WRITER);
    }
    db_rows_free(rows);
    db_release(c);
}

/* Results larger than any first guess, and values at the edges: each cell reads back as
 * stored, NULL stays apart from the empty string, names stay with their columns. */
static void large_result(void **state)
{
    db_fixture *f = *state;
    wj_conn *c = db_acquire(f->db);
    char t[80];
    snprintf(t, sizeof t, "%s_big", f->t);
    script(c, "CREATE TABLE %s (id BIGINT PRIMARY KEY, v BIGINT, label TEXT)", t);
    char *ins = wj_xasprintf("INSERT INTO %s (id, v, label) VALUES (?, ?, ?)", t);
    assert_int_equal(db_begin(c, true), DB_OK);
    for (int i = 1; i <= 500; i++) {
        char label[32];
        snprintf(label, sizeof label, "第%d行", i);
        assert_int_equal(db_exec(c, ins, DBP(DB_I(i), DB_I(-(int64_t)i * 1000003), DB_S(label)), NULL), DB_OK);
    }
    assert_int_equal(db_exec(c, ins, DBP(DB_I(501), DB_I(INT64_MIN), DB_S("")), NULL), DB_OK);
    assert_int_equal(db_exec(c, ins, DBP(DB_I(502), DB_I(0), DB_NULL), NULL), DB_OK);
    assert_int_equal(db_commit(c), DB_OK);

    char *sel = wj_xasprintf("SELECT id, v, label FROM %s ORDER BY id", t);
    db_rows *rows = NULL;
    assert_int_equal(db_query(c, sel, DBP_NONE, &rows), DB_OK);
    assert_int_equal(rows->nrows, 502);
    assert_string_equal(rows->names[1], "v");
    assert_string_equal(rows->names[2], "label");
    for (int i = 0; i < 500; i++) {
        char label[32];
        snprintf(label, sizeof label, "第%d行", i + 1);
        assert_int_equal(db_int(rows, i, 0), i + 1);
        assert_true(db_int(rows, i, 1) == -(int64_t)(i + 1) * 1000003);
        assert_string_equal(db_text(rows, i, 2), label);
    }
    assert_true(db_int(rows, 500, 1) == INT64_MIN);
    assert_string_equal(db_text(rows, 500, 1), "-9223372036854775808");
    assert_false(db_is_null(rows, 500, 2));
    assert_string_equal(db_text(rows, 500, 2), "");
    assert_string_equal(db_text(rows, 501, 1), "0");
    assert_true(db_is_null(rows, 501, 2));
    db_rows_free(rows);

    /* A statement that differs from a cached one only at its end is its own statement. */
    char *one = wj_xasprintf("SELECT id, v, label FROM %s WHERE id = 1", t);
    char *two = wj_xasprintf("SELECT id, v, label FROM %s WHERE id = 2", t);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(db_query(c, one, DBP_NONE, &rows), DB_OK);
        assert_int_equal(db_int(rows, 0, 0), 1);
        db_rows_free(rows);
        assert_int_equal(db_query(c, two, DBP_NONE, &rows), DB_OK);
        assert_int_equal(db_int(rows, 0, 0), 2);
        db_rows_free(rows);
    }
    script(c, "DROP TABLE %s", t);
    free(ins);
    free(sel);
    free(one);
    free(two);
    db_release(c);
}

static int run_backend(const char *name, int (*setup)(void **))
{
    printf("---- %s\n", name);
    fflush(stdout);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_and_kind),  cmocka_unit_test(open_fails_cleanly), cmocka_unit_test(create_insert_query),
        cmocka_unit_test(foreign_keys),   cmocka_unit_test(transactions),       cmocka_unit_test(concurrent_writers),
        cmocka_unit_test(large_result),
    };
    return cmocka_run_group_tests_name(name, tests, setup, fixture_teardown);
}

int run_db_tests(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(placeholders),
    };
    int failed = cmocka_run_group_tests_name("db", pure, NULL, NULL);
    failed += run_backend("db (SQLite)", sqlite_setup);
    const char *pg = getenv("WEIJIAN_TEST_PG");
    if (pg && *pg)
        failed += run_backend("db (PostgreSQL)", pg_setup);
    else
        printf("[ SKIPPED  ] db (PostgreSQL): WEIJIAN_TEST_PG is not set\n");
    return failed;
}
