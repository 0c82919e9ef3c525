/* appt_schedules.c — the schedules of doctors, departments and MDT teams: their weekly
 * templates (validated: times, slots that fit, distinct pool × channel buckets), release
 * rules, the sessions generated ahead, and a doctor's leave, which cancels the sessions of
 * those days with their bookings and notifies each person. Handlers and body schemas are
 * declared in appt_store.h; the routes are in appointments.c's table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/list.h"
#include "../core/users.h"
#include "../core/util.h"
#include "appt_store.h"
#include "facilities.h"
#include "mpi.h"

static const wj_field bucket_fields[] = {
    {"pool", WJ_T_STRING, WJ_REQUIRED, .enums = appt_pools, .desc = "the priority pool"},
    {"channel", WJ_T_STRING, WJ_REQUIRED, .enums = appt_channels, .desc = "the booking channel"},
    {"places", WJ_T_INT, WJ_REQUIRED, .min = 0, .max = 500, .desc = "places of this pool for this channel"},
    {0},
};
static const wj_schema bucket_schema = {"AppointmentBucket", bucket_fields};

static const wj_field template_fields[] = {
    {"weekday", WJ_T_INT, WJ_REQUIRED, .min = 1, .max = 7, .desc = "ISO weekday: 1 Monday … 7 Sunday"},
    {"period", WJ_T_STRING, WJ_REQUIRED, .enums = appt_periods},
    {"start", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 8, .desc = "HH:MM, Asia/Shanghai"},
    {"end", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 8, .desc = "HH:MM, after start"},
    {"slot_minutes", WJ_T_INT, WJ_REQUIRED, .min = 5, .max = 240, .desc = "length of a time slot"},
    {"buckets", WJ_T_ARRAY, WJ_REQUIRED, .min = 1, .max = APPT_MAX_BUCKETS - 1, .object = &bucket_schema,
     .desc = "the session's places, split by pool and channel (distinct pairs)"},
    {0},
};
static const wj_schema template_schema = {"AppointmentTemplateSession", template_fields};

#define SCHEDULE_RULE_FIELDS                                                                                           \
    {"name", WJ_T_STRING, 0, .min = 1, .max = 60, .desc = "shown to patients (default: the doctor or department)"},   \
        {"fee_class", WJ_T_STRING, 0, .enums = appt_fee_classes, .desc = "general (default; mdt for a team)"},         \
        {"template", WJ_T_ARRAY, WJ_REQUIRED, .min = 1, .max = 21, .object = &template_schema,                          \
         .desc = "the weekly template: one item per weekday and period"},                                             \
        {"release_days", WJ_T_INT, 0, .min = 0, .max = 90, .desc = "released this many days ahead (default 7)"},       \
        {"release_time", WJ_T_STRING, 0, .min = 1, .max = 8, .desc = "at this time, HH:MM Asia/Shanghai (08:00)"},    \
        {"release_back_hours", WJ_T_INT, 0, .min = 0, .max = 336,                                                       \
         .desc = "unused reserved places move this long before the start (default 24)"},                               \
        {"valid_to", WJ_T_STRING, WJ_NULLABLE, WJ_F_DATE, .desc = "last day of the schedule (open when absent)"}

static const wj_field schedule_fields[] = {
    {"owner", WJ_T_STRING, WJ_REQUIRED, .enums = appt_owners},
    {"department_id", WJ_T_STRING, 0, WJ_F_ID, .desc = "the department (doctor and department schedules)"},
    {"departments", WJ_T_ARRAY, 0, .min = 2, .max = 10, .items = WJ_T_STRING,
     .desc = "a team's departments (ids), the first one leading"},
    {"doctor_id", WJ_T_STRING, 0, WJ_F_ID, .desc = "the doctor (a clinician of the facility) of a doctor schedule"},
    {"doctors", WJ_T_ARRAY, 0, .max = 20, .items = WJ_T_STRING, .desc = "a team's doctors (user ids)"},
    {"campus_id", WJ_T_STRING, 0, WJ_F_ID, .desc = "the campus (default: the department's)"},
    {"valid_from", WJ_T_STRING, 0, WJ_F_DATE, .desc = "first day (default today)"},
    SCHEDULE_RULE_FIELDS,
    {0},
};
const wj_schema appt_schedule_schema = {"Schedule", schedule_fields};

static const wj_field schedule_patch_fields[] = {SCHEDULE_RULE_FIELDS, {0}};
const wj_schema appt_schedule_patch_schema = {"ScheduleUpdate", schedule_patch_fields};

/* Checks what the schema cannot: times, slots, distinct weekday/period and pool/channel
 * pairs, places. */
