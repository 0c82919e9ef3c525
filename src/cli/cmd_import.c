/* cmd_import.c — `weijian import facilities FILE.csv`: add facilities from a CSV file, each
 * row validated as the API validates it, in one transaction: all or nothing, or with
 * --skip-bad-rows the good rows. Every rejected row is reported on stderr (and in the
 * --report file). docs/facilities.md, "Import and export", has the columns.
 *
 * `weijian import persons FILE.csv`: register persons with matching (mpi_import_csv), in
 * transactions of --batch rows; docs/mpi.md, "Import". */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../modules/facilities.h"
#include "../modules/mpi.h"
#include "cli.h"
#include "clock.h"
#include "csv.h"
#include "util.h"

static const char *help_all =
    "usage: weijian import facilities [OPTIONS] FILE.csv\n"
    "       weijian import persons [OPTIONS] FILE.csv\n\n"
    "Adds facilities, or registers persons with matching, from a CSV file. See\n"
    "weijian import facilities --help and weijian import persons --help.\n";

static const char *help_persons =
    "usage: weijian import persons [--db PATH|URL] [--skip-bad-rows] [--report REPORT.csv]\n"
    "                              [--batch N] [--keep-indexes] [--encoding utf-8|gb18030]\n"
    "                              FILE.csv\n\n"
    "Registers the persons of a CSV file (- for standard input) in the master patient index,\n"
    "each row validated like POST /api/v1/persons and matched like a registration at a desk:\n"
    "linked to the person holding one of its identifiers or scoring above the upper threshold,\n"
    "sent to review between the thresholds, else a new person. The first row names the\n"
    "columns, by field name or Chinese title:\n"
    "  name 姓名, sex 性别 (male, female, other, unknown or 男, 女, 其他, 未知),\n"
    "  birth_date 出生日期, phone 电话, address 地址, area_code 区划代码, nationality 国籍,\n"
    "  id_card 身份证号 (18 characters, or 15 digits), insurance_card 医保卡号,\n"
    "  social_security_card 社保卡号, hospital_card 就诊卡号, hospital_card_issuer 发卡机构\n"
    "  (the issuing facility's id), passport 护照号, birth_certificate 出生医学证明编号\n"
    "name is required; sex and birth_date too unless an ID number gives them. An empty cell\n"
    "leaves a field out. weijian generate persons writes such files.\n\n"
    "  --skip-bad-rows   register the good rows even when some are rejected (default: every row\n"
    "                    is checked first, and any rejected row means nothing is written)\n"
    "  --report FILE     write one line per row to FILE as CSV:\n"
    "                    line,status,person_id,record_id,reason with status new, linked,\n"
    "                    review or rejected\n"
    "  --batch N         rows per write transaction (default: a tenth of the file, 10000 to\n"
    "                    100000; a running server's writers wait for each batch, up to about\n"
    "                    5 s at 100000 rows: give a smaller N to import beside a busy server)\n"
    "  --keep-indexes    SQLite: keep every index through the load. By default, when the file\n"
    "                    brings at least a third of the records the database will hold (a first\n"
    "                    load), the indexes of searches by name, area, facility and phone are\n"
    "                    set aside and built once the rows are in, several times faster; a\n"
    "                    server on the same database searches those fields slowly meanwhile.\n"
    "                    Should the import die, weijian migrate or the server's start builds them.\n"
    "  --encoding E      utf-8 or gb18030 (GBK); default: UTF-8 when the file is valid UTF-8,\n"
    "                    else GB18030\n\n"
    "A row can also be refused at registration (409: an identifier held by a person of another\n"
    "sex or birth date); it is reported and skipped, as the batches before it are committed.\n"
    "Rejected rows are printed as FILE:LINE: COLUMN: REASON. Exit status: 0 when every row was\n"
    "registered, 1 when any row was rejected (or the file or database failed), 2 on a usage\n"
    "error, 130 when interrupted: Ctrl-C or SIGTERM stops the import before its next batch\n"
    "(the batches committed stay, set-aside indexes are built); a second one at once.\n";

