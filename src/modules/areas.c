/* areas.c — module "areas": the administrative tree city → district/county → street/town →
 * community/village, addressed in the API by the 12-digit statistical division code.
 *
 * Codes: the first 6 digits are GB/T 2260 (province, city, county); digits 7–9 the
 * street/town; 10–12 the community/village. An area of a level has zeros past its own
 * segment and shares its parent's prefix. Codes change (济阳县 370125 → 济阳区 370115), so
 * rows are keyed by id and every code an area carried stays in area_history. */
#include "areas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/list.h"
#include "../core/util.h"
#include "modules.h"

const wj_enum areas_levels[] = {
    {"city", "市", "city"},
    {"district", "区/县", "district or county"},
    {"street", "街道/乡镇", "street or town"},
    {"community", "社区/村", "community or village"},
    {0},
};

/* Significant digits of a code at each level. */
static int level_digits(const char *level)
{
    static const struct { const char *l; int d; } t[] = {{"city", 4}, {"district", 6}, {"street", 9}, {"community", 12}};
    for (size_t i = 0; i < WJ_ARRAY_LEN(t); i++)
        if (strcmp(t[i].l, level) == 0)
            return t[i].d;
    return 0;
}

static const char *child_level(const char *level)
{
    if (strcmp(level, "city") == 0)
        return "district";
    if (strcmp(level, "district") == 0)
        return "street";
    if (strcmp(level, "street") == 0)
        return "community";
    return NULL;
}

/* Checks that `code` is a well-formed code of `level` under a parent of `parent_code`. */
static bool code_fits(const char *code, const char *level, const char *parent_code, const char *parent_level,
                      char *why, size_t n)
{
    int d = level_digits(level);
    for (int i = d; i < 12; i++)
        if (code[i] != '0') {
            snprintf(why, n, "a %s code has zeros after digit %d", level, d);
            return false;
        }
    int pd = parent_level ? level_digits(parent_level) : 2;
    bool own = false;
    for (int i = pd; i < d; i++)
        own |= code[i] != '0';
    if (!own) {
        snprintf(why, n, "digits %d-%d must identify the %s", pd + 1, d, level);
        return false;
    }
    if (parent_code && strncmp(code, parent_code, (size_t)pd) != 0) {
        snprintf(why, n, "must start with the parent's %.*s", pd, parent_code);
        return false;
    }
    return true;
}

static bool ref_from_rows(db_rows *rows, areas_ref *out)
{
    if (rows->nrows != 1)
        return false;
    out->id = db_int(rows, 0, 0);
    snprintf(out->code, sizeof out->code, "%s", db_text(rows, 0, 1));
    snprintf(out->name, sizeof out->name, "%s", db_text(rows, 0, 2));
    snprintf(out->level, sizeof out->level, "%s", db_text(rows, 0, 3));
    snprintf(out->path, sizeof out->path, "%s", db_text(rows, 0, 4));
    return true;
}

bool areas_find_by_id(wj_conn *c, int64_t id, areas_ref *out)
{
    db_rows *rows;
    if (db_query(c, "SELECT id, code, name, level, path FROM areas WHERE id = ?", DBP(DB_I(id)), &rows) != DB_OK)
        return false;
    bool ok = ref_from_rows(rows, out);
    db_rows_free(rows);
    return ok;
}

bool areas_find_by_code(wj_conn *c, const char *code, areas_ref *out)
{
    db_rows *rows;
    if (db_query(c, "SELECT id, code, name, level, path FROM areas WHERE code = ?", DBP(DB_S(code)), &rows) != DB_OK)
        return false;
    bool ok = ref_from_rows(rows, out);
    db_rows_free(rows);
    if (ok)
        return true;
    if (db_query(c,
                 "SELECT a.id, a.code, a.name, a.level, a.path FROM area_history h JOIN areas a ON a.id = h.area_id "
                 "WHERE h.code = ? ORDER BY h.valid_from DESC LIMIT 1",
                 DBP(DB_S(code)), &rows) != DB_OK)
        return false;
    ok = ref_from_rows(rows, out);
    db_rows_free(rows);
    return ok;
}

static bool area_path_hook(wj_conn *c, int64_t area_id, char out[WJ_PATH_MAX], char code[16])
{
    areas_ref a;
    if (!areas_find_by_id(c, area_id, &a))
        return false;
    memcpy(out, a.path, WJ_PATH_MAX);
    memcpy(code, a.code, 16);
    return true;
}

