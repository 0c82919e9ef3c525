/* mpi_review_api.c — the routes of the index's stewardship: suspected duplicates waiting
 * for a person to decide, merge and unmerge, the auditors' list of break-glass reads, and
 * a person's access trail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/list.h"
#include "../core/sql.h"
#include "../core/util.h"
#include "mpi_api.h"

static json_t *time_or_null(const db_rows *rows, int i, int col)
{
    return db_is_null(rows, i, col) ? json_null() : wj_time_json(db_int(rows, i, col), false);
}

/* ---- reviews ---- */

static const wj_enum review_statuses[] = {
    {"open", "待审核", "open"},
    {"same", "同一人（已合并）", "same person (merged)"},
    {"different", "不同的人", "different persons"},
    {"all", "全部", "all"},
    {0},
};

const wj_param mpi_reviews_query[] = {
    {"status", WJ_T_STRING, 0, .enums = review_statuses, .desc = "open (the default), same, different or all"},
    {0},
};

#define REVIEW_COLS                                                                                                    \
    "v.id, v.record_id, v.person_id, v.candidate_id, v.score, v.explain, v.status, v.area_path, v.created_at, "        \
    "v.decided_at, v.decided_by, v.reason"
enum { RV_ID, RV_RECORD, RV_PERSON, RV_CANDIDATE, RV_SCORE, RV_EXPLAIN, RV_STATUS, RV_AREA, RV_CREATED, RV_DECIDED,
       RV_DECIDED_BY, RV_REASON };

static json_t *review_json(wj_conn *c, const db_rows *rows, int i, bool full)
{
    int64_t person = mpi_resolve(c, db_int(rows, i, RV_PERSON)), cand = mpi_resolve(c, db_int(rows, i, RV_CANDIDATE));
    json_t *p = full ? mpi_person_document(c, person) : mpi_person_item(c, person);
    json_t *q = full ? mpi_person_document(c, cand) : mpi_person_item(c, cand);
    json_t *explain = json_loads(db_text(rows, i, RV_EXPLAIN), 0, NULL);
    if (!p || !q) {
        json_decref(p);
        json_decref(q);
        json_decref(explain);
        return NULL;
    }
    return json_pack("{s:o, s:s, s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "id",
                     wj_id_json(db_int(rows, i, RV_ID)), "status", db_text(rows, i, RV_STATUS), "score",
                     db_double(rows, i, RV_SCORE), "record_id", wj_id_json(db_int(rows, i, RV_RECORD)), "person", p,
                     "candidate", q, "explain", explain ? explain : json_array(), "created_at",
                     time_or_null(rows, i, RV_CREATED), "decided_at", time_or_null(rows, i, RV_DECIDED), "decided_by",
                     wj_id_json(db_int(rows, i, RV_DECIDED_BY)), "reason",
                     db_text(rows, i, RV_REASON) ? json_string(db_text(rows, i, RV_REASON)) : json_null(),
                     "already_same", person == cand);
}

void mpi_reviews_list(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    const char *status = wj_qparam(r, "status");
    if (!status)
        status = "open";
    /* The caller's area grants that hold mpi.review, as path prefixes. */
    wj_sql q = {0};
    unsigned roles = wj_perm_roles("mpi.review");
    wj_sql_add(&q, "SELECT " REVIEW_COLS " FROM mpi_reviews v WHERE (? = 'all' OR v.status = ?)", DB_S(status));
    wj_sql_bind(&q, DB_S(status));
    wj_sql_add(&q, " AND v.id > ? AND (1 = 0", DB_I(pg.after ? pg.id : 0));
    for (int i = 0; i < r->who->ngrants; i++) {
        const wj_grant *g = &r->who->grants[i];
        if (g->area_path[0] && (roles & (1u << g->role)))
            wj_sql_like(&q, " OR v.area_path LIKE ? ESCAPE '\\'", "", g->area_path, "%");
    }
    wj_sql_add(&q, ") ORDER BY v.id LIMIT ?", DB_I(pg.limit + 1));
    wj_conn *c = wj_db_conn(r);
    db_rows *rows = wj_sql_run(r, &q, "reviews list");
    if (!rows)
        return;
    char *next;
    int k = wj_page_rows(&pg, rows, RV_ID, RV_ID, &next);
    json_t *items = json_array();
    for (int i = 0; i < k; i++) {
        /* Both persons must be the reviewer's to decide: a candidate elsewhere is another
         * commission's to review. */
        if (!mpi_covers_person(r, "mpi.review", db_int(rows, i, RV_CANDIDATE)))
            continue;
        json_t *item = review_json(c, rows, i, false);
        if (item)
            json_array_append_new(items, item);
    }
    db_rows_free(rows);
    wj_audit_subject(r, "person", 0);
    wj_reply_list(r, items, next);
}

