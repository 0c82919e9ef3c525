/* facilities_store.c — the facilities module's storage: its codes, the document schema,
 * the business rules, and reading and writing a facility with its campuses, departments,
 * capabilities and history. The routes are in facilities.c; docs/facilities.md has the rules.
 *
 * The input document (POST body, import row) names the area by `area_code`; the stored and
 * answered document names it as `area: {code, name}` and adds id, active, version and times.
 * A PATCH is merged over the stored document turned back into input form, and the result is
 * validated like a new facility, so create, update and import cannot disagree. */
#include "facilities_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/util.h"
#include "areas.h"

const wj_enum facilities_levels[] = {
    {"tertiary", "三级", "tertiary (level 3)"},
    {"secondary", "二级", "secondary (level 2)"},
    {"primary", "一级", "primary (level 1)"},
    {"unrated", "未定级", "not rated"},
    {0},
};

const wj_enum facilities_grades[] = {
    {"a", "甲等", "grade A"},
    {"b", "乙等", "grade B"},
    {"c", "丙等", "grade C"},
    {0},
};

const wj_enum facilities_types[] = {
    {"general_hospital", "综合医院", "general hospital"},
    {"tcm_hospital", "中医医院", "traditional Chinese medicine hospital"},
    {"specialized_hospital", "专科医院", "specialised hospital"},
    {"maternal_child", "妇幼保健院", "maternal and child health hospital"},
    {"cdc", "疾病预防控制中心", "centre for disease control and prevention"},
    {"blood_station", "血站", "blood station"},
    {"emergency_center", "急救中心", "emergency medical centre (120)"},
    {"emergency_station", "急救站", "emergency station"},
    {"chc", "社区卫生服务中心", "community health service centre"},
    {"chs", "社区卫生服务站", "community health service station"},
    {"township_hc", "乡镇卫生院", "township health centre"},
    {"village_clinic", "村卫生室", "village clinic"},
    {"nursing_home_medical", "护理院", "nursing home with medical care"},
    {"childcare", "托育机构", "childcare centre"},
    {0},
};

const wj_enum facilities_capabilities[] = {
    {"chest_pain", "胸痛中心", "chest pain centre"},
    {"stroke", "卒中中心", "stroke centre"},
    {"trauma", "创伤中心", "trauma centre"},
    {"critical_maternal", "危重孕产妇救治中心", "critical maternal care centre"},
    {"critical_child", "危重儿童和新生儿救治中心", "critical child and newborn care centre"},
    {"thrombolysis", "溶栓", "thrombolysis"},
    {0},
};

static const wj_field dept_fields[] = {
    {"id", WJ_T_STRING, 0, WJ_F_ID,
     .desc = "read only (GET answers it); a department is kept, with its id, by its name within its campus"},
    {"name", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 60, .desc = "department name, e.g. 心血管内科"},
    {"code", WJ_T_STRING, WJ_NULLABLE, .min = 1, .max = 20, .desc = "department code, e.g. 03.04 (诊疗科目)"},
    {0},
};
static const wj_schema dept_schema = {"FacilityDepartment", dept_fields};

static const wj_field campus_fields[] = {
    {"id", WJ_T_STRING, 0, WJ_F_ID, .desc = "read only (GET answers it); a campus is kept, with its id, by its name"},
    {"name", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 100, .desc = "campus (院区) name, e.g. 本部, 东院区"},
    {"address", WJ_T_STRING, WJ_NULLABLE, .min = 1, .max = 200, .desc = "street address"},
    {"lat", WJ_T_NUMBER, WJ_NULLABLE, .min = -90, .max = 90, .desc = "latitude, WGS-84 degrees (with lon)"},
    {"lon", WJ_T_NUMBER, WJ_NULLABLE, .min = -180, .max = 180, .desc = "longitude, WGS-84 degrees (with lat)"},
    {"departments", WJ_T_ARRAY, 0, .max = 200, .object = &dept_schema, .desc = "departments (科室) at this campus"},
    {0},
};
static const wj_schema campus_schema = {"FacilityCampus", campus_fields};

