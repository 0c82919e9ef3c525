/* appointments.c — module "appointments" (预约诊疗): schedules of doctors, departments and
 * MDT teams, the sessions their weekly templates generate, places split into buckets by
 * priority pool and channel, booking through group commit (commitq), cancellation,
 * attendance and no-shows, doctors' leave, the waiting list with its offers, and the
 * notifications a resident sees.
 *
 * This file holds the routes and handlers; rules and storage are in appt_store.c, the
 * demo in appt_demo.c, the rules and API in docs/appointments.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/commitq.h"
#include "../core/ids.h"
#include "../core/list.h"
#include "../core/users.h"
#include "../core/util.h"
#include "appt_fhir.h"
#include "appt_store.h"
#include "facilities.h"
#include "modules.h"
#include "mpi.h"

#define ACTIVE_STATUSES "('booked', 'offered')"

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t id_of(const json_t *o, const char *key)
{
    int64_t id = 0;
    const char *s = str(o, key);
    if (s)
        wj_id_parse(s, &id);
    return id;
}

/* A rule of the module refused the request: `status` with details.rule naming it. */
static void refuse(wj_req *r, int status, const char *field, const char *rule, json_t *more, const char *msg)
{
    json_t *d = more ? more : json_object();
    json_object_set_new(d, "rule", json_string(rule));
    wj_fail_details(r, status, status == 409 ? "conflict" : "invalid_value", field, d, "%s", msg);
}

/* ---- who calls, and through which channel ---- */

static bool primary_care(wj_conn *c, int64_t facility)
{
    char name[404], type[32];
    if (!facilities_name_type(c, facility, name, type))
        return false;
    return strcmp(type, "chc") == 0 || strcmp(type, "chs") == 0 || strcmp(type, "township_hc") == 0 ||
           strcmp(type, "village_clinic") == 0;
}

/* The channel of the caller for a booking at `facility` (area path `area`): the desk of
 * that facility (its staff, or a clinician of it) books on site, a clinician of a
 * community health centre refers, a hotline operator over the area books by phone, a
 * resident online. With facility 0, the caller's own channel in general. NULL when the
 * caller books through none. `as` says in what capacity. */
static const char *caller_channel(wj_req *r, int64_t facility, const char *area, const char **as)
{
    const wj_principal *p = r->who;
    unsigned book = wj_perm_roles("appointment.book");
    static const struct {
        wj_role role;
        int kind; /* 0 at the facility, 1 clinician elsewhere in primary care, 2 area, 3 person */
        const char *channel, *as;
    } order[] = {
        {WJ_ROLE_FACILITY_STAFF, 0, "onsite", "desk"}, {WJ_ROLE_FACILITY_ADMIN, 0, "onsite", "desk"},
        {WJ_ROLE_CLINICIAN, 0, "onsite", "desk"},      {WJ_ROLE_CLINICIAN, 1, "referral", "referral"},
        {WJ_ROLE_HOTLINE_OPERATOR, 2, "phone", "operator"}, {WJ_ROLE_RESIDENT, 3, "online", "self"},
    };
    for (size_t k = 0; k < WJ_ARRAY_LEN(order); k++) {
        for (int i = 0; p && i < p->ngrants; i++) {
            const wj_grant *g = &p->grants[i];
            if (g->role != order[k].role || !(book & (1u << g->role)))
                continue;
            bool fits = false;
            switch (order[k].kind) {
            case 0: fits = g->facility_id && (!facility || g->facility_id == facility); break;
            case 1: fits = g->facility_id && primary_care(wj_db_conn(r), g->facility_id); break;
            case 2:
                fits = g->area_path[0] && (!facility || strncmp(area, g->area_path, strlen(g->area_path)) == 0);
                break;
            case 3: fits = g->person_id != 0; break;
            }
            if (fits) {
                *as = order[k].as;
                return order[k].channel;
            }
        }
    }
    return NULL;
}

/* The resident grant's own person, 0 when the caller has none. */
static int64_t own_person(const wj_req *r)
{
    for (int i = 0; r->who && i < r->who->ngrants; i++)
        if (r->who->grants[i].role == WJ_ROLE_RESIDENT && r->who->grants[i].person_id)
            return r->who->grants[i].person_id;
    return 0;
}

/* Clock-driven changes of a session — a waiting-list offer past its time passes to the
 * next in line — are housekeeping, not the caller's doing: committed on their own before
 * the caller's request runs (a read too: it shows what the clock made of the session), so
 * that a refused request still changes nothing. */
static void housekeep(wj_req *r, int64_t session, int64_t now)
{
    wj_conn *c = wj_db_conn(r);
    db_rows *rows;
    if (db_query(c,
                 "SELECT 1 FROM appointments WHERE session_id = ? AND status = 'offered' AND offer_expires_at <= ? "
                 "LIMIT 1",
                 DBP(DB_I(session), DB_I(now)), &rows) != DB_OK)
        return;
    bool due = rows->nrows > 0;
    db_rows_free(rows);
    appt_session s;
    if (!due || db_begin(c, true) != DB_OK)
        return;
    if (appt_session_load(c, session, &s) && appt_settle(c, &s, now))
        db_commit(c);
    else
        db_rollback(c);
}

/* ---- schedules ---- */

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
static const wj_schema schedule_schema = {"Schedule", schedule_fields};

static const wj_field schedule_patch_fields[] = {SCHEDULE_RULE_FIELDS, {0}};
static const wj_schema schedule_patch_schema = {"ScheduleUpdate", schedule_patch_fields};

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
        if (!appt_hhmm(str(e, "start"), &start)) {
            wj_fail(r, 422, "invalid_value", field, "must be a time HH:MM");
            return false;
        }
        snprintf(field, sizeof field, "template[%zu].end", i);
        if (!appt_hhmm(str(e, "end"), &end) || end <= start) {
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
                strcmp(str(o, "period"), str(e, "period")) == 0) {
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
                if (strcmp(str(o, "pool"), str(b, "pool")) == 0 && strcmp(str(o, "channel"), str(b, "channel")) == 0) {
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
        if (!appt_hhmm(str(b, "release_time"), &minute)) {
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
    return id ? id : id_of(b, "department_id");
}

/* Target of POST /schedules: the facility of the (first) department. */
static bool schedule_create_target(wj_req *r, wj_target *t)
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
static bool schedule_target(wj_req *r, wj_target *t)
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
        appt_id_json(id), "owner", db_text(rows, 0, 1), "facility_id", appt_id_json(db_int(rows, 0, 2)), "campus_id",
        appt_id_json(db_int(rows, 0, 3)), "department", appt_department_json(c, db_int(rows, 0, 4)), "departments",
        depts, "doctor", appt_doctor_json(c, db_int(rows, 0, 5)), "doctors", docs, "name", db_text(rows, 0, 6),
        "fee_class", db_text(rows, 0, 7), "template", tpl ? tpl : json_array(), "release_days",
        (json_int_t)db_int(rows, 0, 9), "release_time", db_text(rows, 0, 10), "release_back_hours",
        (json_int_t)db_int(rows, 0, 11), "valid_from", db_text(rows, 0, 12), "valid_to",
        db_is_null(rows, 0, 13) ? json_null() : json_string(db_text(rows, 0, 13)), "generated_to",
        db_is_null(rows, 0, 14) ? json_null() : json_string(db_text(rows, 0, 14)), "version",
        (json_int_t)db_int(rows, 0, 15), "created_at", appt_time_json(db_int(rows, 0, 16), false), "updated_at",
        appt_time_json(db_int(rows, 0, 17), false));
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

static void schedule_create(wj_req *r)
{
    const json_t *b = r->body;
    const char *owner = str(b, "owner");
    bool team = strcmp(owner, "team") == 0, doctor_owned = strcmp(owner, "doctor") == 0;
    int64_t facility = r->target.facility_id, dept = body_department(b), doctor = id_of(b, "doctor_id");
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
    if (team && !str(b, "name")) {
        wj_fail(r, 422, "missing_field", "name", "a team's schedule needs a name");
        return;
    }
    char today[11];
    wj_today_shanghai(today);
    const char *from = str(b, "valid_from") ? str(b, "valid_from") : today, *to = str(b, "valid_to");
    if (to && strcmp(to, from) < 0) {
        wj_fail(r, 422, "invalid_value", "valid_to", "must not be before valid_from");
        return;
    }
    if (!wj_write_begin(r))
        return;
    facilities_dept d;
    facilities_department(r->conn, dept, &d);
    int64_t campus = id_of(b, "campus_id") ? id_of(b, "campus_id") : d.campus_id;
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
    if (str(b, "name"))
        snprintf(name, sizeof name, "%s", str(b, "name"));
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
            DB_S(name), DB_S(str(b, "fee_class") ? str(b, "fee_class") : team ? "mdt" : "general"), DB_S(tpl),
            DB_I(rd ? json_integer_value(rd) : 7), DB_S(str(b, "release_time") ? str(b, "release_time") : "08:00"),
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

static void schedule_get(wj_req *r)
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

static void schedule_list(wj_req *r)
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

static void schedule_update(wj_req *r)
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
    const char *to = json_object_get(b, "valid_to") ? str(b, "valid_to") : db_text(rows, 0, 7);
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
        DBP(DB_S(str(b, "name") ? str(b, "name") : db_text(rows, 0, 0)),
            DB_S(str(b, "fee_class") ? str(b, "fee_class") : db_text(rows, 0, 1)), DB_S(tpl ? tpl : db_text(rows, 0, 2)),
            DB_I(rd ? json_integer_value(rd) : db_int(rows, 0, 3)),
            DB_S(str(b, "release_time") ? str(b, "release_time") : db_text(rows, 0, 4)),
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
static const wj_schema leave_schema = {"ScheduleLeave", leave_fields};

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

static void schedule_leave(wj_req *r)
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
    const char *reason = str(r->body, "reason");
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
                 db_query(r->conn, APPT_SELECT APPT_FROM " WHERE a.session_id = ? AND a.status IN " ACTIVE_STATUSES
                                                         " ORDER BY a.slot",
                          DBP(DB_I(sid)), &booked) == DB_OK;
            char when[64];
            const wj_enum *pe = wj_enum_find(appt_periods, s.period);
            snprintf(when, sizeof when, "%.4s年%.2s月%.2s日%s", s.date, s.date + 5, s.date + 8, pe ? pe->zh : "");
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
                    json_object_set_new(item, "cancelled_at", appt_time_json(now, false));
                    json_array_append_new(affected, item);
                }
            }
            free(text);
            db_rows_free(booked);
            ok = ok && db_exec(r->conn,
                               "UPDATE appt_waitlist SET status = 'cancelled', updated_at = ? WHERE session_id = ? "
                               "AND status IN ('waiting', 'offered')",
                               DBP(DB_I(now), DB_I(sid)), NULL) == DB_OK;
            json_array_append_new(sessions, json_pack("{s:o, s:s, s:s}", "id", appt_id_json(sid), "date", s.date,
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

/* ---- slots and sessions ---- */

static json_t *pools_json(const appt_bucket *b, int n, const char *channel, bool open)
{
    json_t *a = json_array();
    for (int p = 0; p < APPT_NPOOLS; p++)
        for (int i = 0; i < n; i++)
            if (strcmp(b[i].channel, channel) == 0 && strcmp(b[i].pool, appt_pools[p].code) == 0)
                json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:i}", "pool", b[i].pool, "capacity",
                                                   b[i].capacity, "booked", b[i].booked, "available",
                                                   open ? b[i].capacity - b[i].booked : 0));
    return a;
}

