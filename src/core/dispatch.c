/* dispatch.c — see dispatch.h. */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "clock.h"
#include "idem.h"
#include "metrics.h"
#include "util.h"

static bool is_write(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

void wj_dispatch_audit_event(const wj_req *r, wj_audit_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->at = wj_now_ms();
    if (r->who) {
        ev->user_id = r->who->user_id;
        snprintf(ev->username, sizeof ev->username, "%s", r->who->username);
    } else if (r->audit_actor) {
        snprintf(ev->username, sizeof ev->username, "%s", r->audit_actor);
    }
    snprintf(ev->method, sizeof ev->method, "%s", r->method);
    snprintf(ev->route, sizeof ev->route, "%s", r->route ? r->route->path : "");
    snprintf(ev->resource_type, sizeof ev->resource_type, "%s", r->audit_type ? r->audit_type : "");
    ev->resource_id = r->audit_id;
    snprintf(ev->client_ip, sizeof ev->client_ip, "%s", r->client_ip ? r->client_ip : "");
    ev->status = r->status;
}

/* Checks the target's scope; answers 404 for personal records, 403 otherwise. */
static bool check_scope(wj_req *r)
{
    if (wj_covers(r, r->route->perm, &r->target))
        return true;
    if (r->route->flags & WJ_PERSONAL)
        wj_fail(r, 404, "not_found", NULL, "not found");
    else
        wj_fail(r, 403, "forbidden", NULL, "outside your scope");
    return false;
}

static bool check_if_match(wj_req *r)
{
    const char *im = r->header(r, "If-Match");
    if (!im || !*im) {
        wj_fail(r, 428, "precondition_required", "If-Match", "send If-Match with the ETag from GET");
        return false;
    }
    char want[40];
    snprintf(want, sizeof want, "\"%lld\"", (long long)r->target.version);
    /* Weak validators are accepted as equal: W/"3" matches "3". */
    const char *got = strncmp(im, "W/", 2) == 0 ? im + 2 : im;
    if (strcmp(got, want) != 0 && strcmp(im, "*") != 0) {
        json_t *d = json_pack("{s:s}", "current_etag", want);
        wj_fail_details(r, 412, "stale_version", "If-Match", d, "the resource changed since you read it");
        return false;
    }
    return true;
}

/* Is the Content-Type header `type`, with or without parameters ("; charset=…")? */
static bool media_type_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    return ct && strncasecmp(ct, type, n) == 0 && (!ct[n] || ct[n] == ';' || ct[n] == ' ');
}

