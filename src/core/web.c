/* web.c — see web.h. */
#include "web.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Leaflet positions its panes with inline styles, hence 'unsafe-inline' for styles only. */
static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                          "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
                          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const wj_web_asset *wj_web_find(const char *path)
{
    for (const wj_web_asset *a = wj_web_assets; a->path; a++)
        if (strcmp(a->path, path) == 0)
            return a;
    return NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Paths the console never claims: the API and the operations endpoints. */
static bool reserved(const char *path)
{
    return strcmp(path, "/api") == 0 || starts_with(path, "/api/") || starts_with(path, "/healthz") ||
           starts_with(path, "/metrics");
}

/* A request for a file (not a page): under an asset directory, or a last segment with a dot. */
static bool looks_like_file(const char *path)
{
    const char *last = strrchr(path, '/');
    return starts_with(path, "/js/") || starts_with(path, "/css/") || starts_with(path, "/img/") ||
           starts_with(path, "/vendor/") || (last && strchr(last, '.'));
}

/* "q=0", "q=0.0", … up to the next separator: the coding is refused. */
static bool q_zero(const char *q)
{
    if (strncmp(q, "q=0", 3) != 0)
        return false;
    q += 3 + strspn(q + 3, ".0");
    return *q == '\0' || *q == ',' || *q == ' ';
}

/* Does Accept-Encoding admit gzip? */
static bool accepts_gzip(const char *ae)
{
    for (const char *p = ae ? strstr(ae, "gzip") : NULL; p; p = strstr(p + 4, "gzip")) {
        const char *q = p + 4 + strspn(p + 4, " ");
        if (*q != ';' || !q_zero(q + 1 + strspn(q + 1, " ")))
            return true;
    }
    return false;
}

/* If-None-Match: "*", or a comma-separated list holding the ETag (weak or strong form). */
static bool etag_matches(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    size_t n = strlen(etag);
    for (const char *p = strstr(inm, etag); p; p = strstr(p + 1, etag))
        if ((p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return true;
    return false;
}

bool wj_web_serve(wj_req *r)
{
    bool head = strcmp(r->method, "HEAD") == 0;
    if ((!head && strcmp(r->method, "GET") != 0) || reserved(r->path))
        return false;
    const wj_web_asset *a = wj_web_find(strcmp(r->path, "/") == 0 ? "/index.html" : r->path);
    if (!a) {
        if (looks_like_file(r->path))
            return false;
        a = wj_web_find("/index.html"); /* a console page: the client-side router shows it */
        if (!a)
            return false;
    }
    bool gz = a->gz && accepts_gzip(r->header(r, "Accept-Encoding"));
    const char *etag = gz ? a->gz_etag : a->etag;
    snprintf(r->etag, sizeof r->etag, "%s", etag);
    wj_set_header(r, "Cache-Control", "no-cache");
    wj_set_header(r, "Content-Security-Policy", csp);
    wj_set_header(r, "X-Frame-Options", "DENY");
    wj_set_header(r, "Referrer-Policy", "no-referrer");
    if (a->gz)
        wj_set_header(r, "Vary", "Accept-Encoding");
    r->out_type = a->type;
    if (etag_matches(r->header(r, "If-None-Match"), etag)) {
        r->status = 304;
        r->out_raw = wj_xstrdup("");
        r->out_raw_len = 0;
        return true;
    }
    if (gz)
        wj_set_header(r, "Content-Encoding", "gzip");
    size_t len = gz ? a->gz_len : a->len;
    r->out_raw = wj_xmalloc(len + 1);
    memcpy(r->out_raw, gz ? a->gz : a->data, len);
    r->out_raw_len = len;
    r->status = 200;
    return true;
}
