/* log.c — see log.h. */
#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void wj_log(const char *level, const char *msg, ...)
{
    json_t *o = json_pack("{s:s, s:s}", "level", level, "msg", msg);
    va_list ap;
    va_start(ap, msg);
    for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        /* json_string refuses invalid UTF-8: fall back to a marker rather than drop the line. */
        json_t *jv = v ? json_string(v) : json_null();
        json_object_set_new(o, k, jv ? jv : json_string("(not UTF-8)"));
    }
    va_end(ap);
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (line) {
        fprintf(stderr, "%s\n", line);
        free(line);
    }
}
