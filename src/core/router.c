/* router.c — see router.h. Route tables are small (tens of rows), so matching is a scan over
 * pre-split templates; no allocation happens per request. */
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAX_ROUTES 256

typedef struct flat_route {
    const wj_route *route;
    const wj_module *mod;
} flat_route;

static flat_route routes[MAX_ROUTES];
static int nroutes;

void wj_router_init(void)
{
    if (nroutes)
        return;
    for (const wj_module *const *m = wj_modules; *m; m++)
        for (const wj_route *r = (*m)->routes; r && r->method; r++) {
            for (int i = 0; i < nroutes; i++)
                if (strcmp(routes[i].route->method, r->method) == 0 && strcmp(routes[i].route->path, r->path) == 0) {
                    fprintf(stderr, "weijian: route %s %s registered twice\n", r->method, r->path);
                    abort();
                }
            if (nroutes == MAX_ROUTES) {
                fputs("weijian: too many routes\n", stderr);
                abort();
            }
            routes[nroutes++] = (flat_route){r, *m};
        }
}

int wj_router_count(void)
{
    return nroutes;
}

const wj_route *wj_router_at(int i, const wj_module **mod)
{
    if (mod)
        *mod = routes[i].mod;
    return routes[i].route;
}

/* Matches one template against a path split in place. Returns the parameter count or -1. */
static int match_template(const char *tpl, const char *const *segs, int nsegs, const char *params[4])
{
    int np = 0, i = 0;
    const char *t = tpl;
    while (*t == '/')
        t++;
    while (*t) {
        const char *end = strchr(t, '/');
        size_t len = end ? (size_t)(end - t) : strlen(t);
        if (i >= nsegs)
            return -1;
        if (t[0] == '{') {
            if (np == 4 || !segs[i][0])
                return -1;
            params[np++] = segs[i];
        } else if (strlen(segs[i]) != len || memcmp(segs[i], t, len) != 0) {
            return -1;
        }
        i++;
        t += len;
        while (*t == '/')
            t++;
    }
    return i == nsegs ? np : -1;
}

wj_match wj_router_match(const char *method, const char *path, char *buf, size_t buflen, const wj_route **route,
                         const wj_module **mod, int *index, const char *params[4], int *nparams)
{
    size_t len = strlen(path);
    if (len + 1 > buflen || path[0] != '/')
        return WJ_MATCH_NO_PATH;
    memcpy(buf, path, len + 1);
    const char *segs[16];
    int nsegs = 0;
    char *p = buf + 1;
    if (*p) {
        for (;;) {
            if (nsegs == 16)
                return WJ_MATCH_NO_PATH;
            segs[nsegs++] = p;
            char *slash = strchr(p, '/');
            if (!slash)
                break;
            *slash = '\0';
            p = slash + 1;
        }
    }
    /* A trailing slash ("/api/v1/areas/") leaves an empty last segment: not a route. */
    if (nsegs && !segs[nsegs - 1][0])
        return WJ_MATCH_NO_PATH;
    /* Literal segments win over parameters: GET /facilities/export beats /facilities/{id}. */
    bool path_seen = false;
    int best = -1, best_np = 5;
    const char *best_params[4] = {0};
    for (int i = 0; i < nroutes; i++) {
        const char *tmp[4];
        int np = match_template(routes[i].route->path, segs, nsegs, tmp);
        if (np < 0)
            continue;
        path_seen = true;
        /* HEAD is served wherever GET is; libmicrohttpd leaves the body out. */
        const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
        if (strcmp(routes[i].route->method, want) != 0 || np >= best_np)
            continue;
        best = i;
        best_np = np;
        memcpy(best_params, tmp, sizeof tmp);
    }
    if (best >= 0) {
        *route = routes[best].route;
        *mod = routes[best].mod;
        *index = best;
        for (int k = 0; k < best_np; k++)
            params[k] = best_params[k];
        *nparams = best_np;
        return WJ_MATCH_OK;
    }
    return path_seen ? WJ_MATCH_NO_METHOD : WJ_MATCH_NO_PATH;
}
