/* facilities_csv.c — facilities in from CSV, out to CSV and Excel, in the same columns so
 * that an export imports back unchanged. The rules and the columns are in
 * docs/facilities.md, "Import and export"; the CSV reader and the encodings in core/csv.c.
 *
 * A record becomes the document POST /api/v1/facilities takes: an empty cell leaves its
 * field out, numbers are parsed strictly, levels, grades, types and capabilities may be
 * given by code or by their Chinese label, capabilities are joined by "|" and campuses are
 * a JSON array. The document then goes through facilities_create_from_json, so an import
 * validates exactly as the API does; its error's field names the column. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "../core/util.h"
#include "areas.h"
#include "facilities.h"

const char *const facilities_columns[FACILITIES_NCOLUMNS] = {
    "name", "level", "grade", "type", "area_code", "address", "lat", "lon", "beds", "phone", "capabilities", "campuses",
};
const char *const facilities_columns_zh[FACILITIES_NCOLUMNS] = {
    "名称", "级别", "等次", "类别", "区划代码", "地址", "纬度", "经度", "床位数", "电话", "能力", "院区",
};

enum { C_NAME, C_LEVEL, C_GRADE, C_TYPE, C_AREA, C_ADDRESS, C_LAT, C_LON, C_BEDS, C_PHONE, C_CAPS, C_CAMPUSES };

typedef enum {
    K_TEXT,   /* free text, taken as it is (a leading ' before a formula character comes off) */
    K_CODE,   /* a code: surrounding spaces come off */
    K_ENUM,   /* a code or its Chinese label */
    K_NUMBER, /* a decimal number */
    K_INT,    /* a whole number */
    K_LIST,   /* codes or labels joined by | */
    K_JSON,   /* a JSON array */
} col_kind;

static const struct {
    col_kind kind;
    const wj_enum *enums;
} kinds[FACILITIES_NCOLUMNS] = {
    [C_NAME] = {K_TEXT, NULL},
    [C_LEVEL] = {K_ENUM, facilities_levels},
    [C_GRADE] = {K_ENUM, facilities_grades},
    [C_TYPE] = {K_ENUM, facilities_types},
    [C_AREA] = {K_CODE, NULL},
    [C_ADDRESS] = {K_TEXT, NULL},
    [C_LAT] = {K_NUMBER, NULL},
    [C_LON] = {K_NUMBER, NULL},
    [C_BEDS] = {K_INT, NULL},
    [C_PHONE] = {K_CODE, NULL},
    [C_CAPS] = {K_LIST, facilities_capabilities},
    [C_CAMPUSES] = {K_JSON, NULL},
};

/* ---- small helpers ---- */

/* True for "" and cells of spaces only: an empty cell, whatever a spreadsheet left in it. */
static bool blank(const char *s)
{
    size_t n;
    wj_csv_trim(s, &n);
    return n == 0;
}

/* A heap copy without surrounding spaces. */
static char *trimmed(const char *s)
{
    size_t n;
    const char *t = wj_csv_trim(s, &n);
    return wj_xstrndup(t, n);
}

/* ---- import ---- */

typedef struct row_error {
    int col; /* column index, -1 when the record as a whole */
    char code[40];
    char reason[320];
} row_error;

