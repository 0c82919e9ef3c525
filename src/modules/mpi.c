/* mpi.c — module "mpi", the master patient index: the person routes (register, read,
 * edit, identifiers, attributes, family links, lookups, break-glass). Reviews, merge and
 * unmerge are in mpi_review_api.c; storage in mpi_store.c, mpi_person.c, mpi_links.c;
 * the method and the API in docs/mpi.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/ids.h"
#include "../core/list.h"
#include "../core/sql.h"
#include "../core/util.h"
#include "areas.h"
#include "modules.h"
#include "mpi_api.h"
#include "mpi_csv.h"
#include "../core/csv.h"

/* ---- shared by the handlers of the module ---- */

/* The first facility of the caller's grants holding `perm` where the person has a
 * record: what makes the person "known to their facility". */
static int64_t known_at(wj_req *r, const char *perm, int64_t person)
{
    unsigned roles = wj_perm_roles(perm);
    for (int i = 0; r->who && i < r->who->ngrants; i++) {
        const wj_grant *g = &r->who->grants[i];
        if (!g->facility_id || !(roles & (1u << g->role)))
            continue;
        db_rows *rows;
        if (db_query(wj_db_conn(r), "SELECT 1 FROM mpi_records WHERE facility_id = ? AND person_id = ? LIMIT 1",
                     DBP(DB_I(g->facility_id), DB_I(person)), &rows) != DB_OK)
            return 0;
        bool known = rows->nrows > 0;
        db_rows_free(rows);
        if (known)
            return g->facility_id;
    }
    return 0;
}

bool mpi_target_of(wj_req *r, const char *perm, int64_t id, wj_target *t)
{
    mpi_person p;
    int64_t current = mpi_resolve(wj_db_conn(r), id);
    if (!current || !mpi_person_find(wj_db_conn(r), current, &p)) {
        wj_fail(r, 404, "not_found", NULL, "person not found");
        return false;
    }
    memset(t, 0, sizeof *t);
    t->person_id = current;
    t->version = p.version;
    snprintf(t->area_path, sizeof t->area_path, "%s", p.area_path);
    t->facility_id = known_at(r, perm, current);
    return true;
}

bool mpi_covers_person(wj_req *r, const char *perm, int64_t id)
{
    wj_target t;
    if (!mpi_target_of(r, perm, id, &t)) {
        wj_error_clear(&r->err);
        r->status = 0;
        return false;
    }
    return wj_covers(r, perm, &t);
}

/* Target of /persons/{id}…: the current person. */
static bool person_target(wj_req *r, wj_target *t)
{
    int64_t id;
    if (!wj_path_id(r, 0, "person", &id) || !mpi_target_of(r, r->route->perm, id, t))
        return false;
    wj_audit_subject(r, "person", t->person_id); /* also when the scope check refuses */
    return true;
}

/* The caller's facility for a registration: the first facility grant allowed to register. */
static int64_t caller_facility(const wj_req *r)
{
    unsigned roles = wj_perm_roles("person.register");
    for (int i = 0; r->who && i < r->who->ngrants; i++)
        if (r->who->grants[i].facility_id && (roles & (1u << r->who->grants[i].role)))
            return r->who->grants[i].facility_id;
    return 0;
}

/* Replies with the person's full document as it now is. */
static bool reply_person(wj_req *r, int64_t id, int status)
{
    json_t *doc = mpi_person_document(wj_db_conn(r), id);
    if (!doc) {
        wj_fail_internal(r, "person document");
        return false;
    }
    wj_set_etag(r, json_integer_value(json_object_get(doc, "version")));
    wj_reply(r, status, doc);
    return true;
}

/* ---- register ---- */

static const char *const status_names[] = {"new", "review", "linked"};

/* The match: candidates carry the masked summary when the caller may read them. */
static json_t *match_json(wj_req *r, const mpi_result *m)
{
    json_t *cands = json_array();
    for (int i = 0; i < m->ncandidates; i++) {
        int64_t id = m->candidates[i].person_id;
        json_t *c = json_pack("{s:o, s:f}", "person_id", wj_id_json(id), "score",
                              round(m->candidates[i].score * 100) / 100);
        json_t *item = mpi_covers_person(r, "person.read", id) ? mpi_person_item(r->conn, id) : NULL;
        if (item)
            json_object_set_new(c, "person", item);
        json_array_append_new(cands, c);
    }
    json_t *j = json_pack("{s:s, s:o, s:o}", "status", status_names[m->status], "record_id",
                          wj_id_json(m->record_id), "candidates", cands);
    if (m->status == MPI_LINKED) {
        json_object_set_new(j, "rule", json_string(m->rule));
        json_object_set_new(j, "score", m->rule[0] == 's' ? json_real(round(m->score * 100) / 100) : json_null());
    }
    if (m->status == MPI_REVIEW)
        json_object_set_new(j, "review_id", wj_id_json(m->review_id));
    return j;
}

static void create(wj_req *r)
{
    mpi_input in;
    wj_error e = {0};
    if (!wj_write_begin(r))
        return;
    if (!mpi_input_from_json(r->conn, r->body, &in, &e)) {
        wj_fail_store(r, &e, "person input");
        return;
    }
    in.facility_id = caller_facility(r);
    in.by_user = r->who->user_id;
    for (int i = 0; i < r->who->ngrants && !in.fallback_path[0]; i++)
        snprintf(in.fallback_path, sizeof in.fallback_path, "%s", r->who->grants[i].area_path);
    mpi_result m;
    if (!mpi_register(r->conn, &in, &m, &e)) {
        wj_fail_store(r, &e, "person register");
        return;
    }
    /* A registration that joins a person the caller may not read (a hotline operator's
     * caller who lives elsewhere) answers with the masked summary, not the record. */
    bool full = mpi_covers_person(r, "person.read", m.person_id);
    json_t *doc = full ? mpi_person_document(r->conn, m.person_id) : mpi_person_item(r->conn, m.person_id);
    if (!doc) {
        wj_fail_internal(r, "person document");
        return;
    }
    if (full)
        wj_set_etag(r, json_integer_value(json_object_get(doc, "version")));
    char sid[24];
    wj_id_format(m.person_id, sid);
    snprintf(r->location, sizeof r->location, "/api/v1/persons/%s", sid);
    wj_reply(r, m.status == MPI_LINKED ? 200 : 201, json_pack("{s:o, s:o}", "person", doc, "match", match_json(r, &m)));
    wj_audit_subject(r, "person", m.person_id);
    wj_write_commit(r);
}

