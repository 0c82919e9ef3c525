/* appt_scope.c — who may act on an appointment-like record, and the module's lists scoped
 * in SQL: a query is built from fixed fragments and bound values only (never a value in
 * the text), and the caller's grants become " AND (…)" over the listed rows' facility,
 * area, person and maker. Declared in appt_store.h. */
#include <stdio.h>
#include <string.h>

#include "../core/util.h"
#include "appt_store.h"
#include "mpi.h"

bool appt_may_act(wj_req *r, const char *perm, int64_t person, int64_t facility, const char *area, int64_t by)
{
    /* A referring clinician follows their referrals but records no attendance at the
     * hospital: making a booking counts for reading and changing it as a booking only. */
    bool maker = strcmp(perm, "appointment.read") == 0 || strcmp(perm, "appointment.book") == 0;
    /* The record keeps the person's id of its day, which a merge may since have retired. */
    wj_target t = {.person_id = mpi_resolve(wj_db_conn(r), person), .facility_id = facility};
    snprintf(t.area_path, sizeof t.area_path, "%s", area);
    return wj_covers(r, perm, &t) || (maker && r->who && by == r->who->user_id && wj_has_perm(r->who, perm));
}

bool appt_resident_only(const wj_req *r)
{
    for (int i = 0; r->who && i < r->who->ngrants; i++)
        if (r->who->grants[i].role != WJ_ROLE_RESIDENT)
            return false;
    return true;
}

void appt_person_ids_of(wj_conn *c, int64_t person, appt_person_ids *out)
{
    out->n = mpi_cluster_ids(c, person, out->id, APPT_CLUSTER_MAX);
    if (out->n <= 0) { /* no such person (or an error): the id as given */
        out->id[0] = person;
        out->n = 1;
    }
    char *w = out->in;
    *w++ = '(';
    for (int k = 0; k < out->n; k++) {
        if (k) {
            *w++ = ',';
            *w++ = ' ';
        }
        *w++ = '?';
    }
    *w++ = ')';
    *w = '\0';
}

int appt_person_ids_bind(const appt_person_ids *ids, db_val *p, int k)
{
    for (int i = 0; i < ids->n; i++)
        p[k++] = DB_I(ids->id[i]);
    return k;
}

void appt_sql_persons(wj_conn *c, wj_sql *q, const char *op, const char *col, int64_t person)
{
    appt_person_ids ids;
    appt_person_ids_of(c, person, &ids);
    char frag[96];
    snprintf(frag, sizeof frag, " %s %s IN (", op, col);
    wj_sql_puts(q, frag);
    for (int k = 0; k < ids.n; k++)
        wj_sql_add(q, k ? ", ?" : "?", DB_I(ids.id[k]));
    wj_sql_puts(q, ")");
}

void appt_sql_scope(wj_req *r, wj_sql *q, const appt_scope_cols *col, const char *perm, bool one_person)
{
    unsigned roles = wj_perm_roles(perm);
    char frag[96];
    if (col->by) {
        snprintf(frag, sizeof frag, " AND (%s = ?", col->by);
        wj_sql_add(q, frag, DB_I(r->who->user_id));
    } else {
        wj_sql_puts(q, " AND (1 = 0");
    }
    for (int i = 0; i < r->who->ngrants; i++) {
        const wj_grant *g = &r->who->grants[i];
        if (!(roles & (1u << g->role)))
            continue;
        if (g->facility_id) {
            snprintf(frag, sizeof frag, " OR %s = ?", col->facility);
            wj_sql_add(q, frag, DB_I(g->facility_id));
        } else if (g->area_path[0]) {
            if (g->role == WJ_ROLE_HOTLINE_OPERATOR && !one_person)
                continue;
            snprintf(frag, sizeof frag, " OR %s LIKE ? ESCAPE '\\'", col->area);
            wj_sql_like(q, frag, "", g->area_path, "%");
        } else if (g->person_id && col->person) {
            /* The resident, the persons they manage, and what each was before a merge. */
            int64_t persons[APPT_MANAGED_MAX + 1];
            persons[0] = mpi_resolve(wj_db_conn(r), g->person_id);
            int n = mpi_managed_persons(wj_db_conn(r), persons[0], persons + 1, APPT_MANAGED_MAX);
            for (int k = 0; k <= (n > 0 ? n : 0); k++)
                appt_sql_persons(wj_db_conn(r), q, "OR", col->person, persons[k]);
        }
    }
    wj_sql_puts(q, ")");
}
