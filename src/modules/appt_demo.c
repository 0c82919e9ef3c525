/* appt_demo.c — the appointments module's part of the demo city (演示数据): doctors at
 * three demo hospitals (accounts dr_<name>, password weijian-demo), their expert
 * schedules, department schedules and one MDT clinic, two weeks of sessions from today,
 * and bookings by demo residents in every channel and pool, including the demo resident's
 * own family (her mother, over 60, in the elderly pool). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/users.h"
#include "../core/util.h"
#include "appt_store.h"
#include "facilities.h"
#include "mpi.h"

#define DEMO_PASSWORD "weijian-demo"
#define DEMO_DAYS 14

typedef struct demo_doctor {
    const char *username, *name, *hospital;
    int department; /* index in the hospital's first campus */
} demo_doctor;

static const demo_doctor doctors[] = {
    {"dr_liu", "刘振华", FACILITIES_DEMO_HOSPITAL, 0},
    {"dr_chen", "陈静怡", FACILITIES_DEMO_HOSPITAL, 1},
    {"dr_zhao", "赵立新", FACILITIES_DEMO_HOSPITAL, 2},
    {"dr_sun", "孙晓梅", "济南市第二人民医院", 0},
    {"dr_ma", "马建军", "济南市第二人民医院", 1},
};

/* The weekly template: weekday mornings, Tuesday and Thursday afternoons, places split
 * across pools and channels (scaled by `k`). */
static json_t *template(int k, bool afternoons)
{
    json_t *t = json_array();
    for (int wd = 1; wd <= 7; wd++) {
        for (int pm = 0; pm < 2; pm++) {
            if ((wd > 5 && (pm || wd == 7)) || (pm && !(afternoons && (wd == 2 || wd == 4))))
                continue;
            json_t *b = json_pack("[{s:s,s:s,s:i},{s:s,s:s,s:i},{s:s,s:s,s:i},{s:s,s:s,s:i},{s:s,s:s,s:i},"
                                  "{s:s,s:s,s:i},{s:s,s:s,s:i},{s:s,s:s,s:i},{s:s,s:s,s:i}]",
                                  "pool", "general", "channel", "online", "places", 8 * k, "pool", "general",
                                  "channel", "phone", "places", 3 * k, "pool", "general", "channel", "onsite",
                                  "places", 4 * k, "pool", "general", "channel", "referral", "places", 2 * k, "pool",
                                  "elderly", "channel", "online", "places", 2 * k, "pool", "elderly", "channel",
                                  "onsite", "places", k, "pool", "military", "channel", "onsite", "places", 1, "pool",
                                  "disabled", "channel", "onsite", "places", 1, "pool", "pregnant", "channel",
                                  "online", "places", 1);
            json_array_append_new(t, json_pack("{s:i, s:s, s:s, s:s, s:i, s:o}", "weekday", wd, "period",
                                               pm ? "afternoon" : "morning", "start", pm ? "14:00" : "08:00", "end",
                                               pm ? "17:00" : "11:30", "slot_minutes", pm ? 15 : 10, "buckets", b));
        }
    }
    return t;
}

/* The ids of the departments of a hospital's first campus. */
static int departments(wj_conn *c, int64_t hospital, int64_t out[8], int64_t *campus)
{
    json_t *doc = facilities_document(c, hospital);
    json_t *cp = json_array_get(json_object_get(doc, "campuses"), 0);
    int n = 0;
    size_t i;
    json_t *d;
    wj_id_parse(json_string_value(json_object_get(cp, "id")), campus);
    json_array_foreach(json_object_get(cp, "departments"), i, d) {
        if (n < 8 && wj_id_parse(json_string_value(json_object_get(d, "id")), &out[n]))
            n++;
    }
    json_decref(doc);
    return n;
}