static const wj_field facility_fields[] = {
    /* 60 characters keep the name within a list cursor's 255-byte key (sort=name). */
    {"name", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 60, .desc = "registered name, e.g. 济南市第一人民医院"},
    {"level", WJ_T_STRING, WJ_REQUIRED, .enums = facilities_levels, .desc = "level (医院级别)"},
    {"grade", WJ_T_STRING, WJ_NULLABLE, .enums = facilities_grades, .desc = "grade (等次); only with a rated level"},
    {"type", WJ_T_STRING, WJ_REQUIRED, .enums = facilities_types, .desc = "kind of facility (机构类别)"},
    {"area_code", WJ_T_STRING, WJ_REQUIRED, WJ_F_AREA_CODE, .desc = "12-digit code of the area it belongs to"},
    {"address", WJ_T_STRING, WJ_NULLABLE, .min = 1, .max = 200, .desc = "street address"},
    {"lat", WJ_T_NUMBER, WJ_NULLABLE, .min = -90, .max = 90, .desc = "latitude, WGS-84 degrees (with lon)"},
    {"lon", WJ_T_NUMBER, WJ_NULLABLE, .min = -180, .max = 180, .desc = "longitude, WGS-84 degrees (with lat)"},
    {"beds", WJ_T_INT, WJ_NULLABLE, .min = 0, .max = 50000, .desc = "approved beds (编制床位)"},
    {"phone", WJ_T_STRING, WJ_NULLABLE, WJ_F_PHONE, .desc = "public phone number"},
    {"campuses", WJ_T_ARRAY, 0, .max = 20, .object = &campus_schema, .desc = "campuses (院区); replaced as a whole"},
    {"capabilities", WJ_T_ARRAY, 0, .max = 6, .enums = facilities_capabilities, .items = WJ_T_STRING,
     .desc = "designated centres (胸痛, 卒中, 创伤, 危重孕产妇, 危重儿童和新生儿) and 溶栓; replaced whole"},
    {0},
};
const wj_schema facilities_create_schema = {"FacilityCreate", facility_fields};
const wj_schema facilities_update_schema = {"FacilityUpdate", facility_fields};

/* ---- reading ---- */

bool facilities_find(wj_conn *c, int64_t id, facilities_ref *out)
{
    db_rows *rows;
    if (db_query(c, "SELECT id, area_id, area_path, version, active FROM facilities WHERE id = ?", DBP(DB_I(id)),
                 &rows) != DB_OK)
        return false;
    bool ok = rows->nrows == 1;
    if (ok) {
        out->id = db_int(rows, 0, 0);
        out->area_id = db_int(rows, 0, 1);
        snprintf(out->area_path, sizeof out->area_path, "%s", db_text(rows, 0, 2));
        out->version = db_int(rows, 0, 3);
        out->active = db_int(rows, 0, 4) != 0;
    }
    db_rows_free(rows);
    return ok;
}

bool facilities_exists(wj_conn *c, int64_t id)
{
    facilities_ref f;
    return facilities_find(c, id, &f);
}

int64_t facilities_id_by_name(wj_conn *c, const char *name)
{
    db_rows *rows;
    if (db_query(c, "SELECT id FROM facilities WHERE name = ? ORDER BY active DESC, id LIMIT 1", DBP(DB_S(name)),
                 &rows) != DB_OK)
        return 0;
    int64_t id = rows->nrows == 1 ? db_int(rows, 0, 0) : 0;
    db_rows_free(rows);
    return id;
}

static json_t *text_or_null(const db_rows *r, int i, int col)
{
    return db_is_null(r, i, col) ? json_null() : json_string(db_text(r, i, col));
}

static json_t *real_or_null(const db_rows *r, int i, int col)
{
    return db_is_null(r, i, col) ? json_null() : json_real(db_double(r, i, col));
}

/* Capabilities in the order of facilities_capabilities, whatever order they were given.
 * NULL on a database error, like campuses_json. */