static bool row_fail(row_error *e, int col, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool row_fail(row_error *e, int col, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->col = col;
    snprintf(e->code, sizeof e->code, "%s", code);
    vsnprintf(e->reason, sizeof e->reason, fmt, ap);
    va_end(ap);
    return false;
}

typedef struct importer {
    wj_conn *c;
    facilities_import *imp;
    int nfile;                            /* columns in the file */
    int *map;                             /* file column → column index, -1 for an untitled one */
    char titles[FACILITIES_NCOLUMNS][64]; /* each column's title as the file gives it ("" when absent) */
    int cap;
} importer;

static void reject(importer *im, long line, const char *column, const char *code, const char *reason)
{
    facilities_import *imp = im->imp;
    if (imp->nrejected == im->cap) {
        im->cap = im->cap ? 2 * im->cap : 16;
        imp->rejected = realloc(imp->rejected, (size_t)im->cap * sizeof *imp->rejected);
        if (!imp->rejected)
            abort();
    }
    facilities_rejection *r = &imp->rejected[imp->nrejected++];
    memset(r, 0, sizeof *r);
    r->line = line;
    snprintf(r->column, sizeof r->column, "%s", column ? column : "");
    snprintf(r->code, sizeof r->code, "%s", code);
    snprintf(r->reason, sizeof r->reason, "%s", reason);
    wj_utf8_cut(r->column);
    wj_utf8_cut(r->reason);
}

static void file_reject(importer *im, long line, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void file_reject(importer *im, long line, const char *column, const char *fmt, ...)
{
    char reason[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    reject(im, line, column, "invalid_value", reason);
    im->imp->file_error = true;
}

/* The column a document field belongs to: "campuses[1].name" → campuses. -1 when none. */
static int column_of_field(const char *field)
{
    size_t n = strcspn(field, "[.");
    for (int k = 0; k < FACILITIES_NCOLUMNS; k++)
        if (strlen(facilities_columns[k]) == n && strncmp(field, facilities_columns[k], n) == 0)
            return k;
    return -1;
}

static const char *column_title(const importer *im, int col)
{
    if (col < 0)
        return "";
    return im->titles[col][0] ? im->titles[col] : facilities_columns[col];
}

/* Reads the header row into im->map and im->titles. False (after rejecting) when the
 * file cannot be imported. */
static bool read_header(importer *im, wj_csv *r)
{
    wj_csv_status st = wj_csv_next(r);
    if (st == WJ_CSV_END || (st == WJ_CSV_RECORD && wj_csv_blank(r))) {
        file_reject(im, 1, "", "the first row must name the columns (name, level, type, area_code, …)");
        return false;
    }
    if (st != WJ_CSV_RECORD) {
        file_reject(im, r->record_line, "", "header row: %s", r->error);
        return false;
    }
    int errors = im->imp->nrejected;
    im->nfile = r->nfields;
    im->map = wj_xcalloc((size_t)r->nfields, sizeof *im->map);
    for (int i = 0; i < r->nfields; i++) {
        char *t = trimmed(r->fields[i]);
        int k = -1;
        for (int j = 0; j < FACILITIES_NCOLUMNS && k < 0 && *t; j++)
            if (strcasecmp(t, facilities_columns[j]) == 0 || strcmp(t, facilities_columns_zh[j]) == 0)
                k = j;
        im->map[i] = k;
        if (*t && k < 0)
            file_reject(im, r->record_line, t,
                        "unknown column \"%.60s\": the columns are name, level, grade, type, area_code, address, lat, "
                        "lon, beds, phone, capabilities, campuses (or 名称, 级别, 等次, 类别, 区划代码, 地址, 纬度, "
                        "经度, 床位数, 电话, 能力, 院区)",
                        t);
        else if (k >= 0 && im->titles[k][0])
            file_reject(im, r->record_line, t, "column %s is given twice (as \"%.40s\" and \"%.40s\")",
                        facilities_columns[k], im->titles[k], t);
        else if (k >= 0) {
            snprintf(im->titles[k], sizeof im->titles[k], "%s", t);
            wj_utf8_cut(im->titles[k]);
        }
        free(t);
    }
    static const int required[] = {C_NAME, C_LEVEL, C_TYPE, C_AREA};
    for (size_t i = 0; i < WJ_ARRAY_LEN(required); i++)
        if (!im->titles[required[i]][0])
            file_reject(im, r->record_line, facilities_columns[required[i]], "the file has no column %s (%s)",
                        facilities_columns[required[i]], facilities_columns_zh[required[i]]);
    return im->imp->nrejected == errors;
}

static const char *enum_code(const wj_enum *e, const char *v)
{
    for (; e->code; e++)
        if (strcasecmp(e->code, v) == 0 || strcmp(e->zh, v) == 0)
            return e->code;
    return NULL;
}

/* The value of one non-blank cell, or NULL after filling *e. */
static json_t *cell_value(int k, const char *cell, row_error *e)
{
    if (kinds[k].kind == K_TEXT) {
        /* Undo the export's protection against formulas: '=… back to =…. */
        return json_string(cell[0] == '\'' && wj_csv_formula_like(cell + 1, strlen(cell + 1)) ? cell + 1 : cell);
    }
    if (kinds[k].kind == K_JSON) {
        json_error_t je;
        json_t *v = json_loads(cell, JSON_REJECT_DUPLICATES, &je);
        if (!v)
            row_fail(e, k, "invalid_value", "not a JSON array: %s", je.text);
        return v;
    }
    char *t = trimmed(cell);
    json_t *v = NULL;
    double d;
    int64_t i;
    switch (kinds[k].kind) {
    case K_CODE: v = json_string(t); break;
    case K_ENUM: {
        const char *code = enum_code(kinds[k].enums, t);
        v = json_string(code ? code : t); /* an unknown value is the schema's to report */
        break;
    }
    case K_NUMBER:
        if (wj_parse_double(t, &d))
            v = json_real(d);
        else
            row_fail(e, k, "invalid_value", "not a number: \"%.40s\"", t);
        break;
    case K_INT:
        if (wj_parse_i64(t, &i))
            v = json_integer(i);
        else
            row_fail(e, k, "invalid_value", "not a whole number: \"%.40s\"", t);
        break;
    case K_LIST: {
        v = json_array();
        char *item = t;
        while (item) {
            char *bar = strchr(item, '|');
            if (bar)
                *bar = '\0';
            char *it = trimmed(item);
            item = bar ? bar + 1 : NULL;
            const char *code = *it ? enum_code(kinds[k].enums, it) : NULL;
            if (!*it) {
                row_fail(e, k, "invalid_value", "an empty item (items are separated by |)");
                json_decref(v);
                v = NULL;
            } else {
                json_array_append_new(v, json_string(code ? code : it));
            }
            free(it);
            if (!v)
                break;
        }
        break;
    }
    case K_TEXT:
    case K_JSON: break;
    }
    free(t);
    return v;
}

/* The document of a record, or NULL after filling *e. */
static json_t *record_doc(const importer *im, const wj_csv *r, row_error *e)
{
    if (r->nfields != im->nfile) {
        row_fail(e, -1, "invalid_value", "the row has %d fields, the header row %d", r->nfields, im->nfile);
        return NULL;
    }
    json_t *doc = json_object();
    for (int i = 0; i < r->nfields; i++) {
        int k = im->map[i];
        if (blank(r->fields[i]))
            continue; /* an empty cell: the field is absent */
        if (k < 0) {
            row_fail(e, -1, "invalid_value", "a value in column %d, which has no title", i + 1);
            json_decref(doc);
            return NULL;
        }
        json_t *v = cell_value(k, r->fields[i], e);
        if (!v) {
            if (!e->code[0]) /* json_string refused it; the text was checked as UTF-8 before */
                row_fail(e, k, "invalid_value", "not valid UTF-8");
            json_decref(doc);
            return NULL;
        }
        json_object_set_new(doc, facilities_columns[k], v);
    }
    return doc;
}

/* A document's error as a row error: its field names the column. Within a list cell the
 * item is counted from 1 ("item 2"); within the campuses cell the JSON path is given. A
 * value not in a code list also hears of the Chinese labels, which the import takes too. */
static void from_error(row_error *e, wj_error *err)
{
    int col = column_of_field(err->field);
    const char *id = json_string_value(json_object_get(err->details, "existing_id"));
    char where[180] = "", extra[300] = "";
    if (col >= 0 && strcmp(err->field, facilities_columns[col]) != 0) {
        unsigned long item;
        char tail;
        if (kinds[col].kind == K_LIST &&
            sscanf(err->field + strlen(facilities_columns[col]), "[%lu%c", &item, &tail) == 2 && tail == ']')
            snprintf(where, sizeof where, "item %lu: ", item + 1);
        else
            snprintf(where, sizeof where, "%s: ", err->field);
    }
    if (id)
        snprintf(extra, sizeof extra, " (facility %s)", id);
    else if (col >= 0 && kinds[col].enums && strncmp(err->message, "must be one of", 14) == 0) {
        wj_buf b = {0};
        for (const wj_enum *x = kinds[col].enums; x->code; x++)
            wj_buf_printf(&b, "%s%s", b.len ? ", " : "", x->zh);
        snprintf(extra, sizeof extra, " (or %s)", b.data);
        wj_buf_free(&b);
    }
    row_fail(e, col, err->code, "%s%s%s", where, err->message, extra);
    wj_error_clear(err);
}

static bool savepoint(wj_conn *c, const char *sql)
{
    return db_exec(c, sql, DBP_NONE, NULL) == DB_OK;
}

/* Validates and writes one record. False only on a database error; a rejected record
 * fills *e (e->code set) and returns true. */
static bool import_record(importer *im, const wj_csv *r, wj_csv_status st, row_error *e)
{
    facilities_import *imp = im->imp;
    if (st == WJ_CSV_BAD)
        return !row_fail(e, -1, "invalid_value", "%s", r->error);
    json_t *doc = record_doc(im, r, e);
    if (!doc)
        return true;
    wj_error err = {0};
    bool ok = true;
    if (!wj_schema_validate(&facilities_create_schema, doc, false, &err)) {
        from_error(e, &err);
        goto done;
    }
    if (imp->may_create) {
        const char *code = json_string_value(json_object_get(doc, "area_code"));
        areas_ref a;
        if (!areas_find_by_code(im->c, code, &a)) {
            row_fail(e, C_AREA, "unknown_reference", "no area has code %s", code);
            goto done;
        }
        if (!imp->may_create(imp->ctx, a.path)) {
            row_fail(e, C_AREA, "forbidden", "outside your scope: you may not add facilities in %s %s", a.code,
                     a.name);
            goto done;
        }
    }
    if (!savepoint(im->c, "SAVEPOINT wj_import_row")) {
        ok = false;
        goto done;
    }
    int64_t id = facilities_create_from_json(im->c, doc, imp->by_user, &err);
    if (!id) {
        /* Nothing of the record may stay: on PostgreSQL a failed statement would also leave
         * the transaction unusable without this. */
        ok = savepoint(im->c, "ROLLBACK TO SAVEPOINT wj_import_row") &&
             savepoint(im->c, "RELEASE SAVEPOINT wj_import_row") && err.status != 500;
        if (ok)
            from_error(e, &err);
        wj_error_clear(&err);
        goto done;
    }
    ok = savepoint(im->c, "RELEASE SAVEPOINT wj_import_row");
    imp->written++;
done:
    json_decref(doc);
    return ok;
}

bool facilities_import_csv(wj_conn *c, const char *data, size_t len, facilities_import *imp)
{
    importer im = {.c = c, .imp = imp};
    imp->rows = imp->written = 0;
    imp->file_error = imp->commit = false;
    char why[200];
    long line;
    size_t tlen;
    char *text = wj_text_to_utf8(data, len, imp->encoding, &tlen, &imp->used, why, sizeof why, &line);
    if (!text) {
        file_reject(&im, line, "", "%s", why);
        return true;
    }
    bool ok = true;
    wj_csv r;
    wj_csv_init(&r, text, tlen);
    if (read_header(&im, &r)) {
        long total = imp->progress ? wj_csv_count_records(text, tlen) : 0;
        for (;;) {
            wj_csv_status st = wj_csv_next(&r);
            if (st == WJ_CSV_END)
                break;
            if (st == WJ_CSV_FATAL) {
                file_reject(&im, r.record_line, "", "%s", r.error);
                break;
            }
            if (st == WJ_CSV_RECORD && wj_csv_blank(&r))
                continue;
            imp->rows++;
            row_error e = {0};
            if (!import_record(&im, &r, st, &e)) {
                ok = false;
                break;
            }
            if (e.code[0])
                reject(&im, r.record_line, column_title(&im, e.col), e.code, e.reason);
            if (imp->progress)
                imp->progress(imp->ctx, imp->rows, total > imp->rows ? total : imp->rows);
        }
    }
    wj_csv_free(&r);
    free(im.map);
    free(text);
    imp->commit = ok && !imp->file_error && (imp->nrejected == 0 || imp->skip_bad_rows);
    return ok;
}

void facilities_import_free(facilities_import *imp)
{
    free(imp->rejected);
    imp->rejected = NULL;
    imp->nrejected = 0;
}

/* ---- export ---- */

typedef struct cell {
    char *text; /* heap, NULL for an empty cell */
    bool number;
    double value;
} cell;

static const char *label(const wj_enum *e, const char *code, bool zh)
{
    const wj_enum *x = code ? wj_enum_find(e, code) : NULL;
    return x && zh ? x->zh : code;
}

/* Campuses as their cell: compact JSON without null members and empty department lists
 * (both are what leaving them out means), or NULL when there are none. */
static char *campuses_cell(const json_t *campuses)
{
    if (!json_array_size(campuses))
        return NULL;
    json_t *out = json_array();
    size_t i;
    const json_t *cp;
    json_array_foreach(campuses, i, cp) {
        json_t *o = json_object();
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)cp, key, v) {
            if (json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0) || strcmp(key, "id") == 0)
                continue;
            if (strcmp(key, "departments") == 0) {
                json_t *depts = json_array();
                size_t k;
                const json_t *dp;
                json_array_foreach(v, k, dp) {
                    json_t *d = json_object();
                    const char *dk;
                    json_t *dv;
                    json_object_foreach((json_t *)dp, dk, dv) {
                        if (!json_is_null(dv) && strcmp(dk, "id") != 0)
                            json_object_set(d, dk, dv);
                    }
                    json_array_append_new(depts, d);
                }
                json_object_set_new(o, key, depts);
            } else {
                json_object_set(o, key, v);
            }
        }
        json_array_append_new(out, o);
    }
    char *s = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(out);
    return s;
}

