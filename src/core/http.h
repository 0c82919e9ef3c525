/* http.h — the HTTP server (libmicrohttpd) that feeds requests to the dispatcher. */
#ifndef WJ_HTTP_H
#define WJ_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"

#define WJ_BODY_LIMIT (1024 * 1024) /* 1 MiB: 413 payload_too_large beyond */

typedef struct wj_server_opts {
    const char *listen; /* "127.0.0.1:8080" or "[::1]:8080" or ":8080" */
    int threads;        /* worker threads */
    size_t body_limit;
    int sweep_seconds; /* the modules' clock-driven housekeeping every this many seconds (0: none) */
} wj_server_opts;

/* Serves until SIGTERM or SIGINT, then drains in-flight requests and returns 0.
 * Returns non-zero when the listener could not be set up. */
int wj_http_serve(wj_db *db, const wj_server_opts *opts);

#endif