static json_t *capabilities_json(wj_conn *c, int64_t id)
{
    db_rows *rows;
    if (db_query(c, "SELECT capability FROM facility_capabilities WHERE facility_id = ?", DBP(DB_I(id)), &rows) !=
        DB_OK)
        return NULL;
    json_t *a = json_array();
    for (const wj_enum *e = facilities_capabilities; e->code; e++)
        for (int i = 0; i < rows->nrows; i++)
            if (strcmp(db_text(rows, i, 0), e->code) == 0)
                json_array_append_new(a, json_string(e->code));
    db_rows_free(rows);
    return a;
}

static json_t *campuses_json(wj_conn *c, int64_t id)
{
    db_rows *cr, *dr;
    if (db_query(c, "SELECT id, name, address, lat, lon FROM facility_campuses WHERE facility_id = ? ORDER BY position",
                 DBP(DB_I(id)), &cr) != DB_OK)
        return NULL;
    if (db_query(c, "SELECT campus_id, name, code, id FROM facility_departments WHERE facility_id = ? ORDER BY position",
                 DBP(DB_I(id)), &dr) != DB_OK) {
        db_rows_free(cr);
        return NULL;
    }
    json_t *a = json_array();
    for (int i = 0; i < cr->nrows; i++) {
        json_t *depts = json_array();
        for (int k = 0; k < dr->nrows; k++)
            if (db_int(dr, k, 0) == db_int(cr, i, 0))
                json_array_append_new(depts, json_pack("{s:s, s:s, s:o}", "id", db_text(dr, k, 3), "name",
                                                       db_text(dr, k, 1), "code", text_or_null(dr, k, 2)));
        json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "id", db_text(cr, i, 0), "name",
                                           db_text(cr, i, 1), "address",
                                           text_or_null(cr, i, 2), "lat", real_or_null(cr, i, 3), "lon",
                                           real_or_null(cr, i, 4), "departments", depts));
    }
    db_rows_free(dr);
    db_rows_free(cr);
    return a;
}

json_t *facilities_row_json(wj_conn *c, const db_rows *rows, int i, bool full)
{
    int64_t id = db_int(rows, i, FC_ID);
    areas_ref a;
    json_t *caps = capabilities_json(c, id), *campuses = full ? campuses_json(c, id) : NULL;
    if (!caps || (full && !campuses) || !areas_find_by_id(c, db_int(rows, i, FC_AREA), &a)) {
        json_decref(caps);
        json_decref(campuses);
        return NULL;
    }
    char sid[24], created[32], updated[32];
    wj_id_format(id, sid);
    wj_time_format_utc(db_int(rows, i, FC_CREATED), created);
    wj_time_format_utc(db_int(rows, i, FC_UPDATED), updated);
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:{s:s, s:s}, s:o, s:o, s:o, s:o, s:o}", "id", sid, "name",
                          db_text(rows, i, FC_NAME), "level", db_text(rows, i, FC_LEVEL), "grade",
                          text_or_null(rows, i, FC_GRADE), "type", db_text(rows, i, FC_TYPE), "area", "code", a.code,
                          "name", a.name, "address", text_or_null(rows, i, FC_ADDRESS), "lat",
                          real_or_null(rows, i, FC_LAT), "lon", real_or_null(rows, i, FC_LON), "beds",
                          db_is_null(rows, i, FC_BEDS) ? json_null() : json_integer(db_int(rows, i, FC_BEDS)), "phone",
                          text_or_null(rows, i, FC_PHONE));
    if (full)
        json_object_set_new(o, "campuses", campuses);
    json_object_set_new(o, "capabilities", caps);
    json_object_set_new(o, "active", json_boolean(db_int(rows, i, FC_ACTIVE)));
    json_object_set_new(o, "version", json_integer(db_int(rows, i, FC_VERSION)));
    json_object_set_new(o, "created_at", json_string(created));
    json_object_set_new(o, "updated_at", json_string(updated));
    return o;
}

json_t *facilities_row_by_id(wj_conn *c, int64_t id, bool detail)
{
    db_rows *rows;
    if (db_query(c, "SELECT " FACILITIES_COLS " FROM facilities f WHERE f.id = ?", DBP(DB_I(id)), &rows) != DB_OK)
        return NULL;
    json_t *doc = rows->nrows == 1 ? facilities_row_json(c, rows, 0, detail) : NULL;
    db_rows_free(rows);
    return doc;
}