static int64_t schedule(wj_conn *c, const char *owner, int64_t hospital, int64_t campus, int64_t dept, int64_t doctor,
                        const char *name, const char *fee, json_t *tpl, const int64_t *members, int nmembers)
{
    int64_t id = wj_id_new(), now = wj_now_ms();
    char today[11], to[11];
    int64_t d;
    wj_today_shanghai(today);
    wj_date_days(today, &d);
    wj_days_date(d + DEMO_DAYS - 1, to);
    char *text = json_dumps(tpl, JSON_COMPACT);
    json_decref(tpl);
    bool ok = db_exec(c,
                      "INSERT INTO appt_schedules (id, owner, facility_id, campus_id, department_id, doctor_id, name, "
                      "fee_class, template, release_days, release_time, release_back_hours, valid_from, created_at, "
                      "updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 7, '08:00', 24, ?, ?, ?, 1)",
                      DBP(DB_I(id), DB_S(owner), DB_I(hospital), DB_I(campus), DB_I(dept),
                          doctor ? DB_I(doctor) : DB_NULL, DB_S(name), DB_S(fee), DB_S(text), DB_S(today), DB_I(now),
                          DB_I(now)),
                      NULL) == DB_OK;
    free(text);
    if (ok && nmembers == 0)
        ok = db_exec(c, "INSERT INTO appt_schedule_members (id, schedule_id, department_id, doctor_id) VALUES (?, ?, ?, ?)",
                     DBP(DB_I(wj_id_new()), DB_I(id), DB_I(dept), doctor ? DB_I(doctor) : DB_NULL), NULL) == DB_OK;
    for (int i = 0; ok && i < nmembers; i++)
        ok = db_exec(c, "INSERT INTO appt_schedule_members (id, schedule_id, department_id, doctor_id) VALUES (?, ?, ?, ?)",
                     DBP(DB_I(wj_id_new()), DB_I(id), DB_I(members[2 * i]),
                         members[2 * i + 1] ? DB_I(members[2 * i + 1]) : DB_NULL),
                     NULL) == DB_OK;
    wj_error e = {0};
    if (ok && !appt_generate(c, id, today, to, &e)) {
        fprintf(stderr, "appointments demo: %s\n", e.message);
        ok = false;
    }
    return ok ? id : 0;
}

/* Books as the group-commit job would: a place of the bucket, the first free slot. */
static bool book(wj_conn *c, int64_t session, int64_t person, const char *pool, const char *channel, const char *as,
                 int64_t by)
{
    appt_session s;
    int64_t changed = 0;
    if (!appt_session_load(c, session, &s))
        return false;
    if (db_exec(c,
                "UPDATE appt_buckets SET booked = booked + 1 WHERE session_id = ? AND pool = ? AND channel = ? "
                "AND booked < capacity",
                DBP(DB_I(session), DB_S(pool), DB_S(channel)), &changed) != DB_OK)
        return false;
    if (changed != 1)
        return true; /* full: the demo books what there is */
    db_rows *rows;
    if (db_query(c, "SELECT COUNT(*) FROM appointments WHERE session_id = ?", DBP(DB_I(session)), &rows) != DB_OK)
        return false;
    int slot = (int)db_int(rows, 0, 0);
    db_rows_free(rows);
    int64_t now = wj_now_ms();
    return db_exec(c,
                   "INSERT INTO appointments (id, session_id, person_id, facility_id, area_path, department_id, date, "
                   "pool, channel, slot, slot_start, status, booked_by, booked_as, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, ?, ?, ?)",
                   DBP(DB_I(wj_id_new()), DB_I(session), DB_I(person), DB_I(s.facility_id), DB_S(s.area_path),
                       DB_I(s.department_id), DB_S(s.date), DB_S(pool), DB_S(channel), DB_I(slot),
                       DB_I(appt_slot_start(&s, slot)), DB_I(by), DB_S(as), DB_I(now), DB_I(now)),
                   NULL) == DB_OK;
}

/* The released, upcoming sessions of a schedule (at most `max`). */
static int open_sessions(wj_conn *c, int64_t schedule, int64_t out[], int max)
{
    db_rows *rows;
    int64_t now = wj_now_ms();
    if (db_query(c,
                 "SELECT id FROM appt_sessions WHERE schedule_id = ? AND release_at <= ? AND starts_at > ? "
                 "ORDER BY starts_at LIMIT ?",
                 DBP(DB_I(schedule), DB_I(now), DB_I(now), DB_I(max)), &rows) != DB_OK)
        return -1;
    int n = 0;
    for (int i = 0; i < rows->nrows; i++)
        out[n++] = db_int(rows, i, 0);
    db_rows_free(rows);
    return n;
}

