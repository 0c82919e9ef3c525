/* appt_fhir.c — the appointments module's FHIR R4 face (docs/appointments.md, "FHIR R4"):
 * Schedule, Slot and Appointment, read and search, as application/fhir+json.
 *
 *   Schedule     one per schedule; actor: the doctor (Practitioner/{user id}) and the
 *                departments (HealthcareService/{department id}).
 *   Slot         one per time slot of a session, id "{session id}-{n}": its places are the
 *                session's places whose start falls in it (appt_slot_start); free while one
 *                is not taken, busy when all are, busy-unavailable when the session was
 *                cancelled or is not released yet.
 *   Appointment  one per appointment; the patient is Patient/{person id} (the index's id).
 *
 * Same permissions and scope as the native routes: schedules and slots are directory
 * data (residents see released sessions only); appointments are personal (read audited,
 * 404 outside scope; a search returns what the caller may read). Errors the handlers
 * find answer an OperationOutcome; those of the core (401, 403, a bad query parameter)
 * keep the API's error document. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/util.h"
#include "appt_fhir.h"
#include "appt_store.h"
#include "mpi.h"

#define FHIR_TYPE "application/fhir+json; charset=utf-8"
#define SEARCH_MAX 200   /* entries of one search Bundle */
#define SLOT_DAYS_MAX 31 /* days one Slot search may span */

const wj_param appt_fhir_schedule_query[] = {
    {"actor", WJ_T_STRING, 0, .max = 64, .desc = "Practitioner/{doctor id} or HealthcareService/{department id}"},
    {0},
};
const wj_param appt_fhir_slot_query[] = {
    {"schedule", WJ_T_STRING, 0, .max = 64, .desc = "Schedule/{id} (required)"},
    {"start", WJ_T_STRING, 0, .max = 40,
     .desc = "a day YYYY-MM-DD (Asia/Shanghai) or an instant, optionally prefixed ge, gt, le, lt; default: the next 31 days"},
    {"status", WJ_T_STRING, 0, .max = 20, .desc = "free, busy or busy-unavailable"},
    {0},
};
const wj_param appt_fhir_appointment_query[] = {
    {"patient", WJ_T_STRING, 0, .max = 64, .desc = "Patient/{person id} (required)"},
    {"status", WJ_T_STRING, 0, .max = 20, .desc = "booked, fulfilled, noshow, cancelled, proposed"},
    {0},
};

/* ---- answers ---- */

static void fhir_reply(wj_req *r, int status, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    wj_reply_raw(r, status, FHIR_TYPE, text, strlen(text));
}

/* An OperationOutcome: `code` from the FHIR issue-type value set (not-found, invalid,
 * exception), `expression` the parameter at fault (NULL when none). */
static void fhir_fail(wj_req *r, int status, const char *code, const char *expression, const char *diagnostics)
{
    json_t *issue = json_pack("{s:s, s:s, s:s}", "severity", "error", "code", code, "diagnostics", diagnostics);
    if (expression)
        json_object_set_new(issue, "expression", json_pack("[s]", expression));
    fhir_reply(r, status, json_pack("{s:s, s:[o]}", "resourceType", "OperationOutcome", "issue", issue));
}

static json_t *ref(const char *type, int64_t id, const char *display)
{
    char s[80];
    snprintf(s, sizeof s, "%s/%lld", type, (long long)id);
    json_t *j = json_pack("{s:s}", "reference", s);
    if (display && *display)
        json_object_set_new(j, "display", json_string(display));
    return j;
}

/* Practitioner/{id} and HealthcareService/{id} with the name to display. */
static json_t *doctor_ref(wj_conn *c, int64_t id)
{
    json_t *d = appt_doctor_json(c, id), *r = ref("Practitioner", id, json_string_value(json_object_get(d, "name")));
    json_decref(d);
    return r;
}

static json_t *department_ref(wj_conn *c, int64_t id)
{
    json_t *d = appt_department_json(c, id);
    json_t *r = ref("HealthcareService", id, json_string_value(json_object_get(d, "name")));
    json_decref(d);
    return r;
}