json_t *facilities_document(wj_conn *c, int64_t id)
{
    return facilities_row_by_id(c, id, true);
}

/* The stored document in input form (what a POST of it would look like). */
static json_t *input_form(const json_t *doc)
{
    json_t *in = json_deep_copy(doc);
    json_object_set(in, "area_code", json_object_get(json_object_get(doc, "area"), "code"));
    static const char *const computed[] = {"id", "area", "active", "version", "created_at", "updated_at"};
    for (size_t k = 0; k < WJ_ARRAY_LEN(computed); k++)
        json_object_del(in, computed[k]);
    /* Campus and department ids are answered, not written: they follow the names. */
    size_t i, k;
    json_t *cp, *dp;
    json_array_foreach(json_object_get(in, "campuses"), i, cp) {
        json_object_del(cp, "id");
        json_array_foreach(json_object_get(cp, "departments"), k, dp)
            json_object_del(dp, "id");
    }
    return in;
}

/* ---- rules ---- */

static bool db_failed(wj_error *err)
{
    wj_error_set(err, 500, "internal", NULL, "database error");
    return false;
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* lat and lon come together: both numbers or both absent/null. */
static bool latlon_paired(const json_t *o, const char *prefix, wj_error *err)
{
    bool lat = json_is_number(json_object_get(o, "lat")), lon = json_is_number(json_object_get(o, "lon"));
    if (lat == lon)
        return true;
    char path[160];
    snprintf(path, sizeof path, "%s%s", prefix, lat ? "lon" : "lat");
    wj_error_set(err, 422, "invalid_value", path, "lat and lon go together: give both or neither");
    return false;
}

/* Index of the first item of `a` whose string (the item itself, or its `key` member)
 * repeats an earlier item's; -1 when none. */
static int first_repeat(const json_t *a, const char *key)
{
    for (size_t i = 1; i < json_array_size(a); i++) {
        const json_t *vi = json_array_get(a, i);
        const char *si = json_string_value(key ? json_object_get(vi, key) : vi);
        for (size_t j = 0; si && j < i; j++) {
            const json_t *vj = json_array_get(a, j);
            const char *sj = json_string_value(key ? json_object_get(vj, key) : vj);
            if (sj && strcmp(si, sj) == 0)
                return (int)i;
        }
    }
    return -1;
}

static bool unique_items(const json_t *a, const char *key, const char *prefix, const char *what, wj_error *err)
{
    int i = first_repeat(a, key);
    if (i < 0)
        return true;
    char path[160];
    snprintf(path, sizeof path, "%s[%d]%s%s", prefix, i, key ? "." : "", key ? key : "");
    wj_error_set(err, 422, "invalid_value", path, "%s is listed twice", what);
    return false;
}

static bool campuses_ok(const json_t *campuses, wj_error *err)
{
    if (!unique_items(campuses, "name", "campuses", "this campus name", err))
        return false;
    for (size_t i = 0; i < json_array_size(campuses); i++) {
        const json_t *cp = json_array_get(campuses, i);
        const json_t *depts = json_object_get(cp, "departments");
        char prefix[64];
        snprintf(prefix, sizeof prefix, "campuses[%zu].", i);
        if (!latlon_paired(cp, prefix, err))
            return false;
        snprintf(prefix, sizeof prefix, "campuses[%zu].departments", i);
        if (!unique_items(depts, "name", prefix, "this department name", err) ||
            !unique_items(depts, "code", prefix, "this department code", err))
            return false;
    }
    return true;
}

/* Another active facility of the same name in the same area is almost always the same
 * facility entered twice (a second import of one file, two clerks). */
static bool name_free(wj_conn *c, const char *name, int64_t area_id, int64_t self, wj_error *err)
{
    db_rows *rows;
    if (db_query(c, "SELECT id FROM facilities WHERE name = ? AND area_id = ? AND active = 1 AND id <> ? LIMIT 1",
                 DBP(DB_S(name), DB_I(area_id), DB_I(self)), &rows) != DB_OK)
        return db_failed(err);
    bool free_ = rows->nrows == 0;
    if (!free_) {
        char id[24];
        wj_id_format(db_int(rows, 0, 0), id);
        wj_error_set(err, 409, "conflict", "name", "an active facility of this name is already in this area");
        err->details = json_pack("{s:s}", "existing_id", id);
    }
    db_rows_free(rows);
    return free_;
}

/* Validates a whole input document: schema, area reference, the rules the schema cannot
 * express. `self` is the facility being updated (0 on create); `active` whether it is in
 * use (names only clash among facilities in use). Fills *area. */
static bool doc_ok(wj_conn *c, const json_t *d, int64_t self, bool active, areas_ref *area, wj_error *err)
{
    if (!wj_schema_validate(&facilities_create_schema, d, false, err))
        return false;
    const char *code = str(d, "area_code");
    if (!areas_find_by_code(c, code, area)) {
        wj_error_set(err, 422, "unknown_reference", "area_code", "no area has code %s", code);
        return false;
    }
    if (str(d, "grade") && strcmp(str(d, "level"), "unrated") == 0) {
        wj_error_set(err, 422, "invalid_value", "grade", "an unrated facility has no grade");
        return false;
    }
    if (!latlon_paired(d, "", err) || !campuses_ok(json_object_get(d, "campuses"), err) ||
        !unique_items(json_object_get(d, "capabilities"), NULL, "capabilities", "this capability", err))
        return false;
    return !active || name_free(c, str(d, "name"), area->id, self, err);
}

/* ---- writing ---- */

static db_val num_param(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? DB_D(json_number_value(v)) : DB_NULL;
}

/* The columns a document sets, in the order of the column lists of INSERT and UPDATE. */
#define DOC_NPARAMS 11
static void doc_params(const json_t *d, const areas_ref *a, db_val p[DOC_NPARAMS])
{
    const json_t *beds = json_object_get(d, "beds");
    p[0] = DB_S(str(d, "name"));
    p[1] = DB_S(str(d, "level"));
    p[2] = DB_S(str(d, "grade"));
    p[3] = DB_S(str(d, "type"));
    p[4] = DB_I(a->id);
    p[5] = DB_S(a->path);
    p[6] = DB_S(str(d, "address"));
    p[7] = num_param(d, "lat");
    p[8] = num_param(d, "lon");
    p[9] = json_is_integer(beds) ? DB_I(json_integer_value(beds)) : DB_NULL;
    p[10] = DB_S(str(d, "phone"));
}

/* The id of the row of `sql` (two bound ids and a name), 0 when none, -1 on a database error. */
static int64_t existing_id(wj_conn *c, const char *sql, int64_t a, const char *name)
{
    db_rows *rows;
    if (db_query(c, sql, DBP(DB_I(a), DB_S(name)), &rows) != DB_OK)
        return -1;
    int64_t id = rows->nrows ? db_int(rows, 0, 0) : 0;
    db_rows_free(rows);
    return id;
}

/* Deletes the rows of `table` of facility `id` whose ids are not in kept[0..n). A row that
 * others still refer to (a department with schedules) is not deleted: 409. */
static bool delete_unkept(wj_conn *c, const char *select_sql, const char *delete_sql, int64_t id, const int64_t *kept,
                          size_t n, const char *what, wj_error *err)
{
    db_rows *rows;
    if (db_query(c, select_sql, DBP(DB_I(id)), &rows) != DB_OK)
        return db_failed(err);
    bool ok = true;
    for (int i = 0; ok && i < rows->nrows; i++) {
        int64_t row = db_int(rows, i, 0);
        bool keep = false;
        for (size_t k = 0; k < n && !keep; k++)
            keep = kept[k] == row;
        if (keep)
            continue;
        db_status s = db_exec(c, delete_sql, DBP(DB_I(row)), NULL);
        if (s == DB_FOREIGN) {
            wj_error_set(err, 409, "conflict", "campuses",
                         "%s %s is in use (appointment schedules refer to it): keep it, or end its schedules first",
                         what, db_text(rows, i, 1));
            err->details = json_pack("{s:s, s:s}", "rule", "in_use", "name", db_text(rows, i, 1));
            ok = false;
        } else if (s != DB_OK) {
            ok = db_failed(err);
        }
    }
    db_rows_free(rows);
    return ok;
}

/* Writes the campuses and departments of a facility. A campus is kept, with its id, when
 * one of that name exists; a department when one of that name exists in the same campus:
 * ids that other modules hold (schedules refer to departments) stay stable. Those no
 * longer listed are deleted, unless something refers to them (409). */
static bool replace_campuses(wj_conn *c, int64_t id, const json_t *campuses, wj_error *err)
{
    size_t ncampus = json_array_size(campuses), ndept = 0, nd = 0;
    for (size_t i = 0; i < ncampus; i++)
        ndept += json_array_size(json_object_get(json_array_get(campuses, i), "departments"));
    int64_t *kept_campus = wj_xcalloc(ncampus + 1, sizeof *kept_campus);
    int64_t *kept_dept = wj_xcalloc(ndept + 1, sizeof *kept_dept);
    bool ok = true;
    for (size_t i = 0; ok && i < ncampus; i++) {
        const json_t *cp = json_array_get(campuses, i);
        int64_t cid = existing_id(c, "SELECT id FROM facility_campuses WHERE facility_id = ? AND name = ?", id,
                                  str(cp, "name"));
        if (cid < 0) {
            ok = db_failed(err);
            break;
        }
        db_val cols[] = {DB_I((int64_t)i), DB_S(str(cp, "address")), num_param(cp, "lat"), num_param(cp, "lon"),
                         DB_S(str(cp, "name")), DB_I(id), DB_I(cid ? cid : wj_id_new())};
        const char *sql = cid ? "UPDATE facility_campuses SET position = ?, address = ?, lat = ?, lon = ? "
                                "WHERE name = ? AND facility_id = ? AND id = ?"
                              : "INSERT INTO facility_campuses (position, address, lat, lon, name, facility_id, id) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)";
        if (db_exec(c, sql, cols, (int)WJ_ARRAY_LEN(cols), NULL) != DB_OK) {
            ok = db_failed(err);
            break;
        }
        cid = cols[6].i;
        kept_campus[i] = cid;
        const json_t *depts = json_object_get(cp, "departments");
        for (size_t k = 0; ok && k < json_array_size(depts); k++) {
            const json_t *dp = json_array_get(depts, k);
            int64_t did = existing_id(c, "SELECT id FROM facility_departments WHERE campus_id = ? AND name = ?", cid,
                                      str(dp, "name"));
            if (did < 0) {
                ok = db_failed(err);
                break;
            }
            db_val dcols[] = {DB_I((int64_t)k), DB_S(str(dp, "code")), DB_S(str(dp, "name")), DB_I(cid), DB_I(id),
                              DB_I(did ? did : wj_id_new())};
            const char *dsql = did ? "UPDATE facility_departments SET position = ?, code = ? "
                                     "WHERE name = ? AND campus_id = ? AND facility_id = ? AND id = ?"
                                   : "INSERT INTO facility_departments (position, code, name, campus_id, facility_id, "
                                     "id) VALUES (?, ?, ?, ?, ?, ?)";
            if (db_exec(c, dsql, dcols, (int)WJ_ARRAY_LEN(dcols), NULL) != DB_OK)
                ok = db_failed(err);
            kept_dept[nd++] = dcols[5].i;
        }
    }
    ok = ok &&
         delete_unkept(c, "SELECT id, name FROM facility_departments WHERE facility_id = ?",
                       "DELETE FROM facility_departments WHERE id = ?", id, kept_dept, nd, "department", err) &&
         delete_unkept(c, "SELECT id, name FROM facility_campuses WHERE facility_id = ?",
                       "DELETE FROM facility_campuses WHERE id = ?", id, kept_campus, ncampus, "campus", err);
    free(kept_campus);
    free(kept_dept);
    return ok;
}

static bool replace_capabilities(wj_conn *c, int64_t id, const json_t *caps)
{
    if (db_exec(c, "DELETE FROM facility_capabilities WHERE facility_id = ?", DBP(DB_I(id)), NULL) != DB_OK)
        return false;
    for (size_t i = 0; i < json_array_size(caps); i++)
        if (db_exec(c, "INSERT INTO facility_capabilities (facility_id, capability) VALUES (?, ?)",
                    DBP(DB_I(id), DB_S(json_string_value(json_array_get(caps, i)))), NULL) != DB_OK)
            return false;
    return true;
}

/* Stores the facility's current document as the history row of its current version. */
static bool add_history(wj_conn *c, int64_t id, int64_t by_user, int64_t now)
{
    json_t *doc = facilities_document(c, id);
    if (!doc)
        return false;
    char *text = json_dumps(doc, JSON_COMPACT);
    bool ok = db_exec(c,
                      "INSERT INTO facility_history (id, facility_id, version, document, changed_at, changed_by) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      DBP(DB_I(wj_id_new()), DB_I(id), DB_I(json_integer_value(json_object_get(doc, "version"))),
                          DB_S(text), DB_I(now), by_user ? DB_I(by_user) : DB_NULL),
                      NULL) == DB_OK;
    free(text);
    json_decref(doc);
    return ok;
}