static void number_cell(cell *c, const json_t *v, bool integer)
{
    if (!json_is_number(v))
        return;
    c->number = true;
    c->value = json_number_value(v);
    c->text = integer ? wj_xasprintf("%lld", (long long)json_integer_value(v)) : wj_xasprintf("%.15g", c->value);
}

static char *text_or_null(const char *s)
{
    return s ? wj_xstrdup(s) : NULL;
}

static void doc_cells(const json_t *d, bool zh, cell out[FACILITIES_NCOLUMNS])
{
    memset(out, 0, FACILITIES_NCOLUMNS * sizeof *out);
    const char *s;
#define STR(k) json_string_value(json_object_get(d, k))
    out[C_NAME].text = text_or_null(STR("name"));
    out[C_LEVEL].text = text_or_null(label(facilities_levels, STR("level"), zh));
    out[C_GRADE].text = text_or_null(label(facilities_grades, STR("grade"), zh));
    out[C_TYPE].text = text_or_null(label(facilities_types, STR("type"), zh));
    out[C_AREA].text = text_or_null(json_string_value(json_object_get(json_object_get(d, "area"), "code")));
    out[C_ADDRESS].text = text_or_null(STR("address"));
    number_cell(&out[C_LAT], json_object_get(d, "lat"), false);
    number_cell(&out[C_LON], json_object_get(d, "lon"), false);
    number_cell(&out[C_BEDS], json_object_get(d, "beds"), true);
    out[C_PHONE].text = text_or_null(STR("phone"));
#undef STR
    wj_buf caps = {0};
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(d, "capabilities"), i, v) {
        if ((s = label(facilities_capabilities, json_string_value(v), zh)))
            wj_buf_printf(&caps, "%s%s", caps.len ? "|" : "", s);
    }
    out[C_CAPS].text = caps.data;
    out[C_CAMPUSES].text = campuses_cell(json_object_get(d, "campuses"));
}