static bool template_ok(wj_req *r, const json_t *tpl)
{
    size_t i, k;
    const json_t *e;
    char field[96];
    json_array_foreach(tpl, i, e) {
        int start, end;
        char hhmm[6];
        snprintf(field, sizeof field, "template[%zu].start", i);
        if (!appt_hhmm(appt_str(e, "start"), &start)) {
            wj_fail(r, 422, "invalid_value", field, "must be a time HH:MM");
            return false;
        }
        snprintf(field, sizeof field, "template[%zu].end", i);
        if (!appt_hhmm(appt_str(e, "end"), &end) || end <= start) {
            wj_fail(r, 422, "invalid_value", field, "must be a time HH:MM after start");
            return false;
        }
        /* Stored as HH:MM whichever way it came. */
        appt_hhmm_format(start, hhmm);
        json_object_set_new((json_t *)e, "start", json_string(hhmm));
        appt_hhmm_format(end, hhmm);
        json_object_set_new((json_t *)e, "end", json_string(hhmm));
        snprintf(field, sizeof field, "template[%zu].slot_minutes", i);
        if (json_integer_value(json_object_get(e, "slot_minutes")) > end - start) {
            wj_fail(r, 422, "invalid_value", field, "a slot must fit between start and end");
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            const json_t *o = json_array_get(tpl, j);
            if (json_integer_value(json_object_get(o, "weekday")) == json_integer_value(json_object_get(e, "weekday")) &&
                strcmp(appt_str(o, "period"), appt_str(e, "period")) == 0) {
                snprintf(field, sizeof field, "template[%zu].period", i);
                wj_fail(r, 422, "invalid_value", field, "this weekday already has this period");
                return false;
            }
        }
        const json_t *buckets = json_object_get(e, "buckets"), *b;
        json_int_t places = 0;
        json_array_foreach(buckets, k, b) {
            places += json_integer_value(json_object_get(b, "places"));
            for (size_t j = 0; j < k; j++) {
                const json_t *o = json_array_get(buckets, j);
                if (strcmp(appt_str(o, "pool"), appt_str(b, "pool")) == 0 && strcmp(appt_str(o, "channel"), appt_str(b, "channel")) == 0) {
                    snprintf(field, sizeof field, "template[%zu].buckets[%zu].channel", i, k);
                    wj_fail(r, 422, "invalid_value", field, "this pool already has places for this channel");
                    return false;
                }
            }
        }
        if (places < 1 || places > 1000) {
            snprintf(field, sizeof field, "template[%zu].buckets", i);
            wj_fail(r, 422, "invalid_value", field, "a session has 1 to 1000 places");
            return false;
        }
    }
    return true;
}

static bool rules_ok(wj_req *r, const json_t *b)
{
    int minute;
    char hhmm[6];
    if (json_object_get(b, "release_time")) {
        if (!appt_hhmm(appt_str(b, "release_time"), &minute)) {
            wj_fail(r, 422, "invalid_value", "release_time", "must be a time HH:MM");
            return false;
        }
        appt_hhmm_format(minute, hhmm);
        json_object_set_new((json_t *)b, "release_time", json_string(hhmm));
    }
    return !json_object_get(b, "template") || template_ok(r, json_object_get(b, "template"));
}

/* The department a schedule body names first. */
static int64_t body_department(const json_t *b)
{
    const json_t *ds = json_object_get(b, "departments");
    int64_t id = 0;
    if (json_array_size(ds))
        wj_id_parse(json_string_value(json_array_get(ds, 0)), &id);
    return id ? id : appt_body_id(b, "department_id");
}

