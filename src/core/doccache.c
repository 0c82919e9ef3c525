/* doccache.c — see doccache.h. */
#include "doccache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct entry {
    int64_t id;
    char *stamp;
    char *body;
    size_t len;
} entry;

struct wj_doccache {
    pthread_mutex_t mu;
    size_t slots;
    entry *e;
};

wj_doccache *wj_doccache_new(size_t slots)
{
    wj_doccache *c = wj_xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->slots = slots ? slots : 1;
    c->e = wj_xcalloc(c->slots, sizeof *c->e);
    return c;
}

char *wj_doccache_get(wj_doccache *c, int64_t id, const char *stamp, size_t *len)
{
    char *out = NULL;
    pthread_mutex_lock(&c->mu);
    entry *e = &c->e[(uint64_t)id % c->slots];
    if (e->id == id && e->stamp && strcmp(e->stamp, stamp) == 0) {
        out = wj_xmalloc(e->len + 1);
        memcpy(out, e->body, e->len + 1);
        *len = e->len;
    }
    pthread_mutex_unlock(&c->mu);
    return out;
}

void wj_doccache_put(wj_doccache *c, int64_t id, const char *stamp, const char *body, size_t len)
{
    char *s = wj_xstrdup(stamp), *b = wj_xstrndup(body, len);
    pthread_mutex_lock(&c->mu);
    entry *e = &c->e[(uint64_t)id % c->slots];
    char *old_s = e->stamp, *old_b = e->body;
    *e = (entry){id, s, b, len};
    pthread_mutex_unlock(&c->mu);
    free(old_s);
    free(old_b);
}