int64_t areas_insert(wj_conn *c, const char *code, const char *name, const char *level, int64_t parent_id,
                     int64_t by_user)
{
    char path[WJ_PATH_MAX] = "/";
    if (parent_id) {
        areas_ref p;
        if (!areas_find_by_id(c, parent_id, &p))
            return 0;
        snprintf(path, sizeof path, "%s", p.path);
    }
    int64_t id = wj_id_new(), now = wj_now_ms();
    size_t len = strlen(path);
    snprintf(path + len, sizeof path - len, "%lld/", (long long)id);
    if (db_exec(c,
                "INSERT INTO areas (id, code, name, level, parent_id, path, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                DBP(DB_I(id), DB_S(code), DB_S(name), DB_S(level), parent_id ? DB_I(parent_id) : DB_NULL, DB_S(path),
                    DB_I(now), DB_I(now)),
                NULL) != DB_OK)
        return 0;
    if (db_exec(c,
                "INSERT INTO area_history (id, area_id, code, name, valid_from, changed_by, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                DBP(DB_I(wj_id_new()), DB_I(id), DB_S(code), DB_S(name), DB_I(now),
                    by_user ? DB_I(by_user) : DB_NULL, DB_S("created")),
                NULL) != DB_OK)
        return 0;
    return id;
}

bool areas_set_location(wj_conn *c, int64_t id, double lat, double lon)
{
    return db_exec(c, "UPDATE areas SET lat = ?, lon = ? WHERE id = ?", DBP(DB_D(lat), DB_D(lon), DB_I(id)), NULL) ==
           DB_OK;
}

bool areas_location(wj_conn *c, int64_t id, double *lat, double *lon)
{
    db_rows *rows;
    if (db_query(c, "SELECT lat, lon FROM areas WHERE id = ? AND lat IS NOT NULL", DBP(DB_I(id)), &rows) != DB_OK)
        return false;
    bool ok = rows->nrows == 1;
    if (ok) {
        *lat = db_double(rows, 0, 0);
        *lon = db_double(rows, 0, 1);
    }
    db_rows_free(rows);
    return ok;
}

/* ---- JSON ---- */

static json_t *area_json(wj_conn *c, db_rows *rows, int i, bool detail)
{
    /* columns: id, code, name, level, parent_id, version, updated_at, children, lat, lon */
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i}", "id", db_text(rows, i, 0), "code", db_text(rows, i, 1), "name",
                          db_text(rows, i, 2), "level", db_text(rows, i, 3), "children", (int)db_int(rows, i, 7));
    areas_ref parent;
    if (!db_is_null(rows, i, 4) && areas_find_by_id(c, db_int(rows, i, 4), &parent))
        json_object_set_new(o, "parent_code", json_string(parent.code));
    else
        json_object_set_new(o, "parent_code", json_null());
    if (!db_is_null(rows, i, 8)) {
        json_object_set_new(o, "lat", json_real(db_double(rows, i, 8)));
        json_object_set_new(o, "lon", json_real(db_double(rows, i, 9)));
    }
    if (!detail)
        return o;
    char t[32];
    wj_time_format_utc(db_int(rows, i, 6), t);
    json_object_set_new(o, "updated_at", json_string(t));
    json_object_set_new(o, "version", json_integer(db_int(rows, i, 5)));
    db_rows *h;
    json_t *hist = json_array();
    if (db_query(c,
                 "SELECT code, name, valid_from, valid_to, reason FROM area_history WHERE area_id = ? "
                 "ORDER BY valid_from, id",
                 DBP(DB_I(db_int(rows, i, 0))), &h) == DB_OK) {
        for (int k = 0; k < h->nrows; k++) {
            char from[32], to[32];
            wj_time_format_utc(db_int(h, k, 2), from);
            wj_time_format_utc(db_int(h, k, 3), to);
            json_array_append_new(hist, json_pack("{s:s, s:s, s:s, s:o, s:o}", "code", db_text(h, k, 0), "name",
                                                  db_text(h, k, 1), "valid_from", from, "valid_to",
                                                  db_is_null(h, k, 3) ? json_null() : json_string(to), "reason",
                                                  db_is_null(h, k, 4) ? json_null() : json_string(db_text(h, k, 4))));
        }
        db_rows_free(h);
    }
    json_object_set_new(o, "history", hist);
    /* Ancestors, city first, so a client can draw the breadcrumb without more calls. */
    json_t *anc = json_array();
    db_rows *ar;
    if (db_query(c, "SELECT path FROM areas WHERE id = ?", DBP(DB_I(db_int(rows, i, 0))), &ar) == DB_OK) {
        char *path = wj_xstrdup(db_text(ar, 0, 0) ? db_text(ar, 0, 0) : "");
        db_rows_free(ar);
        char *save = NULL;
        for (char *tok = strtok_r(path, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
            int64_t aid;
            areas_ref a;
            if (wj_parse_i64(tok, &aid) && aid != db_int(rows, i, 0) && areas_find_by_id(c, aid, &a))
                json_array_append_new(anc, json_pack("{s:s, s:s, s:s}", "code", a.code, "name", a.name, "level", a.level));
        }
        free(path);
    }
    json_object_set_new(o, "ancestors", anc);
    return o;
}

