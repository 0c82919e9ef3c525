/* appt_store.c — the appointments module's rules and storage: configuration, sessions and
 * their buckets over time (release-back), freed places and the waiting list's offers,
 * notifications, session generation from weekly templates, and the JSON of a row. */
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

/* ---- configuration ---- */

appt_config appt_cfg = {
    .elderly_age = 60,
    .per_day_department = 1,
    .per_day = 3,
    .cancel_cutoff_minutes = 120,
    .no_show_limit = 3,
    .no_show_window_days = 90,
    .no_show_restrict_days = 30,
    .offer_minutes = 30,
    .horizon_days = 28,
};

static bool env_int(const char *name, int *v, int lo, int hi)
{
    const char *s = getenv(name);
    int64_t n;
    if (!s || !*s)
        return true;
    if (!wj_parse_i64(s, &n) || n < lo || n > hi) {
        fprintf(stderr, "weijian: %s must be a whole number %d..%d, not \"%s\"\n", name, lo, hi, s);
        return false;
    }
    *v = (int)n;
    return true;
}

bool appt_config_load(void)
{
    return env_int("WEIJIAN_APPT_ELDERLY_AGE", &appt_cfg.elderly_age, 40, 100) &&
           env_int("WEIJIAN_APPT_PER_DAY_DEPARTMENT", &appt_cfg.per_day_department, 1, 20) &&
           env_int("WEIJIAN_APPT_PER_DAY", &appt_cfg.per_day, 1, 50) &&
           env_int("WEIJIAN_APPT_CANCEL_CUTOFF_MINUTES", &appt_cfg.cancel_cutoff_minutes, 0, 10080) &&
           env_int("WEIJIAN_APPT_NO_SHOW_LIMIT", &appt_cfg.no_show_limit, 1, 100) &&
           env_int("WEIJIAN_APPT_NO_SHOW_WINDOW_DAYS", &appt_cfg.no_show_window_days, 1, 3650) &&
           env_int("WEIJIAN_APPT_NO_SHOW_RESTRICT_DAYS", &appt_cfg.no_show_restrict_days, 0, 3650) &&
           env_int("WEIJIAN_APPT_OFFER_MINUTES", &appt_cfg.offer_minutes, 1, 10080) &&
           env_int("WEIJIAN_APPT_HORIZON_DAYS", &appt_cfg.horizon_days, 1, 366);
}

/* ---- codes ---- */

const wj_enum appt_pools[] = {
    {"general", "普通", "general"},
    {"elderly", "老年人", "elderly"},
    {"military", "军人", "military"},
    {"disabled", "残疾人", "disabled"},
    {"pregnant", "孕产妇", "pregnant"},
    {0},
};

const wj_enum appt_channels[] = {
    {"online", "网络预约", "online"},
    {"phone", "电话预约", "phone"},
    {"onsite", "现场预约", "on site"},
    {"referral", "转诊预约", "referral"},
    {0},
};

const wj_enum appt_periods[] = {
    {"morning", "上午", "morning"},
    {"afternoon", "下午", "afternoon"},
    {"evening", "晚间", "evening"},
    {0},
};

const wj_enum appt_fee_classes[] = {
    {"general", "普通号", "general"},
    {"expert", "专家号", "expert"},
    {"special", "特需号", "special needs"},
    {"mdt", "多学科联合门诊（MDT）", "multidisciplinary (MDT)"},
    {0},
};

const wj_enum appt_owners[] = {
    {"doctor", "医生", "a doctor"},
    {"department", "科室", "a department"},
    {"team", "多学科团队（MDT）", "a multidisciplinary team (MDT)"},
    {0},
};

const wj_enum appt_statuses[] = {
    {"offered", "候补待确认", "offered from the waiting list"},
    {"booked", "已预约", "booked"},
    {"cancelled", "已取消", "cancelled"},
    {"no_show", "爽约", "no-show"},
    {"attended", "已就诊", "attended"},
    {"expired", "候补已过期", "offer expired"},
    {0},
};

unsigned appt_pool_bit(const char *pool)
{
    static const unsigned bits[] = {MPI_POOL_GENERAL, MPI_POOL_ELDERLY, MPI_POOL_MILITARY, MPI_POOL_DISABLED,
                                    MPI_POOL_PREGNANT};
    for (int i = 0; pool && i < APPT_NPOOLS; i++)
        if (strcmp(appt_pools[i].code, pool) == 0)
            return bits[i];
    return 0;
}

