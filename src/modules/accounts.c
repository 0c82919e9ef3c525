/* accounts.c — module "accounts": log in, log out, who am I.
 * Passwords, sessions and throttling live in the core (auth.c); this module is their API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/auth.h"
#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/module.h"
#include "../core/util.h"
#include "modules.h"

static json_t *grants_json(const wj_principal *p)
{
    json_t *a = json_array();
    for (int i = 0; i < p->ngrants; i++) {
        const wj_grant *g = &p->grants[i];
        char fid[24], pid[24];
        wj_id_format(g->facility_id, fid);
        wj_id_format(g->person_id, pid);
        json_t *o = json_pack("{s:s}", "role", wj_role_name(g->role));
        if (g->facility_id)
            json_object_set_new(o, "facility_id", json_string(fid));
        if (g->area_id)
            json_object_set_new(o, "area_code", json_string(g->area_code));
        if (g->person_id)
            json_object_set_new(o, "person_id", json_string(pid));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *perms_json(const wj_principal *p)
{
    json_t *a = json_array();
    for (const wj_module *const *m = wj_modules; *m; m++)
        for (const wj_permission *pm = (*m)->perms; pm && pm->name; pm++)
            if (wj_has_perm(p, pm->name))
                json_array_append_new(a, json_string(pm->name));
    return a;
}

static json_t *user_json(const wj_principal *p)
{
    char id[24];
    wj_id_format(p->user_id, id);
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", id, "username", p->username, "display_name", p->display_name,
                     "grants", grants_json(p), "permissions", perms_json(p));
}

static void login(wj_req *r)
{
    const char *username = json_string_value(json_object_get(r->body, "username"));
    const char *password = json_string_value(json_object_get(r->body, "password"));
    r->audit_actor = username; /* a failed login is audited under the name it tried */
    /* First the throttle: count, and record this attempt as a failure in advance, in one
     * short transaction; the password check (argon2, ~50 ms) runs outside any transaction. */
    int64_t attempt[2];
    if (!wj_write_begin(r))
        return;
    wj_conn *c = r->conn;
    int failures = wj_login_attempt(c, username, r->client_ip, attempt);
    if (failures >= WJ_LOGIN_BLOCK_AFTER) {
        db_rollback(c);
        wj_set_header(r, "Retry-After", "900");
        wj_fail(r, 429, "rate_limited", NULL, "too many failed logins; try again in 15 minutes");
        return;
    }
    if (db_commit(c) != DB_OK) {
        wj_fail_internal(r, "login attempt");
        return;
    }
    if (failures >= WJ_LOGIN_DELAY_AFTER)
        r->delay_ms = 1000 * (failures - WJ_LOGIN_DELAY_AFTER + 1); /* 1 s after the 5th, growing */

    db_rows *rows;
    if (db_query(c, "SELECT id, password_hash, display_name FROM users WHERE username = ? AND active = 1",
                 DBP(DB_S(username)), &rows) != DB_OK) {
        wj_fail_internal(r, "user lookup");
        return;
    }
    bool found = rows->nrows == 1;
    bool ok = wj_password_verify(found ? db_text(rows, 0, 1) : NULL, password);
    wj_principal p;
    memset(&p, 0, sizeof p);
    if (found) {
        p.user_id = db_int(rows, 0, 0);
        snprintf(p.username, sizeof p.username, "%s", username);
        snprintf(p.display_name, sizeof p.display_name, "%s", db_text(rows, 0, 2));
    }
    db_rows_free(rows);
    if (!ok) {
        wj_fail(r, 401, "unauthenticated", "password", "wrong username or password");
        return; /* the attempt stays recorded as a failure */
    }
    char *token = NULL, *csrf = NULL;
    int64_t expires;
    if (!wj_write_begin(r))
        return;
    if (!wj_login_attempt_succeeded(c, username, attempt) || !wj_auth_load_grants(c, p.user_id, &p) ||
        !wj_session_create(c, p.user_id, r->client_ip, &token, &csrf, &expires)) {
        wj_fail_internal(r, "session create");
        return;
    }
    char exp[32];
    wj_time_format_utc(expires, exp);
    wj_reply(r, 200, json_pack("{s:s, s:s, s:s, s:o}", "token", token, "csrf_token", csrf, "expires_at", exp, "user",
                               user_json(&p)));
    char *cookie = wj_xasprintf("wj_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld", token,
                                (long long)(WJ_SESSION_TTL_MS / 1000));
    wj_set_header(r, "Set-Cookie", cookie);
    free(cookie);
    free(token);
    free(csrf);
    /* The audit row names the account that logged in. */
    r->who = &p;
    wj_audit_subject(r, "user", p.user_id);
    wj_write_commit(r);
    r->who = NULL;
}

static void logout(wj_req *r)
{
    if (!wj_write_begin(r))
        return;
    if (!wj_session_revoke(r->conn, r->who->session_id)) {
        wj_fail_internal(r, "revoke");
        return;
    }
    wj_reply(r, 204, NULL);
    wj_set_header(r, "Set-Cookie", "wj_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    wj_audit_subject(r, "user", r->who->user_id);
    wj_write_commit(r);
}

static void me(wj_req *r)
{
    wj_reply(r, 200, user_json(r->who));
}

static const wj_field login_fields[] = {
    {"username", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 64, .desc = "login name"},
    {"password", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 256, .desc = "password"},
    {0},
};
static const wj_schema login_schema = {"Login", login_fields};

static const wj_route routes[] = {
    {"POST", "/api/v1/auth/login", login, NULL, WJ_SCOPE_PUBLIC, .body = &login_schema, .flags = WJ_NO_CSRF,
     .summary = "Log in: returns a bearer token and sets the console cookie", .success = 200},
    {"POST", "/api/v1/auth/logout", logout, "session", WJ_SCOPE_ANY, .summary = "Revoke the current session",
     .success = 204},
    {"GET", "/api/v1/me", me, "session", WJ_SCOPE_ANY, .summary = "The caller, their grants and permissions",
     .success = 200},
    {0},
};

const wj_module wj_module_accounts = {
    .name = "accounts",
    .title_zh = "账户",
    .title_en = "Accounts",
    .routes = routes,
};