/* Target of POST /schedules: the facility of the (first) department. */
bool appt_schedule_create_target(wj_req *r, wj_target *t)
{
    facilities_dept d;
    facilities_ref f;
    int64_t dept = body_department(r->body);
    const char *field = json_object_get(r->body, "departments") ? "departments[0]" : "department_id";
    if (!dept) {
        wj_fail(r, 422, "missing_field", "department_id", "name the department (a team: departments)");
        return false;
    }
    if (!facilities_department(wj_db_conn(r), dept, &d) || !facilities_find(r->conn, d.facility_id, &f)) {
        wj_fail(r, 422, "unknown_reference", field, "no such department");
        return false;
    }
    t->facility_id = f.id;
    snprintf(t->area_path, sizeof t->area_path, "%s", f.area_path);
    return true;
}

/* Target of /schedules/{id}…: the schedule's facility, its version. */
bool appt_schedule_target(wj_req *r, wj_target *t)
{
    int64_t id;
    db_rows *rows;
    if (!wj_path_id(r, 0, "schedule", &id))
        return false;
    if (db_query(wj_db_conn(r), "SELECT facility_id, version FROM appt_schedules WHERE id = ?", DBP(DB_I(id)),
                 &rows) != DB_OK) {
        wj_fail_internal(r, "schedule target");
        return false;
    }
    facilities_ref f;
    bool found = rows->nrows == 1 && facilities_find(r->conn, db_int(rows, 0, 0), &f);
    if (found) {
        t->facility_id = f.id;
        snprintf(t->area_path, sizeof t->area_path, "%s", f.area_path);
        t->version = db_int(rows, 0, 1);
    }
    db_rows_free(rows);
    if (!found)
        wj_fail(r, 404, "not_found", NULL, "schedule not found");
    wj_audit_subject(r, "schedule", id);
    return found;
}

static json_t *schedule_json(wj_conn *c, int64_t id)
{
    db_rows *rows, *members;
    if (db_query(c,
                 "SELECT id, owner, facility_id, campus_id, department_id, doctor_id, name, fee_class, template, "
                 "release_days, release_time, release_back_hours, valid_from, valid_to, generated_to, version, "
                 "created_at, updated_at FROM appt_schedules WHERE id = ?",
                 DBP(DB_I(id)), &rows) != DB_OK)
        return NULL;
    if (rows->nrows != 1 || db_query(c,
                                     "SELECT department_id, doctor_id FROM appt_schedule_members WHERE schedule_id = ? "
                                     "ORDER BY id",
                                     DBP(DB_I(id)), &members) != DB_OK) {
        db_rows_free(rows);
        return NULL;
    }
    json_t *depts = json_array(), *docs = json_array();
    for (int i = 0; i < members->nrows; i++) {
        if (!db_is_null(members, i, 0))
            json_array_append_new(depts, appt_department_json(c, db_int(members, i, 0)));
        if (!db_is_null(members, i, 1))
            json_array_append_new(docs, appt_doctor_json(c, db_int(members, i, 1)));
    }
    db_rows_free(members);
    json_t *tpl = json_loads(db_text(rows, 0, 8), 0, NULL);
    json_t *j = json_pack(
        "{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:I, s:s, s:I, s:s, s:o, s:o, s:I, s:o, s:o}", "id",
        wj_id_json(id), "owner", db_text(rows, 0, 1), "facility_id", wj_id_json(db_int(rows, 0, 2)), "campus_id",
        wj_id_json(db_int(rows, 0, 3)), "department", appt_department_json(c, db_int(rows, 0, 4)), "departments",
        depts, "doctor", appt_doctor_json(c, db_int(rows, 0, 5)), "doctors", docs, "name", db_text(rows, 0, 6),
        "fee_class", db_text(rows, 0, 7), "template", tpl ? tpl : json_array(), "release_days",
        (json_int_t)db_int(rows, 0, 9), "release_time", db_text(rows, 0, 10), "release_back_hours",
        (json_int_t)db_int(rows, 0, 11), "valid_from", db_text(rows, 0, 12), "valid_to",
        db_is_null(rows, 0, 13) ? json_null() : json_string(db_text(rows, 0, 13)), "generated_to",
        db_is_null(rows, 0, 14) ? json_null() : json_string(db_text(rows, 0, 14)), "version",
        (json_int_t)db_int(rows, 0, 15), "created_at", wj_time_json(db_int(rows, 0, 16), false), "updated_at",
        wj_time_json(db_int(rows, 0, 17), false));
    db_rows_free(rows);
    return j;
}