int64_t facilities_create_from_json(wj_conn *c, const json_t *doc, int64_t by_user, wj_error *err)
{
    areas_ref area;
    if (!doc_ok(c, doc, 0, true, &area, err))
        return 0;
    int64_t id = wj_id_new(), now = wj_now_ms();
    db_val p[DOC_NPARAMS + 3];
    doc_params(doc, &area, p);
    p[DOC_NPARAMS] = DB_I(now);
    p[DOC_NPARAMS + 1] = DB_I(now);
    p[DOC_NPARAMS + 2] = DB_I(id);
    if (db_exec(c,
                "INSERT INTO facilities (name, level, grade, type, area_id, area_path, address, lat, lon, beds, phone, "
                "created_at, updated_at, id, active, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)",
                p, (int)WJ_ARRAY_LEN(p), NULL) != DB_OK ||
        !replace_campuses(c, id, json_object_get(doc, "campuses"), err) ||
        !replace_capabilities(c, id, json_object_get(doc, "capabilities")) || !add_history(c, id, by_user, now)) {
        if (!err->status)
            db_failed(err);
        return 0;
    }
    return id;
}

static bool stale(wj_conn *c, int64_t id, wj_error *err)
{
    facilities_ref f = {0};
    char etag[32];
    if (!facilities_find(c, id, &f))
        return db_failed(err);
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)f.version);
    wj_error_set(err, 412, "stale_version", "If-Match", "the facility changed since you read it");
    err->details = json_pack("{s:s}", "current_etag", etag);
    return false;
}