static bool bookings(wj_conn *c, const int64_t *schedules, int nschedules, int64_t by)
{
    static const char *const channels[] = {"online", "online", "phone", "onsite", "referral"};
    static const char *const as[] = {"self", "self", "operator", "desk", "referral"};
    int64_t persons[400];
    int np = mpi_sample_persons(c, persons, (int)WJ_ARRAY_LEN(persons));
    if (np < 0)
        return false;
    /* The demo resident's mother (over 60) in the elderly pool, her son in general. */
    int64_t me = mpi_demo_resident(c), family[4];
    int nf = me ? mpi_managed_persons(c, me, family, 4) : 0;
    int64_t sessions[8];
    int ns = open_sessions(c, schedules[0], sessions, 8);
    if (ns < 0)
        return false;
    for (int i = 0; i < nf && i < ns; i++) {
        unsigned mask = 0;
        wj_error e = {0};
        appt_session s;
        if (!appt_session_load(c, sessions[i + 1 < ns ? i + 1 : i], &s) ||
            !mpi_pools_on(c, family[i], s.date, appt_cfg.elderly_age, &mask, &e))
            return false;
        if (!book(c, s.id, family[i], (mask & MPI_POOL_ELDERLY) ? "elderly" : "general", "online", "family", by))
            return false;
    }
    /* Generated residents: about half the general places of the released sessions. */
    int k = 0;
    for (int sc = 0; sc < nschedules; sc++) {
        ns = open_sessions(c, schedules[sc], sessions, 8);
        for (int i = 0; i < ns && k < np; i++)
            for (int j = 0; j < 9 && k < np; j++, k++) {
                /* Skip the demo family: they booked above. */
                bool fam = persons[k] == me;
                for (int f = 0; f < nf; f++)
                    fam |= persons[k] == family[f];
                if (!fam && !book(c, sessions[i], persons[k], "general", channels[j % 5], as[j % 5], by))
                    return false;
            }
    }
    return true;
}

bool appt_demo(wj_conn *c)
{
    int64_t sched[16], doctor_ids[WJ_ARRAY_LEN(doctors)];
    int n = 0;
    for (size_t i = 0; i < WJ_ARRAY_LEN(doctors); i++) {
        const demo_doctor *d = &doctors[i];
        int64_t hospital = facilities_id_by_name(c, d->hospital), depts[8], campus = 0;
        int nd = hospital ? departments(c, hospital, depts, &campus) : 0;
        bool taken;
        if (nd <= d->department) {
            fprintf(stderr, "appointments demo: %s has too few departments\n", d->hospital);
            return false;
        }
        doctor_ids[i] = wj_user_create(c, d->username, d->name, DEMO_PASSWORD, &taken);
        if (!doctor_ids[i] || !wj_grant_add(c, doctor_ids[i], WJ_ROLE_CLINICIAN, hospital, 0, 0))
            return false;
        char name[160];
        snprintf(name, sizeof name, "%s 专家门诊", d->name);
        if (!(sched[n++] = schedule(c, "doctor", hospital, campus, depts[d->department], doctor_ids[i], name, "expert",
                                    template(1, true), NULL, 0)))
            return false;
        /* The department's general clinic beside the expert. */
        facilities_dept dd;
        facilities_department(c, depts[d->department], &dd);
        snprintf(name, sizeof name, "%s 普通门诊", dd.name);
        if (!(sched[n++] = schedule(c, "department", hospital, campus, depts[d->department], 0, name, "general",
                                    template(2, false), NULL, 0)))
            return false;
    }
    /* An MDT clinic of the demo hospital's first three departments and their doctors. */
    int64_t hospital = facilities_id_by_name(c, FACILITIES_DEMO_HOSPITAL), depts[8], campus = 0;
    departments(c, hospital, depts, &campus);
    int64_t members[] = {depts[0], doctor_ids[0], depts[1], doctor_ids[1], depts[2], doctor_ids[2]};
    json_t *tpl = json_pack("[{s:i, s:s, s:s, s:s, s:i, s:[{s:s,s:s,s:i},{s:s,s:s,s:i}]}]", "weekday", 3, "period",
                            "afternoon", "start", "14:00", "end", "17:00", "slot_minutes", 30, "buckets", "pool",
                            "general", "channel", "online", "places", 4, "pool", "general", "channel", "onsite",
                            "places", 2);
    if (!(sched[n++] = schedule(c, "team", hospital, campus, depts[0], 0, "胸痛多学科联合门诊", "mdt", tpl, members, 3)))
        return false;
    return bookings(c, sched, n, doctor_ids[0]);
}
