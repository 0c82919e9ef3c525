/* appt_store.h — shared by the files of the appointments module only: appointments.c
 * (the route table; slots, booking, one appointment, the waiting list, notifications),
 * appt_schedules.c (schedules and leave), appt_stats.c (the commission's figures),
 * appt_fhir.c (FHIR R4), appt_scope.c (who may act; lists scoped in SQL), appt_store.c
 * (rules and storage), appt_demo.c. Other modules use appointments.h. The rules are in
 * docs/appointments.md. */
#ifndef WJ_APPT_STORE_H
#define WJ_APPT_STORE_H

#include "../core/module.h"
#include "../core/sql.h"
#include "../core/util.h"
#include "appointments.h"

/* Rules a deployment may tune (WEIJIAN_APPT_* environment variables, read once). */
typedef struct appt_config {
    int elderly_age;           /* WEIJIAN_APPT_ELDERLY_AGE, 60: the elderly pool from this age on the day */
    int per_day_department;    /* WEIJIAN_APPT_PER_DAY_DEPARTMENT, 1 */
    int per_day;               /* WEIJIAN_APPT_PER_DAY, 3 */
    int cancel_cutoff_minutes; /* WEIJIAN_APPT_CANCEL_CUTOFF_MINUTES, 120: no cancelling later than this before the start */
    int no_show_limit;         /* WEIJIAN_APPT_NO_SHOW_LIMIT, 3 ... */
    int no_show_window_days;   /* WEIJIAN_APPT_NO_SHOW_WINDOW_DAYS, 90: ... no-shows within this many days ... */
    int no_show_restrict_days; /* WEIJIAN_APPT_NO_SHOW_RESTRICT_DAYS, 30: ... restrict online booking this long */
    int offer_minutes;         /* WEIJIAN_APPT_OFFER_MINUTES, 30: a waiting-list offer holds its place this long */
    int horizon_days;          /* WEIJIAN_APPT_HORIZON_DAYS, 28: sessions are generated this far ahead */
} appt_config;
extern appt_config appt_cfg;
/* Reads the environment; false (after saying which variable on stderr) when one is bad. */
bool appt_config_load(void);

/* A string member of a JSON body, NULL when absent or not a string. */
const char *appt_str(const json_t *o, const char *key);
/* An id member of a JSON body (a decimal string), 0 when absent or malformed. */
int64_t appt_body_id(const json_t *o, const char *key);
/* The statuses that hold a place. */
#define APPT_ACTIVE_STATUSES "('booked', 'offered')"

/* Schedules and leave (appt_schedules.c): handlers, targets and body schemas of the routes. */
extern const wj_schema appt_schedule_schema, appt_schedule_patch_schema, appt_leave_schema;
bool appt_schedule_create_target(wj_req *r, wj_target *t);
bool appt_schedule_target(wj_req *r, wj_target *t);
void appt_schedule_create(wj_req *r);
void appt_schedule_get(wj_req *r);
void appt_schedule_list(wj_req *r);
void appt_schedule_update(wj_req *r);
void appt_schedule_leave(wj_req *r);

/* GET /api/v1/appointments/stats (appt_stats.c). */
void appt_stats(wj_req *r);

/* ---- scope: one record, and lists scoped in SQL (appt_scope.c) ---- */

/* Every grant of the caller is a resident's (they see released sessions only). */
bool appt_resident_only(const wj_req *r);

/* Does the caller hold `perm` over an appointment-like record (its person, facility and
 * area), or — to read it or change it as a booking — did they make it (`by`)? */
bool appt_may_act(wj_req *r, const char *perm, int64_t person, int64_t facility, const char *area, int64_t by);

#define APPT_CLUSTER_MAX 8  /* ids of one person counted in a list: the current and merged ones */
#define APPT_MANAGED_MAX 16 /* persons a resident manages, as lists see them */
/* The ids a person's records may be held under: the current id first, then the ids merged
 * into it (appointments keep the person id of their day), with "(?, …)" for an IN. */
typedef struct appt_person_ids {
    int64_t id[APPT_CLUSTER_MAX];
    int n;
    char in[APPT_CLUSTER_MAX * 3 + 2];
} appt_person_ids;
void appt_person_ids_of(wj_conn *c, int64_t person, appt_person_ids *out);
/* Binds the ids at p[k], p[k + 1], …; the index after them. */
int appt_person_ids_bind(const appt_person_ids *ids, db_val *p, int k);
/* The columns a scope reads; `by` and `person` may be NULL (not scoped by them). */
typedef struct appt_scope_cols {
    const char *by, *facility, *area, *person;
} appt_scope_cols;
/* " OP COL IN (…)": the person and every id merged into it. */
void appt_sql_persons(wj_conn *c, wj_sql *q, const char *op, const char *col, int64_t person);
/* " AND (…)": the rows the caller holds `perm` over — made by them, at a facility of
 * theirs, in an area of theirs, for a person they cover. A hotline operator's area counts
 * only when the list is for `one_person` (the caller on the line): else they see their own
 * bookings, not the area's. */
