/* facilities.c — module "facilities": the directory of hospitals, centres, stations and
 * clinics with their level and grade, type, area, location, beds, campuses and departments,
 * and capabilities (the designated centres and thrombolysis). Directory data is public to
 * every role; a facility's administrator edits it, the commission over its area creates,
 * edits and deactivates. Every version is kept in facility_history.
 *
 * This file holds the routes and handlers; storage and rules are in facilities_store.c,
 * the rules and examples in docs/facilities.md. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/doccache.h"
#include "../core/list.h"
#include "../core/sql.h"
#include "../core/util.h"
#include "areas.h"
#include "facilities_store.h"
#include "modules.h"

#define EARTH_RADIUS_KM 6371.0088
#define RADIUS_DEFAULT_KM 10.0
#define DEG (M_PI / 180.0)

/* ---- the list ---- */

/* Appends FROM and WHERE for the filters of the query. False after answering 400 when
 * `area` names no area. */
static bool add_filters(wj_req *r, wj_sql *q)
{
    const char *area = wj_qparam(r, "area"), *level = wj_qparam(r, "level"), *type = wj_qparam(r, "type");
    const char *cap = wj_qparam(r, "capability"), *name = wj_qparam(r, "q"), *active = wj_qparam(r, "active");
    wj_sql_puts(q, " FROM facilities f WHERE 1 = 1");
    if (area) {
        areas_ref a;
        if (!areas_find_by_code(wj_db_conn(r), area, &a)) {
            wj_fail(r, 400, "invalid_parameter", "area", "no area has code %s", area);
            return false;
        }
        wj_sql_like(q, " AND f.area_path LIKE ? ESCAPE '\\'", "", a.path, "%");
    }
    if (level)
        wj_sql_add(q, " AND f.level = ?", DB_S(level));
    if (type)
        wj_sql_add(q, " AND f.type = ?", DB_S(type));
    if (cap)
        wj_sql_add(q, " AND EXISTS (SELECT 1 FROM facility_capabilities k WHERE k.facility_id = f.id AND k.capability = ?)",
            DB_S(cap));
    if (name) {
        wj_sql_like(q, " AND LOWER(f.name) LIKE LOWER(?) ESCAPE '\\'", "%", name, "%");
    }
    if (!active || strcmp(active, "all") != 0)
        wj_sql_add(q, " AND f.active = ?", DB_I(!active || strcmp(active, "true") == 0));
    return true;
}

/* Keyset paging per sort key: the condition "after the cursor row" and the order. */
static const struct list_order {
    const char *sort;
    bool desc;
    const char *after, *by;
} orders[] = {
    {"name", false, " AND (f.name > ? OR (f.name = ? AND f.id > ?))", " ORDER BY f.name, f.id"},
    {"name", true, " AND (f.name < ? OR (f.name = ? AND f.id < ?))", " ORDER BY f.name DESC, f.id DESC"},
    {"created", false, " AND (f.created_at > ? OR (f.created_at = ? AND f.id > ?))", " ORDER BY f.created_at, f.id"},
    {"created", true, " AND (f.created_at < ? OR (f.created_at = ? AND f.id < ?))",
     " ORDER BY f.created_at DESC, f.id DESC"},
};

static void list_sorted(wj_req *r, const wj_page *pg, wj_sql *q)
{
    const struct list_order *o = &orders[0];
    for (size_t i = 0; i < WJ_ARRAY_LEN(orders); i++)
        if (pg->sort && strcmp(orders[i].sort, pg->sort) == 0 && orders[i].desc == pg->desc)
            o = &orders[i];
    bool by_name = strcmp(o->sort, "name") == 0;
    int64_t created = 0;
    if (pg->after) {
        if (!by_name && !wj_parse_i64(pg->key, &created)) {
            wj_fail(r, 400, "invalid_parameter", "cursor", "this cursor belongs to another sort order");
            return;
        }
        db_val key = by_name ? DB_S(pg->key) : DB_I(created);
        wj_sql_puts(q, o->after);
        wj_sql_bind(q, key);
        wj_sql_bind(q, key);
        wj_sql_bind(q, DB_I(pg->id));
    }
    wj_sql_puts(q, o->by);
    wj_sql_add(q, " LIMIT ?", DB_I(pg->limit + 1));
    wj_conn *c = wj_db_conn(r);
    db_rows *rows;
    if (wj_sql_query(c, q, &rows) != DB_OK) {
        wj_fail_internal(r, "facilities list");
        return;
    }
    json_t *items = json_array();
    char *next;
    int n = wj_page_rows(pg, rows, by_name ? FC_NAME : FC_CREATED, FC_ID, &next);
    for (int i = 0; i < n; i++) {
        json_t *item = facilities_row_json(c, rows, i, false);
        if (!item) {
            json_decref(items);
            free(next);
            db_rows_free(rows);
            wj_fail_internal(r, "facilities list item");
            return;
        }
        json_array_append_new(items, item);
    }
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}

