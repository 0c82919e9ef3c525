/* err.c — see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void wj_error_set(wj_error *e, int status, const char *code, const char *field, const char *fmt, ...)
{
    e->status = status;
    snprintf(e->code, sizeof e->code, "%s", code);
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

json_t *wj_error_json(wj_error *e)
{
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