static bool review_rows(wj_req *r, db_rows **rows)
{
    int64_t id;
    if (!wj_path_id(r, 0, "review", &id))
        return false;
    if (db_query(wj_db_conn(r), "SELECT " REVIEW_COLS " FROM mpi_reviews v WHERE v.id = ?", DBP(DB_I(id)), rows) !=
        DB_OK) {
        wj_fail_internal(r, "review");
        return false;
    }
    if ((*rows)->nrows != 1) {
        db_rows_free(*rows);
        wj_fail(r, 404, "not_found", NULL, "review not found");
        return false;
    }
    return true;
}

/* A review is in scope when both its persons are: the new one (the review's area) by the
 * core's check, the candidate here (404 otherwise, as for any person out of scope). */
bool mpi_review_target(wj_req *r, wj_target *t)
{
    db_rows *rows;
    if (!review_rows(r, &rows))
        return false;
    snprintf(t->area_path, sizeof t->area_path, "%s", db_text(rows, 0, RV_AREA));
    int64_t cand = db_int(rows, 0, RV_CANDIDATE);
    db_rows_free(rows);
    if (!mpi_covers_person(r, "mpi.review", cand)) {
        wj_fail(r, 404, "not_found", NULL, "review not found");
        return false;
    }
    return true;
}

void mpi_review_get(wj_req *r)
{
    db_rows *rows;
    if (!review_rows(r, &rows))
        return;
    json_t *doc = review_json(wj_db_conn(r), rows, 0, true);
    wj_audit_subject(r, "person", mpi_resolve(wj_db_conn(r), db_int(rows, 0, RV_PERSON)));
    wj_audit_also(r, mpi_resolve(wj_db_conn(r), db_int(rows, 0, RV_CANDIDATE)));
    db_rows_free(rows);
    if (!doc)
        wj_fail_internal(r, "review document");
    else
        wj_reply(r, 200, doc);
}

static const wj_enum decisions[] = {
    {"same", "同一人：合并", "the same person: merge"},
    {"different", "不同的人", "different persons"},
    {0},
};

static const wj_field decision_fields[] = {
    {"decision", WJ_T_STRING, WJ_REQUIRED, .enums = decisions},
    {"reason", WJ_T_STRING, 0, .min = 1, .max = 500},
    {0},
};
const wj_schema mpi_decision_schema = {"ReviewDecision", decision_fields};

void mpi_review_decide(wj_req *r)
{
    const char *decision = json_string_value(json_object_get(r->body, "decision"));
    const char *reason = json_string_value(json_object_get(r->body, "reason"));
    db_rows *rows;
    if (!wj_write_begin(r) || !review_rows(r, &rows))
        return;
    int64_t id = db_int(rows, 0, RV_ID), person = mpi_resolve(r->conn, db_int(rows, 0, RV_PERSON));
    int64_t cand = mpi_resolve(r->conn, db_int(rows, 0, RV_CANDIDATE));
    bool open = strcmp(db_text(rows, 0, RV_STATUS), "open") == 0;
    db_rows_free(rows);
    wj_audit_subject(r, "person", cand);
    wj_audit_also(r, person);
    /* Claim the decision first: of two concurrent deciders one changes the row, the other
     * finds it decided (PostgreSQL's row lock makes the second wait and re-check). */
    int64_t changed = 0;
    if (open && db_exec(r->conn,
                        "UPDATE mpi_reviews SET status = ?, decided_at = ?, decided_by = ?, reason = ? "
                        "WHERE id = ? AND status = 'open'",
                        DBP(DB_S(decision), DB_I(wj_now_ms()), DB_I(r->who->user_id), DB_S(reason), DB_I(id)),
                        &changed) != DB_OK) {
        wj_fail_internal(r, "review decide");
        return;
    }
    if (!open || changed != 1) {
        wj_fail(r, 409, "conflict", "decision", "this review was already decided");
        return;
    }
    int64_t merge_id = 0;
    wj_error e = {0};
    if (strcmp(decision, "same") == 0 && person != cand &&
        !(merge_id = mpi_merge(r->conn, cand, person, reason ? reason : "review: same person", id, r->who->user_id,
                               &e))) {
        wj_fail_store(r, &e, "review merge");
        return;
    }
    if (!review_rows(r, &rows)) {
        if (!wj_failed(r))
            wj_fail_internal(r, "review decide");
        return;
    }
    json_t *doc = review_json(r->conn, rows, 0, false);
    db_rows_free(rows);
    if (!doc) {
        wj_fail_internal(r, "review document");
        return;
    }
    json_object_set_new(doc, "merge_id", wj_id_json(merge_id));
    wj_reply(r, 200, doc);
    wj_write_commit(r);
}