#define AREA_COLS                                                                                                      \
    "a.id, a.code, a.name, a.level, a.parent_id, a.version, a.updated_at, "                                          \
    "(SELECT COUNT(*) FROM areas k WHERE k.parent_id = a.id), a.lat, a.lon"

static void list(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    wj_conn *c = wj_db_conn(r);
    const char *parent = wj_qparam(r, "parent");
    const char *q = wj_qparam(r, "q");
    const char *level = wj_qparam(r, "level");
    int64_t parent_id = 0;
    if (parent) {
        areas_ref p;
        if (!areas_find_by_code(c, parent, &p)) {
            wj_fail(r, 404, "not_found", "parent", "no area has code %s", parent);
            return;
        }
        parent_id = p.id;
    }
    char like[300];
    wj_like_pattern(like, sizeof like, "%", q ? q : "", "%");
    db_rows *rows;
    /* Without parent or q: the top of the tree. With q: search the whole tree by name. */
    if (db_query(c,
                 "SELECT " AREA_COLS " FROM areas a WHERE "
                 "((? = 0 AND ? = '' AND a.parent_id IS NULL) OR (? <> 0 AND a.parent_id = ?) OR (? = 0 AND ? <> '')) "
                 "AND (? = '' OR a.name LIKE ? ESCAPE '\\') AND (? = '' OR a.level = ?) AND a.code > ? ORDER BY a.code LIMIT ?",
                 DBP(DB_I(parent_id), DB_S(q ? q : ""), DB_I(parent_id), DB_I(parent_id), DB_I(parent_id),
                     DB_S(q ? q : ""), DB_S(q ? q : ""), DB_S(like), DB_S(level ? level : ""), DB_S(level ? level : ""),
                     DB_S(pg.after ? pg.key : ""), DB_I(pg.limit + 1)),
                 &rows) != DB_OK) {
        wj_fail_internal(r, "areas list");
        return;
    }
    json_t *items = json_array();
    char *next;
    int n = wj_page_rows(&pg, rows, 1, 0, &next);
    for (int i = 0; i < n; i++)
        json_array_append_new(items, area_json(c, rows, i, false));
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}

/* Target of /areas/{code}: the area itself (scope = its subtree). */
static bool area_target(wj_req *r, wj_target *t)
{
    areas_ref a;
    if (!wj_format_ok(WJ_F_AREA_CODE, wj_path_param(r, 0)) || !areas_find_by_code(wj_db_conn(r), wj_path_param(r, 0), &a)) {
        wj_fail(r, 404, "not_found", NULL, "no area has code %s", wj_path_param(r, 0));
        return false;
    }
    snprintf(t->area_path, sizeof t->area_path, "%s", a.path);
    db_rows *rows;
    if (db_query(wj_db_conn(r), "SELECT version FROM areas WHERE id = ?", DBP(DB_I(a.id)), &rows) == DB_OK) {
        t->version = db_int(rows, 0, 0);
        db_rows_free(rows);
    }
    return true;
}

static void get_one(wj_req *r)
{
    areas_ref a;
    wj_conn *c = wj_db_conn(r);
    if (!areas_find_by_code(c, wj_path_param(r, 0), &a)) {
        wj_fail(r, 404, "not_found", NULL, "no area has code %s", wj_path_param(r, 0));
        return;
    }
    db_rows *rows;
    if (db_query(c, "SELECT " AREA_COLS " FROM areas a WHERE a.id = ?", DBP(DB_I(a.id)), &rows) != DB_OK) {
        wj_fail_internal(r, "area get");
        return;
    }
    wj_set_etag(r, db_int(rows, 0, 5));
    wj_reply(r, 200, area_json(c, rows, 0, true));
    db_rows_free(rows);
}

/* Target of POST /areas: the parent named in the body (creating a city needs a grant on
 * no area, so only holders of a city-level… grant above it could; cities are made by the
 * CLI and the demo). */