/* Sessions from valid_from (not before today) to the horizon. */
static bool generate_ahead(wj_req *r, int64_t id, const char *valid_from)
{
    char today[11], to[11];
    int64_t d;
    wj_today_shanghai(today);
    wj_date_days(today, &d);
    wj_days_date(d + appt_cfg.horizon_days - 1, to);
    wj_error e = {0};
    if (!appt_generate(r->conn, id, strcmp(valid_from, today) > 0 ? valid_from : today, to, &e)) {
        wj_fail_store(r, &e, "session generation");
        return false;
    }
    return true;
}

/* Checks the doctor ids of a schedule body: clinicians of the facility. */
static bool doctor_ok(wj_req *r, int64_t doctor, int64_t facility, const char *field)
{
    if (doctor && wj_user_role_at(r->conn, doctor, WJ_ROLE_CLINICIAN, facility))
        return true;
    wj_fail(r, 422, "unknown_reference", field, "not a clinician of this facility");
    return false;
}

void appt_schedule_create(wj_req *r)
{
    const json_t *b = r->body;
    const char *owner = appt_str(b, "owner");
    bool team = strcmp(owner, "team") == 0, doctor_owned = strcmp(owner, "doctor") == 0;
    int64_t facility = r->target.facility_id, dept = body_department(b), doctor = appt_body_id(b, "doctor_id");
    if (!rules_ok(r, b))
        return;
    if (team && !json_object_get(b, "departments")) {
        wj_fail(r, 422, "missing_field", "departments", "a team names its departments");
        return;
    }
    if (!team && json_object_get(b, "departments")) {
        wj_fail(r, 422, "invalid_value", "departments", "only a team has several departments");
        return;
    }
    if (!team && json_object_get(b, "doctors")) {
        wj_fail(r, 422, "invalid_value", "doctors", "only a team has several doctors");
        return;
    }
    if (doctor_owned && !doctor) {
        wj_fail(r, 422, "missing_field", "doctor_id", "a doctor's schedule names the doctor");
        return;
    }
    if (!doctor_owned && json_object_get(b, "doctor_id")) {
        wj_fail(r, 422, "invalid_value", "doctor_id", "only a doctor's schedule has doctor_id");
        return;
    }
    if (team && !appt_str(b, "name")) {
        wj_fail(r, 422, "missing_field", "name", "a team's schedule needs a name");
        return;
    }
    char today[11];
    wj_today_shanghai(today);
    const char *from = appt_str(b, "valid_from") ? appt_str(b, "valid_from") : today, *to = appt_str(b, "valid_to");
    if (to && strcmp(to, from) < 0) {
        wj_fail(r, 422, "invalid_value", "valid_to", "must not be before valid_from");
        return;
    }
    if (!wj_write_begin(r))
        return;
    facilities_dept d;
    facilities_department(r->conn, dept, &d);
    int64_t campus = appt_body_id(b, "campus_id") ? appt_body_id(b, "campus_id") : d.campus_id;
    if (!facilities_campus_of(r->conn, campus, facility)) {
        wj_fail(r, 422, "unknown_reference", "campus_id", "not a campus of the department's facility");
        return;
    }
    if (doctor_owned && !doctor_ok(r, doctor, facility, "doctor_id"))
        return;
    const json_t *ds = json_object_get(b, "departments"), *docs = json_object_get(b, "doctors"), *v;
    size_t i;
    char field[40];
    json_array_foreach(ds, i, v) {
        int64_t x = 0;
        facilities_dept xd;
        snprintf(field, sizeof field, "departments[%zu]", i);
        if (!wj_id_parse(json_string_value(v), &x) || !facilities_department(r->conn, x, &xd) ||
            xd.facility_id != facility) {
            wj_fail(r, 422, "unknown_reference", field, "not a department of the same facility");
            return;
        }
        for (size_t j = 0; j < i; j++)
            if (json_equal(json_array_get(ds, j), v)) {
                wj_fail(r, 422, "invalid_value", field, "listed twice");
                return;
            }
    }
    json_array_foreach(docs, i, v) {
        int64_t x = 0;
        snprintf(field, sizeof field, "doctors[%zu]", i);
        wj_id_parse(json_string_value(v), &x);
        if (!doctor_ok(r, x, facility, field))
            return;
    }
    char name[244];
    if (appt_str(b, "name"))
        snprintf(name, sizeof name, "%s", appt_str(b, "name"));
    else if (!doctor_owned || !wj_user_display_name(r->conn, doctor, name, sizeof name))
        snprintf(name, sizeof name, "%s", d.name);
    int64_t id = wj_id_new(), now = wj_now_ms();
    char *tpl = json_dumps(json_object_get(b, "template"), JSON_COMPACT);
    const json_t *rd = json_object_get(b, "release_days"), *rb = json_object_get(b, "release_back_hours");
    db_status s = db_exec(
        r->conn,
        "INSERT INTO appt_schedules (id, owner, facility_id, campus_id, department_id, doctor_id, name, fee_class, "
        "template, release_days, release_time, release_back_hours, valid_from, valid_to, created_at, created_by, "
        "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        DBP(DB_I(id), DB_S(owner), DB_I(facility), DB_I(campus), DB_I(dept), doctor ? DB_I(doctor) : DB_NULL,
            DB_S(name), DB_S(appt_str(b, "fee_class") ? appt_str(b, "fee_class") : team ? "mdt" : "general"), DB_S(tpl),
            DB_I(rd ? json_integer_value(rd) : 7), DB_S(appt_str(b, "release_time") ? appt_str(b, "release_time") : "08:00"),
            DB_I(rb ? json_integer_value(rb) : 24), DB_S(from), DB_S(to), DB_I(now), DB_I(r->who->user_id),
            DB_I(now)),
        NULL);
    free(tpl);
    bool ok = s == DB_OK;
    if (ok && !team)
        ok = db_exec(r->conn, "INSERT INTO appt_schedule_members (id, schedule_id, department_id, doctor_id) "
                              "VALUES (?, ?, ?, ?)",
                     DBP(DB_I(wj_id_new()), DB_I(id), DB_I(dept), doctor ? DB_I(doctor) : DB_NULL), NULL) == DB_OK;
    json_array_foreach(ds, i, v) {
        int64_t x = 0;
        wj_id_parse(json_string_value(v), &x);
        ok = ok && db_exec(r->conn, "INSERT INTO appt_schedule_members (id, schedule_id, department_id) VALUES (?, ?, ?)",
                           DBP(DB_I(wj_id_new()), DB_I(id), DB_I(x)), NULL) == DB_OK;
    }
    json_array_foreach(docs, i, v) {
        int64_t x = 0;
        wj_id_parse(json_string_value(v), &x);
        ok = ok && db_exec(r->conn, "INSERT INTO appt_schedule_members (id, schedule_id, doctor_id) VALUES (?, ?, ?)",
                           DBP(DB_I(wj_id_new()), DB_I(id), DB_I(x)), NULL) == DB_OK;
    }
    if (!ok) {
        wj_fail_internal(r, "schedule insert");
        return;
    }
    if (!generate_ahead(r, id, from))
        return;
    json_t *doc = schedule_json(r->conn, id);
    if (!doc) {
        wj_fail_internal(r, "schedule reread");
        return;
    }
    char sid[24];
    wj_id_format(id, sid);
    snprintf(r->location, sizeof r->location, "/api/v1/schedules/%s", sid);
    wj_set_etag(r, 1);
    wj_reply(r, 201, doc);
    wj_audit_subject(r, "schedule", id);
    wj_write_commit(r);
}