static void cells_free(cell c[FACILITIES_NCOLUMNS])
{
    for (int k = 0; k < FACILITIES_NCOLUMNS; k++)
        free(c[k].text);
}

void facilities_export_csv(wj_buf *out, const json_t *docs, bool zh)
{
    const char *const *titles = zh ? facilities_columns_zh : facilities_columns;
    wj_buf_puts(out, "\xEF\xBB\xBF");
    for (int k = 0; k < FACILITIES_NCOLUMNS; k++)
        wj_csv_put(out, titles[k], k == 0);
    wj_csv_end_record(out);
    size_t i;
    const json_t *d;
    json_array_foreach(docs, i, d) {
        cell c[FACILITIES_NCOLUMNS];
        doc_cells(d, zh, c);
        for (int k = 0; k < FACILITIES_NCOLUMNS; k++) {
            const char *t = c[k].text;
            if (t && kinds[k].kind == K_TEXT && wj_csv_formula_like(t, strlen(t))) {
                char *esc = wj_xasprintf("'%s", t);
                wj_csv_put(out, esc, k == 0);
                free(esc);
            } else {
                wj_csv_put(out, t, k == 0);
            }
        }
        wj_csv_end_record(out);
        cells_free(c);
    }
}

static bool read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f)
        return false;
    bool ok = fstat(fileno(f), &st) == 0 && st.st_size > 0;
    if (ok) {
        *len = (size_t)st.st_size;
        *out = wj_xmalloc(*len + 1);
        ok = fread(*out, 1, *len, f) == *len;
        if (!ok)
            free(*out);
    }
    fclose(f);
    return ok;
}