static bool create_target(wj_req *r, wj_target *t)
{
    const char *pc = json_string_value(json_object_get(r->body, "parent_code"));
    areas_ref p;
    if (!pc) {
        t->area_path[0] = '\0';
        return true;
    }
    if (!areas_find_by_code(wj_db_conn(r), pc, &p)) {
        wj_fail(r, 422, "unknown_reference", "parent_code", "no area has code %s", pc);
        return false;
    }
    snprintf(t->area_path, sizeof t->area_path, "%s", p.path);
    return true;
}

static void respond_area(wj_req *r, int64_t id, int status)
{
    wj_conn *c = r->conn;
    db_rows *rows;
    if (db_query(c, "SELECT " AREA_COLS " FROM areas a WHERE a.id = ?", DBP(DB_I(id)), &rows) != DB_OK ||
        rows->nrows != 1) {
        db_rows_free(rows);
        wj_fail_internal(r, "area reread");
        return;
    }
    wj_set_etag(r, db_int(rows, 0, 5));
    wj_reply(r, status, area_json(c, rows, 0, true));
    db_rows_free(rows);
}

static void create(wj_req *r)
{
    const char *code = json_string_value(json_object_get(r->body, "code"));
    const char *name = json_string_value(json_object_get(r->body, "name"));
    const char *level = json_string_value(json_object_get(r->body, "level"));
    const char *pc = json_string_value(json_object_get(r->body, "parent_code"));
    if (!wj_write_begin(r))
        return;
    wj_conn *c = r->conn;
    areas_ref parent = {0};
    if (pc && !areas_find_by_code(c, pc, &parent)) {
        wj_fail(r, 422, "unknown_reference", "parent_code", "no area has code %s", pc);
        return;
    }
    const char *want = pc ? child_level(parent.level) : "city";
    if (!want || strcmp(want, level) != 0) {
        wj_fail(r, 422, "invalid_value", "level", "an area under a %s must be a %s", pc ? parent.level : "(none)",
                want ? want : "(nothing: communities have no children)");
        return;
    }
    char why[120];
    if (!code_fits(code, level, pc ? parent.code : NULL, pc ? parent.level : NULL, why, sizeof why)) {
        wj_fail(r, 422, "invalid_value", "code", "%s", why);
        return;
    }
    areas_ref existing;
    if (areas_find_by_code(c, code, &existing)) {
        json_t *d = json_pack("{s:s, s:s}", "existing_code", existing.code, "existing_name", existing.name);
        wj_fail_details(r, 409, "conflict", "code", d, "code %s is (or was) used by %s", code, existing.name);
        return;
    }
    int64_t id = areas_insert(c, code, name, level, parent.id, r->who->user_id);
    if (!id) {
        wj_fail_internal(r, "area insert");
        return;
    }
    respond_area(r, id, 201);
    snprintf(r->location, sizeof r->location, "/api/v1/areas/%s", code);
    wj_audit_subject(r, "area", id);
    wj_write_commit(r);
}

/* Renames an area or changes its code; the old code and name stay in the history and
 * keep resolving. Children keep their own codes (a separate change each, as in practice). */
static void update(wj_req *r)
{
    if (!wj_write_begin(r))
        return;
    wj_conn *c = r->conn;
    areas_ref a;
    if (!areas_find_by_code(c, wj_path_param(r, 0), &a)) {
        wj_fail(r, 404, "not_found", NULL, "no area has code %s", wj_path_param(r, 0));
        return;
    }
    const char *code = json_string_value(json_object_get(r->body, "code"));
    const char *name = json_string_value(json_object_get(r->body, "name"));
    const char *reason = json_string_value(json_object_get(r->body, "reason"));
    if (!code)
        code = a.code;
    if (!name)
        name = a.name;
    if (strcmp(code, a.code) != 0) {
        db_rows *pr;
        areas_ref parent = {0};
        bool has_parent = false;
        if (db_query(c, "SELECT parent_id FROM areas WHERE id = ?", DBP(DB_I(a.id)), &pr) == DB_OK) {
            has_parent = !db_is_null(pr, 0, 0) && areas_find_by_id(c, db_int(pr, 0, 0), &parent);
            db_rows_free(pr);
        }
        char why[120];
        if (!code_fits(code, a.level, has_parent ? parent.code : NULL, has_parent ? parent.level : NULL, why,
                       sizeof why)) {
            wj_fail(r, 422, "invalid_value", "code", "%s", why);
            return;
        }
        areas_ref other;
        if (areas_find_by_code(c, code, &other) && other.id != a.id) {
            wj_fail_details(r, 409, "conflict", "code", json_pack("{s:s}", "existing_name", other.name),
                            "code %s is (or was) used by %s", code, other.name);
            return;
        }
    }
    int64_t now = wj_now_ms(), changed;
    if (db_exec(c, "UPDATE areas SET code = ?, name = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
                DBP(DB_S(code), DB_S(name), DB_I(now), DB_I(a.id), DB_I(r->target.version)), &changed) != DB_OK) {
        wj_fail_internal(r, "area update");
        return;
    }
    if (changed != 1) {
        /* Another request committed between the core's If-Match check and this update. */
        db_rows *vr;
        char etag[40] = "";
        if (db_query(c, "SELECT version FROM areas WHERE id = ?", DBP(DB_I(a.id)), &vr) == DB_OK) {
            snprintf(etag, sizeof etag, "\"%lld\"", (long long)db_int(vr, 0, 0));
            db_rows_free(vr);
        }
        wj_fail_details(r, 412, "stale_version", "If-Match", json_pack("{s:s}", "current_etag", etag),
                        "the resource changed since you read it");
        return;
    }
    if (db_exec(c, "UPDATE area_history SET valid_to = ? WHERE area_id = ? AND valid_to IS NULL",
                DBP(DB_I(now), DB_I(a.id)), NULL) != DB_OK ||
        db_exec(c,
                "INSERT INTO area_history (id, area_id, code, name, valid_from, changed_by, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                DBP(DB_I(wj_id_new()), DB_I(a.id), DB_S(code), DB_S(name), DB_I(now), DB_I(r->who->user_id),
                    DB_S(reason)),
                NULL) != DB_OK) {
        wj_fail_internal(r, "area history");
        return;
    }
    respond_area(r, a.id, 200);
    wj_audit_subject(r, "area", a.id);
    wj_write_commit(r);
}