void appt_schedule_get(wj_req *r)
{
    int64_t id;
    if (!wj_path_id(r, 0, "schedule", &id))
        return;
    json_t *doc = schedule_json(wj_db_conn(r), id);
    if (!doc) {
        wj_fail(r, 404, "not_found", NULL, "schedule not found");
        return;
    }
    wj_set_etag(r, json_integer_value(json_object_get(doc, "version")));
    wj_reply(r, 200, doc);
}

void appt_schedule_list(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    int64_t facility = 0, dept = 0, doctor = 0;
    wj_id_parse(wj_qparam(r, "facility"), &facility);
    wj_id_parse(wj_qparam(r, "department"), &dept);
    wj_id_parse(wj_qparam(r, "doctor"), &doctor);
    db_rows *rows;
    if (db_query(wj_db_conn(r),
                 "SELECT sc.id FROM appt_schedules sc WHERE (? = 0 OR sc.facility_id = ?) AND (? = 0 OR EXISTS "
                 "(SELECT 1 FROM appt_schedule_members m WHERE m.schedule_id = sc.id AND m.department_id = ?)) "
                 "AND (? = 0 OR EXISTS (SELECT 1 FROM appt_schedule_members m WHERE m.schedule_id = sc.id AND "
                 "m.doctor_id = ?)) AND sc.id > ? ORDER BY sc.id LIMIT ?",
                 DBP(DB_I(facility), DB_I(facility), DB_I(dept), DB_I(dept), DB_I(doctor), DB_I(doctor),
                     DB_I(pg.after ? pg.id : 0), DB_I(pg.limit + 1)),
                 &rows) != DB_OK) {
        wj_fail_internal(r, "schedules list");
        return;
    }
    json_t *items = json_array();
    char *next;
    int n = wj_page_rows(&pg, rows, 0, 0, &next);
    for (int i = 0; i < n; i++) {
        json_t *doc = schedule_json(r->conn, db_int(rows, i, 0));
        if (doc)
            json_array_append_new(items, doc);
    }
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}