const char *appt_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

int64_t appt_body_id(const json_t *o, const char *key)
{
    int64_t id = 0;
    const char *s = appt_str(o, key);
    if (s)
        wj_id_parse(s, &id);
    return id;
}

bool appt_hhmm(const char *s, int *minute)
{
    /* HH:MM, also H:MM and HH:MM:00 (what time inputs send), Asia/Shanghai wall clock. */
    size_t n = s ? strlen(s) : 0;
    if (n == 4 && s[1] == ':') {
        char padded[6] = {'0', s[0], ':', s[2], s[3], '\0'};
        return appt_hhmm(padded, minute);
    }
    if (n == 8 && strcmp(s + 5, ":00") == 0) {
        char cut[6];
        memcpy(cut, s, 5);
        cut[5] = '\0';
        return appt_hhmm(cut, minute);
    }
    if (n != 5 || s[2] != ':')
        return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59)
        return false;
    *minute = h * 60 + m;
    return true;
}

void appt_hhmm_format(int minute, char out[6])
{
    snprintf(out, 6, "%02d:%02d", minute / 60 % 24, minute % 60);
}

/* ---- sessions and buckets ---- */

bool appt_session_load(wj_conn *c, int64_t id, appt_session *s)
{
    db_rows *rows;
    memset(s, 0, sizeof *s);
    if (db_query(c,
                 "SELECT s.id, s.schedule_id, s.facility_id, s.department_id, s.doctor_id, s.starts_at, s.ends_at, "
                 "s.release_at, s.release_back_at, s.slot_minutes, s.places, s.released_back, s.status, s.date, "
                 "s.period, sc.fee_class, s.area_path FROM appt_sessions s JOIN appt_schedules sc "
                 "ON sc.id = s.schedule_id WHERE s.id = ?",
                 DBP(DB_I(id)), &rows) != DB_OK)
        return false;
    bool found = rows->nrows == 1;
    if (found) {
        s->id = db_int(rows, 0, 0);
        s->schedule_id = db_int(rows, 0, 1);
        s->facility_id = db_int(rows, 0, 2);
        s->department_id = db_int(rows, 0, 3);
        s->doctor_id = db_int(rows, 0, 4);
        s->starts_at = db_int(rows, 0, 5);
        s->ends_at = db_int(rows, 0, 6);
        s->release_at = db_int(rows, 0, 7);
        s->release_back_at = db_int(rows, 0, 8);
        s->slot_minutes = (int)db_int(rows, 0, 9);
        s->places = (int)db_int(rows, 0, 10);
        s->released_back = db_int(rows, 0, 11) != 0;
        s->cancelled = strcmp(db_text(rows, 0, 12), "cancelled") == 0;
        snprintf(s->date, sizeof s->date, "%s", db_text(rows, 0, 13));
        snprintf(s->period, sizeof s->period, "%s", db_text(rows, 0, 14));
        snprintf(s->fee_class, sizeof s->fee_class, "%s", db_text(rows, 0, 15));
        snprintf(s->area_path, sizeof s->area_path, "%s", db_text(rows, 0, 16));
    }
    db_rows_free(rows);
    return found;
}

static bool onsite_general(const appt_bucket *b)
{
    return strcmp(b->pool, "general") == 0 && strcmp(b->channel, "onsite") == 0;
}

/* The release-back on buckets in memory: every unused place outside general/onsite moves
 * there (a priority place to general of its channel, a remote channel's to onsite: both
 * at once end in general/onsite). */
static void release_back(appt_bucket *b, int n)
{
    int moved = 0, target = -1;
    for (int i = 0; i < n; i++) {
        if (onsite_general(&b[i])) {
            target = i;
        } else {
            moved += b[i].capacity - b[i].booked;
            b[i].capacity = b[i].booked;
        }
    }
    if (target >= 0)
        b[target].capacity += moved;
}