static const char *help =
    "usage: weijian import facilities [--db PATH|URL] [--skip-bad-rows] [--report REPORT.csv]\n"
    "                                 [--encoding utf-8|gb18030] FILE.csv\n\n"
    "Adds the facilities of a CSV file (- for standard input). The first row names the\n"
    "columns, by field name or Chinese title:\n"
    "  name 名称, level 级别, grade 等次, type 类别, area_code 区划代码, address 地址,\n"
    "  lat 纬度, lon 经度, beds 床位数, phone 电话, capabilities 能力 (joined by |),\n"
    "  campuses 院区 (a JSON array)\n"
    "name, level, type and area_code are required; an empty cell leaves a field out. Levels,\n"
    "grades, types and capabilities are codes (tertiary) or Chinese labels (三级). Each row is\n"
    "validated like POST /api/v1/facilities. The GET /api/v1/facilities/export file imports back.\n\n"
    "  --skip-bad-rows   write the good rows even when some are rejected (default: any\n"
    "                    rejected row means nothing is written)\n"
    "  --report FILE     also write the rejected rows to FILE as CSV: line,column,reason\n"
    "  --encoding E      utf-8 or gb18030 (GBK); default: UTF-8 when the file is valid UTF-8,\n"
    "                    else GB18030, as Excel and WPS save \"CSV\" on Chinese Windows\n\n"
    "Rejected rows are printed as FILE:LINE: COLUMN: REASON. Exit status: 0 when every row\n"
    "was written, 1 when any row was rejected (or the file or database failed), 2 on a usage\n"
    "error.\n";

typedef struct progress {
    bool tty;
    long last_pct, last_rows;
} progress;

/* On a terminal one line rewritten in place; otherwise a line every 1000 rows. */
static void show_progress(void *ctx, long done, long total)
{
    progress *p = ctx;
    long pct = total ? done * 100 / total : 100;
    if (p->tty) {
        if (pct != p->last_pct || done == total) {
            fprintf(stderr, "\rimport: %ld/%ld rows (%ld%%)", done, total, pct);
            p->last_pct = pct;
        }
    } else if (done - p->last_rows >= 1000) {
        fprintf(stderr, "import: %ld/%ld rows (%ld%%)\n", done, total, pct);
        p->last_rows = done;
    }
}

static bool read_all(const char *path, char **out, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return false;
    wj_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        wj_buf_put(&b, chunk, n);
    bool ok = !ferror(f);
    if (f != stdin)
        fclose(f);
    if (!ok) {
        wj_buf_free(&b);
        return false;
    }
    *out = b.data ? b.data : wj_xstrdup("");
    *len = b.len;
    return true;
}

/* The report: a header row, then line,column,reason per rejected row. UTF-8 with a
 * byte-order mark, like the export, so that Excel shows the Chinese column titles. */
static bool write_report(const char *path, const facilities_import *imp)
{
    wj_buf b = {0};
    wj_buf_puts(&b, "\xEF\xBB\xBF");
    wj_csv_put(&b, "line", true);
    wj_csv_put(&b, "column", false);
    wj_csv_put(&b, "reason", false);
    wj_csv_end_record(&b);
    for (int i = 0; i < imp->nrejected; i++) {
        char line[24];
        snprintf(line, sizeof line, "%ld", imp->rejected[i].line);
        wj_csv_put(&b, line, true);
        wj_csv_put(&b, imp->rejected[i].column, false);
        wj_csv_put(&b, imp->rejected[i].reason, false);
        wj_csv_end_record(&b);
    }
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
    ok = (f && fclose(f) == 0) && ok;
    wj_buf_free(&b);
    return ok;
}