/* A session as /slots and /sessions answer it; with `channel` NULL, every bucket. */
static json_t *session_json(wj_conn *c, const appt_session *s, const char *channel, int64_t now)
{
    appt_bucket b[APPT_MAX_BUCKETS];
    int n = appt_buckets_at(c, s, now, b);
    if (n < 0)
        return NULL;
    bool open = !s->cancelled && now < s->starts_at && now >= s->release_at;
    json_t *j = json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:i}", "session_id",
                          appt_id_json(s->id), "schedule_id", appt_id_json(s->schedule_id), "facility_id",
                          appt_id_json(s->facility_id), "start", appt_time_json(s->starts_at, false), "end",
                          appt_time_json(s->ends_at, false), "date", s->date, "period", s->period, "doctor",
                          appt_doctor_json(c, s->doctor_id), "department", appt_department_json(c, s->department_id),
                          "fee_class", s->fee_class, "status", s->cancelled ? "cancelled" : "open", "release_at",
                          appt_time_json(s->release_at, false), "release_back_at",
                          appt_time_json(s->release_back_at, false), "places", s->places);
    if (channel) {
        json_object_set_new(j, "channel", json_string(channel));
        json_object_set_new(j, "pools", pools_json(b, n, channel, open));
    } else {
        json_t *all = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(all, json_pack("{s:s, s:s, s:i, s:i, s:i}", "pool", b[i].pool, "channel",
                                                 b[i].channel, "capacity", b[i].capacity, "booked", b[i].booked,
                                                 "available", open ? b[i].capacity - b[i].booked : 0));
        json_object_set_new(j, "buckets", all);
    }
    return j;
}

static bool resident_only(const wj_req *r)
{
    for (int i = 0; r->who && i < r->who->ngrants; i++)
        if (r->who->grants[i].role != WJ_ROLE_RESIDENT)
            return false;
    return true;
}

static void slots(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    int64_t facility = 0, dept = 0, doctor = 0, days = 1, day0, after_start = 0;
    wj_id_parse(wj_qparam(r, "facility"), &facility);
    wj_id_parse(wj_qparam(r, "department"), &dept);
    wj_id_parse(wj_qparam(r, "doctor"), &doctor);
    if (wj_qparam(r, "days"))
        wj_parse_i64(wj_qparam(r, "days"), &days);
    if (!facility && !dept && !doctor) {
        wj_fail(r, 400, "invalid_parameter", "facility", "give facility, department or doctor");
        return;
    }
    char today[11], from[11], to[11];
    wj_today_shanghai(today);
    snprintf(from, sizeof from, "%s", wj_qparam(r, "date") ? wj_qparam(r, "date") : today);
    wj_date_days(from, &day0);
    wj_days_date(day0 + days - 1, to);
    const char *as, *own = caller_channel(r, 0, "", &as), *channel = wj_qparam(r, "channel");
    bool resident = resident_only(r);
    if (!channel)
        channel = own ? own : "online";
    else if (resident && strcmp(channel, "online") != 0) {
        wj_fail(r, 400, "invalid_parameter", "channel", "residents book online: channel=online or none");
        return;
    }
    if (pg.after && !wj_parse_i64(pg.key, &after_start)) {
        wj_fail(r, 400, "invalid_parameter", "cursor", "not a cursor of this list");
        return;
    }
    int64_t now = wj_now_ms();
    wj_conn *c = wj_db_conn(r);
    db_rows *rows;
    if (db_query(c,
                 "SELECT s.id, s.starts_at FROM appt_sessions s WHERE s.date >= ? AND s.date <= ? "
                 "AND (? = 0 OR s.facility_id = ?) AND (? = 0 OR EXISTS (SELECT 1 FROM appt_schedule_members m "
                 "WHERE m.schedule_id = s.schedule_id AND m.department_id = ?)) AND (? = 0 OR EXISTS (SELECT 1 FROM "
                 "appt_schedule_members m WHERE m.schedule_id = s.schedule_id AND m.doctor_id = ?)) "
                 "AND (? = 0 OR s.release_at <= ?) AND (? = 0 OR s.starts_at > ? OR (s.starts_at = ? AND s.id > ?)) "
                 "ORDER BY s.starts_at, s.id LIMIT ?",
                 DBP(DB_S(from), DB_S(to), DB_I(facility), DB_I(facility), DB_I(dept), DB_I(dept), DB_I(doctor),
                     DB_I(doctor), DB_I(resident), DB_I(now), DB_I(pg.after), DB_I(after_start), DB_I(after_start),
                     DB_I(pg.id), DB_I(pg.limit + 1)),
                 &rows) != DB_OK) {
        wj_fail_internal(r, "slots");
        return;
    }
    json_t *items = json_array();
    char *next;
    int n = wj_page_rows(&pg, rows, 1, 0, &next);
    for (int i = 0; i < n; i++) {
        appt_session s;
        housekeep(r, db_int(rows, i, 0), now);
        json_t *item = appt_session_load(c, db_int(rows, i, 0), &s) ? session_json(c, &s, channel, now) : NULL;
        if (item)
            json_array_append_new(items, item);
    }
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}

static void session_get(wj_req *r)
{
    int64_t id, now = wj_now_ms();
    appt_session s;
    if (!wj_path_id(r, 0, "session", &id))
        return;
    housekeep(r, id, now);
    if (!appt_session_load(wj_db_conn(r), id, &s) || (resident_only(r) && s.release_at > now)) {
        wj_fail(r, 404, "not_found", NULL, "session not found");
        return;
    }
    json_t *j = session_json(r->conn, &s, NULL, now);
    if (!j) {
        wj_fail_internal(r, "session");
        return;
    }
    wj_reply(r, 200, j);
}

/* ---- booking (group commit) ---- */

static const wj_field book_fields[] = {
    {"session_id", WJ_T_STRING, WJ_REQUIRED, WJ_F_ID, .desc = "the session (from /slots)"},
    {"person_id", WJ_T_STRING, WJ_REQUIRED, WJ_F_ID, .desc = "who the place is for (yourself or a person you manage)"},
    {"pool", WJ_T_STRING, 0, .enums = appt_pools, .desc = "general (default) or a priority pool the person is eligible for"},
    {0},
};
static const wj_schema book_schema = {"AppointmentBooking", book_fields};

typedef struct book_ctx {
    appt_session s;
    int64_t person;
    appt_person_ids ids; /* of the person: the rules count what was booked under each */
    bool waiting; /* the person is on the session's waiting list */
    char pool[12], channel[12], as[12];
    json_t *department, *doctor;
} book_ctx;

static void book_free(void *p)
{
    book_ctx *x = p;
    json_decref(x->department);
    json_decref(x->doctor);
    free(x);
}

/* details.available: per pool of the channel, what is left. */
static json_t *available_json(wj_conn *c, const appt_session *s, const char *channel, int64_t now)
{
    appt_bucket b[APPT_MAX_BUCKETS];
    int n = appt_buckets_at(c, s, now, b);
    json_t *a = json_object();
    for (int i = 0; i < n; i++)
        if (strcmp(b[i].channel, channel) == 0)
            json_object_set_new(a, b[i].pool, json_integer(b[i].capacity - b[i].booked));
    return a;
}