bool facilities_export_xlsx(const json_t *docs, bool zh, char **out, size_t *len, wj_error *err)
{
    /* libxlsxwriter 1.1.4 writes to a named file only: a private temporary one. */
    const char *dir = getenv("TMPDIR");
    char *path = wj_xasprintf("%s/weijian-export-XXXXXX.xlsx", dir && *dir ? dir : "/tmp");
    int fd = mkstemps(path, 5);
    if (fd < 0) {
        free(path);
        wj_error_set(err, 500, "internal", NULL, "cannot create a temporary file");
        return false;
    }
    close(fd);
    bool ok = false, too_long = false;
    lxw_workbook *wb = workbook_new(path);
    if (wb) {
        lxw_worksheet *ws = workbook_add_worksheet(wb, zh ? "医疗机构" : "facilities");
        lxw_format *bold = workbook_add_format(wb);
        format_set_bold(bold);
        const char *const *titles = zh ? facilities_columns_zh : facilities_columns;
        static const double widths[FACILITIES_NCOLUMNS] = {28, 10, 8, 18, 14, 30, 10, 11, 8, 14, 24, 40};
        for (int k = 0; k < FACILITIES_NCOLUMNS; k++) {
            worksheet_set_column(ws, (lxw_col_t)k, (lxw_col_t)k, widths[k], NULL);
            worksheet_write_string(ws, 0, (lxw_col_t)k, titles[k], bold);
        }
        lxw_row_t row = 0;
        size_t i;
        const json_t *d;
        json_array_foreach(docs, i, d) {
            cell c[FACILITIES_NCOLUMNS];
            doc_cells(d, zh, c);
            row++;
            for (int k = 0; k < FACILITIES_NCOLUMNS; k++) {
                if (!c[k].text)
                    continue;
                lxw_error e = c[k].number ? worksheet_write_number(ws, row, (lxw_col_t)k, c[k].value, NULL)
                                          : worksheet_write_string(ws, row, (lxw_col_t)k, c[k].text, NULL);
                too_long |= e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED;
            }
            cells_free(c);
        }
        worksheet_freeze_panes(ws, 1, 0);
        worksheet_autofilter(ws, 0, 0, row, FACILITIES_NCOLUMNS - 1);
        ok = workbook_close(wb) == LXW_NO_ERROR;
    }
    ok = ok && !too_long && read_file(path, out, len);
    unlink(path);
    free(path);
    if (too_long)
        wj_error_set(err, 400, "invalid_parameter", "format",
                     "a cell would exceed Excel's 32767 characters (a facility's campuses): export as CSV");
    else if (!ok)
        wj_error_set(err, 500, "internal", NULL, "cannot write the workbook");
    return ok;
}