/* A searchset Bundle of `resources` (stolen). */
static json_t *bundle(json_t *resources)
{
    json_t *entries = json_array();
    size_t i;
    json_t *res;
    json_array_foreach(resources, i, res)
    {
        char url[160];
        snprintf(url, sizeof url, "%s/%s", json_string_value(json_object_get(res, "resourceType")),
                 json_string_value(json_object_get(res, "id")));
        json_array_append_new(entries, json_pack("{s:s, s:O, s:{s:s}}", "fullUrl", url, "resource", res, "search",
                                                 "mode", "match"));
    }
    json_t *b = json_pack("{s:s, s:s, s:I, s:o}", "resourceType", "Bundle", "type", "searchset", "total",
                          (json_int_t)json_array_size(resources), "entry", entries);
    json_decref(resources);
    return b;
}

/* A reference parameter: "Type/123" or "123" (any other type refused). */
static bool ref_param(const char *v, const char *type, int64_t *id)
{
    size_t n = strlen(type);
    if (strncmp(v, type, n) == 0 && v[n] == '/')
        v += n + 1;
    return wj_id_parse(v, id);
}

static const char *fee_text(const char *fee)
{
    const wj_enum *e = wj_enum_find(appt_fee_classes, fee);
    return e ? e->zh : fee;
}

/* ---- Schedule ---- */

#define SCHEDULE_COLS "id, facility_id, department_id, doctor_id, name, fee_class, valid_from, valid_to, generated_to"

static json_t *schedule_resource(wj_conn *c, const db_rows *rows, int i)
{
    int64_t id = db_int(rows, i, 0);
    char sid[24], today[11];
    wj_id_format(id, sid);
    wj_today_shanghai(today);
    json_t *actors = json_array();
    db_rows *m;
    if (db_query(c, "SELECT department_id, doctor_id FROM appt_schedule_members WHERE schedule_id = ? ORDER BY id",
                 DBP(DB_I(id)), &m) != DB_OK)
        m = NULL;
    /* The doctor first (a doctor's schedule names one), then every department. */
    if (db_int(rows, i, 3))
        json_array_append_new(actors, doctor_ref(c, db_int(rows, i, 3)));
    for (int k = 0; m && k < m->nrows; k++) {
        if (db_int(m, k, 1) && db_int(m, k, 1) != db_int(rows, i, 3))
            json_array_append_new(actors, doctor_ref(c, db_int(m, k, 1)));
        if (db_int(m, k, 0))
            json_array_append_new(actors, department_ref(c, db_int(m, k, 0)));
    }
    if (json_array_size(actors) == 0) /* a schedule has at least its department */
        json_array_append_new(actors, department_ref(c, db_int(rows, i, 2)));
    db_rows_free(m);
    const char *to = db_text(rows, i, 7), *gen = db_text(rows, i, 8);
    json_t *horizon = json_pack("{s:s}", "start", db_text(rows, i, 6));
    if (to || gen)
        json_object_set_new(horizon, "end", json_string(to ? to : gen));
    return json_pack("{s:s, s:s, s:b, s:[{s:s}], s:o, s:o, s:s}", "resourceType", "Schedule", "id", sid, "active",
                     !to || strcmp(today, to) <= 0, "serviceType", "text", fee_text(db_text(rows, i, 5)), "actor", actors,
                     "planningHorizon", horizon, "comment", db_text(rows, i, 4));
}

void appt_fhir_schedule_read(wj_req *r)
{
    int64_t id;
    db_rows *rows;
    if (!wj_id_parse(r->path_params[0], &id)) {
        fhir_fail(r, 404, "not-found", NULL, "no such Schedule");
        return;
    }
    if (db_query(wj_db_conn(r), "SELECT " SCHEDULE_COLS " FROM appt_schedules WHERE id = ?", DBP(DB_I(id)), &rows) !=
        DB_OK) {
        wj_fail_internal(r, "schedule");
        return;
    }
    if (rows->nrows != 1)
        fhir_fail(r, 404, "not-found", NULL, "no such Schedule");
    else
        fhir_reply(r, 200, schedule_resource(r->conn, rows, 0));
    db_rows_free(rows);
}