/* The first place number no live appointment holds; -1 when all are held. */
static int free_slot(wj_conn *c, const appt_session *s)
{
    db_rows *rows;
    if (db_query(c, "SELECT slot FROM appointments WHERE session_id = ? AND status IN " ACTIVE_STATUSES " ORDER BY slot",
                 DBP(DB_I(s->id)), &rows) != DB_OK)
        return -2;
    int slot = 0;
    for (int i = 0; i < rows->nrows && db_int(rows, i, 0) == slot; i++)
        slot++;
    db_rows_free(rows);
    return slot < s->places ? slot : -1;
}

/* Per person per day: per department and in all. */
static bool limits_ok(wj_req *r, int64_t person, const char *date, int64_t department, int64_t except)
{
    appt_person_ids ids;
    appt_person_ids_of(r->conn, person, &ids);
    char sql[320];
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*), COALESCE(SUM(CASE WHEN department_id = ? THEN 1 ELSE 0 END), 0) FROM appointments "
             "WHERE person_id IN %s AND date = ? AND status IN " ACTIVE_STATUSES " AND id <> ?",
             ids.in);
    db_val p[APPT_CLUSTER_MAX + 3];
    int k = appt_person_ids_bind(&ids, p, 1);
    p[0] = DB_I(department);
    p[k++] = DB_S(date);
    p[k++] = DB_I(except);
    db_rows *rows;
    if (db_query(r->conn, sql, p, k, &rows) != DB_OK) {
        wj_fail_internal(r, "limits");
        return false;
    }
    int64_t all = db_int(rows, 0, 0), here = db_int(rows, 0, 1);
    db_rows_free(rows);
    if (here >= appt_cfg.per_day_department) {
        refuse(r, 422, "person_id", "per_day_department", json_pack("{s:i}", "limit", appt_cfg.per_day_department),
               "the person has reached the appointments per day in this department");
        return false;
    }
    if (all >= appt_cfg.per_day) {
        refuse(r, 422, "person_id", "per_day", json_pack("{s:i}", "limit", appt_cfg.per_day),
               "the person has reached the appointments per day");
        return false;
    }
    return true;
}

/* The booking in the shared transaction: as few statements as the rules allow (on
 * PostgreSQL each is a round trip of the one writer). Expired offers were settled by the
 * handler (housekeep); the release-back is applied here when due. */
static bool book_job(wj_req *r, void *p)
{
    book_ctx *x = p;
    appt_session *s = &x->s;
    wj_conn *c = wj_db_conn(r);
    int64_t now = wj_now_ms();
    if (!appt_release_back(c, s, now)) {
        wj_fail_internal(r, "release-back");
        return false;
    }
    /* One place per session, per day and department, per day: the person's live
     * appointments that day (under any of their ids). */
    char sql[320];
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(MAX(CASE WHEN session_id = ? THEN id END), 0), COUNT(*), "
             "COALESCE(SUM(CASE WHEN department_id = ? THEN 1 ELSE 0 END), 0) FROM appointments "
             "WHERE person_id IN %s AND date = ? AND status IN " ACTIVE_STATUSES,
             x->ids.in);
    db_val v[APPT_CLUSTER_MAX + 3] = {DB_I(s->id), DB_I(s->department_id)};
    int k = appt_person_ids_bind(&x->ids, v, 2);
    v[k++] = DB_S(s->date);
    db_rows *rows;
    if (db_query(c, sql, v, k, &rows) != DB_OK) {
        wj_fail_internal(r, "person's day");
        return false;
    }
    int64_t held = db_int(rows, 0, 0), all = db_int(rows, 0, 1), here = db_int(rows, 0, 2);
    db_rows_free(rows);
    if (held) {
        /* Its id only to those who may open it. */
        bool shown = appt_may_act(r, "appointment.read", x->person, s->facility_id, s->area_path, 0);
        refuse(r, 409, "person_id", "one_per_session",
               shown ? json_pack("{s:o}", "appointment_id", appt_id_json(held)) : NULL,
               "the person already holds a place in this session");
        return false;
    }
    if (here >= appt_cfg.per_day_department) {
        refuse(r, 422, "person_id", "per_day_department", json_pack("{s:i}", "limit", appt_cfg.per_day_department),
               "the person has reached the appointments per day in this department");
        return false;
    }
    if (all >= appt_cfg.per_day) {
        refuse(r, 422, "person_id", "per_day", json_pack("{s:i}", "limit", appt_cfg.per_day),
               "the person has reached the appointments per day");
        return false;
    }
    int64_t changed = 0;
    if (db_exec(c,
                "UPDATE appt_buckets SET booked = booked + 1 WHERE session_id = ? AND pool = ? AND channel = ? "
                "AND booked < capacity AND EXISTS (SELECT 1 FROM appt_sessions WHERE id = ? AND status = 'open')",
                DBP(DB_I(s->id), DB_S(x->pool), DB_S(x->channel), DB_I(s->id)), &changed) != DB_OK) {
        wj_fail_internal(r, "bucket");
        return false;
    }
    if (changed != 1) {
        appt_session now_s;
        if (appt_session_load(c, s->id, &now_s) && now_s.cancelled) {
            refuse(r, 422, "session_id", "session_cancelled", NULL, "the session is cancelled");
            return false;
        }
        wj_fail_details(r, 409, "conflict", "pool",
                        json_pack("{s:s, s:s, s:o}", "rule", "full", "channel", x->channel, "available",
                                  available_json(c, s, x->channel, now)),
                        "no %s place left for the %s channel", x->pool, x->channel);
        return false;
    }
    int slot = free_slot(c, s);
    if (slot < 0) {
        wj_fail_internal(r, "no free slot in a bucket with room");
        return false;
    }
    int64_t id = wj_id_new(), start = appt_slot_start(s, slot);
    db_status st = db_exec(c,
                           "INSERT INTO appointments (id, session_id, person_id, facility_id, area_path, department_id, "
                           "date, pool, channel, slot, slot_start, status, booked_by, booked_as, created_at, "
                           "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?, ?)",
                           DBP(DB_I(id), DB_I(s->id), DB_I(x->person), DB_I(s->facility_id), DB_S(s->area_path),
                               DB_I(s->department_id), DB_S(s->date), DB_S(x->pool), DB_S(x->channel), DB_I(slot),
                               DB_I(start), DB_I(r->who->user_id), DB_S(x->as), DB_I(now), DB_I(now)),
                           NULL);
    if (st == DB_CONFLICT) {
        wj_fail(r, 409, "conflict", "session_id", "the place was taken meanwhile");
        return false;
    }
    if (st != DB_OK || (x->waiting && db_exec(c,
                                              "UPDATE appt_waitlist SET status = 'booked', updated_at = ? WHERE "
                                              "session_id = ? AND person_id = ? AND status = 'waiting'",
                                              DBP(DB_I(now), DB_I(s->id), DB_I(x->person)), NULL) != DB_OK)) {
        wj_fail_internal(r, "appointment insert");
        return false;
    }
    json_t *j = json_pack("{s:o, s:o, s:o, s:o, s:o, s:O, s:O, s:s, s:s, s:i, s:o, s:o, s:s, s:s, s:s, s:s, s:o, "
                          "s:s, s:o, s:n, s:n, s:n, s:n}",
                          "id", appt_id_json(id), "session_id", appt_id_json(s->id), "person_id",
                          appt_id_json(x->person), "facility_id", appt_id_json(s->facility_id), "department_id",
                          appt_id_json(s->department_id), "department", x->department, "doctor", x->doctor, "date",
                          s->date, "period", s->period, "slot", slot, "slot_start", appt_time_json(start, false),
                          "slot_end", appt_time_json(start + (int64_t)s->slot_minutes * 60000, false), "pool", x->pool,
                          "channel", x->channel, "fee_class", s->fee_class, "status", "booked", "booked_by",
                          appt_id_json(r->who->user_id), "booked_as", x->as, "created_at", appt_time_json(now, false),
                          "cancelled_at", "cancel_reason", "offer_expires_at", "waitlist_id");
    char sid[24];
    wj_id_format(id, sid);
    snprintf(r->location, sizeof r->location, "/api/v1/appointments/%s", sid);
    wj_reply(r, 201, j);
    wj_audit_subject(r, "appointment", id);
    return true;
}

/* The person a booking or waiting-list entry is for, and the caller's channel: false
 * after answering. */
static bool booking_party(wj_req *r, const appt_session *s, int64_t asked, int64_t *person, const char **channel,
                          const char **as)
{
    char path[200];
    *channel = caller_channel(r, s->facility_id, s->area_path, as);
    if (!*channel) {
        wj_fail(r, 403, "forbidden", NULL, "you book at your own facility, as a hotline operator of its area, or as a "
                                           "community clinician referring");
        return false;
    }
    bool known = mpi_person_scope(r->conn, asked, person, path);
    if (strcmp(*channel, "online") == 0) {
        wj_target t = {.person_id = *person};
        if (!known || !wj_covers(r, "appointment.book", &t)) {
            wj_fail(r, 403, "forbidden", "person_id", "you book for yourself or a person you manage");
            return false;
        }
        if (mpi_resolve(r->conn, own_person(r)) != *person)
            *as = "family";
    } else if (!known) {
        wj_fail(r, 422, "unknown_reference", "person_id", "no such person");
        return false;
    }
    /* Refusals too are about this person (a booking made says its appointment instead). */
    wj_audit_subject(r, "person", *person);
    return true;
}