/* Validates the merged document `next` and writes it over facility f; the lists given in
 * `patch` replace the stored ones. */
static bool write_update(wj_conn *c, const facilities_ref *f, const json_t *next, const json_t *patch, int64_t by_user,
                         wj_error *err)
{
    areas_ref area;
    if (!doc_ok(c, next, f->id, f->active, &area, err))
        return false;
    int64_t now = wj_now_ms(), changed;
    db_val p[DOC_NPARAMS + 3];
    doc_params(next, &area, p);
    p[DOC_NPARAMS] = DB_I(now);
    p[DOC_NPARAMS + 1] = DB_I(f->id);
    p[DOC_NPARAMS + 2] = DB_I(f->version);
    if (db_exec(c,
                "UPDATE facilities SET name = ?, level = ?, grade = ?, type = ?, area_id = ?, area_path = ?, "
                "address = ?, lat = ?, lon = ?, beds = ?, phone = ?, updated_at = ?, version = version + 1 "
                "WHERE id = ? AND version = ?",
                p, (int)WJ_ARRAY_LEN(p), &changed) != DB_OK)
        return db_failed(err);
    if (changed != 1)
        return stale(c, f->id, err);
    const json_t *campuses = json_object_get(patch, "campuses"), *caps = json_object_get(patch, "capabilities");
    if (campuses && !replace_campuses(c, f->id, campuses, err))
        return false;
    if ((caps && !replace_capabilities(c, f->id, caps)) || !add_history(c, f->id, by_user, now))
        return db_failed(err);
    return true;
}