static bool parse_body(wj_req *r)
{
    bool has_body = r->raw_len > 0;
    const wj_route *rt = r->route;
    if (rt->flags & WJ_RAW_BODY) {
        /* Raw bodies are files to import: CSV, read by the handler from raw_body. */
        if (!media_type_is(r->header(r, "Content-Type"), "text/csv")) {
            wj_fail(r, 415, "unsupported_media_type", "Content-Type", "send the file as text/csv");
            return false;
        }
        return true;
    }
    if (!rt->body) {
        if (has_body) {
            /* A body where none belongs is most likely a client mistake: say so. */
            json_error_t je;
            json_t *v = json_loadb(r->raw_body, r->raw_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
            if (!v) {
                wj_fail(r, 400, "malformed_json", NULL, "malformed JSON: %s", je.text);
                return false;
            }
            bool empty = json_is_object(v) && json_object_size(v) == 0;
            json_decref(v);
            if (!empty) {
                wj_fail(r, 422, "invalid_value", NULL, "this request takes no body");
                return false;
            }
        }
        return true;
    }
    if (!media_type_is(r->header(r, "Content-Type"), "application/json")) {
        wj_fail(r, 415, "unsupported_media_type", "Content-Type", "send the body as application/json");
        return false;
    }
    if (!has_body) {
        wj_fail(r, 400, "malformed_json", NULL, "a JSON body is required");
        return false;
    }
    json_error_t je;
    r->body = json_loadb(r->raw_body, r->raw_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!r->body) {
        json_t *d = json_pack("{s:i,s:i}", "line", je.line, "column", je.column);
        wj_fail_details(r, 400, "malformed_json", NULL, d, "malformed JSON: %s", je.text);
        return false;
    }
    wj_error e = {0};
    if (!wj_schema_validate(rt->body, r->body, strcmp(r->method, "PATCH") == 0, &e)) {
        wj_fail_err(r, &e);
        return false;
    }
    return true;
}

static void run_pipeline(wj_req *r, wj_principal *who)
{
    const wj_route *rt = r->route;
    if (rt->scope != WJ_SCOPE_PUBLIC) {
        if (!wj_auth_load(r, who)) {
            wj_fail(r, 401, "unauthenticated", NULL, "log in first (Authorization: Bearer TOKEN)");
            return;
        }
        r->who = who;
        if (who->via_cookie && is_write(r->method) && !(rt->flags & WJ_NO_CSRF) && !wj_auth_csrf_ok(r)) {
            wj_fail(r, 403, "forbidden", "X-CSRF-Token", "missing or wrong CSRF token");
            return;
        }
        if (!wj_has_perm(who, rt->perm)) {
            wj_fail(r, 403, "forbidden", NULL, "your role does not allow this");
            return;
        }
    } else if (rt->flags & WJ_NO_CSRF) {
        /* Public write routes (login) still learn who calls when a session is presented. */
        if (wj_auth_load(r, who))
            r->who = who;
    }
    if (rt->scope == WJ_SCOPE_TARGET && !(rt->flags & WJ_TARGET_BODY)) {
        if (!rt->target(r, &r->target) || !check_scope(r))
            return;
    }
    if ((rt->flags & WJ_IF_MATCH) && !check_if_match(r))
        return;
    wj_error e = {0};
    if (!wj_query_validate(rt->query, rt->flags & WJ_LIST, &r->query, &e)) {
        wj_fail_err(r, &e);
        return;
    }
    /* A list without declared sort keys has one fixed order: any sort is an error. */
    if (rt->flags & WJ_LIST) {
        const char *sort = wj_qparam(r, "sort");
        bool ok = !sort;
        for (const char *const *s = rt->sorts; sort && s && *s && !ok; s++)
            ok = strcmp(*s, sort) == 0;
        if (!ok) {
            wj_fail(r, 400, "invalid_parameter", "sort", "unsupported sort key");
            return;
        }
    }
    if (!parse_body(r))
        return;
    if (rt->scope == WJ_SCOPE_TARGET && (rt->flags & WJ_TARGET_BODY)) {
        if (!rt->target(r, &r->target) || !check_scope(r))
            return;
    }
    if (wj_idem_begin(r))
        return;
    rt->handler(r);
    if (!r->status && !r->job)
        wj_fail_internal(r, "handler set no reply");
}

static void log_request(const wj_req *r, double secs)
{
    char ts[32];
    wj_time_format_utc(wj_now_ms(), ts);
    /* The route template only: concrete paths and queries may carry personal data. */
    fprintf(stderr,
            "{\"ts\":\"%s\",\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,\"ms\":%.2f,\"user\":%lld,\"code\":\"%s\"}\n",
            ts, r->method, r->route ? r->route->path : "unmatched", r->status, secs * 1000,
            r->who ? (long long)r->who->user_id : 0LL, r->err.code);
}

static int64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void wj_dispatch(wj_req *r, int route_index)
{
    wj_principal who;
    memset(&who, 0, sizeof who);
    r->route_index = route_index;
    r->started_ns = mono_ns();
    if (r->route && !r->err.status) /* the HTTP layer may have refused it already (413) */
        run_pipeline(r, &who);
    if (r->job) {
        /* The reply waits for a group commit (the job holds its own copy of the caller):
         * the writer runs it on its connection, so this one goes back now. */
        if (r->conn) {
            if (db_in_tx(r->conn))
                db_rollback(r->conn);
            db_release(r->conn);
            r->conn = NULL;
        }
        return;
    }
    wj_dispatch_finish(r);
}

void wj_dispatch_finish(wj_req *r)
{
    if (r->conn && db_in_tx(r->conn))
        db_rollback(r->conn);
    /* The connection goes back first: a full audit queue makes this thread wait for the
     * audit writer, which needs a connection of the pool. */
    if (r->conn) {
        db_release(r->conn);
        r->conn = NULL;
    }
    /* Audit: writes and personal reads. Committed writes were audited in their transaction. */
    if (r->route && !r->committed &&
        ((is_write(r->method) && r->route->scope != WJ_SCOPE_PUBLIC) || (r->route->flags & WJ_PERSONAL) ||
         (r->route->flags & WJ_NO_CSRF))) {
        wj_audit_event ev;
        wj_dispatch_audit_event(r, &ev);
        wj_audit_enqueue(&ev);
        if (r->audit_also) {
            ev.resource_id = r->audit_also;
            wj_audit_enqueue(&ev);
        }
    }
    double secs = (double)(mono_ns() - r->started_ns) / 1e9;
    wj_metrics_observe(r->route_index, r->status, secs);
    log_request(r, secs);
    r->who = NULL;
}

void wj_req_cleanup(wj_req *r)
{
    json_decref(r->body);
    json_decref(r->out);
    free(r->out_raw);
    wj_error_clear(&r->err);
    for (int i = 0; i < r->nresp_headers; i++)
        free(r->resp_header_values[i]);
    if (r->conn)
        db_release(r->conn);
}