typedef struct near_hit {
    int64_t id;
    double km;
    char key[24]; /* km as "%012.6f": the cursor key, so paging and order agree exactly */
} near_hit;

static int near_cmp(const void *a, const void *b)
{
    const near_hit *x = a, *y = b;
    int k = strcmp(x->key, y->key);
    return k ? k : (x->id > y->id) - (x->id < y->id);
}

static double haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    double s1 = sin((lat2 - lat1) * DEG / 2), s2 = sin((lon2 - lon1) * DEG / 2);
    double h = s1 * s1 + cos(lat1 * DEG) * cos(lat2 * DEG) * s2 * s2;
    return 2 * EARTH_RADIUS_KM * asin(sqrt(h > 1 ? 1 : h));
}

/* Appends the bounding box of the circle: the database narrows by index, C measures. */
static void add_box(wj_sql *q, double lat, double lon, double km)
{
    double dlat = km / EARTH_RADIUS_KM / DEG;
    double lat_lo = fmax(lat - dlat, -90), lat_hi = fmin(lat + dlat, 90), lon_lo = -180, lon_hi = 180;
    /* Near a pole or across the antimeridian the box spans every longitude. */
    if (lat_lo > -90 && lat_hi < 90) {
        double dlon = asin(fmin(1, sin(km / EARTH_RADIUS_KM) / cos(lat * DEG))) / DEG;
        if (lon - dlon >= -180 && lon + dlon <= 180) {
            lon_lo = lon - dlon;
            lon_hi = lon + dlon;
        }
    }
    wj_sql_add(q, " AND f.lat BETWEEN ? AND ?", DB_D(lat_lo));
    wj_sql_bind(q, DB_D(lat_hi));
    wj_sql_add(q, " AND f.lon BETWEEN ? AND ?", DB_D(lon_lo));
    wj_sql_bind(q, DB_D(lon_hi));
}

/* The candidates within `km`, after the cursor, nearest first. Returns the count; *out is
 * a heap array the caller frees. -1 on a database error. */
static int near_hits(wj_conn *c, wj_sql *q, const wj_page *pg, double lat, double lon, double km, near_hit **out)
{
    db_rows *rows;
    if (wj_sql_query(c, q, &rows) != DB_OK)
        return -1;
    near_hit *hits = wj_xcalloc((size_t)rows->nrows + 1, sizeof *hits);
    int n = 0;
    for (int i = 0; i < rows->nrows; i++) {
        near_hit h = {.id = db_int(rows, i, 0)};
        h.km = haversine_km(lat, lon, db_double(rows, i, 1), db_double(rows, i, 2));
        snprintf(h.key, sizeof h.key, "%012.6f", h.km);
        int vs = strcmp(h.key, pg->key);
        if (h.km <= km && (!pg->after || vs > 0 || (vs == 0 && h.id > pg->id)))
            hits[n++] = h;
    }
    db_rows_free(rows);
    qsort(hits, (size_t)n, sizeof *hits, near_cmp);
    *out = hits;
    return n;
}

