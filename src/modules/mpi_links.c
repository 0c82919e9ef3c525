/* mpi_links.c — merge and unmerge. Both only move records between persons by undoing
 * their live link and making a new one; persons are never deleted, so undoing a merge
 * puts back exactly the records the merge moved, with their identifiers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "mpi_store.h"

/* Moves every record now in `from` to `to` under `rule` and `merge_id`. */
static bool move_records(wj_conn *c, int64_t from, int64_t to, const char *rule, int64_t merge_id, int64_t by,
                         const char *reason)
{
    db_rows *rows;
    if (db_query(c, "SELECT id FROM mpi_records WHERE person_id = ? ORDER BY id", DBP(DB_I(from)), &rows) != DB_OK)
        return false;
    bool ok = true;
    for (int i = 0; ok && i < rows->nrows; i++)
        ok = mpi_link_record(c, db_int(rows, i, 0), to, rule, NAN, merge_id, by, reason);
    db_rows_free(rows);
    return ok;
}

int64_t mpi_merge(wj_conn *c, int64_t keep, int64_t merge, const char *reason, int64_t review_id, int64_t by,
                  wj_error *e)
{
    mpi_person k, m;
    if (keep == merge) {
        wj_error_set(e, 422, "invalid_value", "merge", "a person cannot be merged into itself");
        return 0;
    }
    if (!mpi_person_find(c, keep, &k)) {
        wj_error_set(e, 422, "unknown_reference", "keep", "no such person");
        return 0;
    }
    if (!mpi_person_find(c, merge, &m)) {
        wj_error_set(e, 422, "unknown_reference", "merge", "no such person");
        return 0;
    }
    if (k.merged_into || m.merged_into) {
        wj_error_set(e, 409, "conflict", k.merged_into ? "keep" : "merge",
                     "this person was merged into another; use the current person");
        return 0;
    }
    /* One person is one sex: a recorded male and a recorded female are two persons however
     * alike their records (a typo in sex is fixed by PATCH first, which is audited). */
    bool known = (strcmp(k.sex, "male") == 0 || strcmp(k.sex, "female") == 0) &&
                 (strcmp(m.sex, "male") == 0 || strcmp(m.sex, "female") == 0);
    if (known && strcmp(k.sex, m.sex) != 0) {
        wj_error_set(e, 409, "conflict", "merge", "the two persons are recorded with different sexes");
        return 0;
    }
    char a[19], b[19];
    if (!mpi_person_idcard(c, keep, a) || !mpi_person_idcard(c, merge, b))
        return mpi_db_fail(e, "merge"), 0;
    if (a[0] && b[0] && strcmp(a, b) != 0) {
        wj_error_set(e, 409, "conflict", "merge", "the two persons hold different ID numbers");
        return 0;
    }
    int64_t id = wj_id_new(), now = wj_now_ms(), kept = 0, merged = 0;
    /* The guarded updates come first and lock both rows: a concurrent merge of either
     * person (PostgreSQL runs writers side by side) waits, then finds it merged. */
    if (db_exec(c, "UPDATE persons SET version = version + 1, updated_at = ? WHERE id = ? AND merged_into IS NULL",
                DBP(DB_I(now), DB_I(keep)), &kept) != DB_OK ||
        db_exec(c,
                "UPDATE persons SET merged_into = ?, version = version + 1, updated_at = ? WHERE id = ? "
                "AND merged_into IS NULL",
                DBP(DB_I(keep), DB_I(now), DB_I(merge)), &merged) != DB_OK)
        return mpi_db_fail(e, "merge"), 0;
    if (kept != 1 || merged != 1) {
        wj_error_set(e, 409, "conflict", kept != 1 ? "keep" : "merge", "this person was merged meanwhile");
        return 0;
    }
    if (db_exec(c,
                "INSERT INTO mpi_merges (id, keep_id, merged_id, reason, review_id, created_at, created_by) "
                "VALUES (?,?,?,?,?,?,?)",
                DBP(DB_I(id), DB_I(keep), DB_I(merge), DB_S(reason), review_id ? DB_I(review_id) : DB_NULL, DB_I(now),
                    by ? DB_I(by) : DB_NULL),
                NULL) != DB_OK ||
        !move_records(c, merge, keep, "merge", id, by, reason))
        return mpi_db_fail(e, "merge"), 0;
    return id;
}