void appt_schedule_update(wj_req *r)
{
    int64_t id;
    wj_path_id(r, 0, "schedule", &id);
    const json_t *b = r->body;
    if (!rules_ok(r, b) || !wj_write_begin(r))
        return;
    db_rows *rows;
    if (db_query(r->conn, "SELECT name, fee_class, template, release_days, release_time, release_back_hours, "
                          "valid_from, valid_to FROM appt_schedules WHERE id = ?",
                 DBP(DB_I(id)), &rows) != DB_OK || rows->nrows != 1) {
        db_rows_free(rows);
        wj_fail_internal(r, "schedule read");
        return;
    }
    const char *to = json_object_get(b, "valid_to") ? appt_str(b, "valid_to") : db_text(rows, 0, 7);
    char from[11];
    snprintf(from, sizeof from, "%s", db_text(rows, 0, 6));
    if (to && strcmp(to, from) < 0) {
        db_rows_free(rows);
        wj_fail(r, 422, "invalid_value", "valid_to", "must not be before valid_from");
        return;
    }
    char *tpl = json_object_get(b, "template") ? json_dumps(json_object_get(b, "template"), JSON_COMPACT) : NULL;
    const json_t *rd = json_object_get(b, "release_days"), *rb = json_object_get(b, "release_back_hours");
    int64_t changed = 0;
    db_status s = db_exec(
        r->conn,
        "UPDATE appt_schedules SET name = ?, fee_class = ?, template = ?, release_days = ?, release_time = ?, "
        "release_back_hours = ?, valid_to = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
        DBP(DB_S(appt_str(b, "name") ? appt_str(b, "name") : db_text(rows, 0, 0)),
            DB_S(appt_str(b, "fee_class") ? appt_str(b, "fee_class") : db_text(rows, 0, 1)), DB_S(tpl ? tpl : db_text(rows, 0, 2)),
            DB_I(rd ? json_integer_value(rd) : db_int(rows, 0, 3)),
            DB_S(appt_str(b, "release_time") ? appt_str(b, "release_time") : db_text(rows, 0, 4)),
            DB_I(rb ? json_integer_value(rb) : db_int(rows, 0, 5)), DB_S(to), DB_I(wj_now_ms()), DB_I(id),
            DB_I(r->target.version)),
        &changed);
    free(tpl);
    db_rows_free(rows);
    if (s != DB_OK) {
        wj_fail_internal(r, "schedule update");
        return;
    }
    if (changed != 1) {
        char etag[32];
        snprintf(etag, sizeof etag, "\"%lld\"", (long long)r->target.version + 1);
        wj_fail_details(r, 412, "stale_version", "If-Match", json_pack("{s:s}", "current_etag", etag),
                        "the schedule changed since you read it");
        return;
    }
    if (!generate_ahead(r, id, from))
        return;
    json_t *doc = schedule_json(r->conn, id);
    if (!doc) {
        wj_fail_internal(r, "schedule reread");
        return;
    }
    wj_set_etag(r, json_integer_value(json_object_get(doc, "version")));
    wj_reply(r, 200, doc);
    wj_write_commit(r);
}