/* Session checks shared by booking and the waiting list: open, released, not started. */
static bool session_bookable(wj_req *r, const appt_session *s, int64_t now)
{
    if (s->cancelled) {
        refuse(r, 422, "session_id", "session_cancelled", NULL, "the session is cancelled");
        return false;
    }
    if (now >= s->starts_at) {
        refuse(r, 422, "session_id", "session_past", NULL, "the session has begun or is over");
        return false;
    }
    if (now < s->release_at) {
        refuse(r, 422, "session_id", "not_released", json_pack("{s:o}", "release_at", appt_time_json(s->release_at, false)),
               "the session's places are not released yet");
        return false;
    }
    return true;
}

/* Three no-shows (configurable) within the window restrict online booking for a while. */
static bool no_show_ok(wj_req *r, int64_t person, int64_t now)
{
    appt_person_ids ids;
    appt_person_ids_of(r->conn, person, &ids);
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*), MAX(slot_start) FROM appointments WHERE person_id IN %s AND status = 'no_show' "
             "AND slot_start > ?",
             ids.in);
    db_val p[APPT_CLUSTER_MAX + 1];
    int k = appt_person_ids_bind(&ids, p, 0);
    p[k++] = DB_I(now - (int64_t)appt_cfg.no_show_window_days * 86400000);
    db_rows *rows;
    if (db_query(r->conn, sql, p, k, &rows) != DB_OK) {
        wj_fail_internal(r, "no-shows");
        return false;
    }
    int64_t n = db_int(rows, 0, 0), until = db_int(rows, 0, 1) + (int64_t)appt_cfg.no_show_restrict_days * 86400000;
    db_rows_free(rows);
    if (n >= appt_cfg.no_show_limit && now < until) {
        refuse(r, 422, "person_id", "no_show_restriction",
               json_pack("{s:I, s:o}", "no_shows", (json_int_t)n, "until", appt_time_json(until, false)),
               "online booking is restricted after repeated no-shows: book by phone or at the desk");
        return false;
    }
    return true;
}

/* Is the person eligible for `pool` on `date`? Which pools they are eligible for is said
 * only to `tell` callers (the person or their family, online): to others it would say
 * whether someone is military, disabled or pregnant. */
static bool pool_eligible(wj_req *r, int64_t person, const char *date, const char *pool, const char *field,
                          bool tell)
{
    unsigned mask;
    wj_error e = {0};
    if (!mpi_pools_on(r->conn, person, date, appt_cfg.elderly_age, &mask, &e)) {
        wj_fail_store(r, &e, "eligibility");
        return false;
    }
    if (mask & appt_pool_bit(pool))
        return true;
    json_t *more = NULL;
    if (tell) {
        json_t *eligible = json_array();
        for (int i = 0; i < APPT_NPOOLS; i++)
            if (mask & appt_pool_bit(appt_pools[i].code))
                json_array_append_new(eligible, json_string(appt_pools[i].code));
        more = json_pack("{s:o}", "eligible", eligible);
    }
    refuse(r, 422, field, "pool_eligibility", more, "the person is not eligible for this pool on the session's day");
    return false;
}

static void book(wj_req *r)
{
    int64_t sid = id_of(r->body, "session_id"), asked = id_of(r->body, "person_id"), now = wj_now_ms();
    const char *pool = str(r->body, "pool") ? str(r->body, "pool") : "general", *channel, *as;
    book_ctx *x = wj_xcalloc(1, sizeof *x);
    wj_conn *c = wj_db_conn(r);
    if (!appt_session_load(c, sid, &x->s)) {
        free(x);
        wj_fail(r, 422, "unknown_reference", "session_id", "no such session");
        return;
    }
    housekeep(r, sid, now);
    if (!booking_party(r, &x->s, asked, &x->person, &channel, &as) || !session_bookable(r, &x->s, now) ||
        !pool_eligible(r, x->person, x->s.date, pool, "pool", strcmp(channel, "online") == 0) ||
        (strcmp(channel, "online") == 0 && !no_show_ok(r, x->person, now))) {
        free(x);
        return;
    }
    appt_person_ids_of(c, x->person, &x->ids);
    /* Sold out already: say so at once, without a place in the writer's queue (the rush
     * after a release is mostly these). A place freed later is found by a later try. */
    appt_bucket b[APPT_MAX_BUCKETS];
    int nb = appt_buckets_at(c, &x->s, now, b), left = 0;
    for (int i = 0; i < nb; i++)
        if (strcmp(b[i].pool, pool) == 0 && strcmp(b[i].channel, channel) == 0)
            left = b[i].capacity - b[i].booked;
    if (nb >= 0 && left <= 0) {
        wj_fail_details(r, 409, "conflict", "pool",
                        json_pack("{s:s, s:s, s:o}", "rule", "full", "channel", channel, "available",
                                  available_json(c, &x->s, channel, now)),
                        "no %s place left for the %s channel", pool, channel);
        free(x);
        return;
    }
    db_rows *rows;
    if (db_query(c, "SELECT 1 FROM appt_waitlist WHERE session_id = ? AND person_id = ? AND status = 'waiting'",
                 DBP(DB_I(sid), DB_I(x->person)), &rows) != DB_OK) {
        free(x);
        wj_fail_internal(r, "waiting list");
        return;
    }
    x->waiting = rows->nrows > 0;
    db_rows_free(rows);
    snprintf(x->pool, sizeof x->pool, "%s", pool);
    snprintf(x->channel, sizeof x->channel, "%s", channel);
    snprintf(x->as, sizeof x->as, "%s", as);
    x->department = appt_department_json(c, x->s.department_id);
    x->doctor = appt_doctor_json(c, x->s.doctor_id);
    wj_commit_job(r, book_job, x, book_free);
}

/* ---- one appointment ---- */

static db_rows *appt_load(wj_req *r, int64_t id)
{
    db_rows *rows;
    if (db_query(wj_db_conn(r), APPT_SELECT APPT_FROM " WHERE a.id = ?", DBP(DB_I(id)), &rows) != DB_OK) {
        wj_fail_internal(r, "appointment");
        return NULL;
    }
    if (rows->nrows != 1) {
        db_rows_free(rows);
        wj_fail(r, 404, "not_found", NULL, "appointment not found");
        return NULL;
    }
    return rows;
}

/* The appointment of the path, when the caller holds `perm` over it (404 otherwise). */
static db_rows *appt_in_scope(wj_req *r, const char *perm)
{
    int64_t id;
    if (!wj_path_id(r, 0, "appointment", &id))
        return NULL;
    wj_audit_subject(r, "appointment", id);
    db_rows *rows = appt_load(r, id);
    if (rows && !appt_may_act(r, perm, db_int(rows, 0, AC_PERSON), db_int(rows, 0, AC_FACILITY),
                         db_text(rows, 0, AC_AREA), db_int(rows, 0, AC_BOOKED_BY))) {
        db_rows_free(rows);
        wj_fail(r, 404, "not_found", NULL, "appointment not found");
        return NULL;
    }
    return rows;
}

static void appt_get(wj_req *r)
{
    db_rows *rows = appt_in_scope(r, "appointment.read");
    if (!rows)
        return;
    if (strcmp(db_text(rows, 0, AC_STATUS), "offered") == 0) {
        /* An offer past its time reads as what it became. */
        int64_t id = db_int(rows, 0, AC_ID);
        housekeep(r, db_int(rows, 0, AC_SESSION), wj_now_ms());
        db_rows_free(rows);
        if (!(rows = appt_load(r, id)))
            return;
    }
    wj_reply(r, 200, appt_row_json(r->conn, rows, 0, true));
    db_rows_free(rows);
}

/* Replies with the appointment as it now is, and commits. */
static void reply_appt(wj_req *r, int64_t id)
{
    json_t *doc = appt_document(r->conn, id);
    if (!doc) {
        wj_fail_internal(r, "appointment reread");
        return;
    }
    wj_reply(r, 200, doc);
    wj_write_commit(r);
}

static const wj_field cancel_fields[] = {
    {"reason", WJ_T_STRING, 0, .min = 1, .max = 200, .desc = "why (kept with the appointment)"},
    {0},
};
static const wj_schema cancel_schema = {"AppointmentCancel", cancel_fields};

/* Cancels a live appointment (booked or offered) inside the write transaction and frees
 * its place. */
static bool cancel_live(wj_req *r, db_rows *rows, const char *reason, int64_t now)
{
    appt_session s;
    int64_t id = db_int(rows, 0, AC_ID);
    if (!appt_session_load(r->conn, db_int(rows, 0, AC_SESSION), &s) || !appt_settle(r->conn, &s, now)) {
        wj_fail_internal(r, "settle");
        return false;
    }
    int64_t changed = 0;
    if (db_exec(r->conn,
                "UPDATE appointments SET status = 'cancelled', cancelled_at = ?, cancelled_by = ?, cancel_reason = ?, "
                "updated_at = ? WHERE id = ? AND status IN " ACTIVE_STATUSES,
                DBP(DB_I(now), DB_I(r->who->user_id), DB_S(reason), DB_I(now), DB_I(id)), &changed) != DB_OK) {
        wj_fail_internal(r, "cancel");
        return false;
    }
    if (changed != 1) { /* expired by the settling just now */
        refuse(r, 409, NULL, "not_live", NULL, "the appointment is no longer booked");
        return false;
    }
    if (!db_is_null(rows, 0, AC_WAITLIST) &&
        db_exec(r->conn, "UPDATE appt_waitlist SET status = 'cancelled', updated_at = ? WHERE id = ?",
                DBP(DB_I(now), DB_I(db_int(rows, 0, AC_WAITLIST))), NULL) != DB_OK) {
        wj_fail_internal(r, "waitlist");
        return false;
    }
    if (!s.cancelled && !appt_free_place(r->conn, &s, db_text(rows, 0, AC_POOL), db_text(rows, 0, AC_CHANNEL),
                                         (int)db_int(rows, 0, AC_SLOT), now)) {
        wj_fail_internal(r, "free place");
        return false;
    }
    return true;
}