static int buckets_load(wj_conn *c, int64_t session, appt_bucket out[APPT_MAX_BUCKETS])
{
    db_rows *rows;
    if (db_query(c,
                 "SELECT pool, channel, capacity, booked FROM appt_buckets WHERE session_id = ? "
                 "ORDER BY channel, pool",
                 DBP(DB_I(session)), &rows) != DB_OK)
        return -1;
    int n = 0;
    for (int i = 0; i < rows->nrows && n < APPT_MAX_BUCKETS; i++, n++) {
        snprintf(out[n].pool, sizeof out[n].pool, "%s", db_text(rows, i, 0));
        snprintf(out[n].channel, sizeof out[n].channel, "%s", db_text(rows, i, 1));
        out[n].capacity = (int)db_int(rows, i, 2);
        out[n].booked = (int)db_int(rows, i, 3);
    }
    db_rows_free(rows);
    return n;
}

int appt_buckets_at(wj_conn *c, const appt_session *s, int64_t now, appt_bucket out[APPT_MAX_BUCKETS])
{
    int n = buckets_load(c, s->id, out);
    if (n > 0 && !s->released_back && now >= s->release_back_at)
        release_back(out, n);
    return n;
}

int64_t appt_slot_start(const appt_session *s, int slot)
{
    int64_t step = (int64_t)s->slot_minutes * 60000;
    int64_t nslots = step > 0 ? (s->ends_at - s->starts_at) / step : 1;
    if (nslots < 1)
        nslots = 1;
    int64_t k = s->places > 0 ? (int64_t)slot * nslots / s->places : 0;
    return s->starts_at + k * step;
}

bool appt_notify(wj_conn *c, int64_t person, const char *kind, const char *text, const char *ref_type, int64_t ref_id,
                 int64_t now)
{
    return db_exec(c,
                   "INSERT INTO notifications (id, person_id, kind, text, ref_type, ref_id, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   DBP(DB_I(wj_id_new()), DB_I(person), DB_S(kind), DB_S(text), DB_S(ref_type), DB_I(ref_id),
                       DB_I(now)),
                   NULL) == DB_OK;
}

void appt_session_words(const appt_session *s, char out[64])
{
    const wj_enum *p = wj_enum_find(appt_periods, s->period);
    snprintf(out, 64, "%.4s年%.2s月%.2s日%s", s->date, s->date + 5, s->date + 8, p ? p->zh : "");
}

bool appt_free_place(wj_conn *c, const appt_session *s, const char *pool, const char *channel, int slot, int64_t now)
{
    char like[40];
    snprintf(like, sizeof like, "%%\"%s\"%%", pool);
    db_rows *rows;
    if (db_query(c,
                 "SELECT w.id, w.person_id, w.created_by FROM appt_waitlist w WHERE w.session_id = ? "
                 "AND w.status = 'waiting' AND w.pools LIKE ? AND NOT EXISTS (SELECT 1 FROM appointments a "
                 "WHERE a.session_id = w.session_id AND a.person_id = w.person_id AND a.status IN "
                 APPT_ACTIVE_STATUSES ") ORDER BY w.created_at, w.id LIMIT 1",
                 DBP(DB_I(s->id), DB_S(like)), &rows) != DB_OK)
        return false;
    if (rows->nrows == 1) {
        /* The place passes straight to the next in line: booked stays as it is. */
        int64_t wid = db_int(rows, 0, 0), person = db_int(rows, 0, 1), by = db_int(rows, 0, 2);
        db_rows_free(rows);
        int64_t id = wj_id_new(), expires = now + (int64_t)appt_cfg.offer_minutes * 60000;
        char when[64], text[256], until[32];
        appt_session_words(s, when);
        int64_t local = expires + WJ_SHANGHAI_OFFSET_MS;
        snprintf(until, sizeof until, "%02d:%02d", (int)(local / 3600000 % 24), (int)(local / 60000 % 60));
        snprintf(text, sizeof text, "候补成功：%s的号源已为您保留，请在 %s 前确认预约，逾期自动释放。", when, until);
        return db_exec(c,
                       "INSERT INTO appointments (id, session_id, person_id, facility_id, area_path, department_id, "
                       "date, pool, channel, slot, slot_start, status, booked_by, booked_as, waitlist_id, "
                       "offer_expires_at, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'offered', ?, 'waitlist', ?, ?, ?, ?)",
                       DBP(DB_I(id), DB_I(s->id), DB_I(person), DB_I(s->facility_id), DB_S(s->area_path),
                           DB_I(s->department_id), DB_S(s->date), DB_S(pool), DB_S(channel), DB_I(slot),
                           DB_I(appt_slot_start(s, slot)), DB_I(by), DB_I(wid), DB_I(expires), DB_I(now),
                           DB_I(now)),
                       NULL) == DB_OK &&
               db_exec(c,
                       "UPDATE appt_waitlist SET status = 'offered', appointment_id = ?, updated_at = ? WHERE id = ?",
                       DBP(DB_I(id), DB_I(now), DB_I(wid)), NULL) == DB_OK &&
               appt_notify(c, person, "waitlist_offer", text, "appointment", id, now);
    }
    db_rows_free(rows);
    appt_bucket b = {0};
    snprintf(b.pool, sizeof b.pool, "%s", pool);
    snprintf(b.channel, sizeof b.channel, "%s", channel);
    if (s->released_back && !onsite_general(&b))
        return db_exec(c,
                       "UPDATE appt_buckets SET booked = booked - 1, capacity = capacity - 1 WHERE session_id = ? "
                       "AND pool = ? AND channel = ?",
                       DBP(DB_I(s->id), DB_S(pool), DB_S(channel)), NULL) == DB_OK &&
               db_exec(c,
                       "UPDATE appt_buckets SET capacity = capacity + 1 WHERE session_id = ? AND pool = 'general' "
                       "AND channel = 'onsite'",
                       DBP(DB_I(s->id)), NULL) == DB_OK;
    return db_exec(c, "UPDATE appt_buckets SET booked = booked - 1 WHERE session_id = ? AND pool = ? AND channel = ?",
                   DBP(DB_I(s->id), DB_S(pool), DB_S(channel)), NULL) == DB_OK;
}