void appt_fhir_schedule_search(wj_req *r)
{
    const char *actor = wj_qparam(r, "actor");
    int64_t doctor = 0, dept = 0;
    if (actor && !(strncmp(actor, "Practitioner/", 13) == 0 ? ref_param(actor, "Practitioner", &doctor)
                                                              : ref_param(actor, "HealthcareService", &dept))) {
        fhir_fail(r, 400, "invalid", "actor", "actor is Practitioner/{id} or HealthcareService/{id}");
        return;
    }
    db_rows *rows;
    if (db_query(wj_db_conn(r),
                 "SELECT " SCHEDULE_COLS " FROM appt_schedules sc WHERE (? = 0 OR EXISTS (SELECT 1 FROM "
                 "appt_schedule_members m WHERE m.schedule_id = sc.id AND m.doctor_id = ?) OR sc.doctor_id = ?) "
                 "AND (? = 0 OR EXISTS (SELECT 1 FROM appt_schedule_members m WHERE m.schedule_id = sc.id AND "
                 "m.department_id = ?) OR sc.department_id = ?) ORDER BY sc.id LIMIT ?",
                 DBP(DB_I(doctor), DB_I(doctor), DB_I(doctor), DB_I(dept), DB_I(dept), DB_I(dept), DB_I(SEARCH_MAX)),
                 &rows) != DB_OK) {
        wj_fail_internal(r, "schedule search");
        return;
    }
    json_t *found = json_array();
    for (int i = 0; i < rows->nrows; i++)
        json_array_append_new(found, schedule_resource(r->conn, rows, i));
    db_rows_free(rows);
    fhir_reply(r, 200, bundle(found));
}

/* ---- Slot ---- */

/* The time slots of a session: how many there are, and for each its places and how many
 * are taken (live appointments: booked, or offered to the waiting list). */
typedef struct slot_fill {
    int n;
    int places[256], taken[256];
} slot_fill;

static int slot_of(const appt_session *s, int place)
{
    int64_t len = (int64_t)s->slot_minutes * 60000;
    int k = len > 0 ? (int)((appt_slot_start(s, place) - s->starts_at) / len) : 0;
    return k < 0 ? 0 : k > 255 ? 255 : k;
}

static bool fill_of(wj_conn *c, const appt_session *s, slot_fill *f)
{
    memset(f, 0, sizeof *f);
    int64_t len = (int64_t)s->slot_minutes * 60000;
    f->n = len > 0 ? (int)((s->ends_at - s->starts_at + len - 1) / len) : 1;
    if (f->n < 1)
        f->n = 1;
    if (f->n > 256)
        f->n = 256;
    for (int p = 0; p < s->places; p++)
        f->places[slot_of(s, p)]++;
    db_rows *rows;
    if (db_query(c, "SELECT slot FROM appointments WHERE session_id = ? AND status IN " APPT_ACTIVE_STATUSES,
                 DBP(DB_I(s->id)), &rows) != DB_OK)
        return false;
    for (int i = 0; i < rows->nrows; i++)
        f->taken[slot_of(s, (int)db_int(rows, i, 0))]++;
    db_rows_free(rows);
    return true;
}

static json_t *slot_resource(const appt_session *s, const slot_fill *f, int k, int64_t now)
{
    char id[48], sched[48], comment[120];
    snprintf(id, sizeof id, "%lld-%d", (long long)s->id, k);
    snprintf(sched, sizeof sched, "Schedule/%lld", (long long)s->schedule_id);
    int64_t start = s->starts_at + (int64_t)k * s->slot_minutes * 60000, end = start + (int64_t)s->slot_minutes * 60000;
    if (end > s->ends_at)
        end = s->ends_at;
    int free_places = f->places[k] - f->taken[k];
    const char *status = s->cancelled || s->release_at > now ? "busy-unavailable" : free_places > 0 ? "free" : "busy";
    if (s->cancelled)
        snprintf(comment, sizeof comment, "停诊 (session cancelled)");
    else
        snprintf(comment, sizeof comment, "号源 %d，余 %d (places %d, available %d)", f->places[k],
                 free_places > 0 ? free_places : 0, f->places[k], free_places > 0 ? free_places : 0);
    return json_pack("{s:s, s:s, s:{s:s}, s:[{s:s}], s:s, s:o, s:o, s:b, s:s}", "resourceType", "Slot", "id", id,
                     "schedule", "reference", sched, "serviceType", "text", fee_text(s->fee_class), "status", status,
                     "start", wj_time_json(start, false), "end", wj_time_json(end, false), "overbooked", false, "comment", comment);
}