/* ---- merge and unmerge ---- */

static const wj_field merge_fields[] = {
    {"keep", WJ_T_STRING, WJ_REQUIRED, WJ_F_ID, .desc = "the person that stays"},
    {"merge", WJ_T_STRING, WJ_REQUIRED, WJ_F_ID, .desc = "the person merged into it"},
    {"reason", WJ_T_STRING, WJ_REQUIRED, .min = 2, .max = 500},
    {0},
};
const wj_schema mpi_merge_schema = {"PersonMerge", merge_fields};

static const wj_field unmerge_fields[] = {
    {"person", WJ_T_STRING, 0, WJ_F_ID, .desc = "undo this merged person's last merge"},
    {"link_id", WJ_T_STRING, 0, WJ_F_ID, .desc = "or detach the record of this live link"},
    {"reason", WJ_T_STRING, WJ_REQUIRED, .min = 2, .max = 500},
    {0},
};
const wj_schema mpi_unmerge_schema = {"PersonUnmerge", unmerge_fields};

static int64_t body_id(wj_req *r, const char *field)
{
    int64_t id = 0;
    const char *s = json_string_value(json_object_get(r->body, field));
    if (s)
        wj_id_parse(s, &id);
    return id;
}

/* The scope of a person row as it is (merged or not). */
static bool person_row_target(wj_req *r, int64_t id, const char *field, wj_target *t)
{
    mpi_person p;
    if (!mpi_person_find(wj_db_conn(r), id, &p)) {
        wj_fail(r, 422, "unknown_reference", field, "no such person");
        return false;
    }
    snprintf(t->area_path, sizeof t->area_path, "%s", p.area_path);
    t->person_id = p.id;
    return true;
}

bool mpi_merge_target(wj_req *r, wj_target *t)
{
    return person_row_target(r, body_id(r, "keep"), "keep", t);
}

void mpi_merge_post(wj_req *r)
{
    int64_t keep = body_id(r, "keep"), merge = body_id(r, "merge");
    wj_target other = {0};
    if (!person_row_target(r, merge, "merge", &other))
        return;
    if (!wj_covers(r, "mpi.merge", &other)) {
        wj_fail(r, 404, "not_found", "merge", "person not found");
        return;
    }
    wj_audit_subject(r, "person", keep);
    wj_audit_also(r, merge);
    if (!wj_write_begin(r))
        return;
    wj_error e = {0};
    int64_t id = mpi_merge(r->conn, keep, merge, json_string_value(json_object_get(r->body, "reason")), 0,
                           r->who->user_id, &e);
    if (!id) {
        wj_fail_store(r, &e, "merge");
        return;
    }
    json_t *doc = mpi_person_document(r->conn, keep);
    if (!doc) {
        wj_fail_internal(r, "merge document");
        return;
    }
    wj_reply(r, 200, json_pack("{s:o, s:o}", "merge_id", wj_id_json(id), "person", doc));
    wj_write_commit(r);
}

bool mpi_unmerge_target(wj_req *r, wj_target *t)
{
    int64_t person = body_id(r, "person"), link = body_id(r, "link_id");
    if (!person == !link) {
        wj_fail(r, 422, person ? "invalid_value" : "missing_field", "person", "give either person or link_id");
        return false;
    }
    if (person)
        return person_row_target(r, person, "person", t);
    db_rows *rows;
    if (db_query(wj_db_conn(r), "SELECT person_id FROM mpi_links WHERE id = ?", DBP(DB_I(link)), &rows) != DB_OK) {
        wj_fail_internal(r, "unmerge link");
        return false;
    }
    int64_t of = rows->nrows ? db_int(rows, 0, 0) : 0;
    db_rows_free(rows);
    if (!of) {
        wj_fail(r, 422, "unknown_reference", "link_id", "no such link");
        return false;
    }
    return person_row_target(r, of, "link_id", t);
}

void mpi_unmerge_post(wj_req *r)
{
    int64_t person = body_id(r, "person"), link = body_id(r, "link_id"), other = 0;
    const char *reason = json_string_value(json_object_get(r->body, "reason"));
    wj_audit_subject(r, "person", r->target.person_id);
    if (!wj_write_begin(r))
        return;
    wj_error e = {0};
    int64_t keep = person ? mpi_resolve(r->conn, person) : r->target.person_id;
    bool ok = person ? mpi_unmerge_person(r->conn, person, reason, r->who->user_id, &e)
                     : mpi_unmerge_link(r->conn, link, reason, r->who->user_id, &other, &e);
    if (!ok) {
        wj_fail_store(r, &e, "unmerge");
        return;
    }
    int64_t ids[2] = {keep, person ? person : other};
    wj_audit_subject(r, "person", ids[0]);
    wj_audit_also(r, ids[1]);
    json_t *docs = json_array();
    for (int i = 0; i < 2; i++) {
        json_t *d = mpi_person_document(r->conn, ids[i]);
        if (!d) {
            json_decref(docs);
            wj_fail_internal(r, "unmerge document");
            return;
        }
        json_array_append_new(docs, d);
    }
    wj_reply(r, 200, json_pack("{s:o}", "persons", docs));
    wj_write_commit(r);
}