static int import_facilities(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"skip-bad-rows", no_argument, 0, 's'},
                                         {"report", required_argument, 0, 'r'},
                                         {"encoding", required_argument, 0, 'e'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *dbflag = NULL, *report = NULL;
    facilities_import imp = {0};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': dbflag = optarg; break;
        case 's': imp.skip_bad_rows = true; break;
        case 'r': report = optarg; break;
        case 'e':
            if (!wj_encoding_parse(optarg, &imp.encoding)) {
                fprintf(stderr, "weijian import: --encoding takes utf-8 or gb18030, not \"%s\"\n\n", optarg);
                fputs(help, stderr);
                return 2;
            }
            break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(optind < argc ? "weijian import: give one file\n\n" : "weijian import: which file?\n\n", stderr);
        fputs(help, stderr);
        return 2;
    }
    const char *path = argv[optind];
    char *data;
    size_t len;
    if (!read_all(path, &data, &len)) {
        fprintf(stderr, "weijian import: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    wj_db *db = cli_db_open_migrated(cli_db_url(dbflag), 1, false);
    if (!db) {
        free(data);
        return 1;
    }
    progress pr = {.tty = isatty(STDERR_FILENO) == 1, .last_pct = -1};
    imp.progress = show_progress;
    imp.ctx = &pr;
    wj_conn *c = db_acquire(db);
    bool ok = db_begin(c, true) == DB_OK && facilities_import_csv(c, data, len, &imp);
    if (pr.tty && imp.rows)
        fputc('\n', stderr);
    if (ok && imp.commit && imp.written > 0)
        ok = cli_audit(c, "weijian import facilities", "facility", 0) && db_commit(c) == DB_OK;
    else if (ok)
        db_rollback(c);
    if (!ok) {
        fprintf(stderr, "weijian import: database error, nothing was written: %s\n", db_errmsg(c));
        imp.written = 0;
    }
    db_release(c);
    db_close(db);
    free(data);
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    for (int i = 0; i < imp.nrejected; i++) {
        const facilities_rejection *x = &imp.rejected[i];
        fprintf(stderr, "%s:%ld: %s%s%s\n", name, x->line, x->column, x->column[0] ? ": " : "", x->reason);
    }
    if (report && !write_report(report, &imp)) {
        fprintf(stderr, "weijian import: cannot write the report %s: %s\n", report, strerror(errno));
        ok = false;
    }
    if (ok && imp.file_error)
        printf("import: %s cannot be imported; nothing was written\n", name);
    else if (ok && !imp.commit)
        printf("import: %ld rows read, %d rejected; nothing was written (--skip-bad-rows writes the other %ld)\n",
               imp.rows, imp.nrejected, imp.rows - imp.nrejected);
    else if (ok)
        printf("import: %ld rows read (%s), %ld written, %d rejected\n", imp.rows, wj_encoding_name(imp.used),
               imp.written, imp.nrejected);
    int rc = ok && imp.nrejected == 0 ? 0 : 1;
    facilities_import_free(&imp);
    return rc;
}

typedef struct persons_progress {
    bool tty, checking;
    long last_pct, last_rows, last_done;
} persons_progress;

/* Like show_progress; an all-or-nothing import first checks every row ("checking"), then
 * registers them: the count starting again marks the second pass. */
static void persons_show_progress(void *ctx, long done, long total)
{
    persons_progress *p = ctx;
    if (done < p->last_done && p->checking) {
        p->checking = false;
        p->last_pct = -1;
        p->last_rows = 0;
        if (p->tty)
            fputc('\n', stderr);
    }
    p->last_done = done;
    const char *what = p->checking ? "checked" : "imported";
    long pct = total ? done * 100 / total : 100;
    if (p->tty) {
        if (pct != p->last_pct || done == total) {
            fprintf(stderr, "\rimport: %ld/%ld rows %s (%ld%%)", done, total, what, pct);
            p->last_pct = pct;
        }
    } else if (done - p->last_rows >= 100000 || (done == total && done != p->last_rows)) {
        fprintf(stderr, "import: %ld/%ld rows %s (%ld%%)\n", done, total, what, pct);
        p->last_rows = done;
    }
}

/* The rejected rows of a report, on stderr as FILE:LINE: COLUMN: REASON. */
static void print_rejections(FILE *report, const char *name)
{
    wj_buf b = {0};
    char chunk[65536];
    size_t n;
    rewind(report);
    while ((n = fread(chunk, 1, sizeof chunk, report)) > 0)
        wj_buf_put(&b, chunk, n);
    if (!b.data)
        return;
    wj_csv r;
    wj_csv_init(&r, b.data, b.len);
    wj_csv_next(&r); /* the header */
    while (wj_csv_next(&r) == WJ_CSV_RECORD)
        if (r.nfields == 5 && strcmp(r.fields[1], "rejected") == 0)
            fprintf(stderr, "%s:%s: %s\n", name, r.fields[0], r.fields[4]);
    wj_csv_free(&r);
    wj_buf_free(&b);
}

/* Ctrl-C or SIGTERM during an import: stop before the next batch, so that the batches
 * committed stay and indexes set aside are built; a second signal ends the process at
 * once (SA_RESETHAND). */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
    static const char msg[] = "\nimport: stopping after the batch being written (again to stop at once)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
}

