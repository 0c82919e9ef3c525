/* err.c — see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence starting at p (0 when none starts there; a sequence cut
 * short by the end of the string counts as none). */
static size_t utf8_seq(const unsigned char *p)
{
    size_t n;
    unsigned cp;
    if (*p < 0x80)
        return 1;
    if ((*p & 0xE0) == 0xC0)
        n = 2, cp = *p & 0x1F;
    else if ((*p & 0xF0) == 0xE0)
        n = 3, cp = *p & 0x0F;
    else if ((*p & 0xF8) == 0xF0)
        n = 4, cp = *p & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return n;
}

/* Field and message end up as JSON strings, which must be valid UTF-8: a client's bytes
 * (a query parameter name) need not be, and truncation into the fixed buffers can cut a
 * character in two. Invalid bytes become '?'; a character cut at the end is dropped. */
static void utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        size_t n = utf8_seq(p);
        if (n) {
            p += n;
            continue;
        }
        /* A lead byte followed only by continuation bytes up to the end: a cut character. */
        size_t k = 1;
        while (p[k] && (p[k] & 0xC0) == 0x80)
            k++;
        if (*p >= 0xC0 && !p[k] && k < 4) {
            *p = '\0';
            return;
        }
        *p++ = '?';
    }
}

void wj_error_set(wj_error *e, int status, const char *code, const char *field, const char *fmt, ...)
{
    e->status = status;
    snprintf(e->code, sizeof e->code, "%s", code);
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    utf8_sanitize(e->code);
    utf8_sanitize(e->field);
    utf8_sanitize(e->message);
}

json_t *wj_error_json(wj_error *e)
{
    /* A wj_error filled other than by wj_error_set may still hold invalid UTF-8. */
    utf8_sanitize(e->code);
    utf8_sanitize(e->field);
    utf8_sanitize(e->message);
    json_t *inner = json_pack("{s:s, s:s, s:o, s:o}", "code", e->code, "message", e->message, "field",
                              e->field[0] ? json_string(e->field) : json_null(), "details",
                              e->details ? e->details : json_object());
    e->details = NULL;
    return json_pack("{s:o}", "error", inner);
}

void wj_error_clear(wj_error *e)
{
    json_decref(e->details);
    memset(e, 0, sizeof *e);
}
