/* appointments.c — module "appointments" (预约诊疗): schedules of doctors, departments and
 * MDT teams, the sessions their weekly templates generate, places split into buckets by
 * priority pool and channel, booking through group commit (commitq), cancellation,
 * attendance and no-shows, doctors' leave, the waiting list with its offers, and the
 * notifications a resident sees.
 *
 * This file holds the route table and the handlers of slots, booking, one appointment,
 * the waiting list and notifications; schedules and leave are in appt_schedules.c, the
 * figures in appt_stats.c, FHIR in appt_fhir.c, scope in appt_scope.c, rules and storage
 * in appt_store.c, the demo in appt_demo.c; the rules and API in docs/appointments.md. */
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

/* A rule of the module refused the request: `status` with details.rule naming it. */
static void refuse(wj_req *r, int status, const char *field, const char *rule, json_t *more, const char *msg)
{
    json_t *d = more ? more : json_object();
    json_object_set_new(d, "rule", json_string(rule));
    wj_fail_details(r, status, status == 409 ? "conflict" : "invalid_value", field, d, "%s", msg);
}

/* ---- who calls, and through which channel ---- */

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
            case 1: fits = g->facility_id && facilities_primary_care(wj_db_conn(r), g->facility_id); break;
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
 * that a refused request still changes nothing; and by the server's sweep (appt_sweep)
 * when nobody looks. settle_due settles one session in a transaction of its own: 1 when it
 * did, 0 when nothing was due, -1 on a database error. */
static int settle_due(wj_conn *c, int64_t session, int64_t now)
{
    db_rows *rows;
    if (db_query(c,
                 "SELECT 1 FROM appointments WHERE session_id = ? AND status = 'offered' AND offer_expires_at <= ? "
                 "LIMIT 1",
                 DBP(DB_I(session), DB_I(now)), &rows) != DB_OK)
        return -1;
    bool due = rows->nrows > 0;
    db_rows_free(rows);
    if (!due)
        return 0;
    if (db_begin(c, true) != DB_OK)
        return -1;
    appt_session s;
    if (appt_session_load(c, session, &s) && appt_settle(c, &s, now) && db_commit(c) == DB_OK)
        return 1;
    db_rollback(c);
    return -1;
}

static void housekeep(wj_req *r, int64_t session, int64_t now)
{
    settle_due(wj_db_conn(r), session, now);
}

/* The module's sweep (core/sweep.h): the sessions holding an offer past its time are
 * settled as a request touching them would, so the next in line is offered the place and
 * both are told without waiting for anyone to look. */
/* The sessions holding an offer past its time (a few at most, through the partial index of
 * open offers); NULL on a database error. */
static db_rows *offers_due(wj_conn *c, int64_t now)
{
    db_rows *rows;
    if (db_query(c,
                 "SELECT DISTINCT session_id FROM appointments WHERE status = 'offered' AND offer_expires_at <= ? "
                 "LIMIT 500",
                 DBP(DB_I(now)), &rows) != DB_OK)
        return NULL;
    return rows;
}