/* ---- break-glass log ---- */

const wj_param mpi_break_glass_query[] = {
    {"from", WJ_T_STRING, 0, WJ_F_DATETIME, .desc = "at or after this instant"},
    {"to", WJ_T_STRING, 0, WJ_F_DATETIME, .desc = "before this instant"},
    {0},
};

void mpi_break_glass_list(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    int64_t from = 0, to = INT64_MAX, cur_at = INT64_MAX, cur_id = INT64_MAX;
    const char *v;
    if ((v = wj_qparam(r, "from")))
        wj_time_parse(v, &from);
    if ((v = wj_qparam(r, "to")))
        wj_time_parse(v, &to);
    if (pg.after) {
        wj_parse_i64(pg.key, &cur_at);
        cur_id = pg.id;
    }
    db_rows *rows;
    if (db_query(wj_db_conn(r),
                 "SELECT b.id, b.person_id, p.name, b.user_id, u.username, b.reason, b.client_ip, b.created_at "
                 "FROM mpi_break_glass b JOIN persons p ON p.id = b.person_id LEFT JOIN users u ON u.id = b.user_id "
                 "WHERE b.created_at >= ? AND b.created_at < ? AND (b.created_at < ? OR (b.created_at = ? AND b.id < ?)) "
                 "ORDER BY b.created_at DESC, b.id DESC LIMIT ?",
                 DBP(DB_I(from), DB_I(to), DB_I(cur_at), DB_I(cur_at), DB_I(cur_id), DB_I(pg.limit + 1)),
                 &rows) != DB_OK) {
        wj_fail_internal(r, "break-glass list");
        return;
    }
    char *next;
    int n = wj_page_rows(&pg, rows, 7, 0, &next);
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(
            items, json_pack("{s:o, s:o, s:s, s:o, s:o, s:s, s:o, s:o}", "id", wj_id_json(db_int(rows, i, 0)),
                             "person_id", wj_id_json(db_int(rows, i, 1)), "person_name", db_text(rows, i, 2), "user_id",
                             wj_id_json(db_int(rows, i, 3)), "username",
                             db_text(rows, i, 4) ? json_string(db_text(rows, i, 4)) : json_null(), "reason",
                             db_text(rows, i, 5), "client_ip",
                             db_text(rows, i, 6) ? json_string(db_text(rows, i, 6)) : json_null(), "created_at",
                             time_or_null(rows, i, 7)));
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}

/* ---- a person's access trail ---- */

/* Who read or changed this person (and the persons merged into it), newest first: the
 * person page shows it to staff in scope, and to residents for their own record. */
void mpi_person_trail(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    int64_t cur_at = INT64_MAX, cur_id = INT64_MAX;
    if (pg.after) {
        wj_parse_i64(pg.key, &cur_at);
        cur_id = pg.id;
    }
    db_rows *rows;
    if (db_query(wj_db_conn(r),
                 MPI_CLUSTER_SQL "SELECT a.id, a.at, a.username, u.display_name, a.method, a.route, a.status "
                                 "FROM audit_log a LEFT JOIN users u ON u.id = a.user_id WHERE a.resource_type = "
                                 "'person' AND a.resource_id IN (SELECT id FROM cluster) AND (a.at < ? OR (a.at = ? "
                                 "AND a.id < ?)) ORDER BY a.at DESC, a.id DESC LIMIT ?",
                 DBP(DB_I(r->target.person_id), DB_I(cur_at), DB_I(cur_at), DB_I(cur_id), DB_I(pg.limit + 1)),
                 &rows) != DB_OK) {
        wj_fail_internal(r, "person trail");
        return;
    }
    char *next;
    int n = wj_page_rows(&pg, rows, 1, 0, &next);
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(
            items, json_pack("{s:o, s:o, s:o, s:s, s:s, s:I}", "at", time_or_null(rows, i, 1), "username",
                             db_text(rows, i, 2) ? json_string(db_text(rows, i, 2)) : json_null(), "display_name",
                             db_text(rows, i, 3) ? json_string(db_text(rows, i, 3)) : json_null(), "method",
                             db_text(rows, i, 4), "route", db_text(rows, i, 5), "status",
                             (json_int_t)db_int(rows, i, 6)));
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}
