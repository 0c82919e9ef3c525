/* web.h — the console, served beside the API by the same binary.
 *
 * Its files (everything under web/, plus Leaflet and ECharts vendored from node_modules
 * under /vendor/) are compiled in by scripts/embed-web.sh as build/gen/web_assets.c:
 * nothing is read from disk or fetched from the internet at run time. */
#ifndef WJ_WEB_H
#define WJ_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "module.h"

/* One embedded file. `etag` and `gz_etag` are strong validators (quoted SHA-256 prefixes);
 * `gz` is a gzip copy of `data` (NULL when the file is binary, small or incompressible). */
typedef struct wj_web_asset {
    const char *path; /* "/index.html", "/js/app.js", "/vendor/leaflet/leaflet.js" */
    const char *type; /* Content-Type */
    const char *etag, *gz_etag;
    const unsigned char *data;
    size_t len;
    const unsigned char *gz;
    size_t gz_len;
} wj_web_asset;

/* Generated; ends with a row whose path is NULL. */
extern const wj_web_asset wj_web_assets[];

/* Called for requests no route matches. Answers GET and HEAD:
 *   - an embedded file at its path ("/" is /index.html), with Content-Type, ETag
 *     (If-None-Match → 304), Cache-Control: no-cache, gzip when the client accepts it;
 *   - index.html for any other path that looks like a console page (/facilities,
 *     /areas/370100000000): the client-side router takes it from there.
 * Every answer carries the security headers (Content-Security-Policy: scripts, styles,
 * images and requests from this origin only; X-Frame-Options: DENY; Referrer-Policy:
 * no-referrer). Returns false — the caller answers 404 — for other methods, for paths under
 * /api/, /healthz and /metrics, and for missing files (a last segment with a dot, or a path
 * under an asset directory). */
bool wj_web_serve(wj_req *r);

/* The embedded file at exactly `path`, or NULL. */
const wj_web_asset *wj_web_find(const char *path);

#endif