static void appt_cancel(wj_req *r)
{
    db_rows *rows = appt_in_scope(r, "appointment.book");
    if (!rows)
        return;
    int64_t now = wj_now_ms(), id = db_int(rows, 0, AC_ID);
    housekeep(r, db_int(rows, 0, AC_SESSION), now);
    const char *status = db_text(rows, 0, AC_STATUS);
    if (strcmp(status, "booked") != 0 && strcmp(status, "offered") != 0) {
        refuse(r, 409, NULL, "not_live", json_pack("{s:s}", "status", status), "only a booked appointment is cancelled");
    } else if (now > db_int(rows, 0, AC_SLOT_START) - (int64_t)appt_cfg.cancel_cutoff_minutes * 60000) {
        refuse(r, 409, NULL, "cancel_cutoff", json_pack("{s:i}", "cutoff_minutes", appt_cfg.cancel_cutoff_minutes),
               "too late to cancel: the cutoff before the appointment has passed");
    } else if (wj_write_begin(r) &&
               cancel_live(r, rows, str(r->body, "reason") ? str(r->body, "reason") : "cancelled", now)) {
        reply_appt(r, id);
    }
    db_rows_free(rows);
}

/* No-show and attended: the desk or the doctor records it once the session has begun. */
static void attendance(wj_req *r, const char *to)
{
    db_rows *rows = appt_in_scope(r, "appointment.attendance");
    if (!rows)
        return;
    int64_t now = wj_now_ms(), id = db_int(rows, 0, AC_ID);
    const char *status = db_text(rows, 0, AC_STATUS);
    if (strcmp(status, "booked") != 0 && strcmp(status, to) != 0) {
        refuse(r, 409, NULL, "not_booked", json_pack("{s:s}", "status", status), "only a booked appointment is marked");
    } else if (now < db_int(rows, 0, AC_SLOT_START)) {
        refuse(r, 409, NULL, "not_begun", NULL, "the appointment has not begun");
    } else if (wj_write_begin(r)) {
        if (db_exec(r->conn, "UPDATE appointments SET status = ?, updated_at = ? WHERE id = ?",
                    DBP(DB_S(to), DB_I(now), DB_I(id)), NULL) != DB_OK)
            wj_fail_internal(r, "attendance");
        else
            reply_appt(r, id);
    }
    db_rows_free(rows);
}

static void appt_no_show(wj_req *r)
{
    attendance(r, "no_show");
}

static void appt_attended(wj_req *r)
{
    attendance(r, "attended");
}

/* ---- lists scoped in SQL (appt_scope.c) ---- */

static const appt_scope_cols appt_cols = {"a.booked_by", "a.facility_id", "a.area_path", "a.person_id"};

static void appt_list(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    int64_t person = 0, session = 0, facility = 0;
    wj_id_parse(wj_qparam(r, "person"), &person);
    wj_id_parse(wj_qparam(r, "session"), &session);
    wj_id_parse(wj_qparam(r, "facility"), &facility);
    const char *date = wj_qparam(r, "date"), *status = wj_qparam(r, "status");
    if (person)
        person = mpi_resolve(wj_db_conn(r), person);
    appt_sql q = {0};
    wj_buf_puts(&q.sql, APPT_SELECT APPT_FROM " WHERE 1 = 1");
    if (wj_qparam(r, "person")) {
        appt_sql_persons(wj_db_conn(r), &q, "AND", "a.person_id", person);
        q.one_person = true;
    }
    if (session)
        appt_sql_add(&q, " AND a.session_id = ?", DB_I(session));
    if (facility)
        appt_sql_add(&q, " AND a.facility_id = ?", DB_I(facility));
    if (date)
        appt_sql_add(&q, " AND a.date = ?", DB_S(date));
    if (status)
        appt_sql_add(&q, " AND a.status = ?", DB_S(status));
    if (pg.after)
        appt_sql_add(&q, " AND a.id < ?", DB_I(pg.id));
    appt_sql_scope(r, &q, &appt_cols, "appointment.read");
    appt_sql_add(&q, " ORDER BY a.id DESC LIMIT ?", DB_I(pg.limit + 1));
    db_rows *rows = appt_sql_run(r, &q, "appointments list");
    if (!rows)
        return;
    json_t *items = json_array();
    char *next;
    int n = wj_page_rows(&pg, rows, AC_ID, AC_ID, &next);
    for (int i = 0; i < n; i++)
        json_array_append_new(items, appt_row_json(r->conn, rows, i, true));
    db_rows_free(rows);
    if (person)
        wj_audit_subject(r, "person", person);
    wj_reply_list(r, items, next);
}

/* ---- figures for the commission ---- */

/* The places of facilities the caller holds a grant at or over (no person grants). */
static const appt_scope_cols place_cols = {NULL, "s.facility_id", "s.area_path", NULL};

typedef struct fac_stats {
    int64_t id;
    long places, booked, attended, no_show, cancelled, channels[4], pools[APPT_NPOOLS];
} fac_stats;

static fac_stats *stats_of(fac_stats **all, int *n, int64_t id)
{
    for (int i = 0; i < *n; i++)
        if ((*all)[i].id == id)
            return &(*all)[i];
    fac_stats *grown = realloc(*all, (size_t)(*n + 1) * sizeof **all);
    if (!grown)
        abort();
    *all = grown;
    memset(&grown[*n], 0, sizeof **all);
    grown[*n].id = id;
    return &grown[(*n)++];
}

static int code_index(const wj_enum *e, const char *code)
{
    for (int i = 0; e[i].code; i++)
        if (strcmp(e[i].code, code) == 0)
            return i;
    return -1;
}

static double round4(double x)
{
    return (double)(long long)(x * 10000 + 0.5) / 10000;
}

static json_t *stats_json(const fac_stats *f)
{
    long taken = f->booked + f->attended + f->no_show, seen = f->attended + f->no_show;
    json_t *ch = json_object(), *po = json_object();
    for (int i = 0; i < 4; i++)
        json_object_set_new(ch, appt_channels[i].code, json_integer(f->channels[i]));
    for (int i = 0; i < APPT_NPOOLS; i++)
        json_object_set_new(po, appt_pools[i].code, json_integer(f->pools[i]));
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "places", (json_int_t)f->places, "taken",
                     (json_int_t)taken, "booked", (json_int_t)f->booked, "attended", (json_int_t)f->attended,
                     "no_show", (json_int_t)f->no_show, "cancelled", (json_int_t)f->cancelled, "fill_rate",
                     f->places ? json_real(round4((double)taken / (double)f->places)) : json_null(), "no_show_rate",
                     seen ? json_real(round4((double)f->no_show / (double)seen)) : json_null(), "channels", ch, "pools", po);
}

static void stats(wj_req *r)
{
    char from[11], to[11];
    int64_t d0, d1, facility = 0;
    if (wj_qparam(r, "to"))
        snprintf(to, sizeof to, "%s", wj_qparam(r, "to"));
    else
        wj_today_shanghai(to);
    wj_date_days(to, &d1);
    if (wj_qparam(r, "from"))
        snprintf(from, sizeof from, "%s", wj_qparam(r, "from"));
    else
        wj_days_date(d1 - 29, from);
    wj_date_days(from, &d0);
    if (d1 < d0 || d1 - d0 > 366) {
        wj_fail(r, 400, "invalid_parameter", "to", "to must be from or later, at most 366 days on");
        return;
    }
    wj_id_parse(wj_qparam(r, "facility"), &facility);
    fac_stats *all = NULL;
    int n = 0;
    bool ok = true;
    for (int pass = 0; ok && pass < 2; pass++) {
        appt_sql q = {0};
        wj_buf_puts(&q.sql, pass == 0 ? "SELECT s.facility_id, SUM(b.capacity), '', '', '' FROM appt_sessions s JOIN "
                                        "appt_buckets b ON b.session_id = s.id WHERE s.status = 'open'"
                                      : "SELECT s.facility_id, COUNT(*), a.status, a.channel, a.pool FROM appointments a "
                                        "JOIN appt_sessions s ON s.id = a.session_id WHERE 1 = 1");
        appt_sql_add(&q, " AND s.date >= ?", DB_S(from));
        appt_sql_add(&q, " AND s.date <= ?", DB_S(to));
        if (facility)
            appt_sql_add(&q, " AND s.facility_id = ?", DB_I(facility));
        appt_sql_scope(r, &q, &place_cols, "appointment.stats");
        wj_buf_puts(&q.sql, pass == 0 ? " GROUP BY s.facility_id" : " GROUP BY s.facility_id, a.status, a.channel, a.pool");
        db_rows *rows = appt_sql_run(r, &q, "appointment stats");
        ok = rows != NULL;
        for (int i = 0; ok && i < rows->nrows; i++) {
            fac_stats *f = stats_of(&all, &n, db_int(rows, i, 0));
            long k = (long)db_int(rows, i, 1);
            if (pass == 0) {
                f->places += k;
                continue;
            }
            const char *st = db_text(rows, i, 2);
            if (strcmp(st, "cancelled") == 0) {
                f->cancelled += k;
                continue;
            }
            if (strcmp(st, "booked") == 0)
                f->booked += k;
            else if (strcmp(st, "attended") == 0)
                f->attended += k;
            else if (strcmp(st, "no_show") == 0)
                f->no_show += k;
            else
                continue; /* offers, expired offers */
            int ci = code_index(appt_channels, db_text(rows, i, 3)), pi = code_index(appt_pools, db_text(rows, i, 4));
            if (ci >= 0)
                f->channels[ci] += k;
            if (pi >= 0)
                f->pools[pi] += k;
        }
        if (ok)
            db_rows_free(rows);
    }
    if (!ok) { /* answered by appt_sql_run */
        free(all);
        return;
    }
    fac_stats total = {0};
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        char name[404], type[32];
        json_t *j = stats_json(&all[i]);
        json_object_set_new(j, "facility_id", appt_id_json(all[i].id));
        json_object_set_new(j, "name", facilities_name_type(r->conn, all[i].id, name, type) ? json_string(name)
                                                                                           : json_null());
        json_array_append_new(items, j);
        total.places += all[i].places;
        total.booked += all[i].booked;
        total.attended += all[i].attended;
        total.no_show += all[i].no_show;
        total.cancelled += all[i].cancelled;
        for (int k = 0; k < 4; k++)
            total.channels[k] += all[i].channels[k];
        for (int k = 0; k < APPT_NPOOLS; k++)
            total.pools[k] += all[i].pools[k];
    }
    free(all);
    wj_reply(r, 200, json_pack("{s:s, s:s, s:o, s:o}", "from", from, "to", to, "facilities", items, "total",
                               stats_json(&total)));
}

