/* request.c — the helpers handlers use: replies, errors, the request's connection and
 * write transaction, path and query parameters, permission and scope checks. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "dispatch.h"
#include "ids.h"
#include "idem.h"
#include "log.h"
#include "module.h"
#include "util.h"

static const char *const role_names[WJ_ROLE_COUNT] = {
    "resident",          "clinician",  "facility_staff",   "facility_admin",   "hotline_operator",
    "grid_worker",       "dispatcher", "commission_staff", "commission_admin", "auditor",
};

const char *wj_role_name(wj_role r)
{
    return (unsigned)r < WJ_ROLE_COUNT ? role_names[r] : "?";
}

int wj_role_parse(const char *name)
{
    for (int i = 0; name && i < WJ_ROLE_COUNT; i++)
        if (strcmp(role_names[i], name) == 0)
            return i;
    return -1;
}

void wj_reply(wj_req *r, int status, json_t *body)
{
    json_decref(r->out);
    r->out = body;
    r->status = status;
}

void wj_reply_raw(wj_req *r, int status, const char *type, char *data, size_t len)
{
    json_decref(r->out);
    r->out = NULL;
    free(r->out_raw);
    r->out_raw = data;
    r->out_raw_len = len;
    r->out_type = type;
    r->status = status;
}

void wj_fail_err(wj_req *r, wj_error *e)
{
    wj_error_clear(&r->err);
    r->err = *e;
    e->details = NULL;
    json_decref(r->out);
    r->out = NULL;
    r->status = r->err.status;
}

static void vfail(wj_req *r, int status, const char *code, const char *field, json_t *details, const char *fmt,
                  va_list ap)
{
    wj_error e = {0};
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    wj_error_set(&e, status, code, field, "%s", msg);
    e.details = details;
    wj_fail_err(r, &e);
}

void wj_fail(wj_req *r, int status, const char *code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(r, status, code, field, NULL, fmt, ap);
    va_end(ap);
}

void wj_fail_details(wj_req *r, int status, const char *code, const char *field, json_t *details, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(r, status, code, field, details, fmt, ap);
    va_end(ap);
}

void wj_fail_store(wj_req *r, wj_error *e, const char *what)
{
    if (e->status == 500 || !e->status) {
        wj_error_clear(e);
        wj_fail_internal(r, what);
    } else {
        wj_fail_err(r, e);
    }
}

void wj_fail_internal(wj_req *r, const char *what)
{
    wj_log("error", "internal", "route", r->route ? r->route->path : "", "what", what, "db",
           r->conn ? db_errmsg(r->conn) : NULL, NULL);
    wj_fail(r, 500, "internal", NULL, "internal error");
}

bool wj_failed(const wj_req *r)
{
    return r->err.status != 0;
}

void wj_set_header(wj_req *r, const char *name, const char *value)
{
    if (r->nresp_headers == (int)WJ_ARRAY_LEN(r->resp_headers))
        return;
    r->resp_header_values[r->nresp_headers] = wj_xstrdup(value);
    r->resp_headers[r->nresp_headers].name = name;
    r->resp_headers[r->nresp_headers].value = r->resp_header_values[r->nresp_headers];
    r->nresp_headers++;
}

void wj_set_etag(wj_req *r, int64_t version)
{
    snprintf(r->etag, sizeof r->etag, "\"%lld\"", (long long)version);
}

wj_conn *wj_db_conn(wj_req *r)
{
    if (!r->conn)
        r->conn = db_acquire(r->db);
    return r->conn;
}

bool wj_write_begin(wj_req *r)
{
    if (db_begin(wj_db_conn(r), true) != DB_OK) {
        wj_fail_internal(r, "begin");
        return false;
    }
    if (wj_idem_recheck(r)) {
        db_rollback(r->conn);
        return false;
    }
    return true;
}

wj_record_status wj_write_record(wj_req *r)
{
    wj_audit_event ev;
    wj_dispatch_audit_event(r, &ev);
    ev.status = r->status;
    bool ok = wj_audit_insert(r->conn, &ev);
    if (ok && r->audit_also) {
        ev.resource_id = r->audit_also;
        ok = wj_audit_insert(r->conn, &ev);
    }
    if (!ok) {
        wj_fail_internal(r, "audit insert");
        return WJ_RECORD_FAILED;
    }
    /* Another request with the same key committed first: ours is the duplicate. */
    return r->idem_key && !wj_idem_store(r) ? WJ_RECORD_DUPLICATE : WJ_RECORD_OK;
}

bool wj_write_commit(wj_req *r)
{
    wj_record_status st = wj_write_record(r);
    if (st != WJ_RECORD_OK) {
        db_rollback(r->conn);
        if (st == WJ_RECORD_DUPLICATE)
            wj_idem_replay_after_race(r);
        return false;
    }
    if (db_commit(r->conn) != DB_OK) {
        wj_fail_internal(r, "commit");
        return false;
    }
    r->committed = true;
    return true;
}

const char *wj_path_param(const wj_req *r, int i)
{
    return i < r->npath_params ? r->path_params[i] : NULL;
}

bool wj_path_id(wj_req *r, int i, const char *what, int64_t *id)
{
    if (!wj_id_parse(wj_path_param(r, i), id)) {
        wj_fail(r, 404, "not_found", NULL, "%s not found", what);
        return false;
    }
    return true;
}

const char *wj_qparam(const wj_req *r, const char *name)
{
    return wj_query_get(&r->query, name);
}

unsigned wj_perm_roles(const char *perm)
{
    for (const wj_module *const *m = wj_modules; *m; m++)
        for (const wj_permission *p = (*m)->perms; p && p->name; p++)
            if (strcmp(p->name, perm) == 0)
                return p->roles;
    return 0;
}

bool wj_has_perm(const wj_principal *p, const char *perm)
{
    unsigned roles = wj_perm_roles(perm);
    for (int i = 0; p && i < p->ngrants; i++)
        if (roles & (1u << p->grants[i].role))
            return true;
    return false;
}

/* The person index's answer to "does this person grant cover that person" (family links,
 * merges); without the module, only the same id does. */
static bool person_covers(wj_req *r, int64_t grant_person, int64_t target_person)
{
    if (grant_person == target_person)
        return true;
    for (const wj_module *const *m = wj_modules; *m; m++)
        if ((*m)->person_covers)
            return (*m)->person_covers(wj_db_conn(r), grant_person, target_person);
    return false;
}

static bool grant_covers(const wj_req *r, const wj_grant *g, const wj_target *t)
{
    if (g->facility_id && g->facility_id == t->facility_id)
        return true;
    if (g->area_path[0] && t->area_path[0] && strncmp(t->area_path, g->area_path, strlen(g->area_path)) == 0)
        return true;
    if (g->person_id && t->person_id && person_covers((wj_req *)r, g->person_id, t->person_id))
        return true;
    return false;
}

bool wj_covers(const wj_req *r, const char *perm, const wj_target *t)
{
    unsigned roles = wj_perm_roles(perm);
    for (int i = 0; r->who && i < r->who->ngrants; i++)
        if ((roles & (1u << r->who->grants[i].role)) && grant_covers(r, &r->who->grants[i], t))
            return true;
    return false;
}

void wj_audit_subject(wj_req *r, const char *type, int64_t id)
{
    r->audit_type = type;
    r->audit_id = id;
}

void wj_audit_also(wj_req *r, int64_t id)
{
    r->audit_also = id != r->audit_id ? id : 0;
}