bool facilities_update_from_json(wj_conn *c, int64_t id, int64_t version, const json_t *patch, int64_t by_user,
                                 wj_error *err)
{
    facilities_ref f;
    if (!facilities_find(c, id, &f)) {
        wj_error_set(err, 404, "not_found", NULL, "facility not found");
        return false;
    }
    if (f.version != version)
        return stale(c, id, err);
    json_t *doc = facilities_document(c, id);
    if (!doc)
        return db_failed(err);
    json_t *cur = input_form(doc), *next = json_deep_copy(cur);
    json_decref(doc);
    json_object_update(next, (json_t *)patch);
    /* Sending back what is stored changes nothing: no new version, no history row. */
    bool ok = json_equal(cur, next) || write_update(c, &f, next, patch, by_user, err);
    json_decref(cur);
    json_decref(next);
    return ok;
}

bool facilities_deactivate(wj_conn *c, int64_t id, int64_t by_user, wj_error *err)
{
    facilities_ref f;
    if (!facilities_find(c, id, &f)) {
        wj_error_set(err, 404, "not_found", NULL, "facility not found");
        return false;
    }
    if (!f.active) {
        wj_error_set(err, 409, "conflict", NULL, "the facility is already inactive");
        err->details = json_pack("{s:s}", "state", "inactive");
        return false;
    }
    int64_t now = wj_now_ms(), changed;
    if (db_exec(c,
                "UPDATE facilities SET active = 0, updated_at = ?, version = version + 1 WHERE id = ? AND active = 1",
                DBP(DB_I(now), DB_I(id)), &changed) != DB_OK ||
        changed != 1 || !add_history(c, id, by_user, now))
        return db_failed(err);
    return true;
}