/* ---- the waiting list ---- */

static const wj_field wait_fields[] = {
    {"session_id", WJ_T_STRING, WJ_REQUIRED, WJ_F_ID},
    {"person_id", WJ_T_STRING, WJ_REQUIRED, WJ_F_ID},
    {"pools", WJ_T_ARRAY, 0, .min = 1, .max = 5, .items = WJ_T_STRING,
     .desc = "pools a freed place may come from (default general); each one the person is eligible for"},
    {0},
};
static const wj_schema wait_schema = {"WaitlistEntry", wait_fields};

static json_t *wait_json(wj_conn *c, int64_t id)
{
    db_rows *rows;
    if (db_query(c,
                 "SELECT w.id, w.session_id, w.person_id, w.pools, w.status, w.appointment_id, w.created_at, "
                 "(SELECT COUNT(*) FROM appt_waitlist o WHERE o.session_id = w.session_id AND o.status = 'waiting' "
                 "AND (o.created_at < w.created_at OR (o.created_at = w.created_at AND o.id < w.id))) "
                 "FROM appt_waitlist w WHERE w.id = ?",
                 DBP(DB_I(id)), &rows) != DB_OK || rows->nrows != 1) {
        db_rows_free(rows);
        return NULL;
    }
    json_t *pools = json_loads(db_text(rows, 0, 3), 0, NULL);
    bool waiting = strcmp(db_text(rows, 0, 4), "waiting") == 0;
    json_t *j = json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "id", appt_id_json(id), "session_id",
                          appt_id_json(db_int(rows, 0, 1)), "person_id", appt_id_json(db_int(rows, 0, 2)), "pools",
                          pools ? pools : json_array(), "status", db_text(rows, 0, 4), "appointment_id",
                          appt_id_json(db_int(rows, 0, 5)), "created_at", appt_time_json(db_int(rows, 0, 6), false),
                          "position", waiting ? json_integer(db_int(rows, 0, 7) + 1) : json_null());
    db_rows_free(rows);
    return j;
}

static void wait_join(wj_req *r)
{
    int64_t sid = id_of(r->body, "session_id"), asked = id_of(r->body, "person_id"), person, now = wj_now_ms();
    const char *channel, *as;
    appt_session s;
    if (!appt_session_load(wj_db_conn(r), sid, &s)) {
        wj_fail(r, 422, "unknown_reference", "session_id", "no such session");
        return;
    }
    /* A restricted resident waits no more than they book online. */
    if (!booking_party(r, &s, asked, &person, &channel, &as) || !session_bookable(r, &s, now) ||
        (strcmp(channel, "online") == 0 && !no_show_ok(r, person, now)))
        return;
    housekeep(r, sid, now);
    json_t *pools = json_object_get(r->body, "pools") ? json_deep_copy(json_object_get(r->body, "pools"))
                                                      : json_pack("[s]", "general");
    size_t i;
    json_t *v;
    char field[24];
    json_array_foreach(pools, i, v) {
        snprintf(field, sizeof field, "pools[%zu]", i);
        if (!appt_pool_bit(json_string_value(v))) {
            json_decref(pools);
            wj_fail(r, 422, "invalid_value", field, "not a pool");
            return;
        }
        if (!pool_eligible(r, person, s.date, json_string_value(v), field, strcmp(channel, "online") == 0)) {
            json_decref(pools);
            return;
        }
    }
    char *text = json_dumps(pools, JSON_COMPACT);
    json_decref(pools);
    db_rows *rows = NULL;
    if (!wj_write_begin(r)) {
        free(text);
        return;
    }
    appt_person_ids ids;
    appt_person_ids_of(r->conn, person, &ids);
    char sql[360];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT COUNT(*) FROM appointments WHERE session_id = ? AND person_id IN %s AND status IN "
             ACTIVE_STATUSES "), (SELECT COUNT(*) FROM appt_waitlist WHERE session_id = ? AND person_id IN %s AND "
             "status IN ('waiting', 'offered'))",
             ids.in, ids.in);
    db_val p[2 * APPT_CLUSTER_MAX + 2] = {DB_I(sid)};
    int k = appt_person_ids_bind(&ids, p, 1);
    p[k++] = DB_I(sid);
    k = appt_person_ids_bind(&ids, p, k);
    if (db_query(r->conn, sql, p, k, &rows) != DB_OK) {
        free(text);
        wj_fail_internal(r, "waitlist check");
        return;
    }
    bool holds = db_int(rows, 0, 0) > 0, waits = db_int(rows, 0, 1) > 0;
    db_rows_free(rows);
    int64_t id = wj_id_new();
    if (holds || waits) {
        refuse(r, 409, "person_id", holds ? "one_per_session" : "already_waiting", NULL,
               holds ? "the person already holds a place in this session" : "the person is already waiting");
    } else if (db_exec(r->conn,
                       "INSERT INTO appt_waitlist (id, session_id, person_id, pools, status, created_at, created_by, "
                       "updated_at) VALUES (?, ?, ?, ?, 'waiting', ?, ?, ?)",
                       DBP(DB_I(id), DB_I(sid), DB_I(person), DB_S(text), DB_I(now), DB_I(r->who->user_id),
                           DB_I(now)),
                       NULL) != DB_OK) {
        wj_fail_internal(r, "waitlist insert");
    } else {
        json_t *j = wait_json(r->conn, id);
        char wid[24];
        wj_id_format(id, wid);
        snprintf(r->location, sizeof r->location, "/api/v1/waitlist/%s", wid);
        wj_audit_subject(r, "waitlist", id);
        if (j) {
            wj_reply(r, 201, j);
            wj_write_commit(r);
        } else {
            wj_fail_internal(r, "waitlist reread");
        }
    }
    free(text);
}

/* The waiting-list entry of the path when the caller may act on it (404 otherwise). */
static db_rows *wait_in_scope(wj_req *r, const char *perm)
{
    int64_t id;
    db_rows *rows;
    if (!wj_path_id(r, 0, "waiting-list entry", &id))
        return NULL;
    wj_audit_subject(r, "waitlist", id);
    if (db_query(wj_db_conn(r),
                 "SELECT w.id, w.session_id, w.person_id, w.status, w.appointment_id, w.created_by, s.facility_id, "
                 "s.area_path FROM appt_waitlist w JOIN appt_sessions s ON s.id = w.session_id WHERE w.id = ?",
                 DBP(DB_I(id)), &rows) != DB_OK) {
        wj_fail_internal(r, "waitlist");
        return NULL;
    }
    if (rows->nrows != 1 || !appt_may_act(r, perm, db_int(rows, 0, 2), db_int(rows, 0, 6), db_text(rows, 0, 7),
                                     db_int(rows, 0, 5))) {
        db_rows_free(rows);
        wj_fail(r, 404, "not_found", NULL, "waiting-list entry not found");
        return NULL;
    }
    return rows;
}

static void wait_leave(wj_req *r)
{
    db_rows *w = wait_in_scope(r, "appointment.book");
    if (!w)
        return;
    int64_t now = wj_now_ms(), id = db_int(w, 0, 0);
    housekeep(r, db_int(w, 0, 1), now);
    db_rows_free(w);
    if (!(w = wait_in_scope(r, "appointment.book")))
        return;
    int64_t offer = db_int(w, 0, 4);
    const char *status = db_text(w, 0, 3);
    if (strcmp(status, "waiting") != 0 && strcmp(status, "offered") != 0) {
        refuse(r, 409, NULL, "not_waiting", json_pack("{s:s}", "status", status), "the entry is no longer waiting");
    } else if (wj_write_begin(r)) {
        /* Declining an offer frees its place for the next in line. */
        db_rows *a = strcmp(status, "offered") == 0 ? appt_load(r, offer) : NULL;
        bool ok = (!offer || strcmp(status, "offered") != 0 || (a && cancel_live(r, a, "declined", now))) &&
                  db_exec(r->conn, "UPDATE appt_waitlist SET status = 'cancelled', updated_at = ? WHERE id = ?",
                          DBP(DB_I(now), DB_I(id)), NULL) == DB_OK;
        db_rows_free(a);
        if (ok) {
            wj_reply(r, 204, NULL);
            wj_write_commit(r);
        } else if (!wj_failed(r)) {
            wj_fail_internal(r, "waitlist leave");
        }
    }
    db_rows_free(w);
}

