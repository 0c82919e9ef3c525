/* mpi_person.c — the person as clients see it: the full document (identifiers, family,
 * verified attributes, source records, link history, merges) and the masked list item;
 * and who may act for whom through family links. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/ids.h"
#include "../core/util.h"
#include "areas.h"
#include "mpi_store.h"

static json_t *time_json(const db_rows *rows, int i, int col)
{
    return db_is_null(rows, i, col) ? json_null() : wj_time_json(db_int(rows, i, col), false);
}

static json_t *text_json(const db_rows *rows, int i, int col)
{
    const char *s = db_text(rows, i, col);
    return s ? json_string(s) : json_null();
}

/* Whole years from birth_date to today (Asia/Shanghai). */
static int age_on(const char *birth, const char *today)
{
    int by, bm, bd, ty, tm, td;
    if (!birth || sscanf(birth, "%d-%d-%d", &by, &bm, &bd) != 3 || sscanf(today, "%d-%d-%d", &ty, &tm, &td) != 3)
        return -1;
    return ty - by - (tm < bm || (tm == bm && td < bd));
}

static bool query(wj_conn *c, const char *sql, const db_val *p, int n, db_rows **rows)
{
    return db_query(c, sql, p, n, rows) == DB_OK;
}

static json_t *identifiers_json(wj_conn *c, int64_t person, bool masked)
{
    db_rows *rows;
    if (!query(c,
               "SELECT i.id, i.type, i.value, i.issuer, f.name, i.record_id, i.created_at FROM person_identifiers i "
               "LEFT JOIN facilities f ON f.id = i.issuer WHERE i.person_id = ? ORDER BY i.created_at, i.id",
               DBP(DB_I(person)), &rows))
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < rows->nrows; i++) {
        char m[80];
        const char *v = db_text(rows, i, 2);
        wj_mask_id(v, m, sizeof m);
        json_t *x = json_pack("{s:o, s:s, s:s, s:o}", "id", wj_id_json(db_int(rows, i, 0)), "type", db_text(rows, i, 1),
                              "value", masked ? m : v, "issuer", wj_id_json(db_int(rows, i, 3)));
        if (!masked) {
            json_object_set_new(x, "issuer_name", text_json(rows, i, 4));
            json_object_set_new(x, "record_id", wj_id_json(db_int(rows, i, 5)));
            json_object_set_new(x, "created_at", time_json(rows, i, 6));
        }
        json_array_append_new(a, x);
    }
    db_rows_free(rows);
    return a;
}

static json_t *attributes_json(wj_conn *c, int64_t person, const char *today)
{
    db_rows *rows;
    if (!query(c,
               MPI_CLUSTER_SQL
               "SELECT a.id, a.type, a.evidence_type, a.evidence_number, a.valid_from, a.valid_to, a.verified_by, "
               "a.verified_facility, a.created_at FROM person_attributes a WHERE a.person_id IN (SELECT id FROM "
               "cluster) AND a.revoked_at IS NULL ORDER BY a.created_at, a.id",
               DBP(DB_I(person)), &rows))
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < rows->nrows; i++) {
        const char *from = db_text(rows, i, 4), *to = db_text(rows, i, 5);
        bool now = strcmp(from, today) <= 0 && (!to || strcmp(today, to) <= 0);
        json_array_append_new(
            a, json_pack("{s:o, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:b}", "id", wj_id_json(db_int(rows, i, 0)),
                         "type", db_text(rows, i, 1), "evidence_type", db_text(rows, i, 2), "evidence_number",
                         text_json(rows, i, 3), "valid_from", from, "valid_to", text_json(rows, i, 5), "verified_by",
                         wj_id_json(db_int(rows, i, 6)), "verified_facility", wj_id_json(db_int(rows, i, 7)), "created_at",
                         time_json(rows, i, 8), "valid_now", now));
    }
    db_rows_free(rows);
    return a;
}

static json_t *family_json(wj_conn *c, int64_t person)
{
    db_rows *rows;
    if (!query(c,
               MPI_CLUSTER_SQL
               "SELECT f.id, f.related_id, p.name, f.relation, f.manages, f.created_at FROM person_family f "
               "JOIN persons p ON p.id = f.related_id WHERE f.person_id IN (SELECT id FROM cluster) "
               "AND f.ended_at IS NULL ORDER BY f.created_at, f.id",
               DBP(DB_I(person)), &rows))
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < rows->nrows; i++)
        json_array_append_new(a, json_pack("{s:o, s:o, s:s, s:s, s:b, s:o}", "id", wj_id_json(db_int(rows, i, 0)),
                                           "person_id", wj_id_json(db_int(rows, i, 1)), "name", db_text(rows, i, 2),
                                           "relation", db_text(rows, i, 3), "manages", db_int(rows, i, 4) != 0,
                                           "created_at", time_json(rows, i, 5)));
    db_rows_free(rows);
    return a;
}