static void list_near(wj_req *r, const wj_page *pg, wj_sql *q)
{
    const char *near = wj_qparam(r, "near"), *radius = wj_qparam(r, "radius_km");
    double lat = strtod(near, NULL), lon = strtod(strchr(near, ',') + 1, NULL), km = RADIUS_DEFAULT_KM;
    if (radius)
        wj_parse_double(radius, &km); /* checked by query validation */
    if (pg->sort) {
        wj_fail(r, 400, "invalid_parameter", "sort", "with near the list is ordered by distance");
        return;
    }
    add_box(q, lat, lon, km);
    wj_conn *c = wj_db_conn(r);
    near_hit *hits;
    int n = near_hits(c, q, pg, lat, lon, km, &hits);
    if (n < 0) {
        wj_fail_internal(r, "facilities near");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n && i < pg->limit; i++) {
        json_t *item = facilities_row_by_id(c, hits[i].id, false);
        if (!item) {
            json_decref(items);
            free(hits);
            wj_fail_internal(r, "facilities near item");
            return;
        }
        json_object_set_new(item, "distance_km", json_real(round(hits[i].km * 1000) / 1000));
        json_array_append_new(items, item);
    }
    char *next = n > pg->limit ? wj_cursor_make(hits[pg->limit - 1].key, hits[pg->limit - 1].id) : NULL;
    free(hits);
    wj_reply_list(r, items, next);
}

static void list(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    bool near = wj_qparam(r, "near") != NULL;
    if (!near && wj_qparam(r, "radius_km")) {
        wj_fail(r, 400, "invalid_parameter", "radius_km", "radius_km only goes with near");
        return;
    }
    wj_sql q = {0};
    wj_sql_puts(&q, near ? "SELECT f.id, f.lat, f.lon" : "SELECT " FACILITIES_COLS);
    if (add_filters(r, &q)) {
        if (near)
            list_near(r, &pg, &q);
        else
            list_sorted(r, &pg, &q);
    }
    wj_sql_free(&q);
}

/* ---- one facility ---- */

/* Serialised documents of recently read facilities. The stamp is the facility's version
 * plus its area's code and name (embedded in the document), so a change to either, by
 * this process or another, misses the cache. */
static wj_doccache *documents;
static pthread_once_t documents_once = PTHREAD_ONCE_INIT;

static void documents_init(void)
{
    documents = wj_doccache_new(4096);
}

static void get_one(wj_req *r)
{
    int64_t id;
    if (!wj_path_id(r, 0, "facility", &id))
        return;
    pthread_once(&documents_once, documents_init);
    /* One read transaction: one snapshot, and on SQLite one WAL read lock for all queries. */
    wj_conn *c = wj_db_conn(r);
    db_begin(c, false);
    facilities_ref f;
    areas_ref a;
    if (!facilities_find(c, id, &f) || !areas_find_by_id(c, f.area_id, &a)) {
        db_rollback(c);
        wj_fail(r, 404, "not_found", NULL, "facility not found");
        return;
    }
    char stamp[300];
    snprintf(stamp, sizeof stamp, "%lld/%s/%s", (long long)f.version, a.code, a.name);
    wj_set_etag(r, f.version);
    size_t len;
    char *cached = wj_doccache_get(documents, id, stamp, &len);
    if (cached) {
        db_rollback(c);
        wj_reply_raw(r, 200, "application/json; charset=utf-8", cached, len);
        return;
    }
    json_t *doc = facilities_document(c, id);
    db_rollback(c);
    if (!doc) {
        wj_fail(r, 404, "not_found", NULL, "facility not found");
        return;
    }
    char *text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(doc);
    wj_reply_raw(r, 200, "application/json; charset=utf-8", text, strlen(text));
    wj_doccache_put(documents, id, stamp, r->out_raw, r->out_raw_len);
}

