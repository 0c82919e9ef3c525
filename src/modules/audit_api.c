/* audit_api.c — module "audit": the auditors' search over the append-only audit trail
 * (written by the core, see core/audit.h). Newest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/list.h"
#include "../core/module.h"
#include "../core/util.h"
#include "modules.h"

static void search(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    int64_t user = 0, rid = 0, from = 0, to = 0;
    const char *v;
    if ((v = wj_qparam(r, "user_id")))
        wj_id_parse(v, &user);
    if ((v = wj_qparam(r, "resource_id")))
        wj_id_parse(v, &rid);
    if ((v = wj_qparam(r, "from")))
        wj_time_parse(v, &from);
    if ((v = wj_qparam(r, "to")))
        wj_time_parse(v, &to);
    const char *rtype = wj_qparam(r, "resource_type");
    const char *username = wj_qparam(r, "username");
    int64_t cur_at = INT64_MAX, cur_id = INT64_MAX;
    if (pg.after) {
        wj_parse_i64(pg.key, &cur_at);
        cur_id = pg.id;
    }
    /* Each filter is "? = 0 OR col = ?" style so one statement serves every combination. */
    db_rows *rows;
    if (db_query(wj_db_conn(r),
                 "SELECT id, at, user_id, username, method, route, resource_type, resource_id, client_ip, status "
                 "FROM audit_log WHERE (? = 0 OR user_id = ?) AND (? = '' OR username = ?) "
                 "AND (? = '' OR resource_type = ?) AND (? = 0 OR resource_id = ?) AND (? = 0 OR at >= ?) "
                 "AND (? = 0 OR at < ?) AND (at < ? OR (at = ? AND id < ?)) ORDER BY at DESC, id DESC LIMIT ?",
                 DBP(DB_I(user), DB_I(user), DB_S(username ? username : ""), DB_S(username ? username : ""),
                     DB_S(rtype ? rtype : ""), DB_S(rtype ? rtype : ""), DB_I(rid), DB_I(rid), DB_I(from),
                     DB_I(from), DB_I(to), DB_I(to), DB_I(cur_at), DB_I(cur_at), DB_I(cur_id), DB_I(pg.limit + 1)),
                 &rows) != DB_OK) {
        wj_fail_internal(r, "audit search");
        return;
    }
    json_t *items = json_array();
    char *next;
    int n = wj_page_rows(&pg, rows, 1, 0, &next);
    for (int i = 0; i < n; i++) {
        char at[32];
        wj_time_format_utc(db_int(rows, i, 1), at);
        json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:i}", "id", db_text(rows, i, 0), "at", at,
                              "user_id", db_is_null(rows, i, 2) ? json_null() : json_string(db_text(rows, i, 2)),
                              "username", db_is_null(rows, i, 3) ? json_null() : json_string(db_text(rows, i, 3)),
                              "method", db_text(rows, i, 4), "route", db_text(rows, i, 5), "resource_type",
                              db_is_null(rows, i, 6) ? json_null() : json_string(db_text(rows, i, 6)), "resource_id",
                              db_is_null(rows, i, 7) ? json_null() : json_string(db_text(rows, i, 7)), "client_ip",
                              db_is_null(rows, i, 8) ? json_null() : json_string(db_text(rows, i, 8)), "status",
                              (int)db_int(rows, i, 9));
        json_array_append_new(items, o);
    }
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}

static const wj_param query[] = {
    {"user_id", WJ_T_STRING, 0, WJ_F_ID, .desc = "events of this user"},
    {"username", WJ_T_STRING, 0, .min = 1, .max = 64, .desc = "events of this login name"},
    {"resource_type", WJ_T_STRING, 0, .min = 1, .max = 32, .desc = "e.g. facility, area, user"},
    {"resource_id", WJ_T_STRING, 0, WJ_F_ID, .desc = "events on this record"},
    {"from", WJ_T_STRING, 0, WJ_F_DATETIME, .desc = "at or after this instant"},
    {"to", WJ_T_STRING, 0, WJ_F_DATETIME, .desc = "before this instant"},
    {0},
};

static const wj_permission perms[] = {
    {"audit.read", WJ_R(AUDITOR), "search the audit trail"},
    {0},
};

static const wj_route routes[] = {
    {"GET", "/api/v1/audit", search, "audit.read", WJ_SCOPE_ANY, .query = query, .flags = WJ_LIST | WJ_PERSONAL,
     .summary = "Search the audit trail, newest first", .success = 200},
    {0},
};

const wj_module wj_module_audit = {
    .name = "audit",
    .title_zh = "审计日志",
    .title_en = "Audit log",
    .menu_perm = "audit.read",
    .routes = routes,
    .perms = perms,
};