/* ---- leave ---- */

static const wj_field leave_fields[] = {
    {"dates", WJ_T_ARRAY, WJ_REQUIRED, .min = 1, .max = 62, .items = WJ_T_STRING, .desc = "the days off (YYYY-MM-DD)"},
    {"periods", WJ_T_ARRAY, 0, .min = 1, .max = 3, .items = WJ_T_STRING,
     .desc = "only these periods (morning, afternoon, evening); all when absent"},
    {"reason", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 200, .desc = "why (shown to the booked persons)"},
    {0},
};
const wj_schema appt_leave_schema = {"ScheduleLeave", leave_fields};

/* A clinician reports leave for a schedule of their own only. */
static bool leave_allowed(wj_req *r, int64_t schedule)
{
    unsigned staff = WJ_R(FACILITY_STAFF) | WJ_R(FACILITY_ADMIN);
    for (int i = 0; i < r->who->ngrants; i++)
        if ((staff & (1u << r->who->grants[i].role)) && r->who->grants[i].facility_id == r->target.facility_id)
            return true;
    db_rows *rows;
    if (db_query(r->conn, "SELECT 1 FROM appt_schedule_members WHERE schedule_id = ? AND doctor_id = ?",
                 DBP(DB_I(schedule), DB_I(r->who->user_id)), &rows) != DB_OK)
        return false;
    bool mine = rows->nrows > 0;
    db_rows_free(rows);
    return mine;
}