static void catch_interrupts(void)
{
    struct sigaction sa = {.sa_handler = on_interrupt, .sa_flags = SA_RESETHAND};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int import_persons(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"skip-bad-rows", no_argument, 0, 's'},
                                         {"report", required_argument, 0, 'r'},
                                         {"batch", required_argument, 0, 'b'},
                                         {"encoding", required_argument, 0, 'e'},
                                         {"keep-indexes", no_argument, 0, 'k'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *dbflag = NULL, *report_path = NULL;
    mpi_import imp = {0};
    wj_encoding enc = WJ_ENC_AUTO;
    int64_t batch;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': dbflag = optarg; break;
        case 's': imp.skip_bad_rows = true; break;
        case 'k': imp.keep_indexes = true; break;
        case 'r': report_path = optarg; break;
        case 'b':
            if (!wj_parse_i64(optarg, &batch) || batch < 1 || batch > 10000000) {
                fprintf(stderr, "weijian import: --batch takes a number 1..10000000, not \"%s\"\n\n", optarg);
                fputs(help_persons, stderr);
                return 2;
            }
            imp.batch = (int)batch;
            break;
        case 'e':
            if (!wj_encoding_parse(optarg, &enc)) {
                fprintf(stderr, "weijian import: --encoding takes utf-8 or gb18030, not \"%s\"\n\n", optarg);
                fputs(help_persons, stderr);
                return 2;
            }
            break;
        case 'h': fputs(help_persons, stdout); return 0;
        default: fputs(help_persons, stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fputs(optind < argc ? "weijian import: give one file\n\n" : "weijian import: which file?\n\n", stderr);
        fputs(help_persons, stderr);
        return 2;
    }
    const char *path = argv[optind];
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    imp.interrupt = &interrupted;
    catch_interrupts();
    char *data;
    size_t len;
    if (!read_all(path, &data, &len)) {
        fprintf(stderr, "weijian import: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (enc != WJ_ENC_AUTO) { /* the import reads UTF-8 (or guesses): convert as told first */
        char why[200];
        long line;
        size_t tlen;
        wj_encoding used;
        char *text = wj_text_to_utf8(data, len, enc, &tlen, &used, why, sizeof why, &line);
        free(data);
        if (!text) {
            fprintf(stderr, "%s:%ld: %s\n", name, line, why);
            return 1;
        }
        data = text;
        len = tlen;
    }
    /* The report: the file asked for, else a temporary one to list the rejected rows from. */
    FILE *report = report_path ? fopen(report_path, "w+") : tmpfile();
    if (!report) {
        fprintf(stderr, "weijian import: cannot write the report %s: %s\n", report_path ? report_path : "(temporary)",
                strerror(errno));
        free(data);
        return 1;
    }
    db_lite_page_memory(MPI_IMPORT_CACHE_BYTES + MPI_IMPORT_CACHE_BYTES / 8); /* and the other connections' */
    wj_db *db = cli_db_open_migrated(cli_db_url(dbflag), 3, false); /* the import, its checkpoints, its preparer */
    if (!db) {
        fclose(report);
        free(data);
        return 1;
    }
    persons_progress pr = {.tty = isatty(STDERR_FILENO) == 1, .checking = !imp.skip_bad_rows, .last_pct = -1};
    imp.progress = persons_show_progress;
    imp.ctx = &pr;
    imp.report = report;
    int64_t t0 = wj_now_ms();
    bool ok = mpi_import_csv(db, data, len, &imp);
    double secs = (double)(wj_now_ms() - t0) / 1000;
    if (pr.tty && imp.rows)
        fputc('\n', stderr);
    long written = imp.created + imp.linked + imp.reviews;
    if (written > 0) {
        wj_conn *c = db_acquire(db);
        if (db_begin(c, true) != DB_OK || !cli_audit(c, "weijian import persons", "person", 0) ||
            db_commit(c) != DB_OK)
            fprintf(stderr, "weijian import: cannot record the import in the audit trail: %s\n", db_errmsg(c));
        db_release(c);
    }
    db_close(db);
    free(data);
    print_rejections(report, name);
    if (fclose(report) != 0 && report_path) {
        fprintf(stderr, "weijian import: cannot write the report %s: %s\n", report_path, strerror(errno));
        ok = false;
    }
    if (!ok && written == 0 && interrupted)
        printf("import: interrupted; nothing was written\n");
    else if (!ok && written == 0 && imp.rejected && !imp.skip_bad_rows)
        printf("import: %ld rows read, %ld rejected; nothing was written (--skip-bad-rows registers the others)\n",
               imp.rows, imp.rejected);
    else if (!ok && written == 0)
        printf("import: %s cannot be imported; nothing was written: %s\n", name, imp.first_error);
    else {
        printf("import: %ld rows read, %ld registered in %.1f s (%.0f rows/s): %ld new, %ld linked, %ld to review; "
               "%ld rejected\n",
               imp.rows, written, secs, secs > 0 ? (double)written / secs : 0.0, imp.created, imp.linked,
               imp.reviews, imp.rejected);
        if (!ok)
            printf("import: stopped: %s (the rows registered before stay)\n", imp.first_error);
    }
    if (imp.indexes_built)
        printf("import: %d indexes set aside for the load were built after it\n", imp.indexes_built);
    return interrupted ? 130 : ok && imp.rejected == 0 ? 0 : 1;
}

int cmd_import(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "facilities") == 0)
        return import_facilities(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "persons") == 0)
        return import_persons(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(help_all, stdout);
        return 0;
    }
    if (argc >= 2)
        fprintf(stderr, "weijian import: nothing to import as \"%s\" (facilities or persons)\n\n", argv[1]);
    fputs(help_all, stderr);
    return 2;
}