/* ---- read ---- */

static void get_one(wj_req *r)
{
    int64_t asked;
    wj_path_id(r, 0, "person", &asked);
    wj_audit_subject(r, "person", r->target.person_id);
    if (!reply_person(r, r->target.person_id, 200))
        return;
    if (asked != r->target.person_id)
        json_object_set_new(r->out, "resolved_from", wj_id_json(asked));
}

/* ---- edit ---- */

static const wj_field patch_fields[] = {
    {"name", WJ_T_STRING, 0, .min = 1, .max = 40},
    {"former_names", WJ_T_ARRAY, 0, .max = 10, .items = WJ_T_STRING},
    {"sex", WJ_T_STRING, 0, .enums = mpi_sexes},
    {"birth_date", WJ_T_STRING, 0, WJ_F_DATE},
    {"phone", WJ_T_STRING, WJ_NULLABLE, WJ_F_PHONE},
    {"address", WJ_T_STRING, WJ_NULLABLE, .min = 1, .max = 200},
    {"area_code", WJ_T_STRING, WJ_NULLABLE, WJ_F_AREA_CODE},
    {"nationality", WJ_T_STRING, WJ_NULLABLE, .min = 3, .max = 3},
    {"deceased_date", WJ_T_STRING, WJ_NULLABLE, WJ_F_DATE},
    {0},
};
static const wj_schema patch_schema = {"PersonUpdate", patch_fields};

/* The ID number's birth date and sex bind the record's. */
static bool patch_agrees(wj_req *r, int64_t id)
{
    const char *bd = json_string_value(json_object_get(r->body, "birth_date"));
    const char *sex = json_string_value(json_object_get(r->body, "sex"));
    if (!bd && !sex)
        return true;
    db_rows *rows;
    if (db_query(r->conn, "SELECT value FROM person_identifiers WHERE person_id = ? AND type = 'id_card'",
                 DBP(DB_I(id)), &rows) != DB_OK) {
        wj_fail_internal(r, "person idcard");
        return false;
    }
    wj_idcard idc;
    bool has = rows->nrows && wj_idcard_parse(db_text(rows, 0, 0), NULL, &idc) == WJ_IDCARD_OK;
    db_rows_free(rows);
    if (has && bd && strcmp(bd, idc.birth_date) != 0) {
        wj_fail(r, 422, "invalid_value", "birth_date", "the person's ID number gives the birth date %s", idc.birth_date);
        return false;
    }
    if (has && sex && strcmp(sex, idc.sex) != 0) {
        wj_fail(r, 422, "invalid_value", "sex", "the person's ID number gives the sex %s", idc.sex);
        return false;
    }
    return true;
}

static bool patch_dates(wj_req *r)
{
    char today[11];
    wj_today_shanghai(today);
    const char *fields[] = {"birth_date", "deceased_date"};
    for (int i = 0; i < 2; i++) {
        const char *d = json_string_value(json_object_get(r->body, fields[i]));
        if (d && strcmp(d, today) > 0) {
            wj_fail(r, 422, "invalid_value", fields[i], "the date is after today (%s)", today);
            return false;
        }
    }
    return true;
}

/* One column set from the body: text, or NULL when the body gives null. */
static bool set_column(wj_req *r, int64_t id, const char *field, const char *sql)
{
    json_t *v = json_object_get(r->body, field);
    if (!v)
        return true;
    return db_exec(r->conn, sql, DBP(DB_S(json_string_value(v)), DB_I(id)), NULL) == DB_OK;
}

static bool patch_name(wj_req *r, int64_t id)
{
    const char *name = json_string_value(json_object_get(r->body, "name"));
    json_t *former = json_object_get(r->body, "former_names");
    char key[MPI_NAME_MAX], pinyin[MPI_PINYIN_MAX];
    if (name) {
        mpi_name_keys(name, key, pinyin);
        if (!key[0]) {
            wj_fail(r, 422, "invalid_value", "name", "the name has no letters");
            return false;
        }
        if (db_exec(r->conn, "UPDATE persons SET name = ?, name_key = ?, pinyin = ? WHERE id = ?",
                    DBP(DB_S(name), DB_S(key), DB_S(pinyin), DB_I(id)), NULL) != DB_OK)
            return false;
    }
    if (former) {
        char *text = json_dumps(former, JSON_COMPACT);
        bool ok = db_exec(r->conn, "UPDATE persons SET former_names = ? WHERE id = ?", DBP(DB_S(text), DB_I(id)),
                          NULL) == DB_OK;
        free(text);
        return ok;
    }
    return true;
}

static bool patch_area(wj_req *r, int64_t id)
{
    json_t *v = json_object_get(r->body, "area_code");
    if (!v || json_is_null(v))
        return set_column(r, id, "area_code", "UPDATE persons SET area_code = ? WHERE id = ?");
    areas_ref a;
    if (!areas_find_by_code(r->conn, json_string_value(v), &a)) {
        wj_fail(r, 422, "unknown_reference", "area_code", "no area has code %s", json_string_value(v));
        return false;
    }
    return db_exec(r->conn, "UPDATE persons SET area_code = ?, area_path = ? WHERE id = ?",
                   DBP(DB_S(a.code), DB_S(a.path), DB_I(id)), NULL) == DB_OK;
}

