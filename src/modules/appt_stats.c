/* appt_stats.c — GET /api/v1/appointments/stats, the commission's figures: per facility in
 * the caller's scope, over a range of session days, places, bookings, fill rate, no-show
 * rate and the shares per channel and priority pool. Declared in appt_store.h; the route
 * is in appointments.c's table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/util.h"
#include "appt_store.h"
#include "facilities.h"

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
    fac_stats *grown = *all = wj_xrealloc(*all, (size_t)(*n + 1) * sizeof **all);
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

void appt_stats(wj_req *r)
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
        wj_sql q = {0};
        wj_sql_puts(&q, pass == 0 ? "SELECT s.facility_id, SUM(b.capacity), '', '', '' FROM appt_sessions s JOIN "
                                        "appt_buckets b ON b.session_id = s.id WHERE s.status = 'open'"
                                      : "SELECT s.facility_id, COUNT(*), a.status, a.channel, a.pool FROM appointments a "
                                        "JOIN appt_sessions s ON s.id = a.session_id WHERE 1 = 1");
        wj_sql_add(&q, " AND s.date >= ?", DB_S(from));
        wj_sql_add(&q, " AND s.date <= ?", DB_S(to));
        if (facility)
            wj_sql_add(&q, " AND s.facility_id = ?", DB_I(facility));
        appt_sql_scope(r, &q, &place_cols, "appointment.stats", false);
        wj_sql_puts(&q, pass == 0 ? " GROUP BY s.facility_id" : " GROUP BY s.facility_id, a.status, a.channel, a.pool");
        db_rows *rows = wj_sql_run(r, &q, "appointment stats");
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
    if (!ok) { /* answered by wj_sql_run */
        free(all);
        return;
    }
    fac_stats total = {0};
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        char name[404], type[32];
        json_t *j = stats_json(&all[i]);
        json_object_set_new(j, "facility_id", wj_id_json(all[i].id));
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