bool mpi_unmerge_person(wj_conn *c, int64_t person, const char *reason, int64_t by, wj_error *e)
{
    db_rows *rows;
    if (db_query(c,
                 "SELECT id, keep_id FROM mpi_merges WHERE merged_id = ? AND undone_at IS NULL "
                 "ORDER BY created_at DESC, id DESC LIMIT 1",
                 DBP(DB_I(person)), &rows) != DB_OK)
        return mpi_db_fail(e, "unmerge");
    int64_t merge_id = rows->nrows ? db_int(rows, 0, 0) : 0, keep = rows->nrows ? db_int(rows, 0, 1) : 0;
    db_rows_free(rows);
    if (!merge_id) {
        wj_error_set(e, 409, "conflict", "person", "this person is not merged into another");
        return false;
    }
    /* Every record the merge moved must be in the kept person now (where it put it, or back
     * there after a later merge was undone): else a later move has to be undone first, or
     * this one would not restore the clusters it found. */
    if (db_exec(c, "UPDATE persons SET version = version + 1 WHERE id = ? AND merged_into = ?",
                DBP(DB_I(person), DB_I(keep)), NULL) != DB_OK ||
        db_query(c,
                 "SELECT DISTINCT l.record_id, r.person_id FROM mpi_links l JOIN mpi_records r ON r.id = l.record_id "
                 "WHERE l.merge_id = ? AND l.rule = 'merge'",
                 DBP(DB_I(merge_id)), &rows) != DB_OK)
        return mpi_db_fail(e, "unmerge");
    bool later = false;
    for (int i = 0; i < rows->nrows; i++)
        later = later || db_int(rows, i, 1) != keep;
    int64_t now = wj_now_ms();
    bool ok = !later;
    for (int i = 0; ok && i < rows->nrows; i++)
        ok = mpi_link_record(c, db_int(rows, i, 0), person, "unmerge", NAN, merge_id, by, reason);
    db_rows_free(rows);
    if (later) {
        wj_error_set(e, 409, "conflict", "person", "records of this merge were moved since; undo that first");
        return false;
    }
    if (!ok ||
        db_exec(c, "UPDATE mpi_merges SET undone_at = ?, undone_by = ?, undo_reason = ? WHERE id = ?",
                DBP(DB_I(now), by ? DB_I(by) : DB_NULL, DB_S(reason), DB_I(merge_id)), NULL) != DB_OK ||
        db_exec(c, "UPDATE persons SET merged_into = NULL, version = version + 1, updated_at = ? WHERE id = ?",
                DBP(DB_I(now), DB_I(person)), NULL) != DB_OK ||
        !mpi_person_touch(c, keep))
        return mpi_db_fail(e, "unmerge");
    return true;
}

/* A person for a record on its own, from the record's data. */
static int64_t person_from_record(wj_conn *c, int64_t record)
{
    int64_t id = wj_id_new(), now = wj_now_ms();
    return db_exec(c,
                   "INSERT INTO persons (id, name, name_key, pinyin, sex, birth_date, phone, phones, address, "
                   "area_code, area_path, created_at, updated_at) SELECT ?, r.name, r.name_key, r.pinyin, r.sex, "
                   "r.birth_date, r.phone, CASE WHEN r.phone IS NULL THEN '[]' ELSE '[\"' || r.phone || '\"]' END, "
                   "r.address, r.area_code, p.area_path, ?, ? FROM mpi_records r JOIN persons p ON p.id = r.person_id "
                   "WHERE r.id = ?",
                   DBP(DB_I(id), DB_I(now), DB_I(now), DB_I(record)), NULL) == DB_OK
               ? id
               : 0;
}

bool mpi_unmerge_link(wj_conn *c, int64_t link_id, const char *reason, int64_t by, int64_t *out_person, wj_error *e)
{
    db_rows *rows;
    if (db_query(c, "SELECT record_id, person_id, undone_at FROM mpi_links WHERE id = ?", DBP(DB_I(link_id)), &rows) !=
        DB_OK)
        return mpi_db_fail(e, "unmerge");
    if (rows->nrows != 1) {
        db_rows_free(rows);
        wj_error_set(e, 422, "unknown_reference", "link_id", "no such link");
        return false;
    }
    int64_t record = db_int(rows, 0, 0), person = db_int(rows, 0, 1);
    bool undone = !db_is_null(rows, 0, 2);
    db_rows_free(rows);
    if (undone) {
        wj_error_set(e, 409, "conflict", "link_id", "this link was already undone");
        return false;
    }
    if (db_query(c, "SELECT COUNT(*) FROM mpi_records WHERE person_id = ?", DBP(DB_I(person)), &rows) != DB_OK)
        return mpi_db_fail(e, "unmerge");
    int64_t n = db_int(rows, 0, 0);
    db_rows_free(rows);
    if (n < 2) {
        wj_error_set(e, 409, "conflict", "link_id", "the record is the person's only one: nothing to detach");
        return false;
    }
    /* The person the record was in before, if it still stands on its own. */
    if (db_query(c,
                 "SELECT l.person_id FROM mpi_links l JOIN persons p ON p.id = l.person_id WHERE l.record_id = ? "
                 "AND l.id <> ? AND p.merged_into IS NULL AND l.person_id <> ? ORDER BY l.created_at DESC, l.id DESC "
                 "LIMIT 1",
                 DBP(DB_I(record), DB_I(link_id), DB_I(person)), &rows) != DB_OK)
        return mpi_db_fail(e, "unmerge");
    int64_t to = rows->nrows ? db_int(rows, 0, 0) : 0;
    db_rows_free(rows);
    if (!to && !(to = person_from_record(c, record)))
        return mpi_db_fail(e, "unmerge");
    if (!mpi_link_record(c, record, to, "unmerge", NAN, 0, by, reason) || !mpi_person_touch(c, person) ||
        !mpi_person_touch(c, to))
        return mpi_db_fail(e, "unmerge");
    *out_person = to;
    return true;
}
