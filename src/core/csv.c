/* csv.c — see csv.h. */
#include "csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- reading ---- */

void wj_csv_init(wj_csv *r, const char *text, size_t len)
{
    memset(r, 0, sizeof *r);
    r->p = text;
    r->end = text + len;
    r->line = 1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        r->p += 3;
}

void wj_csv_free(wj_csv *r)
{
    wj_buf_free(&r->buf);
    free(r->offs);
    free(r->fields);
    memset(r, 0, sizeof *r);
}

static void field_start(wj_csv *r)
{
    if (r->nfields == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->offs = realloc(r->offs, (size_t)r->cap * sizeof *r->offs);
        r->fields = realloc(r->fields, (size_t)r->cap * sizeof *r->fields);
        if (!r->offs || !r->fields)
            abort();
    }
    r->offs[r->nfields++] = r->buf.len;
}

static void field_end(wj_csv *r)
{
    wj_buf_put(&r->buf, "", 1); /* the field's NUL */
}

static void put(wj_csv *r, const char *p, size_t n)
{
    wj_buf_put(&r->buf, p, n);
}

/* Consumes the line break at r->p (CRLF, LF or CR) and returns its length. */
static size_t line_break(wj_csv *r)
{
    size_t n = (r->p[0] == '\r' && r->p + 1 < r->end && r->p[1] == '\n') ? 2 : 1;
    r->p += n;
    r->line++;
    return n;
}

static bool delimiter(const wj_csv *r)
{
    return r->p >= r->end || *r->p == ',' || *r->p == '\r' || *r->p == '\n';
}

static void record_error(wj_csv *r, const char *what)
{
    if (!r->error[0])
        snprintf(r->error, sizeof r->error, "%s (field %d)", what, r->nfields);
}

/* The rest of a field up to the next delimiter, taken as it is. */
static void unquoted(wj_csv *r)
{
    const char *s = r->p;
    while (!delimiter(r)) {
        if (*r->p == '"')
            record_error(r, "a quote inside an unquoted field: quote the whole field and double the quote");
        r->p++;
    }
    put(r, s, (size_t)(r->p - s));
}

/* A quoted field from its opening quote. False when the input ends before it closes. */
static bool quoted(wj_csv *r)
{
    long opened = r->line;
    r->p++;
    for (;;) {
        if (r->p >= r->end) {
            snprintf(r->error, sizeof r->error, "the quoted field opened on line %ld is never closed", opened);
            return false;
        }
        if (*r->p == '"') {
            if (r->p + 1 < r->end && r->p[1] == '"') {
                put(r, "\"", 1);
                r->p += 2;
                continue;
            }
            r->p++;
            break;
        }
        if (*r->p == '\r' || *r->p == '\n') {
            const char *s = r->p;
            put(r, s, line_break(r));
            continue;
        }
        const char *s = r->p;
        while (r->p < r->end && *r->p != '"' && *r->p != '\r' && *r->p != '\n')
            r->p++;
        put(r, s, (size_t)(r->p - s));
    }
    if (!delimiter(r)) {
        record_error(r, "text after the closing quote of a field");
        unquoted(r);
    }
    return true;
}

wj_csv_status wj_csv_next(wj_csv *r)
{
    r->nfields = 0;
    r->error[0] = '\0';
    r->buf.len = 0;
    if (r->p >= r->end)
        return WJ_CSV_END;
    r->record_line = r->line;
    wj_csv_status st = WJ_CSV_RECORD;
    for (;;) {
        field_start(r);
        if (r->p < r->end && *r->p == '"') {
            if (!quoted(r)) {
                field_end(r);
                st = WJ_CSV_FATAL;
                break;
            }
        } else {
            unquoted(r);
        }
        field_end(r);
        if (r->p >= r->end)
            break;
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        line_break(r);
        break;
    }
    for (int i = 0; i < r->nfields; i++)
        r->fields[i] = r->buf.data + r->offs[i];
    if (st == WJ_CSV_RECORD && r->error[0])
        st = WJ_CSV_BAD;
    return st;
}

bool wj_csv_blank(const wj_csv *r)
{
    for (int i = 0; i < r->nfields; i++)
        if (r->fields[i][0])
            return false;
    return true;
}

/* ---- writing ---- */

void wj_csv_put(wj_buf *b, const char *s, bool first)
{
    if (!first)
        wj_buf_put(b, ",", 1);
    if (!s || !*s)
        return;
    size_t n = strlen(s);
    bool quote = strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t';
    if (!quote) {
        wj_buf_put(b, s, n);
        return;
    }
    wj_buf_put(b, "\"", 1);
    for (const char *q; (q = strchr(s, '"')); s = q + 1) {
        wj_buf_put(b, s, (size_t)(q - s) + 1);
        wj_buf_put(b, "\"", 1);
    }
    wj_buf_puts(b, s);
    wj_buf_put(b, "\"", 1);
}

void wj_csv_end_record(wj_buf *b)
{
    wj_buf_put(b, "\r\n", 2);
}

/* ---- encodings ---- */

bool wj_encoding_parse(const char *name, wj_encoding *out)
{
    if (name && (strcasecmp(name, "utf-8") == 0 || strcasecmp(name, "utf8") == 0)) {
        *out = WJ_ENC_UTF8;
        return true;
    }
    if (name && strcasecmp(name, "gb18030") == 0) {
        *out = WJ_ENC_GB18030;
        return true;
    }
    return false;
}

const char *wj_encoding_name(wj_encoding e)
{
    return e == WJ_ENC_GB18030 ? "gb18030" : e == WJ_ENC_UTF8 ? "utf-8" : "auto";
}

