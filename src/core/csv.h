/* csv.h — CSV files in and out, for every import and export (facilities today, persons
 * next): an RFC 4180 reader that names the physical line each record starts on, a writer
 * that quotes only when it must, and the text encodings Chinese spreadsheets save in.
 *
 * Reading: fields separated by commas; a field may be quoted ("…"), and then holds commas,
 * doubled quotes ("") and line breaks; records end with LF, CRLF or a lone CR; a UTF-8
 * byte-order mark at the start is skipped. A malformed record (a quote inside an unquoted
 * field, text after a closing quote) is reported and reading goes on with the next record;
 * a quoted field still open at the end of the input ends the file.
 *
 * Encodings: the reader wants UTF-8. wj_text_to_utf8 takes the bytes of a file as
 * uploaded or read: valid UTF-8 is used as it is, anything else (or anything, when told)
 * is converted from GB18030 — what Excel and WPS save "CSV" as on a Chinese Windows; GBK
 * and GB2312 are subsets of it. */
#ifndef WJ_CSV_H
#define WJ_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

typedef enum { WJ_CSV_FATAL = -2, WJ_CSV_BAD = -1, WJ_CSV_END = 0, WJ_CSV_RECORD = 1 } wj_csv_status;

typedef struct wj_csv {
    /* the last record read: nfields NUL-terminated fields, valid until the next call */
    int nfields;
    char **fields;
    long record_line; /* physical line (1-based) the record starts on */
    char error[160];  /* why the record is malformed (WJ_CSV_BAD, WJ_CSV_FATAL), else "" */
    /* private */
    const char *p, *end;
    long line;
    wj_buf buf;
    size_t *offs;
    int cap;
} wj_csv;

/* Starts reading `len` bytes of UTF-8 text (not necessarily NUL-terminated; it must
 * outlive the reader). */
void wj_csv_init(wj_csv *r, const char *text, size_t len);
/* Reads the next record:
 *   WJ_CSV_RECORD  a record, in nfields/fields;
 *   WJ_CSV_BAD     a record read to its end but malformed (error says why; the fields are
 *                  as read); go on with the next;
 *   WJ_CSV_FATAL   a quoted field is not closed before the end of the input (error says
 *                  where it opened): nothing more can be read;
 *   WJ_CSV_END     no more records. A final line break does not make an empty record. */
wj_csv_status wj_csv_next(wj_csv *r);
/* True when the last record is a blank line or only empty fields (",,,", which
 * spreadsheets write for formatted but empty rows). */
bool wj_csv_blank(const wj_csv *r);
void wj_csv_free(wj_csv *r);
/* Splits what `r` has left to read at a record boundary near its middle: `second` reads
 * the later half (with its true line numbers) and `r` ends where it begins; for reading
 * a large file on two threads. Costs a parse of the first half. With no boundary to
 * split at, `second` has nothing to read. */
void wj_csv_split(wj_csv *r, wj_csv *second);
/* The data records of a file after its header (malformed ones included, blank ones not):
 * the total an import's progress line counts toward. */
long wj_csv_count_records(const char *text, size_t len);

/* ---- cells, as imports read them ---- */

/* A cell without surrounding white space (ASCII and the ideographic space U+3000, which
 * Chinese input methods type): *len bytes from the returned pointer; 0 for a blank cell. */
const char *wj_csv_trim(const char *s, size_t *len);
/* Would a spreadsheet take this text for a formula (=, +, -, @, tab or CR first)? Leading
 * quotes are looked through, so that a quote put in front can always be undone. */
bool wj_csv_formula_like(const char *s, size_t len);
/* Cuts s at its first invalid UTF-8 byte: a truncating snprintf may split a character,
 * and import messages end up in JSON. */
void wj_utf8_cut(char *s);

/* Appends one field: a comma first unless `first`, quoted when it holds a comma, a quote,
 * a line break, or leading or trailing white space. NULL is written as an empty field. */
void wj_csv_put(wj_buf *b, const char *s, bool first);
/* Ends a record (CRLF, as RFC 4180 and Excel write). */
void wj_csv_end_record(wj_buf *b);

/* ---- encodings ---- */

typedef enum { WJ_ENC_AUTO, WJ_ENC_UTF8, WJ_ENC_GB18030 } wj_encoding;

/* "utf-8" (or "utf8") and "gb18030", in any case; false for anything else. */
bool wj_encoding_parse(const char *name, wj_encoding *out);
const char *wj_encoding_name(wj_encoding e);

/* True when p[0..n) is valid UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF). Otherwise *bad (may be NULL) receives the offset of the first invalid byte. */
bool wj_utf8_valid(const char *p, size_t n, size_t *bad);

/* The text of a file as NUL-terminated UTF-8 (heap; the caller frees it), its length in
 * *out_len and the encoding it was read as in *used. WJ_ENC_AUTO: UTF-8 when the bytes
 * are valid UTF-8, else GB18030. NULL when the bytes are not valid in the encoding (or in
 * either), or hold a NUL character (UTF-16 files do): `err` says why and *err_line
 * (1-based) where. */
char *wj_text_to_utf8(const char *data, size_t len, wj_encoding enc, size_t *out_len, wj_encoding *used, char *err,
                      size_t errn, long *err_line);

#endif