static void wait_accept(wj_req *r)
{
    db_rows *w = wait_in_scope(r, "appointment.book");
    if (!w)
        return;
    int64_t now = wj_now_ms(), id = db_int(w, 0, 0);
    housekeep(r, db_int(w, 0, 1), now);
    db_rows_free(w);
    if (!(w = wait_in_scope(r, "appointment.book")))
        return;
    int64_t offer = db_int(w, 0, 4);
    if (wj_write_begin(r)) {
        appt_session s;
        db_rows *a = NULL;
        if (!appt_session_load(r->conn, db_int(w, 0, 1), &s) || !appt_settle(r->conn, &s, now)) {
            wj_fail_internal(r, "settle");
        } else if (!offer || !(a = appt_load(r, offer)) || strcmp(db_text(a, 0, AC_STATUS), "offered") != 0) {
            if (!wj_failed(r) || r->status == 404) {
                wj_error_clear(&r->err);
                refuse(r, 409, NULL, "no_offer", NULL, "there is no open offer (it may have expired)");
            }
        } else if ((strcmp(db_text(a, 0, AC_CHANNEL), "online") != 0 || no_show_ok(r, db_int(w, 0, 2), now)) &&
                   limits_ok(r, db_int(w, 0, 2), s.date, s.department_id, offer)) {
            if (db_exec(r->conn,
                        "UPDATE appointments SET status = 'booked', offer_expires_at = NULL, updated_at = ? WHERE id = ?",
                        DBP(DB_I(now), DB_I(offer)), NULL) != DB_OK ||
                db_exec(r->conn, "UPDATE appt_waitlist SET status = 'booked', updated_at = ? WHERE id = ?",
                        DBP(DB_I(now), DB_I(id)), NULL) != DB_OK)
                wj_fail_internal(r, "accept");
            else
                reply_appt(r, offer);
        }
        db_rows_free(a);
    }
    db_rows_free(w);
}

static void wait_list(wj_req *r)
{
    /* Scope as for appointments: the entry's person, its session's facility and area. */
    static const appt_scope_cols cols = {"w.created_by", "s.facility_id", "s.area_path", "w.person_id"};
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    int64_t person = 0, session = 0;
    wj_id_parse(wj_qparam(r, "person"), &person);
    wj_id_parse(wj_qparam(r, "session"), &session);
    if (person)
        person = mpi_resolve(wj_db_conn(r), person);
    appt_sql q = {0};
    wj_buf_puts(&q.sql, "SELECT w.id, w.session_id, w.status FROM appt_waitlist w JOIN appt_sessions s "
                        "ON s.id = w.session_id WHERE 1 = 1");
    if (wj_qparam(r, "person")) {
        appt_sql_persons(wj_db_conn(r), &q, "AND", "w.person_id", person);
        q.one_person = true;
    }
    if (session)
        appt_sql_add(&q, " AND w.session_id = ?", DB_I(session));
    if (pg.after)
        appt_sql_add(&q, " AND w.id < ?", DB_I(pg.id));
    appt_sql_scope(r, &q, &cols, "appointment.read");
    appt_sql_add(&q, " ORDER BY w.id DESC LIMIT ?", DB_I(pg.limit + 1));
    db_rows *rows = appt_sql_run(r, &q, "waitlist list");
    if (!rows)
        return;
    if (person)
        wj_audit_subject(r, "person", person);
    json_t *items = json_array();
    char *next;
    int n = wj_page_rows(&pg, rows, 0, 0, &next);
    int64_t now = wj_now_ms();
    for (int i = 0; i < n; i++)
        if (strcmp(db_text(rows, i, 2), "offered") == 0)
            housekeep(r, db_int(rows, i, 1), now);
    for (int i = 0; i < n; i++) {
        json_t *j = wait_json(r->conn, db_int(rows, i, 0));
        if (j)
            json_array_append_new(items, j);
    }
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}

/* ---- notifications ---- */

/* The persons whose notifications the caller reads: their own and those they manage. */
static int caller_persons(wj_req *r, int64_t out[APPT_MANAGED_MAX + 1])
{
    int64_t own = own_person(r);
    if (!own)
        return 0;
    out[0] = mpi_resolve(wj_db_conn(r), own);
    int n = mpi_managed_persons(r->conn, out[0], out + 1, APPT_MANAGED_MAX);
    return 1 + (n > 0 ? n : 0);
}

static void notifications_list(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    int64_t persons[APPT_MANAGED_MAX + 1];
    int np = caller_persons(r, persons);
    const char *unread = wj_qparam(r, "unread");
    appt_sql q = {0};
    wj_buf_puts(&q.sql, "SELECT id, person_id, kind, text, ref_type, ref_id, created_at, read_at FROM notifications "
                        "WHERE (1 = 0");
    for (int i = 0; i < np; i++)
        appt_sql_persons(wj_db_conn(r), &q, "OR", "person_id", persons[i]);
    wj_buf_puts(&q.sql, ")");
    if (unread && strcmp(unread, "true") == 0)
        wj_buf_puts(&q.sql, " AND read_at IS NULL");
    if (pg.after)
        appt_sql_add(&q, " AND id < ?", DB_I(pg.id));
    appt_sql_add(&q, " ORDER BY id DESC LIMIT ?", DB_I(pg.limit + 1));
    db_rows *rows = appt_sql_run(r, &q, "notifications");
    if (!rows)
        return;
    json_t *items = json_array();
    char *next;
    int n = wj_page_rows(&pg, rows, 0, 0, &next);
    for (int i = 0; i < n; i++)
        json_array_append_new(
            items, json_pack("{s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "id", appt_id_json(db_int(rows, i, 0)),
                             "person_id", appt_id_json(db_int(rows, i, 1)), "kind", db_text(rows, i, 2), "text",
                             db_text(rows, i, 3), "ref_type",
                             db_is_null(rows, i, 4) ? json_null() : json_string(db_text(rows, i, 4)), "ref_id",
                             appt_id_json(db_int(rows, i, 5)), "created_at",
                             appt_time_json(db_int(rows, i, 6), false), "read_at",
                             appt_time_json(db_int(rows, i, 7), true)));
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}

static void notification_read(wj_req *r)
{
    int64_t id, persons[APPT_MANAGED_MAX + 1];
    if (!wj_path_id(r, 0, "notification", &id))
        return;
    wj_audit_subject(r, "notification", id);
    int np = caller_persons(r, persons);
    db_rows *rows;
    if (db_query(wj_db_conn(r), "SELECT person_id FROM notifications WHERE id = ?", DBP(DB_I(id)), &rows) != DB_OK) {
        wj_fail_internal(r, "notification");
        return;
    }
    /* Kept under the person's id of the day: it may since have been merged. */
    int64_t whose = rows->nrows == 1 ? mpi_resolve(r->conn, db_int(rows, 0, 0)) : 0;
    bool mine = false;
    for (int i = 0; whose && i < np; i++)
        mine |= persons[i] == whose;
    db_rows_free(rows);
    if (!mine) {
        wj_fail(r, 404, "not_found", NULL, "notification not found");
        return;
    }
    if (!wj_write_begin(r))
        return;
    int64_t now = wj_now_ms();
    if (db_exec(r->conn, "UPDATE notifications SET read_at = ? WHERE id = ? AND read_at IS NULL",
                DBP(DB_I(now), DB_I(id)), NULL) != DB_OK) {
        wj_fail_internal(r, "notification read");
        return;
    }
    wj_reply(r, 200, json_pack("{s:o, s:o}", "id", appt_id_json(id), "read_at", appt_time_json(now, false)));
    wj_write_commit(r);
}

/* ---- the tables ---- */

static const wj_param schedules_query[] = {
    {"facility", WJ_T_STRING, 0, WJ_F_ID, .desc = "only this facility's schedules"},
    {"department", WJ_T_STRING, 0, WJ_F_ID, .desc = "only schedules of this department (teams included)"},
    {"doctor", WJ_T_STRING, 0, WJ_F_ID, .desc = "only schedules of this doctor (teams included)"},
    {0},
};

static const wj_param slots_query[] = {
    {"facility", WJ_T_STRING, 0, WJ_F_ID, .desc = "sessions at this facility"},
    {"department", WJ_T_STRING, 0, WJ_F_ID, .desc = "sessions of this department (teams included)"},
    {"doctor", WJ_T_STRING, 0, WJ_F_ID, .desc = "sessions of this doctor (teams included)"},
    {"date", WJ_T_STRING, 0, WJ_F_DATE, .desc = "first day (default today, Asia/Shanghai)"},
    {"days", WJ_T_INT, 0, .min = 1, .max = 31, .desc = "how many days from date (default 1)"},
    {"channel", WJ_T_STRING, 0, .enums = appt_channels,
     .desc = "whose places to count (default: the caller's own channel; residents: online only)"},
    {0},
};

static const wj_param appointments_query[] = {
    {"person", WJ_T_STRING, 0, WJ_F_ID, .desc = "this person's appointments"},
    {"session", WJ_T_STRING, 0, WJ_F_ID, .desc = "this session's appointments"},
    {"facility", WJ_T_STRING, 0, WJ_F_ID, .desc = "appointments at this facility"},
    {"date", WJ_T_STRING, 0, WJ_F_DATE, .desc = "appointments on this day"},
    {"status", WJ_T_STRING, 0, .enums = appt_statuses},
    {0},
};

