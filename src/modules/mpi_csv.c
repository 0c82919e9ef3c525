/* mpi_csv.c — persons in from CSV (docs/mpi.md, "Import"): each row becomes the body
 * POST /api/v1/persons takes and goes through mpi_input_from_json, so an import validates
 * exactly as the API does, then through mpi_register, so it is matched exactly as a
 * registration at a desk is. Rows are registered in write transactions of `batch` rows.
 *
 * All or nothing (the default): a first pass validates every row and nothing is written
 * when any is rejected; the valid rows are kept (packed) and registered in a second pass
 * without being read or validated again. With skip_bad_rows there is one pass and a
 * rejected row is skipped.
 * Either way a row can still be refused at registration (409: an identifier that belongs
 * to a person of another sex or birth date); it is reported and skipped, as earlier
 * batches are already committed. A batch runs without savepoints; when a row of it is
 * refused the batch is rolled back and run again with one savepoint per row, so the cost
 * of savepoints is paid only by batches that need them.
 *
 * Each row is prepared (mpi_prepare_bulk: keys, document, the in-memory candidate search)
 * before it is written. On SQLite, all or nothing, a second thread prepares the next batch
 * while the writer writes one, so the two cores share the work. */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/checkpoint.h"
#include "../core/csv.h"
#include "../core/ids.h"
#include "../core/index_defer.h"
#include "../core/util.h"
#include "mpi_csv.h"
#include "mpi_store.h"

enum {
    C_NAME,
    C_SEX,
    C_BIRTH,
    C_PHONE,
    C_ADDRESS,
    C_AREA,
    C_NATIONALITY,
    C_ID_CARD,
    C_INSURANCE,
    C_SOCIAL,
    C_HCARD,
    C_ISSUER,
    C_PASSPORT,
    C_BIRTH_CERT,
    NCOLS
};

static const char *const columns[NCOLS] = {
    "name",         "sex",          "birth_date",    "phone",
    "address",      "area_code",    "nationality",   "id_card",
    "insurance_card", "social_security_card", "hospital_card", "hospital_card_issuer",
    "passport",     "birth_certificate",
};
static const char *const columns_zh[NCOLS] = {
    "姓名", "性别", "出生日期", "电话", "地址", "区划代码", "国籍", "身份证号", "医保卡号", "社保卡号", "就诊卡号",
    "发卡机构", "护照号", "出生医学证明编号",
};
/* The identifier columns, in the order a row's identifiers are listed; each column's
 * name is its identifier type. */
static const int ident_columns[] = {C_ID_CARD, C_INSURANCE, C_SOCIAL, C_HCARD, C_PASSPORT, C_BIRTH_CERT};

/* Without a batch size: a tenth of the file, within these. Every batch rewrites pages
 * all over the random-keyed indexes (names, blocking keys, identifiers), so at a million
 * persons a commit costs about the same for 10,000 rows as for 100,000: small batches
 * make a large import several times slower, large ones make a running server's writers
 * wait longer (about 5 s for 100,000 rows). */
#define BATCH_MIN 10000
#define BATCH_MAX 100000
#define PROGRESS_EVERY 1000

/* ---- cells ---- */

/* ---- rows ---- */

typedef struct row_error {
    int col; /* column index, -1 when the row as a whole */
    char reason[320];
} row_error;