bool appt_release_back(wj_conn *c, appt_session *s, int64_t now)
{
    if (s->released_back || now < s->release_back_at)
        return true;
    /* The flag first: whoever sets it moves the places, once. */
    int64_t changed = 0;
    if (db_exec(c, "UPDATE appt_sessions SET released_back = 1 WHERE id = ? AND released_back = 0", DBP(DB_I(s->id)),
                &changed) != DB_OK)
        return false;
    s->released_back = true;
    if (changed != 1)
        return true;
    appt_bucket b[APPT_MAX_BUCKETS];
    int n = buckets_load(c, s->id, b);
    if (n < 0)
        return false;
    release_back(b, n);
    for (int i = 0; i < n; i++)
        if (db_exec(c, "UPDATE appt_buckets SET capacity = ? WHERE session_id = ? AND pool = ? AND channel = ?",
                    DBP(DB_I(b[i].capacity), DB_I(s->id), DB_S(b[i].pool), DB_S(b[i].channel)), NULL) != DB_OK)
            return false;
    return true;
}

bool appt_settle(wj_conn *c, appt_session *s, int64_t now)
{
    if (!appt_release_back(c, s, now))
        return false;
    db_rows *rows;
    if (db_query(c,
                 "SELECT id, person_id, pool, channel, slot, waitlist_id FROM appointments WHERE session_id = ? "
                 "AND status = 'offered' AND offer_expires_at <= ? ORDER BY offer_expires_at, id",
                 DBP(DB_I(s->id), DB_I(now)), &rows) != DB_OK)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < rows->nrows; i++) {
        int64_t id = db_int(rows, i, 0), person = db_int(rows, i, 1);
        char when[64], text[200];
        appt_session_words(s, when);
        snprintf(text, sizeof text, "您候补的%s号源未在时限内确认，已释放给下一位。", when);
        ok = db_exec(c, "UPDATE appointments SET status = 'expired', updated_at = ? WHERE id = ?",
                     DBP(DB_I(now), DB_I(id)), NULL) == DB_OK &&
             db_exec(c, "UPDATE appt_waitlist SET status = 'expired', updated_at = ? WHERE id = ?",
                     DBP(DB_I(now), DB_I(db_int(rows, i, 5))), NULL) == DB_OK &&
             appt_notify(c, person, "offer_expired", text, "appointment", id, now) &&
             appt_free_place(c, s, db_text(rows, i, 2), db_text(rows, i, 3), (int)db_int(rows, i, 4), now);
    }
    db_rows_free(rows);
    return ok;
}

/* ---- JSON ---- */

