/* err.h — errors are values: a handler or validator fills a wj_error, and the HTTP layer
 * turns it into {"error":{"code","message","field","details"}} in one place. */
#ifndef WJ_ERR_H
#define WJ_ERR_H

#include <jansson.h>

typedef struct wj_error {
    int status;        /* HTTP status, 0 = no error */
    char code[40];     /* from the closed list in docs/api.md */
    char field[160];   /* JSON path or query parameter name, "" when none */
    char message[256]; /* English, for developers; the console translates by code */
    json_t *details;   /* owned; NULL when none */
} wj_error;

void wj_error_set(wj_error *e, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Builds the JSON error body (steals e->details). */
json_t *wj_error_json(wj_error *e);
void wj_error_clear(wj_error *e);

#endif