bool facilities_department(wj_conn *c, int64_t id, facilities_dept *out)
{
    db_rows *rows;
    if (db_query(c, "SELECT id, facility_id, campus_id, name FROM facility_departments WHERE id = ?", DBP(DB_I(id)),
                 &rows) != DB_OK)
        return false;
    bool found = rows->nrows == 1;
    if (found) {
        out->id = db_int(rows, 0, 0);
        out->facility_id = db_int(rows, 0, 1);
        out->campus_id = db_int(rows, 0, 2);
        snprintf(out->name, sizeof out->name, "%s", db_text(rows, 0, 3));
    }
    db_rows_free(rows);
    return found;
}

bool facilities_campus_of(wj_conn *c, int64_t campus_id, int64_t facility_id)
{
    db_rows *rows;
    if (db_query(c, "SELECT 1 FROM facility_campuses WHERE id = ? AND facility_id = ?",
                 DBP(DB_I(campus_id), DB_I(facility_id)), &rows) != DB_OK)
        return false;
    bool found = rows->nrows == 1;
    db_rows_free(rows);
    return found;
}

bool facilities_primary_care(wj_conn *c, int64_t id)
{
    static const char *const primary[] = {"chc", "chs", "township_hc", "village_clinic"};
    char name[404], type[32];
    if (!facilities_name_type(c, id, name, type))
        return false;
    for (size_t i = 0; i < WJ_ARRAY_LEN(primary); i++)
        if (strcmp(type, primary[i]) == 0)
            return true;
    return false;
}

bool facilities_name_type(wj_conn *c, int64_t id, char name[404], char type[32])
{
    db_rows *rows;
    if (db_query(c, "SELECT name, type FROM facilities WHERE id = ?", DBP(DB_I(id)), &rows) != DB_OK)
        return false;
    bool found = rows->nrows == 1;
    if (found) {
        snprintf(name, 404, "%s", db_text(rows, 0, 0));
        snprintf(type, 32, "%s", db_text(rows, 0, 1));
    }
    db_rows_free(rows);
    return found;
}