json_t *appt_department_json(wj_conn *c, int64_t department)
{
    facilities_dept d;
    if (!facilities_department(c, department, &d))
        return json_pack("{s:o, s:n}", "id", wj_id_json(department), "name");
    return json_pack("{s:o, s:s}", "id", wj_id_json(department), "name", d.name);
}

json_t *appt_doctor_json(wj_conn *c, int64_t doctor)
{
    char name[128];
    if (!doctor)
        return json_null();
    if (!wj_user_display_name(c, doctor, name, sizeof name))
        name[0] = '\0';
    return json_pack("{s:o, s:s}", "id", wj_id_json(doctor), "name", name);
}

static json_t *text_or_null(const db_rows *rows, int i, int col)
{
    return db_is_null(rows, i, col) ? json_null() : json_string(db_text(rows, i, col));
}

json_t *appt_row_json(wj_conn *c, const db_rows *rows, int i, bool person)
{
    int64_t start = db_int(rows, i, AC_SLOT_START);
    json_t *j = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:I, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, "
        "s:o, s:o, s:o}",
        "id", wj_id_json(db_int(rows, i, AC_ID)), "session_id", wj_id_json(db_int(rows, i, AC_SESSION)),
        "person_id", wj_id_json(db_int(rows, i, AC_PERSON)), "facility_id",
        wj_id_json(db_int(rows, i, AC_FACILITY)), "department_id", wj_id_json(db_int(rows, i, AC_DEPARTMENT)),
        "department", appt_department_json(c, db_int(rows, i, AC_DEPARTMENT)), "doctor",
        appt_doctor_json(c, db_int(rows, i, AC_DOCTOR)), "date", db_text(rows, i, AC_DATE), "period",
        db_text(rows, i, AC_PERIOD), "slot", (json_int_t)db_int(rows, i, AC_SLOT), "slot_start",
        wj_time_json(start, false), "slot_end",
        wj_time_json(start + db_int(rows, i, AC_SLOT_MINUTES) * 60000, false), "pool", db_text(rows, i, AC_POOL),
        "channel", db_text(rows, i, AC_CHANNEL), "fee_class", db_text(rows, i, AC_FEE), "status",
        db_text(rows, i, AC_STATUS), "booked_by", wj_id_json(db_int(rows, i, AC_BOOKED_BY)), "booked_as",
        db_text(rows, i, AC_BOOKED_AS), "created_at", wj_time_json(db_int(rows, i, AC_CREATED), false),
        "cancelled_at", wj_time_json(db_int(rows, i, AC_CANCELLED), true), "cancel_reason",
        text_or_null(rows, i, AC_REASON), "offer_expires_at", wj_time_json(db_int(rows, i, AC_OFFER_EXPIRES), true),
        "waitlist_id", wj_id_json(db_int(rows, i, AC_WAITLIST)));
    if (person) {
        json_t *p = mpi_person_summary(c, db_int(rows, i, AC_PERSON));
        json_object_set_new(j, "person", p ? p : json_null());
    }
    return j;
}

json_t *appt_document(wj_conn *c, int64_t id)
{
    db_rows *rows;
    if (db_query(c, APPT_SELECT APPT_FROM " WHERE a.id = ?", DBP(DB_I(id)), &rows) != DB_OK)
        return NULL;
    json_t *j = rows->nrows == 1 ? appt_row_json(c, rows, 0, false) : NULL;
    db_rows_free(rows);
    return j;
}

/* ---- generating sessions ---- */