static void history(wj_req *r)
{
    wj_page pg;
    int64_t id, after = 0;
    if (!wj_page_parse(r, &pg) || !wj_path_id(r, 0, "facility", &id))
        return;
    wj_conn *c = wj_db_conn(r);
    if (!facilities_exists(c, id)) {
        wj_fail(r, 404, "not_found", NULL, "facility not found");
        return;
    }
    if (pg.after && !wj_parse_i64(pg.key, &after)) {
        wj_fail(r, 400, "invalid_parameter", "cursor", "not a cursor of this list");
        return;
    }
    bool asc = pg.sort && !pg.desc; /* newest first unless sort=version */
    if (!pg.after)
        after = asc ? 0 : INT64_MAX;
    db_rows *rows;
    const char *sql = asc ? "SELECT version, changed_at, changed_by, document FROM facility_history "
                            "WHERE facility_id = ? AND version > ? ORDER BY version LIMIT ?"
                          : "SELECT version, changed_at, changed_by, document FROM facility_history "
                            "WHERE facility_id = ? AND version < ? ORDER BY version DESC LIMIT ?";
    if (db_query(c, sql, DBP(DB_I(id), DB_I(after), DB_I(pg.limit + 1)), &rows) != DB_OK) {
        wj_fail_internal(r, "facility history");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < rows->nrows && i < pg.limit; i++) {
        char at[32], by[24];
        wj_time_format_utc(db_int(rows, i, 1), at);
        wj_id_format(db_int(rows, i, 2), by);
        json_t *doc = json_loads(db_text(rows, i, 3), 0, NULL);
        json_array_append_new(items,
                              json_pack("{s:I, s:s, s:o, s:o}", "version", (json_int_t)db_int(rows, i, 0), "changed_at",
                                        at, "changed_by", db_is_null(rows, i, 2) ? json_null() : json_string(by),
                                        "document", doc ? doc : json_null()));
    }
    char *next = rows->nrows > pg.limit ? wj_cursor_make(db_text(rows, pg.limit - 1, 0), id) : NULL;
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}

/* Target of /facilities/{id}: the facility (a facility grant covers it, and so does an
 * area grant above it). */
static bool facility_target(wj_req *r, wj_target *t)
{
    int64_t id;
    facilities_ref f;
    if (!wj_path_id(r, 0, "facility", &id))
        return false;
    if (!facilities_find(wj_db_conn(r), id, &f)) {
        wj_fail(r, 404, "not_found", NULL, "facility not found");
        return false;
    }
    t->facility_id = f.id;
    snprintf(t->area_path, sizeof t->area_path, "%s", f.area_path);
    t->version = f.version;
    return true;
}

/* Target of POST /facilities: the area named in the body. */
static bool create_target(wj_req *r, wj_target *t)
{
    const char *code = json_string_value(json_object_get(r->body, "area_code"));
    areas_ref a;
    if (!areas_find_by_code(wj_db_conn(r), code, &a)) {
        wj_fail(r, 422, "unknown_reference", "area_code", "no area has code %s", code);
        return false;
    }
    snprintf(t->area_path, sizeof t->area_path, "%s", a.path);
    return true;
}

/* Replies with the facility as it now is in the write transaction. */
static void respond(wj_req *r, int64_t id, int status)
{
    json_t *doc = facilities_document(r->conn, id);
    if (!doc) {
        wj_fail_internal(r, "facility reread");
        return;
    }
    wj_set_etag(r, json_integer_value(json_object_get(doc, "version")));
    wj_reply(r, status, doc);
}

static void create(wj_req *r)
{
    if (!wj_write_begin(r))
        return;
    wj_error e = {0};
    int64_t id = facilities_create_from_json(r->conn, r->body, r->who->user_id, &e);
    if (!id) {
        wj_fail_store(r, &e, "facility create");
        return;
    }
    char sid[24];
    wj_id_format(id, sid);
    respond(r, id, 201);
    snprintf(r->location, sizeof r->location, "/api/v1/facilities/%s", sid);
    wj_audit_subject(r, "facility", id);
    wj_write_commit(r);
}

/* Moving a facility to another area needs facility.write over the new area too: a
 * facility's own administrator cannot move it out of the commission's sight. */
static bool move_allowed(wj_req *r)
{
    const char *code = json_string_value(json_object_get(r->body, "area_code"));
    areas_ref a;
    if (!code)
        return true;
    if (!areas_find_by_code(r->conn, code, &a)) {
        wj_fail(r, 422, "unknown_reference", "area_code", "no area has code %s", code);
        return false;
    }
    wj_target t = {0};
    snprintf(t.area_path, sizeof t.area_path, "%s", a.path);
    if (strcmp(a.path, r->target.area_path) == 0 || wj_covers(r, "facility.write", &t))
        return true;
    wj_fail(r, 403, "forbidden", "area_code", "the new area is outside your scope");
    return false;
}