static bool in_array(const json_t *a, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v) {
        if (strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

void appt_schedule_leave(wj_req *r)
{
    int64_t id;
    wj_path_id(r, 0, "schedule", &id);
    const json_t *dates = json_object_get(r->body, "dates"), *periods = json_object_get(r->body, "periods"), *v;
    size_t i;
    char field[32];
    json_array_foreach(dates, i, v) {
        snprintf(field, sizeof field, "dates[%zu]", i);
        if (!wj_date_valid(json_string_value(v))) {
            wj_fail(r, 422, "invalid_value", field, "must be a date YYYY-MM-DD");
            return;
        }
    }
    json_array_foreach(periods, i, v) {
        snprintf(field, sizeof field, "periods[%zu]", i);
        if (!wj_enum_find(appt_periods, json_string_value(v))) {
            wj_fail(r, 422, "invalid_value", field, "must be morning, afternoon or evening");
            return;
        }
    }
    if (!wj_write_begin(r))
        return;
    if (!leave_allowed(r, id)) {
        wj_fail(r, 403, "forbidden", NULL, "a clinician reports leave for their own schedules only");
        return;
    }
    const char *reason = appt_str(r->body, "reason");
    int64_t now = wj_now_ms();
    json_t *sessions = json_array(), *affected = json_array();
    bool ok = true;
    json_array_foreach(dates, i, v) {
        db_rows *rows;
        if (db_query(r->conn,
                     "SELECT id, period FROM appt_sessions WHERE schedule_id = ? AND date = ? AND status = 'open' "
                     "AND starts_at > ? ORDER BY starts_at",
                     DBP(DB_I(id), DB_S(json_string_value(v)), DB_I(now)), &rows) != DB_OK) {
            ok = false;
            break;
        }
        for (int k = 0; ok && k < rows->nrows; k++) {
            if (periods && !in_array(periods, db_text(rows, k, 1)))
                continue;
            int64_t sid = db_int(rows, k, 0);
            appt_session s;
            db_rows *booked = NULL;
            ok = appt_session_load(r->conn, sid, &s) &&
                 db_exec(r->conn,
                         "UPDATE appt_sessions SET status = 'cancelled', cancel_reason = ?, cancelled_at = ? "
                         "WHERE id = ?",
                         DBP(DB_S(reason), DB_I(now), DB_I(sid)), NULL) == DB_OK &&
                 db_query(r->conn, APPT_SELECT APPT_FROM " WHERE a.session_id = ? AND a.status IN " APPT_ACTIVE_STATUSES
                                                         " ORDER BY a.slot",
                          DBP(DB_I(sid)), &booked) == DB_OK;
            char when[64];
            appt_session_words(&s, when);
            /* Allocated: the reason may be 200 characters of up to 4 bytes each. */
            char *text = wj_xasprintf("停诊通知：%s的门诊因故停诊（%s），您的预约已取消，挂号费将原路退还。", when,
                                      reason);
            for (int a = 0; ok && booked && a < booked->nrows; a++) {
                int64_t aid = db_int(booked, a, AC_ID), person = db_int(booked, a, AC_PERSON);
                ok = db_exec(r->conn,
                             "UPDATE appointments SET status = 'cancelled', cancelled_at = ?, cancelled_by = ?, "
                             "cancel_reason = ?, updated_at = ? WHERE id = ?",
                             DBP(DB_I(now), DB_I(r->who->user_id), DB_S("leave"), DB_I(now), DB_I(aid)),
                             NULL) == DB_OK &&
                     db_exec(r->conn,
                             "UPDATE appt_buckets SET booked = booked - 1 WHERE session_id = ? AND pool = ? AND "
                             "channel = ?",
                             DBP(DB_I(sid), DB_S(db_text(booked, a, AC_POOL)), DB_S(db_text(booked, a, AC_CHANNEL))),
                             NULL) == DB_OK &&
                     appt_notify(r->conn, person, "session_cancelled", text, "appointment", aid, now);
                if (ok) {
                    json_t *item = appt_row_json(r->conn, booked, a, true);
                    json_object_set_new(item, "status", json_string("cancelled"));
                    json_object_set_new(item, "cancel_reason", json_string("leave"));
                    json_object_set_new(item, "cancelled_at", wj_time_json(now, false));
                    json_array_append_new(affected, item);
                }
            }
            free(text);
            db_rows_free(booked);
            ok = ok && db_exec(r->conn,
                               "UPDATE appt_waitlist SET status = 'cancelled', updated_at = ? WHERE session_id = ? "
                               "AND status IN ('waiting', 'offered')",
                               DBP(DB_I(now), DB_I(sid)), NULL) == DB_OK;
            json_array_append_new(sessions, json_pack("{s:o, s:s, s:s}", "id", wj_id_json(sid), "date", s.date,
                                                      "period", s.period));
        }
        db_rows_free(rows);
        if (!ok)
            break;
    }
    if (!ok) {
        json_decref(sessions);
        json_decref(affected);
        wj_fail_internal(r, "leave");
        return;
    }
    wj_reply(r, 200, json_pack("{s:o, s:o, s:s}", "sessions", sessions, "appointments", affected, "reason", reason));
    wj_write_commit(r);
}