/* "{session}-{n}" */
static bool slot_id(const char *v, int64_t *session, int *k)
{
    const char *dash = v ? strrchr(v, '-') : NULL;
    char head[24];
    if (!dash || dash - v >= (long)sizeof head)
        return false;
    snprintf(head, sizeof head, "%.*s", (int)(dash - v), v);
    int64_t n;
    if (!wj_id_parse(head, session) || !wj_parse_i64(dash + 1, &n) || n < 0 || n > 255)
        return false;
    *k = (int)n;
    return true;
}

void appt_fhir_slot_read(wj_req *r)
{
    int64_t session, now = wj_now_ms();
    int k;
    appt_session s;
    slot_fill f;
    if (!slot_id(r->path_params[0], &session, &k) || !appt_session_load(wj_db_conn(r), session, &s) ||
        (appt_resident_only(r) && s.release_at > now)) {
        fhir_fail(r, 404, "not-found", NULL, "no such Slot");
        return;
    }
    if (!fill_of(r->conn, &s, &f)) {
        wj_fail_internal(r, "slot");
        return;
    }
    if (k >= f.n) {
        fhir_fail(r, 404, "not-found", NULL, "no such Slot");
        return;
    }
    fhir_reply(r, 200, slot_resource(&s, &f, k, now));
}

/* FHIR date search on `start`: a day (eq: that day, Asia/Shanghai) or ge/gt/le/lt with a
 * day or an instant. Fills [from, to) in ms; false when malformed. */
static bool start_param(const char *v, int64_t *from, int64_t *to)
{
    char prefix[3] = "eq";
    if (strlen(v) > 2 && v[0] >= 'a' && v[0] <= 'z') {
        memcpy(prefix, v, 2);
        v += 2;
    }
    int64_t days, t;
    bool is_day = strlen(v) == 10 && wj_date_days(v, &days);
    if (is_day)
        t = wj_shanghai_instant(days, 0);
    else if (!wj_time_parse(v, &t))
        return false;
    int64_t span = (int64_t)SLOT_DAYS_MAX * 86400000, next = is_day ? t + 86400000 : t + 1;
    if (strcmp(prefix, "eq") == 0) {
        *from = t;
        *to = next;
    } else if (strcmp(prefix, "ge") == 0 || strcmp(prefix, "gt") == 0) {
        *from = strcmp(prefix, "ge") == 0 ? t : next;
        *to = *from + span;
    } else if (strcmp(prefix, "le") == 0 || strcmp(prefix, "lt") == 0) {
        *to = strcmp(prefix, "le") == 0 ? next : t;
        *from = *to - span;
    } else
        return false;
    return true;
}