static const wj_field create_fields[] = {
    {"code", WJ_T_STRING, WJ_REQUIRED, WJ_F_AREA_CODE, .desc = "12-digit statistical division code"},
    {"name", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 100, .desc = "name, e.g. 济阳区"},
    {"level", WJ_T_STRING, WJ_REQUIRED, .enums = areas_levels, .desc = "level in the tree"},
    {"parent_code", WJ_T_STRING, 0, WJ_F_AREA_CODE, .desc = "code of the parent area (absent for a city)"},
    {0},
};
static const wj_schema create_schema = {"AreaCreate", create_fields};

static const wj_field update_fields[] = {
    {"code", WJ_T_STRING, 0, WJ_F_AREA_CODE, .desc = "new division code (the old one is kept in history)"},
    {"name", WJ_T_STRING, 0, .min = 1, .max = 100, .desc = "new name"},
    {"reason", WJ_T_STRING, 0, .min = 1, .max = 200, .desc = "why, e.g. 撤县设区 (国函〔2018〕…)"},
    {0},
};
static const wj_schema update_schema = {"AreaUpdate", update_fields};

static const wj_param list_query[] = {
    {"parent", WJ_T_STRING, 0, WJ_F_AREA_CODE, .desc = "list the children of this area"},
    {"q", WJ_T_STRING, 0, .min = 1, .max = 50, .desc = "name contains (whole tree)"},
    {"level", WJ_T_STRING, 0, .enums = areas_levels, .desc = "only this level"},
    {0},
};

static const wj_permission perms[] = {
    {"area.read", WJ_ROLES_ALL, "browse the area tree"},
    {"area.write", WJ_R(COMMISSION_ADMIN), "add areas, rename them, change their codes"},
    {0},
};

static const wj_route routes[] = {
    {"GET", "/api/v1/areas", list, "area.read", WJ_SCOPE_ANY, .query = list_query, .flags = WJ_LIST,
     .summary = "Top-level areas, or the children of ?parent=CODE, or a name search", .success = 200},
    {"GET", "/api/v1/areas/{code}", get_one, "area.read", WJ_SCOPE_ANY,
     .summary = "One area with its ancestors and code history (former codes resolve too)", .success = 200},
    {"POST", "/api/v1/areas", create, "area.write", WJ_SCOPE_TARGET, create_target, &create_schema,
     .flags = WJ_TARGET_BODY, .summary = "Add an area under a parent in your scope", .success = 201},
    {"PATCH", "/api/v1/areas/{code}", update, "area.write", WJ_SCOPE_TARGET, area_target, &update_schema,
     .flags = WJ_IF_MATCH, .summary = "Rename an area or change its code (history kept)", .success = 200},
    {0},
};

const wj_module wj_module_areas = {
    .name = "areas",
    .title_zh = "行政区划",
    .title_en = "Areas",
    .menu_perm = "area.read",
    .routes = routes,
    .perms = perms,
    .demo = areas_demo,
    .area_path = area_path_hook,
};
