/* doccache.h — a small in-memory cache of serialised JSON documents, for hot reads such as
 * GET /api/v1/facilities/{id}. An entry is keyed by id and validated by a stamp the caller
 * derives cheaply from the database on every read (versions, names of embedded records),
 * so a change made by any process — the server or the CLI — is never served stale. */
#ifndef WJ_DOCCACHE_H
#define WJ_DOCCACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct wj_doccache wj_doccache;

/* A cache of `slots` entries (direct-mapped by id). Never freed: caches live as long as
 * the process. */
wj_doccache *wj_doccache_new(size_t slots);
/* A heap copy of the body cached for (id, stamp), or NULL. */
char *wj_doccache_get(wj_doccache *c, int64_t id, const char *stamp, size_t *len);
void wj_doccache_put(wj_doccache *c, int64_t id, const char *stamp, const char *body, size_t len);

#endif