static json_t *link_json(const db_rows *rows, int i, int at)
{
    json_t *l = json_pack("{s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", wj_id_json(db_int(rows, i, at)),
                          "record_id", wj_id_json(db_int(rows, i, at + 1)), "person_id", wj_id_json(db_int(rows, i, at + 2)),
                          "rule", db_text(rows, i, at + 3), "score",
                          db_is_null(rows, i, at + 4) ? json_null() : json_real(db_double(rows, i, at + 4)),
                          "merge_id", wj_id_json(db_int(rows, i, at + 5)), "created_at", time_json(rows, i, at + 6),
                          "created_by", wj_id_json(db_int(rows, i, at + 7)), "undone_at", time_json(rows, i, at + 8),
                          "undone_by", wj_id_json(db_int(rows, i, at + 9)), "reason", text_json(rows, i, at + 10));
    return l;
}

#define LINK_COLS                                                                                                      \
    "l.id, l.record_id, l.person_id, l.rule, l.score, l.merge_id, l.created_at, l.created_by, l.undone_at, "           \
    "l.undone_by, l.reason"

static json_t *records_json(wj_conn *c, int64_t person)
{
    db_rows *rows;
    if (!query(c,
               "SELECT r.id, r.facility_id, f.name, r.registered_by, r.document, r.created_at, " LINK_COLS
               " FROM mpi_records r LEFT JOIN facilities f ON f.id = r.facility_id "
               "JOIN mpi_links l ON l.record_id = r.id AND l.undone_at IS NULL "
               "WHERE r.person_id = ? ORDER BY r.created_at, r.id",
               DBP(DB_I(person)), &rows))
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < rows->nrows; i++) {
        json_t *doc = json_loads(db_text(rows, i, 4), 0, NULL);
        json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", wj_id_json(db_int(rows, i, 0)),
                                           "facility_id", wj_id_json(db_int(rows, i, 1)), "facility_name",
                                           text_json(rows, i, 2), "registered_by", wj_id_json(db_int(rows, i, 3)),
                                           "registered_at", time_json(rows, i, 5), "data", doc ? doc : json_object(),
                                           "link", link_json(rows, i, 6)));
    }
    db_rows_free(rows);
    return a;
}

/* Every link of the records now in the person, and every link that ever pointed at it. */
static json_t *links_json(wj_conn *c, int64_t person)
{
    db_rows *rows;
    if (!query(c,
               "SELECT " LINK_COLS " FROM mpi_links l WHERE l.person_id = ? OR l.record_id IN "
               "(SELECT id FROM mpi_records WHERE person_id = ?) ORDER BY l.created_at DESC, l.id DESC LIMIT 200",
               DBP(DB_I(person), DB_I(person)), &rows))
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < rows->nrows; i++)
        json_array_append_new(a, link_json(rows, i, 0));
    db_rows_free(rows);
    return a;
}

static json_t *merged_from_json(wj_conn *c, int64_t person)
{
    db_rows *rows;
    if (!query(c,
               "SELECT m.id, m.merged_id, p.name, m.reason, m.created_at, m.created_by FROM mpi_merges m "
               "JOIN persons p ON p.id = m.merged_id WHERE m.keep_id = ? AND m.undone_at IS NULL ORDER BY m.created_at",
               DBP(DB_I(person)), &rows))
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < rows->nrows; i++)
        json_array_append_new(a, json_pack("{s:o, s:o, s:s, s:s, s:o, s:o}", "merge_id", wj_id_json(db_int(rows, i, 0)),
                                           "person_id", wj_id_json(db_int(rows, i, 1)), "name", db_text(rows, i, 2),
                                           "reason", db_text(rows, i, 3), "created_at", time_json(rows, i, 4),
                                           "created_by", wj_id_json(db_int(rows, i, 5))));
    db_rows_free(rows);
    return a;
}