static bool insert_session(wj_conn *c, const db_rows *sc, int64_t schedule, const char *area_path, int64_t day,
                           const json_t *entry)
{
    int start, end, release;
    char date[11];
    wj_days_date(day, date);
    if (!appt_hhmm(json_string_value(json_object_get(entry, "start")), &start) ||
        !appt_hhmm(json_string_value(json_object_get(entry, "end")), &end) || !appt_hhmm(db_text(sc, 0, 5), &release))
        return false;
    const json_t *buckets = json_object_get(entry, "buckets");
    int places = 0;
    bool has_onsite_general = false;
    size_t k;
    const json_t *b;
    json_array_foreach(buckets, k, b) {
        places += (int)json_integer_value(json_object_get(b, "places"));
        has_onsite_general |= strcmp(json_string_value(json_object_get(b, "pool")), "general") == 0 &&
                              strcmp(json_string_value(json_object_get(b, "channel")), "onsite") == 0;
    }
    int64_t id = wj_id_new(), starts = wj_shanghai_instant(day, start), ends = wj_shanghai_instant(day, end);
    int64_t release_at = wj_shanghai_instant(day - db_int(sc, 0, 4), release);
    int64_t back_at = starts - db_int(sc, 0, 6) * 3600000;
    int64_t doctor = db_int(sc, 0, 3), changed = 0;
    if (db_exec(c,
                "INSERT INTO appt_sessions (id, schedule_id, facility_id, area_path, department_id, doctor_id, date, "
                "period, starts_at, ends_at, slot_minutes, places, release_at, release_back_at, released_back, "
                "status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'open', ?) "
                "ON CONFLICT (schedule_id, date, period) DO NOTHING",
                DBP(DB_I(id), DB_I(schedule), DB_I(db_int(sc, 0, 1)), DB_S(area_path), DB_I(db_int(sc, 0, 2)),
                    doctor ? DB_I(doctor) : DB_NULL, DB_S(date),
                    DB_S(json_string_value(json_object_get(entry, "period"))), DB_I(starts), DB_I(ends),
                    DB_I(json_integer_value(json_object_get(entry, "slot_minutes"))), DB_I(places), DB_I(release_at),
                    DB_I(back_at), DB_I(wj_now_ms())),
                &changed) != DB_OK)
        return false;
    if (changed != 1)
        return true; /* it exists already */
    json_array_foreach(buckets, k, b) {
        if (db_exec(c, "INSERT INTO appt_buckets (session_id, pool, channel, capacity, booked) VALUES (?, ?, ?, ?, 0)",
                    DBP(DB_I(id), DB_S(json_string_value(json_object_get(b, "pool"))),
                        DB_S(json_string_value(json_object_get(b, "channel"))),
                        DB_I(json_integer_value(json_object_get(b, "places")))),
                    NULL) != DB_OK)
            return false;
    }
    /* The release-back collects unused places in general/onsite: it always exists. */
    return has_onsite_general ||
           db_exec(c,
                   "INSERT INTO appt_buckets (session_id, pool, channel, capacity, booked) "
                   "VALUES (?, 'general', 'onsite', 0, 0)",
                   DBP(DB_I(id)), NULL) == DB_OK;
}

bool appt_generate(wj_conn *c, int64_t schedule, const char *from, const char *to, wj_error *e)
{
    db_rows *sc;
    if (db_query(c,
                 "SELECT template, facility_id, department_id, doctor_id, release_days, release_time, "
                 "release_back_hours, valid_from, valid_to FROM appt_schedules WHERE id = ?",
                 DBP(DB_I(schedule)), &sc) != DB_OK || sc->nrows != 1) {
        db_rows_free(sc);
        wj_error_set(e, 500, "internal", NULL, "schedule read");
        return false;
    }
    facilities_ref f;
    json_t *tpl = json_loads(db_text(sc, 0, 0), 0, NULL);
    int64_t d0, d1, vf, vt = INT64_MAX;
    bool ok = tpl && facilities_find(c, db_int(sc, 0, 1), &f) && wj_date_days(from, &d0) && wj_date_days(to, &d1) &&
              wj_date_days(db_text(sc, 0, 7), &vf);
    if (ok && !db_is_null(sc, 0, 8))
        ok = wj_date_days(db_text(sc, 0, 8), &vt);
    for (int64_t day = d0 > vf ? d0 : vf; ok && day <= d1 && day <= vt; day++) {
        int wd = wj_days_weekday(day);
        size_t k;
        const json_t *entry;
        json_array_foreach(tpl, k, entry) {
            if (ok && json_integer_value(json_object_get(entry, "weekday")) == wd)
                ok = insert_session(c, sc, schedule, f.area_path, day, entry);
        }
    }
    if (ok) {
        char upto[11];
        wj_days_date(d1 < vt ? d1 : vt, upto);
        ok = db_exec(c,
                     "UPDATE appt_schedules SET generated_to = ? WHERE id = ? AND (generated_to IS NULL OR "
                     "generated_to < ?)",
                     DBP(DB_S(upto), DB_I(schedule), DB_S(upto)), NULL) == DB_OK;
    }
    json_decref(tpl);
    db_rows_free(sc);
    if (!ok)
        wj_error_set(e, 500, "internal", NULL, "session generation");
    return ok;
}
