/* mpi_eligibility.c — what other modules ask of a person without reading the index's
 * tables: the priority pools a person is eligible for on a date (the appointments module's
 * reserved places for the elderly, military, disabled and pregnant), the person's scope
 * and masked summary, and the persons a person manages. Declared in mpi.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "mpi_store.h"

/* Whole years from `birth` to `on` (both YYYY-MM-DD): the age on that day. */
static int age_on(const char *birth, const char *on)
{
    int by, bm, bd, y, m, d;
    if (sscanf(birth, "%d-%d-%d", &by, &bm, &bd) != 3 || sscanf(on, "%d-%d-%d", &y, &m, &d) != 3)
        return -1;
    int age = y - by;
    if (m < bm || (m == bm && d < bd))
        age--;
    return age;
}

bool mpi_pools_on(wj_conn *c, int64_t person, const char *date, int elderly_age, unsigned *pools, wj_error *e)
{
    *pools = MPI_POOL_GENERAL;
    int64_t current = mpi_resolve(c, person);
    mpi_person p;
    if (!current || !mpi_person_find(c, current, &p)) {
        wj_error_set(e, 404, "not_found", NULL, "person not found");
        return false;
    }
    if (p.birth_date[0] && age_on(p.birth_date, date) >= elderly_age)
        *pools |= MPI_POOL_ELDERLY;
    /* Verified attributes of the person and of every person merged into it, valid that
     * day (from and to inclusive) and not revoked. */
    db_rows *rows;
    if (db_query(c,
                 MPI_CLUSTER_SQL "SELECT DISTINCT type FROM person_attributes WHERE person_id IN "
                                 "(SELECT id FROM cluster) AND revoked_at IS NULL AND valid_from <= ? "
                                 "AND (valid_to IS NULL OR valid_to >= ?)",
                 DBP(DB_I(current), DB_S(date), DB_S(date)), &rows) != DB_OK)
        return mpi_db_fail(e, "person attributes");
    for (int i = 0; i < rows->nrows; i++) {
        const char *t = db_text(rows, i, 0);
        if (strcmp(t, "military") == 0)
            *pools |= MPI_POOL_MILITARY;
        else if (strcmp(t, "disabled") == 0)
            *pools |= MPI_POOL_DISABLED;
        else if (strcmp(t, "pregnant") == 0)
            *pools |= MPI_POOL_PREGNANT;
    }
    db_rows_free(rows);
    return true;
}

bool mpi_person_scope(wj_conn *c, int64_t person, int64_t *current, char area_path[200])
{
    mpi_person p;
    *current = mpi_resolve(c, person);
    if (!*current || !mpi_person_find(c, *current, &p))
        return false;
    snprintf(area_path, 200, "%s", p.area_path);
    return true;
}

json_t *mpi_person_summary(wj_conn *c, int64_t person)
{
    /* Without the birth date and area: beside the masked ID number they would give back
     * most of its hidden digits (area and birth date are what the mask hides). */
    json_t *p = mpi_person_item(c, person);
    if (p) {
        json_object_del(p, "birth_date");
        json_object_del(p, "area_code");
        json_object_del(p, "area_name");
    }
    return p;
}

int mpi_managed_persons(wj_conn *c, int64_t person, int64_t *out, int max)
{
    /* As mpi_person_covers: links are kept on the person that made them and name the person
     * they named, either of which may since have been merged. */
    db_rows *rows;
    if (db_query(c,
                 MPI_CLUSTER_SQL "SELECT f.related_id FROM person_family f WHERE f.person_id IN "
                                 "(SELECT id FROM cluster) AND f.manages = 1 AND f.ended_at IS NULL ORDER BY f.id",
                 DBP(DB_I(mpi_resolve(c, person))), &rows) != DB_OK)
        return -1;
    int n = 0;
    for (int i = 0; i < rows->nrows && n < max; i++) {
        int64_t related = mpi_resolve(c, db_int(rows, i, 0));
        bool seen = false;
        for (int k = 0; k < n && !seen; k++)
            seen = out[k] == related;
        if (related && !seen)
            out[n++] = related;
    }
    db_rows_free(rows);
    return n;
}

int mpi_cluster_ids(wj_conn *c, int64_t person, int64_t *out, int max)
{
    int64_t current = mpi_resolve(c, person);
    if (!current || max < 1)
        return 0;
    db_rows *rows;
    if (db_query(c, MPI_CLUSTER_SQL "SELECT id FROM cluster ORDER BY id", DBP(DB_I(current)), &rows) != DB_OK)
        return -1;
    int n = 0;
    out[n++] = current;
    for (int i = 0; i < rows->nrows && n < max; i++)
        if (db_int(rows, i, 0) != current)
            out[n++] = db_int(rows, i, 0);
    db_rows_free(rows);
    return n;
}

int mpi_sample_persons(wj_conn *c, int64_t *out, int max)
{
    db_rows *rows;
    if (db_query(c, "SELECT id FROM persons WHERE merged_into IS NULL ORDER BY id LIMIT ?", DBP(DB_I(max)), &rows) !=
        DB_OK)
        return -1;
    int n = 0;
    for (int i = 0; i < rows->nrows && n < max; i++)
        out[n++] = db_int(rows, i, 0);
    db_rows_free(rows);
    return n;
}