static int appt_sweep(wj_conn *c, int64_t now)
{
    db_rows *rows = offers_due(c, now);
    if (!rows)
        return -1;
    int settled = 0;
    for (int i = 0; i < rows->nrows && settled >= 0; i++) {
        int k = settle_due(c, db_int(rows, i, 0), now);
        settled = k < 0 ? -1 : settled + k;
    }
    db_rows_free(rows);
    return settled;
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
                          wj_id_json(s->id), "schedule_id", wj_id_json(s->schedule_id), "facility_id",
                          wj_id_json(s->facility_id), "start", wj_time_json(s->starts_at, false), "end",
                          wj_time_json(s->ends_at, false), "date", s->date, "period", s->period, "doctor",
                          appt_doctor_json(c, s->doctor_id), "department", appt_department_json(c, s->department_id),
                          "fee_class", s->fee_class, "status", s->cancelled ? "cancelled" : "open", "release_at",
                          wj_time_json(s->release_at, false), "release_back_at",
                          wj_time_json(s->release_back_at, false), "places", s->places);
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
    bool resident = appt_resident_only(r);
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
    /* Offers past their time on this page: settled first, found with one query. */
    db_rows *due = offers_due(c, now);
    for (int i = 0; due && i < due->nrows; i++)
        for (int k = 0; k < n; k++)
            if (db_int(rows, k, 0) == db_int(due, i, 0))
                settle_due(c, db_int(due, i, 0), now);
    db_rows_free(due);
    for (int i = 0; i < n; i++) {
        appt_session s;
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
    if (!appt_session_load(wj_db_conn(r), id, &s) || (appt_resident_only(r) && s.release_at > now)) {
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

/* details.available: per pool of the channel, what is left in the buckets `b`. */
static json_t *available_json(const appt_bucket *b, int n, const char *channel)
{
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
    if (db_query(c, "SELECT slot FROM appointments WHERE session_id = ? AND status IN " APPT_ACTIVE_STATUSES " ORDER BY slot",
                 DBP(DB_I(s->id)), &rows) != DB_OK)
        return -2;
    int slot = 0;
    for (int i = 0; i < rows->nrows && db_int(rows, i, 0) == slot; i++)
        slot++;
    db_rows_free(rows);
    return slot < s->places ? slot : -1;
}

/* The person's live appointments on `date` under any of their ids, `except` one: out[0]
 * the one held in `session` (0 when none), out[1] in all, out[2] in `department`. */
static bool day_counts(wj_conn *c, const appt_person_ids *ids, int64_t session, int64_t department, const char *date,
                       int64_t except, int64_t out[3])
{
    char sql[360];
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(MAX(CASE WHEN session_id = ? THEN id END), 0), COUNT(*), "
             "COALESCE(SUM(CASE WHEN department_id = ? THEN 1 ELSE 0 END), 0) FROM appointments "
             "WHERE person_id IN %s AND date = ? AND status IN " APPT_ACTIVE_STATUSES " AND id <> ?",
             ids->in);
    db_val v[APPT_CLUSTER_MAX + 4] = {DB_I(session), DB_I(department)};
    int k = appt_person_ids_bind(ids, v, 2);
    v[k++] = DB_S(date);
    v[k++] = DB_I(except);
    db_rows *rows;
    if (db_query(c, sql, v, k, &rows) != DB_OK)
        return false;
    for (int i = 0; i < 3; i++)
        out[i] = db_int(rows, 0, i);
    db_rows_free(rows);
    return true;
}

/* The per-day limits on those counts: per department, then in all; false after refusing. */
static bool day_limits_ok(wj_req *r, const int64_t counts[3])
{
    if (counts[2] >= appt_cfg.per_day_department) {
        refuse(r, 422, "person_id", "per_day_department", json_pack("{s:i}", "limit", appt_cfg.per_day_department),
               "the person has reached the appointments per day in this department");
        return false;
    }
    if (counts[1] >= appt_cfg.per_day) {
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
    /* One place per session, per day and department, per day. */
    int64_t day[3];
    if (!day_counts(c, &x->ids, s->id, s->department_id, s->date, 0, day)) {
        wj_fail_internal(r, "person's day");
        return false;
    }
    int64_t held = day[0];
    if (held) {
        /* Its id only to those who may open it. */
        bool shown = appt_may_act(r, "appointment.read", x->person, s->facility_id, s->area_path, 0);
        refuse(r, 409, "person_id", "one_per_session",
               shown ? json_pack("{s:o}", "appointment_id", wj_id_json(held)) : NULL,
               "the person already holds a place in this session");
        return false;
    }
    if (!day_limits_ok(r, day))
        return false;
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
        appt_bucket b[APPT_MAX_BUCKETS];
        int nb = appt_buckets_at(c, s, now, b);
        wj_fail_details(r, 409, "conflict", "pool",
                        json_pack("{s:s, s:s, s:o}", "rule", "full", "channel", x->channel, "available",
                                  available_json(b, nb, x->channel)),
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
                          "id", wj_id_json(id), "session_id", wj_id_json(s->id), "person_id",
                          wj_id_json(x->person), "facility_id", wj_id_json(s->facility_id), "department_id",
                          wj_id_json(s->department_id), "department", x->department, "doctor", x->doctor, "date",
                          s->date, "period", s->period, "slot", slot, "slot_start", wj_time_json(start, false),
                          "slot_end", wj_time_json(start + (int64_t)s->slot_minutes * 60000, false), "pool", x->pool,
                          "channel", x->channel, "fee_class", s->fee_class, "status", "booked", "booked_by",
                          wj_id_json(r->who->user_id), "booked_as", x->as, "created_at", wj_time_json(now, false),
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
        refuse(r, 422, "session_id", "not_released", json_pack("{s:o}", "release_at", wj_time_json(s->release_at, false)),
               "the session's places are not released yet");
        return false;
    }
    return true;
}

/* Three no-shows (configurable) within the window restrict online booking for a while. */
static bool no_show_ok(wj_req *r, const appt_person_ids *ids, int64_t now)
{
    char sql[200];
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*), MAX(slot_start) FROM appointments WHERE person_id IN %s AND status = 'no_show' "
             "AND slot_start > ?",
             ids->in);
    db_val p[APPT_CLUSTER_MAX + 1];
    int k = appt_person_ids_bind(ids, p, 0);
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
               json_pack("{s:I, s:o}", "no_shows", (json_int_t)n, "until", wj_time_json(until, false)),
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
    int64_t sid = appt_body_id(r->body, "session_id"), asked = appt_body_id(r->body, "person_id"), now = wj_now_ms();
    const char *pool = appt_str(r->body, "pool") ? appt_str(r->body, "pool") : "general", *channel, *as;
    book_ctx *x = wj_xcalloc(1, sizeof *x);
    wj_conn *c = wj_db_conn(r);
    if (!appt_session_load(c, sid, &x->s)) {
        free(x);
        wj_fail(r, 422, "unknown_reference", "session_id", "no such session");
        return;
    }
    housekeep(r, sid, now);
    if (!booking_party(r, &x->s, asked, &x->person, &channel, &as) || !session_bookable(r, &x->s, now) ||
        !pool_eligible(r, x->person, x->s.date, pool, "pool", strcmp(channel, "online") == 0)) {
        free(x);
        return;
    }
    appt_person_ids_of(c, x->person, &x->ids);
    if (strcmp(channel, "online") == 0 && !no_show_ok(r, &x->ids, now)) {
        free(x);
        return;
    }
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
                                  available_json(b, nb, channel)),
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
                "updated_at = ? WHERE id = ? AND status IN " APPT_ACTIVE_STATUSES,
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
               cancel_live(r, rows, appt_str(r->body, "reason") ? appt_str(r->body, "reason") : "cancelled", now)) {
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
    wj_sql q = {0};
    wj_sql_puts(&q, APPT_SELECT APPT_FROM " WHERE 1 = 1");
    if (wj_qparam(r, "person"))
        appt_sql_persons(wj_db_conn(r), &q, "AND", "a.person_id", person);
    if (session)
        wj_sql_add(&q, " AND a.session_id = ?", DB_I(session));
    if (facility)
        wj_sql_add(&q, " AND a.facility_id = ?", DB_I(facility));
    if (date)
        wj_sql_add(&q, " AND a.date = ?", DB_S(date));
    if (status)
        wj_sql_add(&q, " AND a.status = ?", DB_S(status));
    if (pg.after)
        wj_sql_add(&q, " AND a.id < ?", DB_I(pg.id));
    appt_sql_scope(r, &q, &appt_cols, "appointment.read", wj_qparam(r, "person") != NULL);
    wj_sql_add(&q, " ORDER BY a.id DESC LIMIT ?", DB_I(pg.limit + 1));
    db_rows *rows = wj_sql_run(r, &q, "appointments list");
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
    json_t *j = json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "id", wj_id_json(id), "session_id",
                          wj_id_json(db_int(rows, 0, 1)), "person_id", wj_id_json(db_int(rows, 0, 2)), "pools",
                          pools ? pools : json_array(), "status", db_text(rows, 0, 4), "appointment_id",
                          wj_id_json(db_int(rows, 0, 5)), "created_at", wj_time_json(db_int(rows, 0, 6), false),
                          "position", waiting ? json_integer(db_int(rows, 0, 7) + 1) : json_null());
    db_rows_free(rows);
    return j;
}

