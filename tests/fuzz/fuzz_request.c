/* fuzz_request.c — libFuzzer target for the request front half: routing, query validation,
 * paging parameters and body validation, exactly as the dispatcher chains them, without
 * HTTP or a database.
 *
 * Input: "METHOD PATH?QUERY\n" then the JSON body (the rest of the input).
 *   - the path goes through wj_router_match;
 *   - the query string is split here (k=v&k=v, no percent-decoding; "k" without '=' gives
 *     a NULL value) into a wj_query, validated with wj_query_validate against the matched
 *     route's parameters and WJ_LIST flag, then, on a valid list query, read by wj_page_parse
 *     (cursor decoding);
 *   - the body is parsed with json_loadb(JSON_REJECT_DUPLICATES) and validated with
 *     wj_schema_validate against the matched route's body schema, partial and not.
 * Besides memory errors and leaks (ASan/LSan) and undefined behaviour (UBSan), the target
 * aborts on broken invariants: an error must carry a status and code, and a document valid
 * as a whole must also be valid as a PATCH.
 *
 * Build and run: scripts/fuzz SECONDS (see scripts/fuzz --help). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "list.h"
#include "router.h"
#include "schema.h"
#include "util.h"

#define MAX_PARAMS ((int)WJ_ARRAY_LEN(((wj_query *)0)->names))

/* WEIJIAN_FUZZ_VERBOSE=1 prints what each input did (to check what seeds exercise). */
static bool verbose;

static void report(const char *what, bool ok, const wj_error *e)
{
    if (verbose)
        fprintf(stderr, "  %-13s %s %d %s %s%s%s\n", what, ok ? "ok" : "rejected", e->status, e->code,
                e->field[0] ? "field=" : "", e->field, "");
}

static void broken(const char *what, const wj_error *e)
{
    fprintf(stderr, "fuzz_request: invariant broken: %s (status %d, code \"%s\", field \"%s\", message \"%s\")\n",
            what, e->status, e->code, e->field, e->message);
    abort();
}

/* A failed validation must say why; a passed one must leave the error empty. */
static void check_error(bool ok, wj_error *e, bool query)
{
    if (ok) {
        if (e->status != 0)
            broken("valid, yet an error was set", e);
        return;
    }
    if (query ? e->status != 400 : (e->status != 400 && e->status != 422))
        broken("unexpected status", e);
    if (!e->code[0] || !e->message[0])
        broken("error without code or message", e);
    if (query && strcmp(e->code, "invalid_parameter") != 0)
        broken("query error code", e);
    /* Building the client's error body must work for every error. */
    json_t *j = wj_error_json(e);
    if (!j)
        broken("wj_error_json returned NULL", e);
    json_decref(j);
    wj_error_clear(e);
}

/* Splits "k=v&k=v" in place (no decoding), like libmicrohttpd hands arguments over. */
static void split_query(char *qs, wj_query *q)
{
    memset(q, 0, sizeof *q);
    if (!qs || !*qs)
        return;
    for (char *p = qs; p;) {
        char *amp = strchr(p, '&');
        if (amp)
            *amp = '\0';
        if (*p) {
            char *eq = strchr(p, '=');
            if (eq)
                *eq = '\0';
            if (q->n == MAX_PARAMS) {
                /* As http.c does: too many parameters become one no route declares. */
                q->names[q->n - 1] = "(too many parameters)";
                q->values[q->n - 1] = "";
                break;
            }
            q->names[q->n] = p;
            q->values[q->n] = eq ? eq + 1 : NULL;
            q->n++;
        }
        p = amp ? amp + 1 : NULL;
    }
}