void appt_sql_scope(wj_req *r, wj_sql *q, const appt_scope_cols *col, const char *perm, bool one_person);

extern const wj_enum appt_pools[], appt_channels[], appt_periods[], appt_fee_classes[], appt_owners[],
    appt_statuses[];
#define APPT_NPOOLS 5
/* "HH:MM" (also "H:MM", "HH:MM:00") as minutes of the day; false when malformed. */
bool appt_hhmm(const char *s, int *minute);
/* Minutes of the day as "HH:MM". */
void appt_hhmm_format(int minute, char out[6]);
/* The pool's bit in an mpi_pools_on mask; 0 when not a pool. */
unsigned appt_pool_bit(const char *pool);

typedef struct appt_session {
    int64_t id, schedule_id, facility_id, department_id, doctor_id;
    int64_t starts_at, ends_at, release_at, release_back_at;
    int slot_minutes, places;
    bool released_back, cancelled;
    char date[11], period[12], fee_class[12], area_path[WJ_PATH_MAX];
} appt_session;
/* Loads a session with its schedule's fee class; false when there is none. */
bool appt_session_load(wj_conn *c, int64_t id, appt_session *s);

typedef struct appt_bucket {
    char pool[12], channel[12];
    int capacity, booked;
} appt_bucket;
#define APPT_MAX_BUCKETS 20
/* The buckets of a session as they stand at `now`: when the release-back time has passed
 * and it was not applied yet, as it will be applied (appt_settle). Returns the count, -1
 * on a database error. */
int appt_buckets_at(wj_conn *c, const appt_session *s, int64_t now, appt_bucket out[APPT_MAX_BUCKETS]);

/* In a write transaction, before any change to a session's places: expires waiting-list
 * offers past their time (offering each place to the next in line) and applies the
 * release-back when its time has come. */
bool appt_settle(wj_conn *c, appt_session *s, int64_t now);
/* The release-back alone, when its time has come and no one applied it yet. */
bool appt_release_back(wj_conn *c, appt_session *s, int64_t now);
/* A place of the session (bucket and slot) became free: it is offered to the first
 * person waiting for its pool, or returns to its bucket (after the release-back: to the
 * general onsite bucket). */
bool appt_free_place(wj_conn *c, const appt_session *s, const char *pool, const char *channel, int slot,
                     int64_t now);

/* The start of a place (slot number) of a session. */
int64_t appt_slot_start(const appt_session *s, int slot);

/* "2026年11月25日 上午": a session's day and period for a notification's text. */
void appt_session_words(const appt_session *s, char out[64]);
/* Notifies a person (the resident's inbox). */
bool appt_notify(wj_conn *c, int64_t person, const char *kind, const char *text, const char *ref_type, int64_t ref_id,
                 int64_t now);

/* Appointment rows: APPT_SELECT … FROM APPT_FROM, read by appt_row_json. */
#define APPT_SELECT                                                                                                    \
    "SELECT a.id, a.session_id, a.person_id, a.facility_id, a.department_id, a.date, a.pool, a.channel, a.slot, "      \
    "a.slot_start, a.status, a.booked_by, a.booked_as, a.created_at, a.cancelled_at, a.cancel_reason, "               \
    "a.offer_expires_at, s.period, s.doctor_id, s.slot_minutes, sc.fee_class, a.area_path, a.waitlist_id "
#define APPT_FROM                                                                                                      \
    " FROM appointments a JOIN appt_sessions s ON s.id = a.session_id JOIN appt_schedules sc ON sc.id = s.schedule_id"
enum { AC_ID, AC_SESSION, AC_PERSON, AC_FACILITY, AC_DEPARTMENT, AC_DATE, AC_POOL, AC_CHANNEL, AC_SLOT, AC_SLOT_START,
       AC_STATUS, AC_BOOKED_BY, AC_BOOKED_AS, AC_CREATED, AC_CANCELLED, AC_REASON, AC_OFFER_EXPIRES, AC_PERIOD,
       AC_DOCTOR, AC_SLOT_MINUTES, AC_FEE, AC_AREA, AC_WAITLIST };
/* An appointment as the API answers it; with `person` the masked summary of the person. */
json_t *appt_row_json(wj_conn *c, const db_rows *rows, int i, bool person);
/* The department and doctor of a session as {"id","name"} objects (doctor null when none). */
json_t *appt_department_json(wj_conn *c, int64_t department);
json_t *appt_doctor_json(wj_conn *c, int64_t doctor);

/* Generates the sessions of a schedule for the days [from, to] that its template names
 * and that do not exist yet. */
bool appt_generate(wj_conn *c, int64_t schedule, const char *from, const char *to, wj_error *e);

#endif