/* Level, grade, type and capabilities are accreditations the commission grants: a
 * facility's own administrator edits everything else about it. */
static bool accreditation_allowed(wj_req *r)
{
    static const char *const fields[] = {"level", "grade", "type", "capabilities"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (json_object_get(r->body, fields[i]) && !wj_covers(r, "facility.accredit", &r->target)) {
            wj_fail(r, 403, "forbidden", fields[i], "only the health commission changes a facility's %s", fields[i]);
            return false;
        }
    return true;
}

static void update(wj_req *r)
{
    int64_t id = r->target.facility_id;
    wj_audit_subject(r, "facility", id); /* rejected attempts are audited with it too */
    if (!accreditation_allowed(r) || !wj_write_begin(r) || !move_allowed(r))
        return;
    wj_error e = {0};
    if (!facilities_update_from_json(r->conn, id, r->target.version, r->body, r->who->user_id, &e)) {
        wj_fail_store(r, &e, "facility update");
        return;
    }
    respond(r, id, 200);
    wj_write_commit(r);
}

static void deactivate(wj_req *r)
{
    int64_t id = r->target.facility_id;
    wj_audit_subject(r, "facility", id);
    if (!wj_write_begin(r))
        return;
    wj_error e = {0};
    if (!facilities_deactivate(r->conn, id, r->who->user_id, &e)) {
        wj_fail_store(r, &e, "facility deactivate");
        return;
    }
    wj_reply(r, 204, NULL);
    wj_write_commit(r);
}

/* ---- import and export ---- */

/* The list's filters, ordered by name like the list: every facility of them (no paging),
 * in one snapshot. NULL after answering. */
static json_t *export_documents(wj_req *r)
{
    wj_sql q = {0};
    wj_sql_puts(&q, "SELECT " FACILITIES_COLS);
    wj_conn *c = wj_db_conn(r);
    db_begin(c, false);
    json_t *docs = NULL;
    db_rows *rows = NULL;
    if (add_filters(r, &q)) {
        wj_sql_puts(&q, orders[0].by);
        if (wj_sql_query(c, &q, &rows) == DB_OK) {
            docs = json_array();
            for (int i = 0; docs && i < rows->nrows; i++) {
                json_t *doc = facilities_row_json(c, rows, i, true);
                if (doc) {
                    json_array_append_new(docs, doc);
                } else {
                    json_decref(docs);
                    docs = NULL;
                }
            }
            db_rows_free(rows);
        }
        if (!docs)
            wj_fail_internal(r, "facilities export");
    }
    db_rollback(c);
    wj_sql_free(&q);
    return docs;
}

static void export_file(wj_req *r)
{
    const char *format = wj_qparam(r, "format"), *header = wj_qparam(r, "header");
    bool xlsx = format && strcmp(format, "xlsx") == 0, zh = header && strcmp(header, "zh") == 0;
    json_t *docs = export_documents(r);
    if (!docs)
        return;
    if (xlsx) {
        wj_error e = {0};
        if (!facilities_export_xlsx(docs, zh, &r->out_raw, &r->out_raw_len, &e)) {
            json_decref(docs);
            wj_fail_store(r, &e, "facilities xlsx");
            return;
        }
        r->out_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        wj_set_header(r, "Content-Disposition", "attachment; filename=\"facilities.xlsx\"");
    } else {
        wj_buf b = {0};
        facilities_export_csv(&b, docs, zh);
        r->out_raw = b.data;
        r->out_raw_len = b.len;
        r->out_type = "text/csv; charset=utf-8";
        wj_set_header(r, "Content-Disposition", "attachment; filename=\"facilities.csv\"");
    }
    json_decref(docs);
    r->status = 200;
}

/* An import row's area must be in the caller's facility.create grant, as for POST. */
static bool may_create(void *ctx, const char *area_path)
{
    wj_target t = {0};
    snprintf(t.area_path, sizeof t.area_path, "%s", area_path);
    return wj_covers(ctx, "facility.create", &t);
}

static json_t *rejections_json(const facilities_import *imp)
{
    json_t *a = json_array();
    for (int i = 0; i < imp->nrejected; i++) {
        const facilities_rejection *x = &imp->rejected[i];
        json_array_append_new(a, json_pack("{s:I, s:s, s:s, s:s}", "line", (json_int_t)x->line, "column", x->column,
                                           "reason", x->reason, "code", x->code));
    }
    return a;
}

static void import_file(wj_req *r)
{
    const char *skip = wj_qparam(r, "skip_bad_rows"), *enc = wj_qparam(r, "encoding");
    facilities_import imp = {.skip_bad_rows = skip && strcmp(skip, "true") == 0,
                             .by_user = r->who->user_id,
                             .may_create = may_create,
                             .ctx = r};
    if (enc)
        wj_encoding_parse(enc, &imp.encoding); /* one of the declared values */
    wj_audit_subject(r, "facility", 0);
    if (!wj_write_begin(r))
        return;
    if (!facilities_import_csv(r->conn, r->raw_body ? r->raw_body : "", r->raw_len, &imp)) {
        facilities_import_free(&imp);
        wj_fail_internal(r, "facilities import");
        return;
    }
    json_t *rejected = rejections_json(&imp);
    if (imp.commit) {
        wj_reply(r, 200,
                 json_pack("{s:I, s:I, s:s, s:o}", "rows", (json_int_t)imp.rows, "written", (json_int_t)imp.written,
                           "encoding", wj_encoding_name(imp.used), "rejected", rejected));
        wj_write_commit(r);
    } else if (imp.file_error) {
        json_t *d = json_pack("{s:I, s:I, s:o}", "rows", (json_int_t)imp.rows, "written", (json_int_t)0, "rejected",
                              rejected);
        wj_fail_details(r, 422, "invalid_value", NULL, d, "the file cannot be imported: %s",
                        imp.rejected[0].reason);
    } else {
        json_t *d = json_pack("{s:I, s:I, s:o}", "rows", (json_int_t)imp.rows, "written", (json_int_t)0, "rejected",
                              rejected);
        wj_fail_details(r, 422, "invalid_value", NULL, d,
                        "%d of %ld rows rejected, so nothing was written (skip_bad_rows=true writes the others)",
                        imp.nrejected, imp.rows);
    }
    facilities_import_free(&imp);
}

/* ---- the tables ---- */

static const wj_enum active_values[] = {
    {"true", "在用", "in use"},
    {"false", "已停用", "deactivated"},
    {"all", "全部", "both"},
    {0},
};

/* The filters of the list, read by add_filters: the list and the export share them. */
#define FILTER_PARAMS                                                                                                  \
    {"area", WJ_T_STRING, 0, WJ_F_AREA_CODE, .desc = "only facilities in this area or below it"},                      \
        {"level", WJ_T_STRING, 0, .enums = facilities_levels, .desc = "only this level"},                              \
        {"type", WJ_T_STRING, 0, .enums = facilities_types, .desc = "only this type"},                                 \
        {"capability", WJ_T_STRING, 0, .enums = facilities_capabilities,                                               \
         .desc = "only facilities with this capability"},                                                              \
        {"q", WJ_T_STRING, 0, .min = 1, .max = 50, .desc = "name contains"},                                           \
        {"active", WJ_T_STRING, 0, .enums = active_values, .desc = "in use (true, the default), deactivated, or all"}

static const wj_param list_query[] = {
    FILTER_PARAMS,
    {"near", WJ_T_STRING, 0, WJ_F_LATLON,
     .desc = "lat,lon: nearest first, each item with distance_km; facilities without a location are left out"},
    {"radius_km", WJ_T_NUMBER, 0, .min = 0.1, .max = 500, .desc = "with near: how far to look (default 10)"},
    {0},
};

static const wj_enum export_formats[] = {
    {"csv", "CSV 文件（UTF-8）", "CSV (UTF-8)"},
    {"xlsx", "Excel 工作簿", "Excel workbook"},
    {0},
};

static const wj_enum export_headers[] = {
    {"en", "英文字段名和代码", "API field names and codes"},
    {"zh", "中文列名和名称", "Chinese column titles and labels"},
    {0},
};

static const wj_param export_query[] = {
    FILTER_PARAMS,
    {"format", WJ_T_STRING, 0, .enums = export_formats, .desc = "csv (the default) or xlsx"},
    {"header", WJ_T_STRING, 0, .enums = export_headers,
     .desc = "en (the default): field names and codes; zh: Chinese titles and labels. Both import back"},
    {0},
};

static const wj_enum import_encodings[] = {
    {"utf-8", "UTF-8", "UTF-8"},
    {"gb18030", "GB18030（含 GBK）", "GB18030 (and GBK)"},
    {0},
};

static const wj_param import_query[] = {
    {"skip_bad_rows", WJ_T_BOOL, 0,
     .desc = "true: write the good rows and report the others; false (the default): all or nothing"},
    {"encoding", WJ_T_STRING, 0, .enums = import_encodings,
     .desc = "the file's encoding; by default UTF-8 when it is valid UTF-8, else GB18030"},
    {0},
};

static const char *const list_sorts[] = {"name", "-name", "created", "-created", NULL};
static const char *const history_sorts[] = {"version", "-version", NULL};

static const wj_permission perms[] = {
    {"facility.read", WJ_ROLES_ALL, "browse the facility directory (public directory data, not personal)"},
    {"facility.create", WJ_R(COMMISSION_ADMIN), "add facilities in your area"},
    {"facility.write", WJ_R(FACILITY_ADMIN) | WJ_R(COMMISSION_ADMIN),
     "edit a facility: its own administrator, or the commission over its area"},
    {"facility.deactivate", WJ_R(COMMISSION_ADMIN), "deactivate facilities in your area"},
    {"facility.accredit", WJ_R(COMMISSION_ADMIN), "change a facility's level, grade, type and capabilities"},
    {0},
};

static const wj_route routes[] = {
    {"GET", "/api/v1/facilities", list, "facility.read", WJ_SCOPE_ANY, .query = list_query, .sorts = list_sorts,
     .flags = WJ_LIST, .summary = "Facilities by area, level, type, capability or name; nearest first with near",
     .success = 200},
    {"GET", "/api/v1/facilities/export", export_file, "facility.read", WJ_SCOPE_ANY, .query = export_query,
     .summary = "The list (same filters, by name) as a CSV or Excel file in the import's columns", .success = 200},
    {"POST", "/api/v1/facilities/import", import_file, "facility.create", WJ_SCOPE_ANY, .query = import_query,
     .flags = WJ_RAW_BODY,
     .summary = "Add facilities from a CSV file (text/csv), each row validated like POST and in your area; "
                "all or nothing unless skip_bad_rows=true",
     .success = 200},
    {"GET", "/api/v1/facilities/{id}", get_one, "facility.read", WJ_SCOPE_ANY,
     .summary = "One facility with its campuses, departments and capabilities", .success = 200},
    {"GET", "/api/v1/facilities/{id}/history", history, "facility.read", WJ_SCOPE_ANY, .sorts = history_sorts,
     .flags = WJ_LIST, .summary = "Every version of a facility, newest first", .success = 200},
    {"POST", "/api/v1/facilities", create, "facility.create", WJ_SCOPE_TARGET, create_target, &facilities_create_schema,
     .flags = WJ_TARGET_BODY, .summary = "Add a facility in an area in your scope", .success = 201},
    {"PATCH", "/api/v1/facilities/{id}", update, "facility.write", WJ_SCOPE_TARGET, facility_target,
     &facilities_update_schema, .flags = WJ_IF_MATCH,
     .summary = "Change a facility; given campuses or capabilities replace the whole list", .success = 200},
    {"DELETE", "/api/v1/facilities/{id}", deactivate, "facility.deactivate", WJ_SCOPE_TARGET, facility_target,
     .summary = "Deactivate a facility (kept, with its history)", .success = 204},
    {0},
};

const wj_module wj_module_facilities = {
    .name = "facilities",
    .title_zh = "医疗机构",
    .title_en = "Facilities",
    .menu_perm = "facility.read",
    .routes = routes,
    .perms = perms,
    .demo = facilities_demo,
};