bool wj_utf8_valid(const char *s, size_t n, size_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int extra;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            goto invalid;
        }
        if (n - i <= (size_t)extra)
            goto invalid;
        for (int k = 1; k <= extra; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                goto invalid;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            goto invalid;
        i += (size_t)extra + 1;
    }
    return true;
invalid:
    if (bad)
        *bad = i;
    return false;
}

static long line_at(const char *p, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off; i++)
        line += p[i] == '\n';
    return line;
}

/* GB18030 to UTF-8 with iconv. NULL and *bad (the offset of the first byte that does not
 * convert) on failure. */
static char *from_gb18030(const char *data, size_t len, size_t *out_len, size_t *bad)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
        *bad = 0;
        return NULL;
    }
    /* A GB18030 character of 2 bytes is at most 3 in UTF-8, one of 4 at most 4. */
    size_t cap = len * 2 + 16;
    char *out = wj_xmalloc(cap + 1), *o = out, *in = (char *)data;
    size_t inleft = len, oleft = cap;
    bool ok = iconv(cd, &in, &inleft, &o, &oleft) != (size_t)-1 && iconv(cd, NULL, NULL, &o, &oleft) != (size_t)-1;
    iconv_close(cd);
    if (!ok) {
        *bad = (size_t)(in - data);
        free(out);
        return NULL;
    }
    *o = '\0';
    *out_len = (size_t)(o - out);
    return out;
}

char *wj_text_to_utf8(const char *data, size_t len, wj_encoding enc, size_t *out_len, wj_encoding *used, char *err,
                      size_t errn, long *err_line)
{
    const unsigned char *u = (const unsigned char *)data;
    *err_line = 1;
    if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        snprintf(err, errn, "the file is UTF-16 (Excel's \"Unicode text\"): save it as \"CSV UTF-8\" or \"CSV\"");
        return NULL;
    }
    char *out = NULL;
    size_t bad_utf8 = 0, bad_gb = 0;
    if (enc != WJ_ENC_GB18030 && wj_utf8_valid(data, len, &bad_utf8)) {
        out = wj_xstrndup(data, len);
        *out_len = len;
        *used = WJ_ENC_UTF8;
    } else if (enc == WJ_ENC_UTF8) {
        *err_line = line_at(data, bad_utf8);
        snprintf(err, errn, "the file is not valid UTF-8 (line %ld)", *err_line);
        return NULL;
    } else if ((out = from_gb18030(data, len, out_len, &bad_gb))) {
        *used = WJ_ENC_GB18030;
    } else if (enc == WJ_ENC_GB18030) {
        *err_line = line_at(data, bad_gb);
        snprintf(err, errn, "the file is not valid GB18030 (line %ld)", *err_line);
        return NULL;
    } else {
        *err_line = line_at(data, bad_gb > bad_utf8 ? bad_gb : bad_utf8);
        snprintf(err, errn, "the file is neither UTF-8 (invalid on line %ld) nor GB18030 (invalid on line %ld)",
                 line_at(data, bad_utf8), line_at(data, bad_gb));
        return NULL;
    }
    const char *nul = memchr(out, '\0', *out_len);
    if (nul) {
        *err_line = line_at(out, (size_t)(nul - out));
        snprintf(err, errn, "the file holds a NUL character (line %ld): is it a text file?", *err_line);
        free(out);
        return NULL;
    }
    return out;
}

void wj_csv_split(wj_csv *r, wj_csv *second)
{
    wj_csv scan;
    memset(&scan, 0, sizeof scan);
    scan.p = r->p;
    scan.end = r->end;
    scan.line = r->line;
    const char *mid = r->p + (r->end - r->p) / 2;
    wj_csv_status st = WJ_CSV_RECORD;
    while (scan.p < mid && st != WJ_CSV_END && st != WJ_CSV_FATAL)
        st = wj_csv_next(&scan);
    memset(second, 0, sizeof *second);
    second->end = r->end;
    if (st == WJ_CSV_FATAL) {
        second->p = second->end; /* the first half ends the file */
    } else {
        second->p = scan.p;
        second->line = scan.line;
        r->end = scan.p;
    }
    wj_csv_free(&scan);
}

long wj_csv_count_records(const char *text, size_t len)
{
    wj_csv r;
    wj_csv_init(&r, text, len);
    long n = 0;
    wj_csv_status st = wj_csv_next(&r); /* the header */
    while (st != WJ_CSV_END && st != WJ_CSV_FATAL)
        if ((st = wj_csv_next(&r)) == WJ_CSV_BAD || (st == WJ_CSV_RECORD && !wj_csv_blank(&r)))
            n++;
    wj_csv_free(&r);
    return n;
}

static bool space_at(const char *s, size_t *n)
{
    if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
        *n = 1;
        return true;
    }
    if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80) {
        *n = 3; /* U+3000 ideographic space */
        return true;
    }
    return false;
}

const char *wj_csv_trim(const char *s, size_t *len)
{
    size_t n;
    while (*s && space_at(s, &n))
        s += n;
    size_t end = 0;
    for (size_t i = 0; s[i];) {
        if (space_at(s + i, &n)) {
            i += n;
        } else {
            i++;
            while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
                i++;
            end = i;
        }
    }
    *len = end;
    return s;
}

bool wj_csv_formula_like(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] == '\'')
        i++;
    return i < len && strchr("=+-@\t\r", s[i]) != NULL;
}

void wj_utf8_cut(char *s)
{
    size_t bad;
    if (!wj_utf8_valid(s, strlen(s), &bad))
        s[bad] = '\0';
}