#define PERSON_COLS                                                                                                    \
    "p.id, p.name, p.pinyin, p.former_names, p.sex, p.birth_date, p.phone, p.phones, p.address, p.area_code, "         \
    "a.name, p.nationality, p.deceased_date, p.merged_into, p.created_at, p.updated_at, p.version"

static json_t *person_base(wj_conn *c, int64_t id, bool masked)
{
    db_rows *rows;
    if (!query(c, "SELECT " PERSON_COLS " FROM persons p LEFT JOIN areas a ON a.code = p.area_code WHERE p.id = ?",
               DBP(DB_I(id)), &rows))
        return NULL;
    if (rows->nrows != 1) {
        db_rows_free(rows);
        return NULL;
    }
    char today[11], phone[32];
    wj_today_shanghai(today);
    int age = age_on(db_text(rows, 0, 5), today);
    const char *ph = db_text(rows, 0, 6);
    if (ph)
        wj_mask_phone(ph, phone, sizeof phone);
    json_t *p = json_pack("{s:o, s:s, s:s, s:s, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:I}", "id",
                          wj_id_json(db_int(rows, 0, 0)), "name", db_text(rows, 0, 1), "pinyin", db_text(rows, 0, 2),
                          "sex", db_text(rows, 0, 4), "birth_date", text_json(rows, 0, 5), "age",
                          age >= 0 ? json_integer(age) : json_null(), "elderly", age >= 60, "phone",
                          ph ? json_string(masked ? phone : ph) : json_null(), "area_code", text_json(rows, 0, 9),
                          "area_name", text_json(rows, 0, 10), "deceased_date", text_json(rows, 0, 12), "merged_into",
                          wj_id_json(db_int(rows, 0, 13)), "version", (json_int_t)db_int(rows, 0, 16));
    if (!masked) {
        json_t *former = json_loads(db_text(rows, 0, 3), 0, NULL), *phones = json_loads(db_text(rows, 0, 7), 0, NULL);
        json_object_set_new(p, "former_names", former ? former : json_array());
        json_object_set_new(p, "phones", phones ? phones : json_array());
        json_object_set_new(p, "address", text_json(rows, 0, 8));
        json_object_set_new(p, "nationality", text_json(rows, 0, 11));
        json_object_set_new(p, "created_at", time_json(rows, 0, 14));
        json_object_set_new(p, "updated_at", time_json(rows, 0, 15));
    }
    db_rows_free(rows);
    return p;
}

/* Sets key to part, or drops the whole document when the part failed. */
static bool add_part(json_t *doc, const char *key, json_t *part)
{
    if (!part)
        return false;
    json_object_set_new(doc, key, part);
    return true;
}

json_t *mpi_person_document(wj_conn *c, int64_t id)
{
    json_t *p = person_base(c, id, false);
    char today[11];
    wj_today_shanghai(today);
    if (!p)
        return NULL;
    if (add_part(p, "identifiers", identifiers_json(c, id, false)) &&
        add_part(p, "attributes", attributes_json(c, id, today)) && add_part(p, "family", family_json(c, id)) &&
        add_part(p, "records", records_json(c, id)) && add_part(p, "links", links_json(c, id)) &&
        add_part(p, "merged_from", merged_from_json(c, id)))
        return p;
    json_decref(p);
    return NULL;
}

json_t *mpi_person_item(wj_conn *c, int64_t id)
{
    json_t *p = person_base(c, id, true);
    if (p && !add_part(p, "identifiers", identifiers_json(c, id, true))) {
        json_decref(p);
        return NULL;
    }
    return p;
}

bool mpi_person_covers(wj_conn *c, int64_t who, int64_t target)
{
    int64_t self = mpi_resolve(c, who);
    if (!self || !target)
        return false;
    if (self == target)
        return true;
    /* Family links are kept on the person that made them and point at the person they
     * named, either of which may since have been merged: look through both. */
    db_rows *rows;
    if (db_query(c,
                 MPI_CLUSTER_SQL "SELECT f.related_id FROM person_family f WHERE f.person_id IN "
                                 "(SELECT id FROM cluster) AND f.manages = 1 AND f.ended_at IS NULL",
                 DBP(DB_I(self)), &rows) != DB_OK)
        return false;
    bool ok = false;
    for (int i = 0; i < rows->nrows && !ok; i++)
        ok = mpi_resolve(c, db_int(rows, i, 0)) == target;
    db_rows_free(rows);
    return ok;
}