static const wj_param stats_query[] = {
    {"from", WJ_T_STRING, 0, WJ_F_DATE, .desc = "first session day (default 29 days before to)"},
    {"to", WJ_T_STRING, 0, WJ_F_DATE, .desc = "last session day (default today)"},
    {"facility", WJ_T_STRING, 0, WJ_F_ID, .desc = "one facility only"},
    {0},
};

static const wj_param waitlist_query[] = {
    {"person", WJ_T_STRING, 0, WJ_F_ID, .desc = "this person's entries"},
    {"session", WJ_T_STRING, 0, WJ_F_ID, .desc = "this session's entries"},
    {0},
};

static const wj_param notifications_query[] = {
    {"unread", WJ_T_BOOL, 0, .desc = "true: only the unread"},
    {0},
};

#define BOOKERS (WJ_R(RESIDENT) | WJ_R(CLINICIAN) | WJ_R(FACILITY_STAFF) | WJ_R(FACILITY_ADMIN) | WJ_R(HOTLINE_OPERATOR))

static const wj_permission perms[] = {
    {"schedule.read", WJ_ROLES_ALL, "see schedules, sessions and available places (no personal data)"},
    {"appointment.schedule", WJ_R(FACILITY_ADMIN) | WJ_R(FACILITY_STAFF),
     "create and change the schedules of your facility"},
    {"appointment.leave", WJ_R(FACILITY_ADMIN) | WJ_R(FACILITY_STAFF) | WJ_R(CLINICIAN),
     "cancel sessions for leave (a clinician: their own schedules)"},
    {"appointment.book", BOOKERS,
     "book, cancel and wait for places: residents online for themselves and those they manage, operators by "
     "phone, the desk on site, community clinicians by referral"},
    {"appointment.read", BOOKERS | WJ_R(COMMISSION_STAFF) | WJ_R(COMMISSION_ADMIN),
     "read appointments in your scope (personal: audited)"},
    {"appointment.attendance", WJ_R(CLINICIAN) | WJ_R(FACILITY_STAFF) | WJ_R(FACILITY_ADMIN),
     "record attendance and no-shows at your facility"},
    {"appointment.stats", WJ_R(COMMISSION_STAFF) | WJ_R(COMMISSION_ADMIN) | WJ_R(FACILITY_ADMIN),
     "fill rate, no-shows and shares per channel and pool of the facilities in your scope"},
    {"notification.read", WJ_R(RESIDENT), "read your notifications and those of the persons you manage"},
    {0},
};

static const wj_route routes[] = {
    {"POST", "/api/v1/schedules", schedule_create, "appointment.schedule", WJ_SCOPE_TARGET, schedule_create_target,
     &schedule_schema, .flags = WJ_TARGET_BODY,
     .summary = "Create a doctor's, department's or MDT team's schedule; its sessions are generated ahead",
     .success = 201},
    {"GET", "/api/v1/schedules", schedule_list, "schedule.read", WJ_SCOPE_ANY, .query = schedules_query,
     .flags = WJ_LIST, .summary = "Schedules by facility, department or doctor", .success = 200},
    {"GET", "/api/v1/schedules/{id}", schedule_get, "schedule.read", WJ_SCOPE_ANY,
     .summary = "One schedule with its template and release rule", .success = 200},
    {"PATCH", "/api/v1/schedules/{id}", schedule_update, "appointment.schedule", WJ_SCOPE_TARGET, schedule_target,
     &schedule_patch_schema, .flags = WJ_IF_MATCH,
     .summary = "Change a schedule (sessions generated from now on follow it)", .success = 200},
    {"POST", "/api/v1/schedules/{id}/leave", schedule_leave, "appointment.leave", WJ_SCOPE_TARGET, schedule_target,
     &leave_schema,
     .summary = "Leave: cancel the sessions of those days, cancel their bookings and notify each person",
     .success = 200},
    {"GET", "/api/v1/slots", slots, "schedule.read", WJ_SCOPE_ANY, .query = slots_query, .flags = WJ_LIST,
     .summary = "Sessions with their places per pool for one channel (residents: released sessions only)",
     .success = 200},
    {"GET", "/api/v1/sessions/{id}", session_get, "schedule.read", WJ_SCOPE_ANY,
     .summary = "One session with every bucket (pool × channel)", .success = 200},
    {"POST", "/api/v1/appointments", book, "appointment.book", WJ_SCOPE_ANY, .body = &book_schema,
     .summary = "Book a place (the channel follows the caller; group commit; Idempotency-Key honoured)",
     .success = 201},
    {"GET", "/api/v1/appointments", appt_list, "appointment.read", WJ_SCOPE_ANY, .query = appointments_query,
     .flags = WJ_LIST | WJ_PERSONAL, .summary = "Appointments in your scope, newest first", .success = 200},
    {"GET", "/api/v1/appointments/stats", stats, "appointment.stats", WJ_SCOPE_ANY, .query = stats_query,
     .summary = "Per facility in your scope: places, bookings, fill rate, no-show rate, shares per channel and pool",
     .success = 200},
    {"GET", "/api/v1/appointments/{id}", appt_get, "appointment.read", WJ_SCOPE_ANY, .flags = WJ_PERSONAL,
     .summary = "One appointment (audited; 404 outside your scope)", .success = 200},
    {"POST", "/api/v1/appointments/{id}/cancel", appt_cancel, "appointment.book", WJ_SCOPE_ANY, .body = &cancel_schema,
     .flags = WJ_PERSONAL, .summary = "Cancel before the cutoff; the place goes to the waiting list", .success = 200},
    {"POST", "/api/v1/appointments/{id}/no-show", appt_no_show, "appointment.attendance", WJ_SCOPE_ANY,
     .flags = WJ_PERSONAL, .summary = "Record a no-show", .success = 200},
    {"POST", "/api/v1/appointments/{id}/attended", appt_attended, "appointment.attendance", WJ_SCOPE_ANY,
     .flags = WJ_PERSONAL, .summary = "Record that the person came", .success = 200},
    {"POST", "/api/v1/waitlist", wait_join, "appointment.book", WJ_SCOPE_ANY, .body = &wait_schema,
     .flags = WJ_PERSONAL, .summary = "Join a session's waiting list", .success = 201},
    {"GET", "/api/v1/waitlist", wait_list, "appointment.read", WJ_SCOPE_ANY, .query = waitlist_query,
     .flags = WJ_LIST | WJ_PERSONAL, .summary = "Waiting-list entries in your scope, newest first", .success = 200},
    {"DELETE", "/api/v1/waitlist/{id}", wait_leave, "appointment.book", WJ_SCOPE_ANY, .flags = WJ_PERSONAL,
     .summary = "Leave the waiting list (declining an open offer)", .success = 204},
    {"POST", "/api/v1/waitlist/{id}/accept", wait_accept, "appointment.book", WJ_SCOPE_ANY, .flags = WJ_PERSONAL,
     .summary = "Take the place offered before the offer expires", .success = 200},
    {"GET", "/api/v1/notifications", notifications_list, "notification.read", WJ_SCOPE_ANY,
     .query = notifications_query, .flags = WJ_LIST | WJ_PERSONAL,
     .summary = "Your notifications and those of the persons you manage, newest first", .success = 200},
    {"POST", "/api/v1/notifications/{id}/read", notification_read, "notification.read", WJ_SCOPE_ANY,
     .flags = WJ_PERSONAL, .summary = "Mark a notification read", .success = 200},
    /* FHIR R4 (appt_fhir.c): the same data, scope and audit as the routes above. */
    {"GET", "/fhir/Schedule/{id}", appt_fhir_schedule_read, "schedule.read", WJ_SCOPE_ANY,
     .summary = "FHIR Schedule (application/fhir+json)", .success = 200},
    {"GET", "/fhir/Schedule", appt_fhir_schedule_search, "schedule.read", WJ_SCOPE_ANY,
     .query = appt_fhir_schedule_query, .summary = "FHIR Schedule search: a searchset Bundle", .success = 200},
    {"GET", "/fhir/Slot/{id}", appt_fhir_slot_read, "schedule.read", WJ_SCOPE_ANY,
     .summary = "FHIR Slot: one time slot of a session, id {session}-{n}", .success = 200},
    {"GET", "/fhir/Slot", appt_fhir_slot_search, "schedule.read", WJ_SCOPE_ANY, .query = appt_fhir_slot_query,
     .summary = "FHIR Slot search by schedule and start: a searchset Bundle", .success = 200},
    {"GET", "/fhir/Appointment/{id}", appt_fhir_appointment_read, "appointment.read", WJ_SCOPE_ANY,
     .flags = WJ_PERSONAL, .summary = "FHIR Appointment (audited; 404 outside scope)", .success = 200},
    {"GET", "/fhir/Appointment", appt_fhir_appointment_search, "appointment.read", WJ_SCOPE_ANY,
     .query = appt_fhir_appointment_query, .flags = WJ_PERSONAL,
     .summary = "FHIR Appointment search by patient: what the caller may read", .success = 200},
    {0},
};

const wj_module wj_module_appointments = {
    .name = "appointments",
    .title_zh = "预约诊疗",
    .title_en = "Appointments",
    .menu_perm = "schedule.read",
    .routes = routes,
    .perms = perms,
    .init = appt_config_load,
    .demo = appt_demo,
};