static void fuzz_query(const wj_route *rt, const wj_query *q)
{
    wj_error e = {0};
    bool ok = wj_query_validate(rt->query, rt->flags & WJ_LIST, q, &e);
    report("query", ok, &e);
    check_error(ok, &e, true);
    if (!ok || !(rt->flags & WJ_LIST))
        return;
    /* A valid list query is read by the handler: limit, sort and the cursor. */
    wj_req r;
    memset(&r, 0, sizeof r);
    r.query = *q;
    r.route = rt;
    wj_page pg;
    bool paged = wj_page_parse(&r, &pg);
    report("page", paged, &r.err);
    if (paged) {
        if (wj_failed(&r) || pg.limit < 1 || pg.limit > 500 || (pg.after && pg.id <= 0) ||
            strlen(pg.key) >= sizeof pg.key)
            broken("wj_page_parse accepted an impossible page", &r.err);
    } else if (r.err.status != 400 || strcmp(r.err.field, "cursor") != 0) {
        broken("wj_page_parse failure", &r.err);
    }
    wj_error_clear(&r.err);
    json_decref(r.out);
}

static void fuzz_body(const wj_route *rt, const uint8_t *body, size_t len)
{
    json_error_t je;
    json_t *v = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        if (verbose && len)
            fprintf(stderr, "  body          malformed JSON: %s\n", je.text);
        return;
    }
    if (rt->body) {
        wj_error e = {0};
        bool full = wj_schema_validate(rt->body, v, false, &e);
        report("body", full, &e);
        check_error(full, &e, false);
        bool partial = wj_schema_validate(rt->body, v, true, &e);
        report("body partial", partial, &e);
        check_error(partial, &e, false);
        /* PATCH only relaxes required fields: whatever is valid whole is valid partial. */
        if (full && !partial)
            broken("valid as a whole but not as a PATCH", &e);
    }
    json_decref(v);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *v = getenv("WEIJIAN_FUZZ_VERBOSE");
    verbose = v && *v && strcmp(v, "0") != 0;
    wj_router_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t line_len = nl ? (size_t)(nl - data) : size;
    const uint8_t *body = nl ? nl + 1 : data + size;
    size_t body_len = size - (size_t)(body - data);

    /* The request line as C strings, each in an exactly sized heap copy so that ASan sees
     * any read past its end. An embedded NUL ends a string early, as it would in HTTP. */
    char *line = wj_xstrndup((const char *)data, line_len);
    char *sp = strchr(line, ' ');
    char *method = wj_xstrndup(line, sp ? (size_t)(sp - line) : strlen(line));
    const char *target = sp ? sp + 1 : "";
    const char *qmark = strchr(target, '?');
    char *path = wj_xstrndup(target, qmark ? (size_t)(qmark - target) : strlen(target));
    char *qs = qmark ? wj_xstrdup(qmark + 1) : NULL;
    free(line);

    size_t plen = strlen(path);
    char *buf = wj_xmalloc(plen + 1);
    const wj_route *rt = NULL;
    const wj_module *mod = NULL;
    const char *params[4] = {0};
    int index = -1, nparams = 0;
    wj_match m = wj_router_match(method, path, buf, plen + 1, &rt, &mod, &index, params, &nparams);
    if (verbose)
        fprintf(stderr, "%s %s -> %s%s\n", method, path,
                m == WJ_MATCH_OK ? "route " : m == WJ_MATCH_NO_METHOD ? "no method" : "no path",
                m == WJ_MATCH_OK ? rt->path : "");
    if (m == WJ_MATCH_OK) {
        if (!rt || !mod || index < 0 || index >= wj_router_count() || nparams < 0 || nparams > 4 ||
            wj_router_at(index, NULL) != rt ||
            strcmp(rt->method, strcmp(method, "HEAD") == 0 ? "GET" : method) != 0) /* HEAD is served as GET */
            abort();
        /* Path parameters reach handlers as ids or codes. */
        for (int i = 0; i < nparams; i++) {
            int64_t id;
            if (!params[i] || !params[i][0] || params[i] < buf || params[i] > buf + plen)
                abort();
            (void)wj_id_parse(params[i], &id);
            (void)wj_format_ok(WJ_F_AREA_CODE, params[i]);
        }
        wj_query q;
        split_query(qs, &q);
        fuzz_query(rt, &q);
        fuzz_body(rt, body, body_len);
    } else if (m != WJ_MATCH_NO_PATH && m != WJ_MATCH_NO_METHOD) {
        abort();
    }
    free(buf);
    free(path);
    free(qs);
    free(method);
    return 0;
}