static void row_fail(row_error *e, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void row_fail(row_error *e, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->col = col;
    vsnprintf(e->reason, sizeof e->reason, fmt, ap);
    va_end(ap);
    wj_utf8_cut(e->reason);
}

/* One row on its way in. */
typedef struct item {
    long line;
    bool bad;
    row_error err;
    int ident_col[MPI_MAX_IDENTIFIERS]; /* the column of each of the body's identifiers */
    int nident;
    mpi_input in;
    mpi_prepared prep;
    mpi_result res;
} item;

/* Rows on their way to one write transaction. */
typedef struct batch {
    item *items;
    int n;         /* rows in it; 0 once the source is exhausted */
    bool prepared; /* mpi_prepare_bulk has run on its rows */
    bool ready;    /* pipeline: prepared and not yet written */
    long gen;      /* pipeline: the writer's count of foreign commits its rows were prepared after */
} batch;

typedef struct importer {
    wj_conn *c;
    mpi_import *imp;
    int nfile;           /* columns in the file */
    int *map;            /* file column → column index, -1 for an untitled one */
    char titles[NCOLS][64]; /* each column's title as the file gives it ("" when absent) */
    long total;          /* rows in the file, for progress */
    bool file_error;
    mpi_bcache *bc;      /* the blocking index in memory, for large imports; NULL: SQL */
    wj_checkpointer *ck; /* SQLite: WAL checkpoints on another thread; NULL: as usual */
    const char *kept, *kept_end; /* all-or-nothing: the valid rows not batched yet (packed) */
    int batch_rows;
    long written;                /* rows through their write transaction (progress) */
    long shown;                  /* the count progress last saw */
    atomic_long checked;         /* rows through the check pass, by both its threads */
    /* The pipeline (SQLite, all-or-nothing, large imports): a second thread unpacks and
     * prepares the next batch on a connection of its own while this one is written. */
    wj_conn *pc; /* the preparing thread's connection; NULL: the writer prepares */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch b[2];
    long foreign;    /* times the writer saw another connection's commit (guarded by mu) */
    int64_t version; /* the writer's PRAGMA data_version when it last looked */
    bool stop;       /* the writer gave up: the preparer ends */
    bool deferred;   /* load_indexes are set aside: build them at the end */
} importer;

static const char *column_title(const importer *im, int col)
{
    if (col < 0)
        return "";
    return im->titles[col][0] ? im->titles[col] : columns[col];
}

static void set_first_error(importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_first_error(importer *im, const char *fmt, ...)
{
    if (im->imp->first_error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(im->imp->first_error, sizeof im->imp->first_error, fmt, ap);
    va_end(ap);
    wj_utf8_cut(im->imp->first_error);
}

static void file_reject(importer *im, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void file_reject(importer *im, long line, const char *fmt, ...)
{
    char reason[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    set_first_error(im, "line %ld: %s", line, reason);
    if (im->imp->report) {
        wj_buf b = {0};
        char l[24];
        snprintf(l, sizeof l, "%ld", line);
        wj_csv_put(&b, l, true);
        wj_csv_put(&b, "rejected", false);
        wj_csv_put(&b, "", false);
        wj_csv_put(&b, "", false);
        wj_csv_put(&b, reason, false);
        wj_buf_puts(&b, "\n");
        fwrite(b.data, 1, b.len, im->imp->report);
        wj_buf_free(&b);
    }
    im->file_error = true;
}

static bool read_header(importer *im, wj_csv *r)
{
    wj_csv_status st = wj_csv_next(r);
    if (st == WJ_CSV_END || (st == WJ_CSV_RECORD && wj_csv_blank(r))) {
        file_reject(im, 1, "the first row must name the columns (name, sex, birth_date, id_card, …)");
        return false;
    }
    if (st != WJ_CSV_RECORD) {
        file_reject(im, r->record_line, "header row: %s", r->error);
        return false;
    }
    im->nfile = r->nfields;
    free(im->map);
    im->map = wj_xcalloc((size_t)r->nfields, sizeof *im->map);
    memset(im->titles, 0, sizeof im->titles);
    for (int i = 0; i < r->nfields && !im->file_error; i++) {
        size_t n;
        const char *t = wj_csv_trim(r->fields[i], &n);
        int k = -1;
        for (int j = 0; j < NCOLS && k < 0 && n; j++)
            if ((strlen(columns[j]) == n && strncasecmp(t, columns[j], n) == 0) ||
                (strlen(columns_zh[j]) == n && strncmp(t, columns_zh[j], n) == 0))
                k = j;
        im->map[i] = k;
        if (n && k < 0)
            file_reject(im, r->record_line,
                        "unknown column \"%.*s\": the columns are name, sex, birth_date, phone, address, area_code, "
                        "nationality, id_card, insurance_card, social_security_card, hospital_card, "
                        "hospital_card_issuer, passport, birth_certificate (or 姓名, 性别, 出生日期, 电话, 地址, "
                        "区划代码, 国籍, 身份证号, 医保卡号, 社保卡号, 就诊卡号, 发卡机构, 护照号, 出生医学证明编号)",
                        (int)(n < 60 ? n : 60), t);
        else if (k >= 0 && im->titles[k][0])
            file_reject(im, r->record_line, "column %s is given twice (as \"%s\" and \"%.*s\")", columns[k],
                        im->titles[k], (int)(n < 40 ? n : 40), t);
        else if (k >= 0) {
            snprintf(im->titles[k], sizeof im->titles[k], "%.*s", (int)n, t);
            wj_utf8_cut(im->titles[k]);
        }
    }
    if (!im->file_error && !im->titles[C_NAME][0])
        file_reject(im, r->record_line, "the file has no column name (姓名)");
    return !im->file_error;
}

/* The column a body field belongs to: "identifiers[2].issuer" → hospital_card_issuer. */
static int column_of(const item *it, const char *field)
{
    unsigned idx;
    if (sscanf(field, "identifiers[%u]", &idx) == 1) {
        if (idx >= (unsigned)it->nident)
            return -1;
        int col = it->ident_col[idx];
        return col == C_HCARD && strstr(field, ".issuer") ? C_ISSUER : col;
    }
    size_t n = strcspn(field, "[.");
    for (int k = 0; k < NCOLS; k++)
        if (strlen(columns[k]) == n && strncmp(field, columns[k], n) == 0)
            return k;
    return -1;
}

static void from_error(item *it, wj_error *err)
{
    int col = column_of(it, err->field);
    /* The import also takes the Chinese labels of the sexes. */
    bool labels = col == C_SEX && strncmp(err->message, "must be one of", 14) == 0;
    row_fail(&it->err, col, "%s%s", err->message, labels ? " (or 男, 女, 其他, 未知)" : "");
    it->bad = true;
    wj_error_clear(err);
}

static const char *sex_code(const char *s, size_t n)
{
    for (const wj_enum *e = mpi_sexes; e->code; e++)
        if ((strlen(e->code) == n && strncasecmp(e->code, s, n) == 0) || (strlen(e->zh) == n && strncmp(e->zh, s, n) == 0))
            return e->code;
    return NULL;
}

/* The body of a row, or NULL after filling it->err. */
static json_t *row_body(const importer *im, const wj_csv *r, item *it)
{
    if (r->nfields != im->nfile) {
        row_fail(&it->err, -1, "the row has %d fields, the header row %d", r->nfields, im->nfile);
        return NULL;
    }
    const char *cell[NCOLS] = {0};
    size_t len[NCOLS] = {0};
    for (int i = 0; i < r->nfields; i++) {
        size_t n;
        const char *t = wj_csv_trim(r->fields[i], &n);
        if (!n)
            continue; /* an empty cell: the field is absent */
        int k = im->map[i];
        if (k < 0) {
            row_fail(&it->err, -1, "a value in column %d, which has no title", i + 1);
            return NULL;
        }
        cell[k] = t;
        len[k] = n;
    }
    static const int text_cols[] = {C_NAME, C_ADDRESS};
    for (size_t i = 0; i < WJ_ARRAY_LEN(text_cols); i++) {
        int k = text_cols[i];
        if (cell[k] && wj_csv_formula_like(cell[k], len[k])) {
            row_fail(&it->err, k, "begins with =, +, -, @ or a control character: a spreadsheet would run it as a formula");
            return NULL;
        }
    }
    if (cell[C_ISSUER] && !cell[C_HCARD]) {
        row_fail(&it->err, C_ISSUER, "an issuer without a hospital card");
        return NULL;
    }
    json_t *body = json_object();
    static const int plain[] = {C_NAME, C_BIRTH, C_PHONE, C_ADDRESS, C_AREA, C_NATIONALITY};
    for (size_t i = 0; i < WJ_ARRAY_LEN(plain); i++)
        if (cell[plain[i]])
            json_object_set_new_nocheck(body, columns[plain[i]], json_stringn_nocheck(cell[plain[i]], len[plain[i]]));
    if (cell[C_SEX]) {
        const char *code = sex_code(cell[C_SEX], len[C_SEX]);
        json_object_set_new_nocheck(body, "sex", code ? json_string_nocheck(code)
                                                      : json_stringn_nocheck(cell[C_SEX], len[C_SEX]));
    }
    json_t *ids = NULL;
    it->nident = 0;
    for (size_t i = 0; i < WJ_ARRAY_LEN(ident_columns); i++) {
        int k = ident_columns[i];
        if (!cell[k])
            continue;
        if (!ids)
            ids = json_array();
        const char *type = columns[k];
        if (k == C_ID_CARD && len[k] == 15)
            type = "id_card_15";
        json_t *id = json_object();
        json_object_set_new_nocheck(id, "type", json_string_nocheck(type));
        json_object_set_new_nocheck(id, "value", json_stringn_nocheck(cell[k], len[k]));
        if (k == C_HCARD) {
            if (cell[C_ISSUER]) {
                json_object_set_new_nocheck(id, "issuer", json_stringn_nocheck(cell[C_ISSUER], len[C_ISSUER]));
            } else if (im->imp->facility_id) {
                char s[24];
                wj_id_format(im->imp->facility_id, s);
                json_object_set_new_nocheck(id, "issuer", json_string_nocheck(s));
            }
        }
        json_array_append_new(ids, id);
        it->ident_col[it->nident++] = k;
    }
    if (ids)
        json_object_set_new_nocheck(body, "identifiers", ids);
    return body;
}

/* Reads a record into `it`: validated as POST validates (it->bad and it->err when not). */
static void row_prepare(const importer *im, wj_conn *c, const wj_csv *r, wj_csv_status st, item *it)
{
    it->line = r->record_line;
    it->bad = false;
    it->err.col = -1;
    it->err.reason[0] = '\0';
    if (st == WJ_CSV_BAD) {
        row_fail(&it->err, -1, "%s", r->error);
        it->bad = true;
        return;
    }
    json_t *body = row_body(im, r, it);
    if (!body) {
        it->bad = true;
        return;
    }
    wj_error e = {0};
    if (!mpi_input_from_json(c, body, &it->in, &e))
        from_error(it, &e);
    json_decref(body);
    if (it->bad)
        return;
    it->in.by_user = im->imp->by_user;
    /* Where the row was registered: the importing facility, else the hospital that issued
     * its card. */
    it->in.facility_id = im->imp->facility_id;
    for (int i = 0; i < it->in.nids && !it->in.facility_id; i++)
        if (strcmp(it->in.ids[i].type, "hospital_card") == 0)
            it->in.facility_id = it->in.ids[i].issuer;
}

/* Counts the row and writes its report line. */
static void row_done(importer *im, const item *it)
{
    mpi_import *imp = im->imp;
    const char *status;
    char reason[400] = "";
    if (it->bad) {
        status = "rejected";
        imp->rejected++;
        const char *col = column_title(im, it->err.col);
        snprintf(reason, sizeof reason, "%s%s%s", col, col[0] ? ": " : "", it->err.reason);
        wj_utf8_cut(reason);
        set_first_error(im, "line %ld: %s", it->line, reason);
    } else if (it->res.status == MPI_LINKED) {
        status = "linked";
        imp->linked++;
        if (strcmp(it->res.rule, "score") == 0)
            snprintf(reason, sizeof reason, "score %.2f", it->res.score);
        else
            snprintf(reason, sizeof reason, "%s", it->res.rule);
    } else if (it->res.status == MPI_REVIEW) {
        status = "review";
        imp->reviews++;
        char rid[24], cid[24];
        wj_id_format(it->res.review_id, rid);
        wj_id_format(it->res.ncandidates ? it->res.candidates[0].person_id : 0, cid);
        snprintf(reason, sizeof reason, "review %s: candidate %s, score %.2f", rid, cid, it->res.score);
    } else {
        status = "new";
        imp->created++;
    }
    if (!imp->report)
        return;
    char person[24] = "", record[24] = "";
    if (!it->bad) {
        wj_id_format(it->res.person_id, person);
        wj_id_format(it->res.record_id, record);
    }
    if (!strpbrk(reason, ",\"\r\n")) {
        fprintf(imp->report, "%ld,%s,%s,%s,%s\n", it->line, status, person, record, reason);
    } else {
        wj_buf b = {0};
        wj_csv_put(&b, reason, true);
        fprintf(imp->report, "%ld,%s,%s,%s,%.*s\n", it->line, status, person, record, (int)b.len, b.data);
        wj_buf_free(&b);
    }
}

static void progress(importer *im, long done, bool force)
{
    mpi_import *imp = im->imp;
    if (imp->progress && (force || done / PROGRESS_EVERY != im->shown / PROGRESS_EVERY))
        imp->progress(imp->ctx, done, im->total > done ? im->total : done);
    im->shown = done;
}

static bool sql(wj_conn *c, const char *text)
{
    return db_exec(c, text, DBP_NONE, NULL) == DB_OK;
}

/* Registers one row (prepared). A row refused at registration is marked (it->bad,
 * it->err); with `savepoint` it leaves nothing behind. 1: registered, or refused under a
 * savepoint; 0: refused without one (the transaction must be rolled back); -1: database
 * error. */
static int row_register(importer *im, item *it, bool savepoint, bool cached)
{
    wj_error e = {0};
    if (savepoint && !sql(im->c, "SAVEPOINT mpi_import_row"))
        return -1;
    if (mpi_register_bulk(im->c, &it->prep, cached, &it->in, &it->res, &e))
        return !savepoint || sql(im->c, "RELEASE SAVEPOINT mpi_import_row") ? 1 : -1;
    if (e.status >= 500 || e.status == 0) {
        set_first_error(im, "line %ld: database error: %s", it->line, db_errmsg(im->c));
        wj_error_clear(&e);
        return -1;
    }
    from_error(it, &e);
    if (!savepoint)
        return 0;
    return sql(im->c, "ROLLBACK TO SAVEPOINT mpi_import_row") && sql(im->c, "RELEASE SAVEPOINT mpi_import_row") ? 1
                                                                                                                  : -1;
}

static void prepare_rows(importer *im, wj_conn *c, batch *bt)
{
    for (int i = 0; i < bt->n; i++)
        if (!bt->items[i].bad)
            mpi_prepare_bulk(c, im->bc, &bt->items[i].in, &bt->items[i].prep);
    bt->prepared = true;
}

/* Whether the rows of `bt` may be matched with what was prepared for them. The writer
 * alone prepares them in its transaction, after syncing the index. In the pipeline they
 * were prepared earlier: if another connection committed since (the server registering
 * someone), the rows are matched over SQL instead and the preparer catches up. */
static bool batch_cached(importer *im, batch *bt, bool *cached)
{
    if (!im->pc) {
        if (!bt->prepared) {
            if (im->bc && !mpi_bcache_sync(im->bc, im->c))
                return false;
            prepare_rows(im, im->c, bt);
        }
        *cached = true;
        return true;
    }
    int64_t v;
    if (db_data_version(im->c, &v) != DB_OK)
        return false;
    pthread_mutex_lock(&im->mu);
    if (v != im->version) {
        im->version = v;
        im->foreign++;
    }
    *cached = bt->gen == im->foreign;
    pthread_mutex_unlock(&im->mu);
    return true;
}

/* Has the caller's signal handler asked the import to stop? */
static bool interrupted(const importer *im)
{
    return im->imp->interrupt && *im->imp->interrupt;
}

/* Registers a batch in its own write transaction. False on a database error, or without
 * writing when the import was interrupted. */
static bool batch_write(importer *im, batch *bt)
{
    bool savepoints = false;
    if (interrupted(im)) {
        set_first_error(im, "interrupted");
        return false;
    }
    /* The log is reused from its start only when the checkpoint has caught up before the
     * transaction begins; else it grows by every batch (gigabytes for a million rows). */
    wj_checkpointer_wait(im->ck);
    for (;;) {
        if (db_begin(im->c, true) != DB_OK) {
            set_first_error(im, "cannot begin a transaction: %s", db_errmsg(im->c));
            return false;
        }
        if (!mpi_bulk_lock(im->c)) {
            set_first_error(im, "cannot lock the identifiers: %s", db_errmsg(im->c));
            db_rollback(im->c);
            return false;
        }
        bool cached;
        if (!batch_cached(im, bt, &cached)) {
            set_first_error(im, "cannot read the records: %s", db_errmsg(im->c));
            db_rollback(im->c);
            return false;
        }
        int rc = 1;
        for (int i = 0; i < bt->n && rc == 1; i++)
            if (!bt->items[i].bad)
                rc = row_register(im, &bt->items[i], savepoints, cached);
        if (rc == 1 && db_commit(im->c) != DB_OK) {
            set_first_error(im, "commit failed: %s", db_errmsg(im->c));
            rc = -1;
        }
        if (rc == 1) {
            wj_checkpointer_kick(im->ck);
            break;
        }
        db_rollback(im->c);
        if (rc < 0)
            return false;
        /* A row was refused (and is now marked): again, with a savepoint per row. */
        savepoints = true;
    }
    for (int i = 0; i < bt->n; i++) {
        row_done(im, &bt->items[i]);
        progress(im, ++im->written, false);
    }
    return true;
}

/* The next data record: WJ_CSV_RECORD or WJ_CSV_BAD, or WJ_CSV_END when there are no
 * more (an unclosed quote is a file error). Blank rows are passed over. */
static wj_csv_status next_row(importer *im, wj_csv *r)
{
    for (;;) {
        wj_csv_status st = wj_csv_next(r);
        if (st == WJ_CSV_FATAL) {
            file_reject(im, r->record_line, "%s", r->error);
            return WJ_CSV_END;
        }
        if (st == WJ_CSV_RECORD && wj_csv_blank(r))
            continue;
        return st;
    }
}

static void reset(mpi_import *imp)
{
    imp->rows = imp->created = imp->linked = imp->reviews = imp->rejected = 0;
    imp->first_error[0] = '\0';
}

/* The text as UTF-8 (heap), or NULL after a file rejection. */
static char *utf8_text(importer *im, const char *data, size_t len, size_t *tlen)
{
    char why[200];
    long line = 0;
    wj_encoding used;
    char *text = wj_text_to_utf8(data, len, WJ_ENC_AUTO, tlen, &used, why, sizeof why, &line);
    if (!text)
        file_reject(im, line, "%s", why);
    return text;
}

static void report_header(const mpi_import *imp)
{
    if (imp->report)
        fputs("line,status,person_id,record_id,reason\n", imp->report);
}

/* ---- valid rows, kept between the passes of an all-or-nothing import ----
 * Packed: line, facility, user, the counts, the identifiers' columns, then the strings as
 * 16-bit length and bytes (about 200 bytes a row instead of the 2 KB of an mpi_input). */

static void put_i64(wj_buf *b, int64_t v)
{
    wj_buf_put(b, &v, sizeof v);
}

static void put_str(wj_buf *b, const char *s)
{
    uint16_t n = (uint16_t)strlen(s);
    wj_buf_put(b, &n, sizeof n);
    wj_buf_put(b, s, n);
}

static const char *get_i64(const char *p, int64_t *v)
{
    memcpy(v, p, sizeof *v);
    return p + sizeof *v;
}

static const char *get_str(const char *p, char *dst, size_t cap)
{
    uint16_t n;
    memcpy(&n, p, sizeof n);
    p += sizeof n;
    size_t k = n < cap ? n : cap - 1;
    memcpy(dst, p, k);
    dst[k] = '\0';
    return p + n;
}

static void pack(wj_buf *b, const item *it)
{
    const mpi_input *in = &it->in;
    put_i64(b, it->line);
    put_i64(b, in->facility_id);
    put_i64(b, in->by_user);
    unsigned char counts[2 + MPI_MAX_IDENTIFIERS] = {(unsigned char)in->nids, (unsigned char)it->nident};
    for (int i = 0; i < it->nident; i++)
        counts[2 + i] = (unsigned char)it->ident_col[i];
    wj_buf_put(b, counts, sizeof counts);
    const char *strs[] = {in->name,      in->sex,         in->birth_date,   in->phone, in->address,
                          in->area_code, in->nationality, in->fallback_path};
    for (size_t i = 0; i < WJ_ARRAY_LEN(strs); i++)
        put_str(b, strs[i]);
    for (int i = 0; i < in->nids; i++) {
        put_str(b, in->ids[i].type);
        put_str(b, in->ids[i].value);
        put_i64(b, in->ids[i].issuer);
    }
}

static const char *unpack(const char *p, item *it)
{
    mpi_input *in = &it->in;
    memset(in, 0, sizeof *in);
    int64_t line;
    p = get_i64(p, &line);
    p = get_i64(p, &in->facility_id);
    p = get_i64(p, &in->by_user);
    unsigned char counts[2 + MPI_MAX_IDENTIFIERS];
    memcpy(counts, p, sizeof counts);
    p += sizeof counts;
    it->line = (long)line;
    it->bad = false;
    in->nids = counts[0];
    it->nident = counts[1];
    for (int i = 0; i < it->nident; i++)
        it->ident_col[i] = counts[2 + i];
    struct {
        char *s;
        size_t n;
    } strs[] = {{in->name, sizeof in->name},           {in->sex, sizeof in->sex},
                {in->birth_date, sizeof in->birth_date}, {in->phone, sizeof in->phone},
                {in->address, sizeof in->address},     {in->area_code, sizeof in->area_code},
                {in->nationality, sizeof in->nationality}, {in->fallback_path, sizeof in->fallback_path}};
    for (size_t i = 0; i < WJ_ARRAY_LEN(strs); i++)
        p = get_str(p, strs[i].s, strs[i].n);
    for (int i = 0; i < in->nids; i++) {
        p = get_str(p, in->ids[i].type, sizeof in->ids[i].type);
        p = get_str(p, in->ids[i].value, sizeof in->ids[i].value);
        p = get_i64(p, &in->ids[i].issuer);
    }
    return p;
}

/* A row the check pass rejected, as the second half keeps it for the report. */
typedef struct rejected {
    long line;
    row_error err;
} rejected;

/* One half of the check pass: its reader, connection, the valid rows it kept (packed)
 * and, for the second half, what it rejected, reported once the first half is done. */
typedef struct check_part {
    importer *im;
    wj_conn *c;
    wj_csv r;
    item *it;
    bool first;
    wj_buf kept;
    rejected *bad;
    int nbad, bad_cap;
    long fatal_line; /* second half: an unclosed quote ended the file there (0: none) */
    char fatal[160];
} check_part;

static void check_rows(check_part *cp)
{
    importer *im = cp->im;
    db_begin(cp->c, false);
    for (;;) {
        wj_csv_status st = wj_csv_next(&cp->r);
        if (st == WJ_CSV_END)
            break;
        if (st == WJ_CSV_FATAL) {
            if (cp->first)
                file_reject(im, cp->r.record_line, "%s", cp->r.error);
            cp->fatal_line = cp->r.record_line;
            snprintf(cp->fatal, sizeof cp->fatal, "%s", cp->r.error);
            break;
        }
        if (st == WJ_CSV_RECORD && wj_csv_blank(&cp->r))
            continue;
        if (interrupted(im))
            break;
        long n = atomic_fetch_add(&im->checked, 1) + 1;
        row_prepare(im, cp->c, &cp->r, st, cp->it);
        if (cp->it->bad && cp->first) {
            row_done(im, cp->it);
        } else if (cp->it->bad) {
            if (cp->nbad == cp->bad_cap) {
                cp->bad_cap = cp->bad_cap ? cp->bad_cap * 2 : 64;
                cp->bad = wj_xrealloc(cp->bad, (size_t)cp->bad_cap * sizeof *cp->bad);
            }
            cp->bad[cp->nbad++] = (rejected){cp->it->line, cp->it->err};
        } else if (!cp->first || !im->imp->rejected) {
            pack(&cp->kept, cp->it);
        }
        if (cp->first)
            progress(im, n, false);
    }
    db_rollback(cp->c);
}

static void *check_run(void *arg)
{
    check_rows(arg);
    return NULL;
}

/* Validates every row without writing (the first pass of an all-or-nothing import),
 * keeping the valid ones in `kept`: a large file in two halves on two threads, when the
 * pool has a connection for the second. */
static void check_all(importer *im, wj_db *db, const char *text, size_t tlen, item *it, wj_buf *kept)
{
    mpi_import *imp = im->imp;
    check_part a = {.im = im, .c = im->c, .it = it, .first = true}, b = {.im = im};
    wj_csv_init(&a.r, text, tlen);
    int size, busy = db_in_use(db, &size);
    pthread_t thread;
    bool two = false;
    if (read_header(im, &a.r)) {
        if (tlen >= (1 << 20) && busy < size) {
            wj_csv_split(&a.r, &b.r);
            b.c = db_acquire(db);
            b.it = wj_xcalloc(1, sizeof *b.it);
            two = pthread_create(&thread, NULL, check_run, &b) == 0;
            if (!two) {
                check_rows(&b); /* the halves one after the other */
                db_release(b.c);
            }
        }
        check_rows(&a);
        if (two) {
            pthread_join(thread, NULL);
            db_release(b.c);
        }
        for (int i = 0; i < b.nbad; i++) {
            item bad = {.line = b.bad[i].line, .bad = true, .err = b.bad[i].err};
            row_done(im, &bad);
        }
        if (b.fatal_line && !a.fatal_line)
            file_reject(im, b.fatal_line, "%s", b.fatal);
        imp->rows = atomic_load(&im->checked);
        progress(im, imp->rows, true);
    }
    *kept = a.kept;
    if (b.kept.len)
        wj_buf_put(kept, b.kept.data, b.kept.len);
    wj_buf_free(&b.kept);
    wj_csv_free(&a.r);
    wj_csv_free(&b.r);
    free(b.bad);
    free(b.it);
}

/* The source records the database holds (-1 on error). */
static long held_records(wj_conn *c)
{
    db_rows *r;
    if (db_query(c, "SELECT count(*) FROM mpi_records", DBP_NONE, &r) != DB_OK)
        return -1;
    long held = r->nrows ? (long)db_int(r, 0, 0) : 0;
    db_rows_free(r);
    return held;
}

/* Whether to search candidates in memory (mpi_blockcache.h): loading the cache reads
 * every record once (a few microseconds each), the SQL search costs about a hundred
 * microseconds a row more, so it pays from a fiftieth of the records already held. */
static bool want_cache(long held, long rows)
{
    return held >= 0 && rows >= 1000 && rows * 50L >= held;
}

/* The indexes a load sets aside (core/index_defer.h) and builds when its rows are in:
 * those of searches by name, area, facility, and of the SQL candidate search, which an
 * import matching in memory never reads. An index built from all the rows at once costs
 * about a quarter of inserting them one by one, so it pays when the file brings at least
 * a third of what the database will hold; below that the indexes stay. */
static const char *const load_indexes[] = {
    "persons_area_path",        "persons_name_key",       "persons_pinyin",    "mpi_records_facility",
    "mpi_records_bk_name_year", "mpi_records_bk_dob_sex", "mpi_records_phone",
};
#define DEFER_MIN_ROWS 10000

static void defer_indexes(importer *im, long held, long rows)
{
    if (im->imp->keep_indexes || !im->bc || rows < DEFER_MIN_ROWS || held < 0 || held > 2 * rows ||
        db_conn_kind(im->c) != WJ_DB_SQLITE)
        return;
    if (wj_index_defer(im->c, load_indexes, (int)WJ_ARRAY_LEN(load_indexes)))
        im->deferred = true; /* else they stay, and the rows go in through them */
}

/* Builds the indexes defer_indexes set aside, whatever became of the load. */
static bool build_indexes(importer *im)
{
    if (!im->deferred)
        return true;
    int n = wj_index_restore(im->c);
    if (n < 0) {
        set_first_error(im, "the indexes set aside for the load were not built: %s (weijian migrate builds them)",
                        db_errmsg(im->c));
        return false;
    }
    im->imp->indexes_built = n;
    wj_checkpointer_kick(im->ck);
    return true;
}

/* The next kept rows, up to a batch (0: none left). */
static void fill_kept(importer *im, batch *bt)
{
    bt->n = 0;
    bt->prepared = false;
    while (bt->n < im->batch_rows && im->kept < im->kept_end)
        im->kept = unpack(im->kept, &bt->items[bt->n++]);
}

/* The preparing thread: batches alternate between b[0] and b[1]; each is filled and
 * prepared while the writer writes the other. */
static void *prepare_run(void *arg)
{
    importer *im = arg;
    long synced = -1; /* the first batch loads the whole index */
    for (int i = 0;; i ^= 1) {
        batch *bt = &im->b[i];
        pthread_mutex_lock(&im->mu);
        while (bt->ready && !im->stop)
            pthread_cond_wait(&im->cv, &im->mu);
        bool stop = im->stop;
        long want = im->foreign;
        pthread_mutex_unlock(&im->mu);
        if (stop)
            break;
        if (synced != want && mpi_bcache_catch_up(im->bc, im->pc))
            synced = want;
        bt->gen = synced; /* a failed catch-up leaves it behind: the batch is matched over SQL */
        fill_kept(im, bt);
        prepare_rows(im, im->pc, bt);
        pthread_mutex_lock(&im->mu);
        bt->ready = true;
        pthread_cond_broadcast(&im->cv);
        pthread_mutex_unlock(&im->mu);
        if (!bt->n)
            break;
    }
    return NULL;
}

/* Writes the kept rows, batch by batch: with the preparing thread when there is a
 * connection for it, else preparing each batch in its own transaction. */
static bool write_kept(importer *im, wj_db *db, bool lite)
{
    int size, busy = db_in_use(db, &size);
    bool ok = true;
    if (!lite || !im->bc || busy >= size) {
        for (fill_kept(im, &im->b[0]); ok && im->b[0].n; fill_kept(im, &im->b[0]))
            ok = batch_write(im, &im->b[0]);
        return ok;
    }
    im->b[1].items = wj_huge_calloc((size_t)im->batch_rows, sizeof *im->b[1].items);
    im->pc = db_acquire(db);
    pthread_mutex_init(&im->mu, NULL);
    pthread_cond_init(&im->cv, NULL);
    if (db_data_version(im->c, &im->version) != DB_OK || pthread_create(&im->thread, NULL, prepare_run, im) != 0) {
        set_first_error(im, "cannot start the preparing thread");
        ok = false;
    } else {
        for (int i = 0; ok; i ^= 1) {
            batch *bt = &im->b[i];
            pthread_mutex_lock(&im->mu);
            while (!bt->ready)
                pthread_cond_wait(&im->cv, &im->mu);
            pthread_mutex_unlock(&im->mu);
            if (!bt->n)
                break;
            ok = batch_write(im, bt);
            pthread_mutex_lock(&im->mu);
            bt->ready = false;
            pthread_cond_broadcast(&im->cv);
            pthread_mutex_unlock(&im->mu);
        }
        pthread_mutex_lock(&im->mu);
        im->stop = true;
        pthread_cond_broadcast(&im->cv);
        pthread_mutex_unlock(&im->mu);
        pthread_join(im->thread, NULL);
    }
    pthread_mutex_destroy(&im->mu);
    pthread_cond_destroy(&im->cv);
    db_release(im->pc);
    im->pc = NULL;
    return ok;
}

static void free_batch(batch *bt, int cap)
{
    for (int i = 0; bt->items && i < cap; i++)
        mpi_prepared_clear(&bt->items[i].prep);
    wj_huge_free(bt->items, (size_t)cap, sizeof *bt->items);
}

bool mpi_import_csv(wj_db *db, const char *data, size_t len, mpi_import *imp)
{
    reset(imp);
    report_header(imp);
    importer im = {.c = db_acquire(db), .imp = imp};
    bool lite = db_kind(db) == WJ_DB_SQLITE;
    if (lite) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%zu", MPI_IMPORT_CACHE_BYTES / 1024);
        sql(im.c, pragma);
        im.ck = wj_checkpointer_start(db, im.c);
    }
    wj_buf kept = {0};
    size_t tlen;
    bool ok = false;
    char *text = utf8_text(&im, data, len, &tlen);
    if (!text)
        goto out;
    im.total = wj_csv_count_records(text, tlen);
    im.batch_rows = imp->batch > 0                    ? imp->batch
                    : im.total / 10 < BATCH_MIN ? BATCH_MIN
                    : im.total / 10 > BATCH_MAX ? BATCH_MAX
                                                      : (int)(im.total / 10);
    im.b[0].items = wj_huge_calloc((size_t)im.batch_rows, sizeof *im.b[0].items);
    if (!imp->skip_bad_rows) {
        /* Every row checked first; then the kept rows registered, not validated twice. */
        check_all(&im, db, text, tlen, &im.b[0].items[0], &kept);
        free(text);
        text = NULL;
        if (interrupted(&im))
            set_first_error(&im, "interrupted");
        if (im.file_error || imp->rejected || interrupted(&im))
            goto out; /* nothing is written */
        long rows = imp->rows, held = held_records(im.c);
        reset(imp);
        if (want_cache(held, rows))
            im.bc = mpi_bcache_new();
        defer_indexes(&im, held, rows);
        im.kept = kept.data;
        im.kept_end = kept.data + kept.len;
        ok = write_kept(&im, db, lite);
        ok = build_indexes(&im) && ok;
        imp->rows = rows;
        if (!interrupted(&im)) /* else the rows imported were shown as they went */
            progress(&im, imp->rows, true);
        goto out;
    }
    long held = held_records(im.c);
    if (want_cache(held, im.total))
        im.bc = mpi_bcache_new();
    defer_indexes(&im, held, im.total);
    wj_csv r;
    wj_csv_init(&r, text, tlen);
    ok = read_header(&im, &r);
    wj_csv_status st;
    batch *bt = &im.b[0];
    while (ok && (st = next_row(&im, &r)) != WJ_CSV_END) {
        imp->rows++;
        row_prepare(&im, im.c, &r, st, &bt->items[bt->n++]);
        if (bt->n == im.batch_rows) {
            ok = batch_write(&im, bt);
            bt->n = 0;
            bt->prepared = false;
        }
    }
    if (ok && bt->n)
        ok = batch_write(&im, bt);
    ok = build_indexes(&im) && ok;
    ok = ok && !im.file_error;
    if (!interrupted(&im))
        progress(&im, imp->rows, true);
    wj_csv_free(&r);
out:
    if (imp->report)
        fflush(imp->report);
    wj_buf_free(&kept);
    mpi_bcache_free(im.bc);
    free_batch(&im.b[0], im.batch_rows);
    free_batch(&im.b[1], im.batch_rows);
    free(im.map);
    free(text);
    wj_checkpointer_stop(im.ck);
    if (lite)
        sql(im.c, "PRAGMA cache_size = -2000"); /* SQLite's default, for the pool's next user */
    db_release(im.c);
    return ok;
}

bool mpi_import_csv_conn(wj_conn *c, const char *data, size_t len, mpi_import *imp)
{
    reset(imp);
    report_header(imp);
    importer im = {.c = c, .imp = imp};
    size_t tlen;
    char *text = utf8_text(&im, data, len, &tlen);
    if (!text)
        return false;
    if (!mpi_bulk_lock(c)) {
        set_first_error(&im, "cannot lock the identifiers: %s", db_errmsg(c));
        free(text);
        return false;
    }
    im.total = imp->progress ? wj_csv_count_records(text, tlen) : 0;
    item *it = wj_xcalloc(1, sizeof *it);
    wj_csv r;
    wj_csv_init(&r, text, tlen);
    bool ok = read_header(&im, &r);
    /* All or nothing: after a rejected row the others are only checked, so that every
     * rejected row is reported; a row refused at registration stops the loop (without a
     * savepoint the transaction may be unusable, as on PostgreSQL). */
    bool writing = true;
    wj_csv_status st;
    while (ok && (st = next_row(&im, &r)) != WJ_CSV_END) {
        imp->rows++;
        row_prepare(&im, c, &r, st, it);
        int rc = 1;
        if (!it->bad && writing) {
            mpi_prepare_bulk(c, NULL, &it->in, &it->prep);
            rc = row_register(&im, it, imp->skip_bad_rows, false);
        }
        if (rc < 0)
            ok = false;
        else if (it->bad || writing)
            row_done(&im, it);
        if (it->bad && !imp->skip_bad_rows)
            writing = false;
        if (rc == 0)
            break;
        progress(&im, imp->rows, false);
    }
    ok = ok && writing;
    ok = ok && !im.file_error;
    progress(&im, imp->rows, true);
    wj_csv_free(&r);
    if (imp->report)
        fflush(imp->report);
    mpi_prepared_clear(&it->prep);
    free(it);
    free(im.map);
    free(text);
    return ok;
}