void appt_fhir_slot_search(wj_req *r)
{
    int64_t schedule = 0, from, to, now = wj_now_ms();
    const char *sp = wj_qparam(r, "schedule"), *st = wj_qparam(r, "start"), *status = wj_qparam(r, "status");
    if (!sp || !ref_param(sp, "Schedule", &schedule)) {
        fhir_fail(r, 400, "invalid", "schedule", "schedule is required: Schedule/{id}");
        return;
    }
    if (st && !start_param(st, &from, &to)) {
        fhir_fail(r, 400, "invalid", "start", "start is a date (YYYY-MM-DD) or an instant, with ge, gt, le or lt");
        return;
    }
    if (!st) { /* from now, the search window ahead */
        from = now;
        to = now + (int64_t)SLOT_DAYS_MAX * 86400000;
    }
    if (status && strcmp(status, "free") != 0 && strcmp(status, "busy") != 0 && strcmp(status, "busy-unavailable") != 0) {
        fhir_fail(r, 400, "invalid", "status", "status is free, busy or busy-unavailable");
        return;
    }
    bool resident = appt_resident_only(r);
    db_rows *rows;
    /* Sessions overlapping the window; their slots are filtered to start inside it. */
    if (db_query(wj_db_conn(r),
                 "SELECT id FROM appt_sessions WHERE schedule_id = ? AND starts_at < ? AND ends_at > ? "
                 "AND (? = 0 OR release_at <= ?) ORDER BY starts_at, id LIMIT ?",
                 DBP(DB_I(schedule), DB_I(to), DB_I(from), DB_I(resident), DB_I(now), DB_I(SEARCH_MAX)),
                 &rows) != DB_OK) {
        wj_fail_internal(r, "slot search");
        return;
    }
    json_t *found = json_array();
    for (int i = 0; i < rows->nrows && json_array_size(found) < SEARCH_MAX; i++) {
        appt_session s;
        slot_fill f;
        if (!appt_session_load(r->conn, db_int(rows, i, 0), &s) || !fill_of(r->conn, &s, &f))
            continue;
        for (int k = 0; k < f.n && json_array_size(found) < SEARCH_MAX; k++) {
            int64_t start = s.starts_at + (int64_t)k * s.slot_minutes * 60000;
            if (start < from || start >= to || f.places[k] == 0)
                continue;
            json_t *slot = slot_resource(&s, &f, k, now);
            if (status && strcmp(status, json_string_value(json_object_get(slot, "status"))) != 0)
                json_decref(slot);
            else
                json_array_append_new(found, slot);
        }
    }
    db_rows_free(rows);
    fhir_reply(r, 200, bundle(found));
}

/* ---- Appointment ---- */

static const char *appointment_status(const char *s)
{
    return strcmp(s, "booked") == 0      ? "booked"
           : strcmp(s, "attended") == 0  ? "fulfilled"
           : strcmp(s, "no_show") == 0   ? "noshow"
           : strcmp(s, "offered") == 0   ? "proposed"
                                          : "cancelled"; /* cancelled, expired */
}

static json_t *appointment_resource(wj_conn *c, const db_rows *rows, int i)
{
    char id[24], slot[48], comment[96];
    wj_id_format(db_int(rows, i, AC_ID), id);
    appt_session s;
    int64_t start = db_int(rows, i, AC_SLOT_START), end = start + db_int(rows, i, AC_SLOT_MINUTES) * 60000;
    snprintf(slot, sizeof slot, "Slot/%lld-%d", (long long)db_int(rows, i, AC_SESSION),
             appt_session_load(c, db_int(rows, i, AC_SESSION), &s) ? slot_of(&s, (int)db_int(rows, i, AC_SLOT)) : 0);
    snprintf(comment, sizeof comment, "pool %s, channel %s", db_text(rows, i, AC_POOL), db_text(rows, i, AC_CHANNEL));
    const char *status = appointment_status(db_text(rows, i, AC_STATUS));
    json_t *participants = json_array();
    json_array_append_new(participants,
                          json_pack("{s:o, s:s, s:s}", "actor", ref("Patient", db_int(rows, i, AC_PERSON), NULL), "required",
                                    "required", "status", strcmp(status, "proposed") == 0 ? "needs-action" : "accepted"));
    if (db_int(rows, i, AC_DOCTOR))
        json_array_append_new(participants, json_pack("{s:o, s:s, s:s}", "actor", doctor_ref(c, db_int(rows, i, AC_DOCTOR)),
                                                      "required", "required", "status", "accepted"));
    json_array_append_new(participants,
                          json_pack("{s:o, s:s, s:s}", "actor", department_ref(c, db_int(rows, i, AC_DEPARTMENT)), "required",
                                    "information-only", "status", "accepted"));
    json_t *a = json_pack("{s:s, s:s, s:s, s:[{s:s}], s:o, s:o, s:I, s:[{s:s}], s:o, s:s, s:o}", "resourceType",
                          "Appointment", "id", id, "status", status, "serviceType", "text",
                          fee_text(db_text(rows, i, AC_FEE)), "start", wj_time_json(start, false), "end", wj_time_json(end, false),
                          "minutesDuration", (json_int_t)db_int(rows, i, AC_SLOT_MINUTES), "slot", "reference", slot,
                          "created", wj_time_json(db_int(rows, i, AC_CREATED), false), "comment", comment, "participant", participants);
    if (strcmp(status, "cancelled") == 0 && db_text(rows, i, AC_REASON))
        json_object_set_new(a, "cancelationReason", json_pack("{s:s}", "text", db_text(rows, i, AC_REASON)));
    return a;
}

