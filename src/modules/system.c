/* system.c — module "system": health, metrics, the OpenAPI document, what this server is
 * (for the console's demo-data banner) and the console menu. */
#include <stdlib.h>
#include <string.h>

#include "../core/list.h"
#include "../core/metrics.h"
#include "../core/module.h"
#include "../core/openapi.h"
#include "../core/util.h"
#include "modules.h"

static void healthz(wj_req *r)
{
    db_rows *rows;
    bool ok = db_query(wj_db_conn(r), "SELECT 1", DBP_NONE, &rows) == DB_OK;
    db_rows_free(rows);
    if (!ok) {
        wj_fail(r, 503, "unavailable", NULL, "database unavailable");
        return;
    }
    wj_reply(r, 200, json_pack("{s:s, s:s}", "status", "ok", "db",
                               db_kind(r->db) == WJ_DB_PG ? "postgresql" : "sqlite"));
}

static void metrics(wj_req *r)
{
    wj_buf b = {0};
    wj_metrics_render(&b, r->db);
    wj_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
}

static void openapi(wj_req *r)
{
    wj_reply(r, 200, wj_openapi_document());
}

/* What runs here, before login: the console shows "演示数据 / demo data" when `demo` is
 * true, i.e. when `weijian demo` loaded the demo city into this database (its audit row). */
static void about(wj_req *r)
{
    db_rows *rows;
    if (db_query(wj_db_conn(r),
                 "SELECT 1 FROM audit_log WHERE resource_type = ? AND method = ? AND route = ? LIMIT 1",
                 DBP(DB_S("demo"), DB_S("CLI"), DB_S("weijian demo")), &rows) != DB_OK) {
        wj_fail_internal(r, "about: audit lookup");
        return;
    }
    bool demo = rows->nrows > 0;
    db_rows_free(rows);
    wj_reply(r, 200, json_pack("{s:s, s:b}", "name", "Weijian", "demo", demo));
}

/* The console menu: one entry per module whose menu permission the caller holds. */
static void menu(wj_req *r)
{
    json_t *items = json_array();
    for (const wj_module *const *m = wj_modules; *m; m++)
        if ((*m)->menu_perm && wj_has_perm(r->who, (*m)->menu_perm))
            json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "module", (*m)->name, "title_zh",
                                                   (*m)->title_zh, "title_en", (*m)->title_en));
    wj_reply_list(r, items, NULL);
}

static const wj_permission perms[] = {
    {"session", WJ_ROLES_ALL, "use the platform with a session (own account, menu)"},
    {0},
};

static const wj_route routes[] = {
    {"GET", "/healthz", healthz, NULL, WJ_SCOPE_PUBLIC, .summary = "Liveness and database check", .success = 200},
    {"GET", "/metrics", metrics, NULL, WJ_SCOPE_PUBLIC, .summary = "Prometheus metrics", .success = 200},
    {"GET", "/api/v1/openapi.json", openapi, NULL, WJ_SCOPE_PUBLIC, .summary = "This API, generated from the route tables",
     .success = 200},
    {"GET", "/api/v1/about", about, NULL, WJ_SCOPE_PUBLIC,
     .summary = "What this server is: {name, demo} (demo: the demo city is loaded)", .success = 200},
    {"GET", "/api/v1/menu", menu, "session", WJ_SCOPE_ANY,
     .summary = "Console menu entries the caller may open", .success = 200},
    {0},
};

const wj_module wj_module_system = {
    .name = "system",
    .title_zh = "系统",
    .title_en = "System",
    .routes = routes,
    .perms = perms,
};