static void update(wj_req *r)
{
    int64_t id = r->target.person_id;
    wj_audit_subject(r, "person", id);
    if (!patch_dates(r) || !wj_write_begin(r) || !patch_agrees(r, id))
        return;
    const char *nat = json_string_value(json_object_get(r->body, "nationality"));
    if (nat && (nat[strspn(nat, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")] != 0)) {
        wj_fail(r, 422, "invalid_value", "nationality", "a three-letter upper-case country code such as CHN");
        return;
    }
    bool ok = patch_name(r, id) && set_column(r, id, "sex", "UPDATE persons SET sex = ? WHERE id = ?") &&
              set_column(r, id, "birth_date", "UPDATE persons SET birth_date = ? WHERE id = ?") &&
              set_column(r, id, "phone", "UPDATE persons SET phone = ? WHERE id = ?") &&
              set_column(r, id, "address", "UPDATE persons SET address = ? WHERE id = ?") &&
              set_column(r, id, "nationality", "UPDATE persons SET nationality = ? WHERE id = ?") &&
              set_column(r, id, "deceased_date", "UPDATE persons SET deceased_date = ? WHERE id = ?") &&
              patch_area(r, id);
    if (wj_failed(r))
        return;
    if (!ok || !mpi_person_touch(r->conn, id)) {
        wj_fail_internal(r, "person update");
        return;
    }
    if (reply_person(r, id, 200))
        wj_write_commit(r);
}

/* ---- identifiers ---- */

static void identifier_add(wj_req *r)
{
    int64_t id = r->target.person_id;
    wj_audit_subject(r, "person", id);
    if (!wj_write_begin(r))
        return;
    mpi_ident ident;
    wj_idcard idc;
    wj_error e = {0};
    if (!mpi_identifier_from_json(r->conn, r->body, "", &ident, &idc, &e)) {
        wj_fail_store(r, &e, "identifier input");
        return;
    }
    /* The number encodes a birth date and a sex: the person's must be the same, and the
     * error names the person's field that disagrees, as a registration's would. */
    mpi_person p;
    if (idc.number[0] && mpi_person_find(r->conn, id, &p)) {
        bool bd = p.birth_date[0] && strcmp(p.birth_date, idc.birth_date) != 0;
        bool sx = strcmp(p.sex, "unknown") != 0 && strcmp(p.sex, idc.sex) != 0;
        if (bd || sx) {
            wj_fail(r, 422, "invalid_value", bd ? "birth_date" : "sex",
                    "the ID number gives the %s %s, the person's is %s", bd ? "birth date" : "sex",
                    bd ? idc.birth_date : idc.sex, bd ? p.birth_date : p.sex);
            return;
        }
    }
    int64_t iid = mpi_identifier_add(r->conn, id, &ident, r->who->user_id, &e);
    if (!iid) {
        wj_fail_store(r, &e, "identifier add");
        return;
    }
    char sid[24];
    wj_id_format(iid, sid);
    wj_reply(r, 201, json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", sid, "type", ident.type, "value", ident.value,
                               "issuer", wj_id_json(ident.issuer), "person_id", wj_id_json(id)));
    wj_write_commit(r);
}

/* A sub-resource id of the path (position 1) that must belong to the person's cluster
 * in `table`. */
static bool owned(wj_req *r, const char *sql, const char *what, int64_t *sub)
{
    if (!wj_path_id(r, 1, what, sub))
        return false;
    db_rows *rows;
    if (db_query(r->conn, sql, DBP(DB_I(r->target.person_id), DB_I(*sub)), &rows) != DB_OK) {
        wj_fail_internal(r, what);
        return false;
    }
    bool found = rows->nrows > 0;
    db_rows_free(rows);
    if (!found)
        wj_fail(r, 404, "not_found", NULL, "%s not found", what);
    return found;
}

static void identifier_delete(wj_req *r)
{
    int64_t id = r->target.person_id, iid;
    wj_audit_subject(r, "person", id);
    if (!wj_write_begin(r) ||
        !owned(r, "SELECT 1 FROM person_identifiers WHERE person_id = ? AND id = ?", "identifier", &iid))
        return;
    if (db_exec(r->conn, "DELETE FROM person_identifiers WHERE id = ?", DBP(DB_I(iid)), NULL) != DB_OK ||
        !mpi_person_touch(r->conn, id)) {
        wj_fail_internal(r, "identifier delete");
        return;
    }
    wj_reply(r, 204, NULL);
    wj_write_commit(r);
}

/* ---- verified attributes ---- */

const wj_enum mpi_attribute_types[] = {
    {"military", "军人（现役/退役）", "military (serving or veteran)"},
    {"disabled", "残疾人", "disabled"},
    {"pregnant", "孕产妇", "pregnant"},
    {0},
};

static const wj_enum evidence_types[] = {
    {"military_officer_card", "军官证", "military officer's card"},
    {"soldier_card", "士兵证", "soldier's card"},
    {"veteran_card", "退役军人证", "veteran's card"},
    {"disability_card", "残疾人证", "disability card"},
    {"maternal_handbook", "母子健康手册", "maternal and child health handbook"},
    {0},
};

/* Which evidence proves which attribute. */
static const struct {
    const char *type, *evidence;
} evidence_for[] = {
    {"military", "military_officer_card"}, {"military", "soldier_card"}, {"military", "veteran_card"},
    {"disabled", "disability_card"},       {"pregnant", "maternal_handbook"},
};

static const wj_field attribute_fields[] = {
    {"type", WJ_T_STRING, WJ_REQUIRED, .enums = mpi_attribute_types},
    {"evidence_type", WJ_T_STRING, WJ_REQUIRED, .enums = evidence_types},
    {"evidence_number", WJ_T_STRING, 0, .min = 1, .max = 40},
    {"valid_from", WJ_T_STRING, WJ_REQUIRED, WJ_F_DATE},
    {"valid_to", WJ_T_STRING, 0, WJ_F_DATE, .desc = "inclusive; absent: no end"},
    {0},
};
static const wj_schema attribute_schema = {"PersonAttribute", attribute_fields};

static void attribute_add(wj_req *r)
{
    int64_t id = r->target.person_id;
    const char *type = json_string_value(json_object_get(r->body, "type"));
    const char *ev = json_string_value(json_object_get(r->body, "evidence_type"));
    const char *from = json_string_value(json_object_get(r->body, "valid_from"));
    const char *to = json_string_value(json_object_get(r->body, "valid_to"));
    bool fits = false;
    for (size_t i = 0; i < WJ_ARRAY_LEN(evidence_for); i++)
        fits = fits || (strcmp(evidence_for[i].type, type) == 0 && strcmp(evidence_for[i].evidence, ev) == 0);
    wj_audit_subject(r, "person", id);
    if (!fits) {
        wj_fail(r, 422, "invalid_value", "evidence_type", "a %s does not prove %s", ev, type);
        return;
    }
    if (to && strcmp(to, from) < 0) {
        wj_fail(r, 422, "invalid_value", "valid_to", "valid_to is before valid_from");
        return;
    }
    if (!wj_write_begin(r))
        return;
    int64_t aid = wj_id_new();
    if (db_exec(r->conn,
                "INSERT INTO person_attributes (id, person_id, type, evidence_type, evidence_number, valid_from, "
                "valid_to, verified_by, verified_facility, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                DBP(DB_I(aid), DB_I(id), DB_S(type), DB_S(ev),
                    DB_S(json_string_value(json_object_get(r->body, "evidence_number"))), DB_S(from), DB_S(to),
                    DB_I(r->who->user_id), caller_facility(r) ? DB_I(caller_facility(r)) : DB_NULL,
                    DB_I(wj_now_ms())),
                NULL) != DB_OK ||
        !mpi_person_touch(r->conn, id)) {
        wj_fail_internal(r, "attribute add");
        return;
    }
    json_t *out = json_deep_copy(r->body);
    json_object_set_new(out, "id", wj_id_json(aid));
    json_object_set_new(out, "person_id", wj_id_json(id));
    json_object_set_new(out, "verified_by", wj_id_json(r->who->user_id));
    wj_reply(r, 201, out);
    wj_write_commit(r);
}

static void attribute_revoke(wj_req *r)
{
    int64_t id = r->target.person_id, aid;
    wj_audit_subject(r, "person", id);
    if (!wj_write_begin(r) ||
        !owned(r,
               MPI_CLUSTER_SQL "SELECT 1 FROM person_attributes WHERE person_id IN (SELECT id FROM cluster) AND id = ? "
                               "AND revoked_at IS NULL",
               "attribute", &aid))
        return;
    if (db_exec(r->conn, "UPDATE person_attributes SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                DBP(DB_I(wj_now_ms()), DB_I(r->who->user_id), DB_I(aid)), NULL) != DB_OK ||
        !mpi_person_touch(r->conn, id)) {
        wj_fail_internal(r, "attribute revoke");
        return;
    }
    wj_reply(r, 204, NULL);
    wj_write_commit(r);
}

/* ---- family ---- */

const wj_enum mpi_relations[] = {
    {"guardian", "监护人", "guardian"}, {"ward", "被监护人", "ward"}, {"spouse", "配偶", "spouse"},
    {"child", "子女", "child"},         {"parent", "父母", "parent"}, {0},
};

static const wj_field family_fields[] = {
    {"person_id", WJ_T_STRING, WJ_REQUIRED, WJ_F_ID, .desc = "the related person"},
    {"relation", WJ_T_STRING, WJ_REQUIRED, .enums = mpi_relations, .desc = "what the related person is to this one"},
    {"manages", WJ_T_BOOL, 0, .desc = "this person may act for the related one (default false)"},
    {0},
};
static const wj_schema family_schema = {"PersonFamilyLink", family_fields};

static void family_add(wj_req *r)
{
    int64_t id = r->target.person_id, other;
    wj_id_parse(json_string_value(json_object_get(r->body, "person_id")), &other);
    const char *rel = json_string_value(json_object_get(r->body, "relation"));
    bool manages = json_is_true(json_object_get(r->body, "manages"));
    wj_audit_subject(r, "person", id);
    if (!wj_write_begin(r))
        return;
    int64_t related = mpi_resolve(r->conn, other);
    /* Both ends must be in the caller's scope: a link gives the person's account sight of
     * the related person. */
    if (!related || !mpi_covers_person(r, "person.write", related)) {
        wj_fail(r, 422, "unknown_reference", "person_id", "no such person in your scope");
        return;
    }
    if (related == id) {
        wj_fail(r, 422, "invalid_value", "person_id", "a person is not their own relative");
        return;
    }
    db_rows *rows;
    if (db_query(r->conn, "SELECT 1 FROM person_family WHERE person_id = ? AND related_id = ? AND ended_at IS NULL",
                 DBP(DB_I(id), DB_I(related)), &rows) != DB_OK) {
        wj_fail_internal(r, "family lookup");
        return;
    }
    bool exists = rows->nrows > 0;
    db_rows_free(rows);
    if (exists) {
        wj_fail(r, 409, "conflict", "person_id", "these persons are already linked; end that link first");
        return;
    }
    int64_t fid = wj_id_new();
    if (db_exec(r->conn,
                "INSERT INTO person_family (id, person_id, related_id, relation, manages, created_at, created_by) "
                "VALUES (?,?,?,?,?,?,?)",
                DBP(DB_I(fid), DB_I(id), DB_I(related), DB_S(rel), DB_I(manages), DB_I(wj_now_ms()),
                    DB_I(r->who->user_id)),
                NULL) != DB_OK ||
        !mpi_person_touch(r->conn, id)) {
        wj_fail_internal(r, "family add");
        return;
    }
    wj_reply(r, 201, json_pack("{s:o, s:o, s:o, s:s, s:b}", "id", wj_id_json(fid), "person_id", wj_id_json(id),
                               "related_id", wj_id_json(related), "relation", rel, "manages", manages));
    wj_write_commit(r);
}

static void family_end(wj_req *r)
{
    int64_t id = r->target.person_id, fid;
    wj_audit_subject(r, "person", id);
    if (!wj_write_begin(r) ||
        !owned(r,
               MPI_CLUSTER_SQL "SELECT 1 FROM person_family WHERE person_id IN (SELECT id FROM cluster) AND id = ? "
                               "AND ended_at IS NULL",
               "family link", &fid))
        return;
    if (db_exec(r->conn, "UPDATE person_family SET ended_at = ?, ended_by = ? WHERE id = ?",
                DBP(DB_I(wj_now_ms()), DB_I(r->who->user_id), DB_I(fid)), NULL) != DB_OK ||
        !mpi_person_touch(r->conn, id)) {
        wj_fail_internal(r, "family end");
        return;
    }
    wj_reply(r, 204, NULL);
    wj_write_commit(r);
}

/* ---- lookups ---- */

#define SEARCH_MAX 50

typedef struct search {
    mpi_ident ident;
    bool has_ident;
    const char *name, *birth_date, *phone;
} search;

/* A search as one statement: every given criterion, the caller's scope, keyset paging. */
typedef struct search_sql {
    wj_sql q;
    char key[MPI_NAME_MAX], pinyin[MPI_PINYIN_MAX];
} search_sql;

static void add(search_sql *q, const char *fragment, db_val v)
{
    wj_sql_add(&q->q, fragment, v);
}

/* "AND (… OR …)": the persons the caller's grants holding person.read cover — an area
 * subtree, a facility's patients, a resident's own person and those it manages. False
 * on a database error. */
static bool add_scope(wj_req *r, search_sql *q)
{
    unsigned roles = wj_perm_roles("person.read");
    wj_sql_puts(&q->q, " AND (1 = 0");
    for (int i = 0; i < r->who->ngrants && q->q.n < 40; i++) {
        const wj_grant *g = &r->who->grants[i];
        if (!(roles & (1u << g->role)))
            continue;
        if (g->area_path[0]) {
            wj_sql_like(&q->q, " OR p.area_path LIKE ? ESCAPE '\\'", "", g->area_path, "%");
        } else if (g->facility_id) {
            add(q, " OR EXISTS (SELECT 1 FROM mpi_records s WHERE s.person_id = p.id AND s.facility_id = ?)",
                DB_I(g->facility_id));
        } else if (g->person_id) {
            int64_t self = mpi_resolve(wj_db_conn(r), g->person_id), managed[8];
            int n = mpi_managed_persons(wj_db_conn(r), self, managed, (int)WJ_ARRAY_LEN(managed));
            if (n < 0)
                return false;
            add(q, " OR p.id = ?", DB_I(self));
            for (int k = 0; k < n && q->q.n < 40; k++)
                add(q, " OR p.id = ?", DB_I(managed[k]));
        }
    }
    wj_sql_puts(&q->q, ")");
    return true;
}

/* Every criterion must hold. The identifier, phone or name drives the query through its
 * index (the unary + keeps SQLite from scanning persons by merged_into instead). */
static void add_criteria(search_sql *q, const search *s)
{
    wj_sql_puts(&q->q, " FROM persons p WHERE +p.merged_into IS NULL");
    if (s->has_ident) {
        add(q, " AND p.id IN (SELECT person_id FROM person_identifiers WHERE type = ?", DB_S(s->ident.type));
        add(q, " AND issuer = ?", DB_I(s->ident.issuer));
        add(q, " AND value = ?)", DB_S(s->ident.value));
    }
    if (s->phone)
        add(q, " AND p.id IN (SELECT person_id FROM mpi_records WHERE phone = ?)", DB_S(s->phone));
    if (s->name) {
        mpi_name_keys(s->name, q->key, q->pinyin);
        add(q, " AND (p.name_key = ?", DB_S(q->key));
        add(q, " OR p.pinyin = ?)", DB_S(q->pinyin));
    }
    if (s->birth_date)
        add(q, " AND p.birth_date = ?", DB_S(s->birth_date));
}

/* Runs a search: masked items in id order, `limit` a page, after the person id `after`. */
static void search_run(wj_req *r, const search *s, int limit, int64_t after)
{
    search_sql q = {0};
    wj_conn *c = wj_db_conn(r);
    /* One read transaction: the page of ids and each item's rows come from one snapshot
     * (on SQLite, under one read lock rather than one per statement). */
    if (db_begin(c, false) != DB_OK) {
        wj_fail_internal(r, "person search");
        return;
    }
    wj_sql_puts(&q.q, "SELECT p.id");
    add_criteria(&q, s);
    if (!add_scope(r, &q)) {
        wj_sql_free(&q.q);
        wj_fail_internal(r, "person search scope");
        return;
    }
    add(&q, " AND p.id > ? ORDER BY p.id", DB_I(after));
    add(&q, " LIMIT ?", DB_I(limit + 1));
    db_rows *rows = wj_sql_run(r, &q.q, "person search");
    if (!rows)
        return;
    json_t *items = json_array();
    for (int i = 0; i < rows->nrows && i < limit; i++) {
        json_t *item = mpi_person_item(c, db_int(rows, i, 0));
        if (item)
            json_array_append_new(items, item);
    }
    char *next = rows->nrows > limit ? wj_cursor_make("", db_int(rows, limit - 1, 0)) : NULL;
    wj_audit_subject(r, "person", rows->nrows == 1 ? db_int(rows, 0, 0) : 0);
    db_rows_free(rows);
    wj_reply_list(r, items, next);
}

/* "TYPE|VALUE" into an identifier; false after answering 400. */
static bool parse_identifier_param(wj_req *r, const char *v, const char *issuer, mpi_ident *out)
{
    const char *bar = strchr(v, '|');
    memset(out, 0, sizeof *out);
    if (!bar || bar == v || !bar[1] || (size_t)(bar - v) >= sizeof out->type || strlen(bar + 1) >= sizeof out->value ||
        !wj_enum_find(mpi_identifier_types, (snprintf(out->type, sizeof out->type, "%.*s", (int)(bar - v), v), out->type))) {
        wj_fail(r, 400, "invalid_parameter", "identifier", "identifier is TYPE|VALUE with a known type");
        return false;
    }
    snprintf(out->value, sizeof out->value, "%s", bar + 1);
    for (char *p = out->value; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    if (strcmp(out->type, "id_card_15") == 0) {
        wj_idcard idc;
        if (wj_idcard_parse15(out->value, NULL, &idc) == WJ_IDCARD_OK) {
            snprintf(out->type, sizeof out->type, "id_card");
            snprintf(out->value, sizeof out->value, "%s", idc.number);
        }
    }
    if (issuer && !wj_id_parse(issuer, &out->issuer)) {
        wj_fail(r, 400, "invalid_parameter", "issuer", "issuer is a facility id");
        return false;
    }
    /* Every hospital numbers its own cards: a number alone names a card of none of them. */
    if (!issuer && strcmp(out->type, "hospital_card") == 0) {
        wj_fail(r, 400, "invalid_parameter", "issuer", "a hospital_card is looked up with its issuer (the facility id)");
        return false;
    }
    return true;
}

/* The body's {"type","value","issuer"} identifier; false after answering 422 naming
 * identifier.value or identifier.issuer. */
static bool parse_identifier_body(wj_req *r, const json_t *id, mpi_ident *out)
{
    char joined[100];
    snprintf(joined, sizeof joined, "%s|%s", json_string_value(json_object_get(id, "type")),
             json_string_value(json_object_get(id, "value")));
    if (parse_identifier_param(r, joined, json_string_value(json_object_get(id, "issuer")), out))
        return true;
    bool issuer = strcmp(r->err.field, "issuer") == 0;
    char message[sizeof r->err.message];
    snprintf(message, sizeof message, "%s", issuer ? r->err.message : "not a valid identifier");
    wj_error_clear(&r->err);
    wj_fail(r, 422, "invalid_value", issuer ? "identifier.issuer" : "identifier.value", "%s", message);
    return false;
}

static void list(wj_req *r)
{
    wj_page pg;
    if (!wj_page_parse(r, &pg))
        return;
    search s = {.name = wj_qparam(r, "name"), .birth_date = wj_qparam(r, "birth_date"), .phone = wj_qparam(r, "phone")};
    const char *ident = wj_qparam(r, "identifier"), *issuer = wj_qparam(r, "issuer");
    if (issuer && !ident) {
        wj_fail(r, 400, "invalid_parameter", "issuer", "issuer only goes with identifier");
        return;
    }
    if (ident && !parse_identifier_param(r, ident, issuer, &s.ident))
        return;
    s.has_ident = ident != NULL;
    if (!s.has_ident && !s.phone && !s.name) {
        wj_fail(r, 400, "invalid_parameter", "identifier", "give identifier, phone or name");
        return;
    }
    if (pg.sort) {
        wj_fail(r, 400, "invalid_parameter", "sort", "persons are listed in one order");
        return;
    }
    search_run(r, &s, pg.limit, pg.after ? pg.id : 0);
}

static const wj_field search_ident_fields[] = {
    {"type", WJ_T_STRING, WJ_REQUIRED, .enums = mpi_identifier_types},
    {"value", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 64},
    {"issuer", WJ_T_STRING, 0, WJ_F_ID},
    {0},
};
static const wj_schema search_ident_schema = {"PersonSearchIdentifier", search_ident_fields};

static const wj_field search_fields[] = {
    {"name", WJ_T_STRING, 0, .min = 1, .max = 40},
    {"birth_date", WJ_T_STRING, 0, WJ_F_DATE},
    {"phone", WJ_T_STRING, 0, WJ_F_PHONE},
    {"identifier", WJ_T_OBJECT, 0, .object = &search_ident_schema},
    {"limit", WJ_T_INT, 0, .min = 1, .max = SEARCH_MAX, .desc = "a page (default 20)"},
    {"cursor", WJ_T_STRING, 0, .min = 1, .max = 200, .desc = "next_cursor of the previous page"},
    {0},
};
static const wj_schema search_schema = {"PersonSearch", search_fields};

static void search_post(wj_req *r)
{
    const json_t *b = r->body, *id = json_object_get(b, "identifier");
    search s = {.name = json_string_value(json_object_get(b, "name")),
                .birth_date = json_string_value(json_object_get(b, "birth_date")),
                .phone = json_string_value(json_object_get(b, "phone"))};
    if (id) {
        if (!parse_identifier_body(r, id, &s.ident))
            return;
        s.has_ident = true;
    }
    if (!s.has_ident && !s.phone && !s.name) {
        wj_fail(r, 422, "missing_field", "name", "give identifier, phone or name");
        return;
    }
    json_t *lim = json_object_get(b, "limit");
    const char *cursor = json_string_value(json_object_get(b, "cursor"));
    wj_page pg = {0};
    if (cursor && !wj_cursor_parse(cursor, &pg)) {
        wj_fail(r, 422, "invalid_value", "cursor", "not a cursor this server issued");
        return;
    }
    search_run(r, &s, lim ? (int)json_integer_value(lim) : 20, pg.id);
}

/* ---- break-glass ---- */

static const wj_field reason_fields[] = {
    {"reason", WJ_T_STRING, WJ_REQUIRED, .min = 4, .max = 500, .desc = "why, in words an auditor can check"},
    {0},
};
static const wj_schema reason_schema = {"BreakGlass", reason_fields};

/* Records the break-glass read of person `asked` and answers with the person. */
static void break_glass_open(wj_req *r, int64_t asked)
{
    if (!wj_write_begin(r))
        return;
    int64_t id = mpi_resolve(r->conn, asked);
    if (!id) {
        wj_fail(r, 404, "not_found", NULL, "person not found");
        return;
    }
    wj_audit_subject(r, "person", id);
    if (db_exec(r->conn,
                "INSERT INTO mpi_break_glass (id, person_id, user_id, reason, client_ip, created_at) "
                "VALUES (?,?,?,?,?,?)",
                DBP(DB_I(wj_id_new()), DB_I(id), DB_I(r->who->user_id),
                    DB_S(json_string_value(json_object_get(r->body, "reason"))), DB_S(r->client_ip),
                    DB_I(wj_now_ms())),
                NULL) != DB_OK) {
        wj_fail_internal(r, "break-glass");
        return;
    }
    if (reply_person(r, id, 200))
        wj_write_commit(r);
}

static void break_glass(wj_req *r)
{
    int64_t asked;
    if (wj_path_id(r, 0, "person", &asked))
        break_glass_open(r, asked);
}

/* By an identifier (the ID card in an unconscious patient's pocket), so the number needs
 * neither a search the caller's scope would empty nor a URL. */
static const wj_field glass_find_fields[] = {
    {"identifier", WJ_T_OBJECT, WJ_REQUIRED, .object = &search_ident_schema},
    {"reason", WJ_T_STRING, WJ_REQUIRED, .min = 4, .max = 500, .desc = "why, in words an auditor can check"},
    {0},
};
static const wj_schema glass_find_schema = {"BreakGlassByIdentifier", glass_find_fields};

static void break_glass_find(wj_req *r)
{
    mpi_ident ident;
    if (!parse_identifier_body(r, json_object_get(r->body, "identifier"), &ident))
        return;
    int64_t person = mpi_find_by_identifier(wj_db_conn(r), ident.type, ident.issuer, ident.value);
    if (!person) {
        wj_fail(r, 404, "not_found", "identifier", "nobody holds this identifier");
        return;
    }
    break_glass_open(r, person);
}

/* ---- import ---- */

/* The rejected rows of an import report (line,status,person_id,record_id,reason). */
static json_t *rejected_rows(const char *report, size_t len)
{
    json_t *a = json_array();
    wj_csv r;
    wj_csv_init(&r, report, len);
    wj_csv_status st;
    while ((st = wj_csv_next(&r)) != WJ_CSV_END && st != WJ_CSV_FATAL) {
        int64_t line;
        if (st == WJ_CSV_RECORD && r.nfields >= 5 && strcmp(r.fields[1], "rejected") == 0 &&
            wj_parse_i64(r.fields[0], &line))
            json_array_append_new(a, json_pack("{s:I, s:s}", "line", (json_int_t)line, "reason", r.fields[4]));
    }
    wj_csv_free(&r);
    return a;
}

static void import_file(wj_req *r)
{
    const char *skip = wj_qparam(r, "skip_bad_rows");
    char *report = NULL;
    size_t report_len = 0;
    FILE *mem = open_memstream(&report, &report_len);
    mpi_import imp = {.by_user = r->who->user_id,
                      .facility_id = caller_facility(r),
                      .skip_bad_rows = skip && strcmp(skip, "true") == 0,
                      .report = mem};
    wj_audit_subject(r, "person", 0);
    if (!mem) {
        wj_fail_internal(r, "import report");
        return;
    }
    bool ok = wj_write_begin(r) && mpi_import_csv_conn(r->conn, r->raw_body ? r->raw_body : "", r->raw_len, &imp);
    fclose(mem);
    if (!wj_failed(r)) {
        json_t *rejected = rejected_rows(report, report_len);
        json_t *counts = json_pack("{s:I, s:I, s:I, s:I, s:o}", "rows", (json_int_t)imp.rows, "created",
                                   (json_int_t)imp.created, "linked", (json_int_t)imp.linked, "reviews",
                                   (json_int_t)imp.reviews, "rejected", rejected);
        if (ok) {
            wj_reply(r, 200, counts);
            wj_write_commit(r);
        } else {
            json_object_set_new(counts, "created", json_integer(0));
            json_object_set_new(counts, "linked", json_integer(0));
            json_object_set_new(counts, "reviews", json_integer(0));
            wj_fail_details(r, 422, "invalid_value", NULL, counts,
                            "nothing was imported: %s (skip_bad_rows=true imports the other rows)",
                            imp.first_error[0] ? imp.first_error : "a row was rejected");
        }
    }
    free(report);
}

static const wj_param import_query[] = {
    {"skip_bad_rows", WJ_T_BOOL, 0,
     .desc = "true: register the good rows and report the others; false (the default): all or nothing"},
    {0},
};

/* ---- the tables ---- */

static const wj_param list_query[] = {
    {"identifier", WJ_T_STRING, 0, .min = 3, .max = 100, .desc = "TYPE|VALUE, e.g. hospital_card|A123"},
    {"issuer", WJ_T_STRING, 0, WJ_F_ID, .desc = "with identifier: the issuing facility of a hospital_card"},
    {"name", WJ_T_STRING, 0, .min = 1, .max = 40, .desc = "name in either script, or its pinyin"},
    {"birth_date", WJ_T_STRING, 0, WJ_F_DATE},
    {"phone", WJ_T_STRING, 0, WJ_F_PHONE},
    {0},
};

static const wj_permission perms[] = {
    {"person.read",
     WJ_R(RESIDENT) | WJ_R(CLINICIAN) | WJ_R(FACILITY_STAFF) | WJ_R(FACILITY_ADMIN) | WJ_R(HOTLINE_OPERATOR) |
         WJ_R(GRID_WORKER) | WJ_R(DISPATCHER) | WJ_R(COMMISSION_STAFF) | WJ_R(COMMISSION_ADMIN),
     "read persons in scope: yourself and those you manage; your facility's patients; your area's residents"},
    {"person.register",
     WJ_R(CLINICIAN) | WJ_R(FACILITY_STAFF) | WJ_R(FACILITY_ADMIN) | WJ_R(HOTLINE_OPERATOR) |
         WJ_R(COMMISSION_STAFF) | WJ_R(COMMISSION_ADMIN),
     "register persons (matched against the index)"},
    {"person.write",
     WJ_R(CLINICIAN) | WJ_R(FACILITY_STAFF) | WJ_R(FACILITY_ADMIN) | WJ_R(COMMISSION_STAFF) | WJ_R(COMMISSION_ADMIN),
     "edit persons in scope, their identifiers and family links (staff who have seen the documents; residents "
     "read only, so nobody can claim a number or a relative by typing it)"},
    {"person.verify",
     WJ_R(CLINICIAN) | WJ_R(FACILITY_STAFF) | WJ_R(FACILITY_ADMIN) | WJ_R(COMMISSION_STAFF) | WJ_R(COMMISSION_ADMIN),
     "record verified attributes (military, disabled, pregnant) from seen evidence"},
    {"person.break_glass", WJ_R(CLINICIAN) | WJ_R(DISPATCHER),
     "emergency: open any person's record with a stated reason (audited, listed for auditors)"},
    {"mpi.review", WJ_R(COMMISSION_STAFF) | WJ_R(COMMISSION_ADMIN), "decide suspected duplicates in your area"},
    {"mpi.merge", WJ_R(COMMISSION_STAFF) | WJ_R(COMMISSION_ADMIN), "merge and unmerge persons in your area"},
    {"mpi.break_glass_log", WJ_R(AUDITOR), "list break-glass reads"},
    {0},
};

static const wj_route routes[] = {
    {"POST", "/api/v1/persons", create, "person.register", WJ_SCOPE_ANY, .body = &mpi_person_schema,
     .summary = "Register a person: linked to an existing person by identifier or score, or created (maybe with a "
                "review item)",
     .success = 201},
    {"GET", "/api/v1/persons", list, "person.read", WJ_SCOPE_ANY, .query = list_query, .flags = WJ_LIST | WJ_PERSONAL,
     .summary = "Find persons by identifier, phone or name (masked)", .success = 200},
    {"POST", "/api/v1/persons/search", search_post, "person.read", WJ_SCOPE_ANY, .body = &search_schema,
     .flags = WJ_PERSONAL, .summary = "Find persons without putting numbers in the URL (masked)", .success = 200},
    {"POST", "/api/v1/persons/import", import_file, "person.register", WJ_SCOPE_ANY, .query = import_query,
     .flags = WJ_RAW_BODY,
     .summary = "Register persons from a CSV file (text/csv; columns in docs/mpi.md) with matching, each row "
                "validated like POST; all or nothing unless skip_bad_rows=true",
     .success = 200},
    {"GET", "/api/v1/persons/{id}", get_one, "person.read", WJ_SCOPE_TARGET, person_target, .flags = WJ_PERSONAL,
     .summary = "One person, in full (audited); a merged id answers with the current person", .success = 200},
    {"GET", "/api/v1/persons/{id}/audit", mpi_person_trail, "person.read", WJ_SCOPE_TARGET, person_target,
     .flags = WJ_LIST | WJ_PERSONAL,
     .summary = "Who read or changed this person, newest first (residents see their own record's)", .success = 200},
    {"PATCH", "/api/v1/persons/{id}", update, "person.write", WJ_SCOPE_TARGET, person_target, &patch_schema,
     .flags = WJ_IF_MATCH | WJ_PERSONAL, .summary = "Change a person's golden record", .success = 200},
    {"POST", "/api/v1/persons/{id}/identifiers", identifier_add, "person.write", WJ_SCOPE_TARGET, person_target,
     &mpi_identifier_schema, .flags = WJ_PERSONAL, .summary = "Add an identifier (validated like registration)", .success = 201},
    {"DELETE", "/api/v1/persons/{id}/identifiers/{iid}", identifier_delete, "person.write", WJ_SCOPE_TARGET,
     person_target, .flags = WJ_PERSONAL, .summary = "Remove an identifier", .success = 204},
    {"POST", "/api/v1/persons/{id}/attributes", attribute_add, "person.verify", WJ_SCOPE_TARGET, person_target,
     &attribute_schema, .flags = WJ_PERSONAL, .summary = "Record a verified attribute with its evidence",
     .success = 201},
    {"DELETE", "/api/v1/persons/{id}/attributes/{aid}", attribute_revoke, "person.verify", WJ_SCOPE_TARGET,
     person_target, .flags = WJ_PERSONAL, .summary = "Revoke a verified attribute (kept)", .success = 204},
    {"POST", "/api/v1/persons/{id}/family", family_add, "person.write", WJ_SCOPE_TARGET, person_target,
     &family_schema, .flags = WJ_PERSONAL, .summary = "Link a family member", .success = 201},
    {"DELETE", "/api/v1/persons/{id}/family/{fid}", family_end, "person.write", WJ_SCOPE_TARGET, person_target,
     .flags = WJ_PERSONAL, .summary = "End a family link (kept)", .success = 204},
    {"POST", "/api/v1/persons/{id}/break-glass", break_glass, "person.break_glass", WJ_SCOPE_ANY, .body = &reason_schema,
     .summary = "Emergency access to any person, with a reason (audited, listed for auditors)", .success = 200},
    {"POST", "/api/v1/persons/break-glass", break_glass_find, "person.break_glass", WJ_SCOPE_ANY,
     .body = &glass_find_schema,
     .summary = "Emergency access to the person holding an identifier, with a reason (audited, listed for auditors)",
     .success = 200},
    {"GET", "/api/v1/mpi/reviews", mpi_reviews_list, "mpi.review", WJ_SCOPE_ANY, .query = mpi_reviews_query,
     .flags = WJ_LIST | WJ_PERSONAL, .summary = "Suspected duplicates in your area, oldest first", .success = 200},
    {"GET", "/api/v1/mpi/reviews/{id}", mpi_review_get, "mpi.review", WJ_SCOPE_TARGET, mpi_review_target,
     .flags = WJ_PERSONAL, .summary = "A suspected duplicate: both persons in full and the score's parts",
     .success = 200},
    {"POST", "/api/v1/mpi/reviews/{id}", mpi_review_decide, "mpi.review", WJ_SCOPE_TARGET, mpi_review_target,
     &mpi_decision_schema, .flags = WJ_PERSONAL,
     .summary = "Decide: same (merges the new person into the candidate) or different", .success = 200},
    {"POST", "/api/v1/mpi/merge", mpi_merge_post, "mpi.merge", WJ_SCOPE_TARGET, mpi_merge_target,
     &mpi_merge_schema, .flags = WJ_TARGET_BODY | WJ_PERSONAL,
     .summary = "Merge a person into another (links only: undone by unmerge)", .success = 200},
    {"POST", "/api/v1/mpi/unmerge", mpi_unmerge_post, "mpi.merge", WJ_SCOPE_TARGET, mpi_unmerge_target,
     &mpi_unmerge_schema, .flags = WJ_TARGET_BODY | WJ_PERSONAL,
     .summary = "Undo a person's last merge, or detach one record", .success = 200},
    {"GET", "/api/v1/mpi/break-glass", mpi_break_glass_list, "mpi.break_glass_log", WJ_SCOPE_ANY,
     .query = mpi_break_glass_query, .flags = WJ_LIST | WJ_PERSONAL,
     .summary = "Break-glass reads, newest first", .success = 200},
    {0},
};

const wj_module wj_module_mpi = {
    .name = "mpi",
    .title_zh = "居民主索引",
    .title_en = "Persons",
    .menu_perm = "person.read",
    .routes = routes,
    .perms = perms,
    .init = mpi_match_init,
    .demo = mpi_demo,
    .person_covers = mpi_person_covers,
};