static bool may_read(wj_req *r, const db_rows *rows, int i)
{
    return appt_may_act(r, "appointment.read", db_int(rows, i, AC_PERSON), db_int(rows, i, AC_FACILITY),
                        db_text(rows, i, AC_AREA), db_int(rows, i, AC_BOOKED_BY));
}

void appt_fhir_appointment_read(wj_req *r)
{
    int64_t id;
    db_rows *rows;
    if (!wj_id_parse(r->path_params[0], &id)) {
        fhir_fail(r, 404, "not-found", NULL, "no such Appointment");
        return;
    }
    wj_audit_subject(r, "appointment", id);
    if (db_query(wj_db_conn(r), APPT_SELECT APPT_FROM " WHERE a.id = ?", DBP(DB_I(id)), &rows) != DB_OK) {
        wj_fail_internal(r, "appointment");
        return;
    }
    if (rows->nrows != 1 || !may_read(r, rows, 0))
        fhir_fail(r, 404, "not-found", NULL, "no such Appointment");
    else
        fhir_reply(r, 200, appointment_resource(r->conn, rows, 0));
    db_rows_free(rows);
}

void appt_fhir_appointment_search(wj_req *r)
{
    static const appt_scope_cols cols = {"a.booked_by", "a.facility_id", "a.area_path", "a.person_id"};
    const char *pp = wj_qparam(r, "patient"), *status = wj_qparam(r, "status");
    int64_t person;
    if (!pp || !ref_param(pp, "Patient", &person)) {
        fhir_fail(r, 400, "invalid", "patient", "patient is required: Patient/{id}");
        return;
    }
    person = mpi_resolve(wj_db_conn(r), person);
    wj_audit_subject(r, "person", person);
    /* Scope and status in SQL, so that the limit counts only what the caller may see. */
    wj_sql q = {0};
    wj_sql_puts(&q, APPT_SELECT APPT_FROM " WHERE 1 = 1");
    appt_sql_persons(wj_db_conn(r), &q, "AND", "a.person_id", person);
    if (status) {
        const char *native[2] = {NULL, NULL};
        int n = 0; /* the native statuses shown as this one: at most two (cancelled, expired) */
        for (int k = 0; appt_statuses[k].code && n < 2; k++)
            if (strcmp(appointment_status(appt_statuses[k].code), status) == 0)
                native[n++] = appt_statuses[k].code;
        wj_sql_add(&q, " AND a.status IN (?", DB_S(native[0] ? native[0] : ""));
        wj_sql_add(&q, ", ?)", DB_S(native[1] ? native[1] : ""));
    }
    appt_sql_scope(r, &q, &cols, "appointment.read", true);
    wj_sql_add(&q, " ORDER BY a.slot_start DESC, a.id LIMIT ?", DB_I(SEARCH_MAX));
    db_rows *rows = wj_sql_run(r, &q, "appointment search");
    if (!rows)
        return;
    json_t *found = json_array();
    for (int i = 0; i < rows->nrows; i++)
        json_array_append_new(found, appointment_resource(r->conn, rows, i));
    db_rows_free(rows);
    fhir_reply(r, 200, bundle(found));
}