static void wait_join(wj_req *r)
{
    int64_t sid = appt_body_id(r->body, "session_id"), asked = appt_body_id(r->body, "person_id"), person, now = wj_now_ms();
    const char *channel, *as;
    appt_session s;
    if (!appt_session_load(wj_db_conn(r), sid, &s)) {
        wj_fail(r, 422, "unknown_reference", "session_id", "no such session");
        return;
    }
    if (!booking_party(r, &s, asked, &person, &channel, &as) || !session_bookable(r, &s, now))
        return;
    appt_person_ids ids;
    appt_person_ids_of(wj_db_conn(r), person, &ids);
    /* A restricted resident waits no more than they book online. */
    if (strcmp(channel, "online") == 0 && !no_show_ok(r, &ids, now))
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
    char sql[360];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT COUNT(*) FROM appointments WHERE session_id = ? AND person_id IN %s AND status IN "
             APPT_ACTIVE_STATUSES "), (SELECT COUNT(*) FROM appt_waitlist WHERE session_id = ? AND person_id IN %s AND "
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

/* Taking an offer: the no-show restriction online, and the day's limits without the
 * offer itself; false after refusing. */
static bool accept_ok(wj_req *r, int64_t person, const appt_session *s, const char *channel, int64_t offer,
                      int64_t now)
{
    appt_person_ids ids;
    appt_person_ids_of(r->conn, person, &ids);
    if (strcmp(channel, "online") == 0 && !no_show_ok(r, &ids, now))
        return false;
    int64_t day[3];
    if (!day_counts(r->conn, &ids, 0, s->department_id, s->date, offer, day)) {
        wj_fail_internal(r, "limits");
        return false;
    }
    return day_limits_ok(r, day);
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
        } else if (accept_ok(r, db_int(w, 0, 2), &s, db_text(a, 0, AC_CHANNEL), offer, now)) {
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
    wj_sql q = {0};
    wj_sql_puts(&q, "SELECT w.id, w.session_id, w.status FROM appt_waitlist w JOIN appt_sessions s "
                        "ON s.id = w.session_id WHERE 1 = 1");
    if (wj_qparam(r, "person"))
        appt_sql_persons(wj_db_conn(r), &q, "AND", "w.person_id", person);
    if (session)
        wj_sql_add(&q, " AND w.session_id = ?", DB_I(session));
    if (pg.after)
        wj_sql_add(&q, " AND w.id < ?", DB_I(pg.id));
    appt_sql_scope(r, &q, &cols, "appointment.read", wj_qparam(r, "person") != NULL);
    wj_sql_add(&q, " ORDER BY w.id DESC LIMIT ?", DB_I(pg.limit + 1));
    db_rows *rows = wj_sql_run(r, &q, "waitlist list");
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
    wj_sql q = {0};
    wj_sql_puts(&q, "SELECT id, person_id, kind, text, ref_type, ref_id, created_at, read_at FROM notifications "
                        "WHERE (1 = 0");
    for (int i = 0; i < np; i++)
        appt_sql_persons(wj_db_conn(r), &q, "OR", "person_id", persons[i]);
    wj_sql_puts(&q, ")");
    if (unread && strcmp(unread, "true") == 0)
        wj_sql_puts(&q, " AND read_at IS NULL");
    if (pg.after)
        wj_sql_add(&q, " AND id < ?", DB_I(pg.id));
    wj_sql_add(&q, " ORDER BY id DESC LIMIT ?", DB_I(pg.limit + 1));
    db_rows *rows = wj_sql_run(r, &q, "notifications");
    if (!rows)
        return;
    json_t *items = json_array();
    char *next;
    int n = wj_page_rows(&pg, rows, 0, 0, &next);
    for (int i = 0; i < n; i++)
        json_array_append_new(
            items, json_pack("{s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "id", wj_id_json(db_int(rows, i, 0)),
                             "person_id", wj_id_json(db_int(rows, i, 1)), "kind", db_text(rows, i, 2), "text",
                             db_text(rows, i, 3), "ref_type",
                             db_is_null(rows, i, 4) ? json_null() : json_string(db_text(rows, i, 4)), "ref_id",
                             wj_id_json(db_int(rows, i, 5)), "created_at",
                             wj_time_json(db_int(rows, i, 6), false), "read_at",
                             wj_time_json(db_int(rows, i, 7), true)));
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
    wj_reply(r, 200, json_pack("{s:o, s:o}", "id", wj_id_json(id), "read_at", wj_time_json(now, false)));
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
    {"POST", "/api/v1/schedules", appt_schedule_create, "appointment.schedule", WJ_SCOPE_TARGET, appt_schedule_create_target,
     &appt_schedule_schema, .flags = WJ_TARGET_BODY,
     .summary = "Create a doctor's, department's or MDT team's schedule; its sessions are generated ahead",
     .success = 201},
    {"GET", "/api/v1/schedules", appt_schedule_list, "schedule.read", WJ_SCOPE_ANY, .query = schedules_query,
     .flags = WJ_LIST, .summary = "Schedules by facility, department or doctor", .success = 200},
    {"GET", "/api/v1/schedules/{id}", appt_schedule_get, "schedule.read", WJ_SCOPE_ANY,
     .summary = "One schedule with its template and release rule", .success = 200},
    {"PATCH", "/api/v1/schedules/{id}", appt_schedule_update, "appointment.schedule", WJ_SCOPE_TARGET, appt_schedule_target,
     &appt_schedule_patch_schema, .flags = WJ_IF_MATCH,
     .summary = "Change a schedule (sessions generated from now on follow it)", .success = 200},
    {"POST", "/api/v1/schedules/{id}/leave", appt_schedule_leave, "appointment.leave", WJ_SCOPE_TARGET, appt_schedule_target,
     &appt_leave_schema,
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
    {"GET", "/api/v1/appointments/stats", appt_stats, "appointment.stats", WJ_SCOPE_ANY, .query = stats_query,
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
    .sweep = appt_sweep,
};
