/* mpi_store.c — registration: a submitted record is validated (identifiers, the birth
 * date and sex an ID number encodes), then linked by a shared identifier, or scored
 * against the candidates its blocking keys find (mpi_match.c) and linked, sent to review,
 * or made a new person. Every registration is kept as a source record with its link. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/ids.h"
#include "../core/util.h"
#include "areas.h"
#include "facilities.h"
#include "mpi_store.h"

const wj_enum mpi_sexes[] = {
    {"male", "男", "male"},
    {"female", "女", "female"},
    {"other", "其他", "other"},
    {"unknown", "未知", "unknown"},
    {0},
};

const wj_enum mpi_identifier_types[] = {
    {"id_card", "居民身份证", "resident ID card"},
    {"id_card_15", "一代身份证（15位）", "first-generation ID card (15 digits)"},
    {"insurance_card", "医保卡", "medical insurance card"},
    {"social_security_card", "社保卡", "social security card"},
    {"hospital_card", "就诊卡", "hospital card"},
    {"passport", "护照", "passport"},
    {"foreigner_permit", "外国人永久居留身份证", "foreigner's permanent residence card"},
    {"hmt_permit", "港澳台居民证件", "Hong Kong, Macao or Taiwan residents' permit"},
    {"birth_certificate", "出生医学证明", "birth certificate"},
    {"temporary", "临时号", "temporary number"},
    {0},
};

static const wj_field identifier_fields[] = {
    {"type", WJ_T_STRING, WJ_REQUIRED, .enums = mpi_identifier_types, .desc = "identifier type"},
    {"value", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 64, .desc = "the number as printed"},
    {"issuer", WJ_T_STRING, 0, WJ_F_ID, .desc = "hospital_card only: the issuing facility's id"},
    {0},
};
const wj_schema mpi_identifier_schema = {"PersonIdentifier", identifier_fields};

static const wj_field person_fields[] = {
    {"name", WJ_T_STRING, WJ_REQUIRED, .min = 1, .max = 40, .desc = "name; traditional script is accepted"},
    {"sex", WJ_T_STRING, 0, .enums = mpi_sexes, .desc = "taken from the ID number when absent"},
    {"birth_date", WJ_T_STRING, 0, WJ_F_DATE, .desc = "taken from the ID number when absent"},
    {"phone", WJ_T_STRING, 0, WJ_F_PHONE},
    {"address", WJ_T_STRING, 0, .min = 1, .max = 200},
    {"area_code", WJ_T_STRING, 0, WJ_F_AREA_CODE, .desc = "the address's division code"},
    {"nationality", WJ_T_STRING, 0, .min = 3, .max = 3, .desc = "ISO 3166 alpha-3, e.g. CHN"},
    {"former_names", WJ_T_ARRAY, 0, .max = 10, .items = WJ_T_STRING, .desc = "earlier names, up to 40 characters each"},
    {"identifiers", WJ_T_ARRAY, 0, .max = MPI_MAX_IDENTIFIERS, .object = &mpi_identifier_schema},
    {0},
};
const wj_schema mpi_person_schema = {"PersonRegistration", person_fields};

static void copy(char *dst, size_t n, const json_t *v)
{
    wj_strcpy(dst, n, json_string_value(v) ? json_string_value(v) : "");
}

/* Letters and digits (and '-' where `dash`), `lo`..`hi` long. */
static bool alnum_between(const char *s, size_t lo, size_t hi, bool dash)
{
    size_t n = strlen(s);
    if (n < lo || n > hi)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !(dash && *s == '-'))
            return false;
    return true;
}

static const struct value_rule {
    const char *type;
    size_t lo, hi;
    bool dash;
} value_rules[] = {
    {"insurance_card", 6, 30, false}, {"social_security_card", 6, 30, false}, {"hospital_card", 1, 40, true},
    {"passport", 5, 20, false},       {"foreigner_permit", 8, 20, false},     {"hmt_permit", 8, 20, false},
    {"birth_certificate", 6, 20, false}, {"temporary", 1, 40, true},
};

bool mpi_identifier_from_json(wj_conn *c, const json_t *v, const char *path, mpi_ident *out, wj_idcard *idc,
                              wj_error *e)
{
    char field[160];
    memset(out, 0, sizeof *out);
    memset(idc, 0, sizeof *idc);
    if (!wj_schema_validate(&mpi_identifier_schema, v, false, e)) {
        /* Re-root the field under the identifier's own path. */
        char inner[160];
        snprintf(inner, sizeof inner, "%s", e->field);
        snprintf(e->field, sizeof e->field, "%s%s%s", path, path[0] && inner[0] ? "." : "", inner);
        return false;
    }
    copy(out->type, sizeof out->type, json_object_get(v, "type"));
    copy(out->value, sizeof out->value, json_object_get(v, "value"));
    const char *issuer = json_string_value(json_object_get(v, "issuer"));
    char today[11];
    wj_today_shanghai(today);
    if (strcmp(out->type, "id_card") == 0 || strcmp(out->type, "id_card_15") == 0) {
        bool old = out->type[7] == '_';
        wj_idcard_status st = old ? wj_idcard_parse15(out->value, today, idc) : wj_idcard_parse(out->value, today, idc);
        if (st != WJ_IDCARD_OK) {
            snprintf(field, sizeof field, "%s%svalue", path, path[0] ? "." : "");
            wj_error_set(e, 422, "invalid_value", field, "not a valid ID number: %s", wj_idcard_reason(st));
            return false;
        }
        wj_strcpy(out->type, sizeof out->type, "id_card");
        wj_strcpy(out->value, sizeof out->value, idc->number);
    } else {
        for (size_t i = 0; i < WJ_ARRAY_LEN(value_rules); i++) {
            const struct value_rule *r = &value_rules[i];
            if (strcmp(r->type, out->type) == 0 && !alnum_between(out->value, r->lo, r->hi, r->dash)) {
                snprintf(field, sizeof field, "%s%svalue", path, path[0] ? "." : "");
                wj_error_set(e, 422, "invalid_value", field, "a %s is %zu to %zu letters or digits%s", out->type,
                             r->lo, r->hi, r->dash ? " (and -)" : "");
                return false;
            }
        }
        /* Card numbers are compared as printed, but case-insensitively. */
        for (char *p = out->value; *p; p++)
            *p = (char)toupper((unsigned char)*p);
    }
    bool hospital = strcmp(out->type, "hospital_card") == 0;
    if (hospital || issuer) /* the field the errors below name */
        snprintf(field, sizeof field, "%s%sissuer", path, path[0] ? "." : "");
    if (hospital && !issuer) {
        wj_error_set(e, 422, "missing_field", field, "a hospital card needs its issuing facility");
        return false;
    }
    if (!hospital && issuer) {
        wj_error_set(e, 422, "invalid_value", field, "only a hospital card has an issuer");
        return false;
    }
    if (hospital && (!wj_id_parse(issuer, &out->issuer) || !facilities_exists(c, out->issuer))) {
        wj_error_set(e, 422, "unknown_reference", field, "no facility has id %s", issuer);
        return false;
    }
    return true;
}

/* The ID number's birth date and sex against the record's; fills them when absent. */
static bool agree_with_idcard(mpi_input *in, const wj_idcard *idc, wj_error *e)
{
    if (!in->birth_date[0])
        wj_strcpy(in->birth_date, sizeof in->birth_date, idc->birth_date);
    else if (strcmp(in->birth_date, idc->birth_date) != 0) {
        wj_error_set(e, 422, "invalid_value", "birth_date", "the ID number gives the birth date %s", idc->birth_date);
        return false;
    }
    if (!in->sex[0])
        wj_strcpy(in->sex, sizeof in->sex, idc->sex);
    else if (strcmp(in->sex, idc->sex) != 0) {
        wj_error_set(e, 422, "invalid_value", "sex", "the ID number gives the sex %s", idc->sex);
        return false;
    }
    return true;
}

static bool identifiers_from_json(wj_conn *c, const json_t *ids, mpi_input *in, wj_error *e)
{
    size_t i;
    const json_t *v;
    json_array_foreach(ids, i, v)
    {
        char path[40];
        wj_idcard idc;
        snprintf(path, sizeof path, "identifiers[%zu]", i);
        mpi_ident *id = &in->ids[in->nids];
        if (!mpi_identifier_from_json(c, v, path, id, &idc, e))
            return false;
        for (int k = 0; k < in->nids; k++)
            if (strcmp(in->ids[k].type, id->type) == 0 && in->ids[k].issuer == id->issuer &&
                (strcmp(id->type, "id_card") == 0 || strcmp(in->ids[k].value, id->value) == 0)) {
                wj_error_set(e, 422, "invalid_value", path, "identifiers[%d] is already of this type", k);
                return false;
            }
        if (idc.number[0] && !agree_with_idcard(in, &idc, e))
            return false;
        in->nids++;
    }
    return true;
}

bool mpi_input_from_json(wj_conn *c, const json_t *body, mpi_input *in, wj_error *e)
{
    memset(in, 0, sizeof *in);
    if (!wj_schema_validate(&mpi_person_schema, body, false, e))
        return false;
    copy(in->name, sizeof in->name, json_object_get(body, "name"));
    copy(in->sex, sizeof in->sex, json_object_get(body, "sex"));
    copy(in->birth_date, sizeof in->birth_date, json_object_get(body, "birth_date"));
    copy(in->phone, sizeof in->phone, json_object_get(body, "phone"));
    copy(in->address, sizeof in->address, json_object_get(body, "address"));
    copy(in->area_code, sizeof in->area_code, json_object_get(body, "area_code"));
    copy(in->nationality, sizeof in->nationality, json_object_get(body, "nationality"));
    char key[MPI_NAME_MAX], pinyin[MPI_PINYIN_MAX], today[11];
    mpi_name_keys(in->name, key, pinyin);
    if (!key[0]) {
        wj_error_set(e, 422, "invalid_value", "name", "the name has no letters");
        return false;
    }
    for (char *p = in->nationality; *p; p++) {
        if (!isalpha((unsigned char)*p)) {
            wj_error_set(e, 422, "invalid_value", "nationality", "a three-letter country code such as CHN");
            return false;
        }
        *p = (char)toupper((unsigned char)*p);
    }
    wj_today_shanghai(today);
    if (in->birth_date[0] && strcmp(in->birth_date, today) > 0) {
        wj_error_set(e, 422, "invalid_value", "birth_date", "the birth date is after today (%s)", today);
        return false;
    }
    areas_ref a;
    if (in->area_code[0] && !areas_find_by_code(c, in->area_code, &a)) {
        wj_error_set(e, 422, "unknown_reference", "area_code", "no area has code %s", in->area_code);
        return false;
    }
    const json_t *former = json_object_get(body, "former_names"), *v;
    size_t i;
    json_array_foreach(former, i, v)
    {
        long n = wj_utf8_len(json_string_value(v));
        if (n < 1 || n > 40) {
            char field[40];
            snprintf(field, sizeof field, "former_names[%zu]", i);
            wj_error_set(e, 422, "invalid_value", field, "a name is 1 to 40 characters");
            return false;
        }
    }
    if (former && json_array_size(former)) {
        char *text = json_dumps(former, JSON_COMPACT);
        snprintf(in->former_names, sizeof in->former_names, "%s", text);
        free(text);
    }
    const json_t *ids = json_object_get(body, "identifiers");
    if (ids && !identifiers_from_json(c, ids, in, e))
        return false;
    if (!in->sex[0]) {
        wj_error_set(e, 422, "missing_field", "sex", "sex is required (or an ID number that gives it)");
        return false;
    }
    if (!in->birth_date[0]) {
        wj_error_set(e, 422, "missing_field", "birth_date", "birth_date is required (or an ID number that gives it)");
        return false;
    }
    return true;
}

/* ---- lookups ---- */

int64_t mpi_identifier_holder(wj_conn *c, const mpi_ident *id)
{
    db_rows *rows;
    if (db_query(c, "SELECT person_id FROM person_identifiers WHERE type = ? AND issuer = ? AND value = ?",
                 DBP(DB_S(id->type), DB_I(id->issuer), DB_S(id->value)), &rows) != DB_OK)
        return -1;
    int64_t p = rows->nrows ? db_int(rows, 0, 0) : 0;
    db_rows_free(rows);
    return p;
}

bool mpi_person_find(wj_conn *c, int64_t id, mpi_person *out)
{
    db_rows *rows;
    memset(out, 0, sizeof *out);
    if (db_query(c, "SELECT id, merged_into, version, sex, birth_date, area_path FROM persons WHERE id = ?",
                 DBP(DB_I(id)), &rows) != DB_OK)
        return false;
    bool found = rows->nrows == 1;
    if (found) {
        out->id = db_int(rows, 0, 0);
        out->merged_into = db_int(rows, 0, 1);
        out->version = db_int(rows, 0, 2);
        snprintf(out->sex, sizeof out->sex, "%s", db_text(rows, 0, 3));
        snprintf(out->birth_date, sizeof out->birth_date, "%s", db_text(rows, 0, 4) ? db_text(rows, 0, 4) : "");
        snprintf(out->area_path, sizeof out->area_path, "%s", db_text(rows, 0, 5));
    }
    db_rows_free(rows);
    return found;
}

bool mpi_person_touch(wj_conn *c, int64_t id)
{
    return db_exec(c, "UPDATE persons SET version = version + 1, updated_at = ? WHERE id = ?",
                   DBP(DB_I(wj_now_ms()), DB_I(id)), NULL) == DB_OK;
}

int64_t mpi_resolve(wj_conn *c, int64_t person_id)
{
    /* Merges chain (A into B, B into C); a cycle cannot be built, but stop anyway. */
    for (int hops = 0; person_id && hops < 64; hops++) {
        mpi_person p;
        if (!mpi_person_find(c, person_id, &p))
            return 0;
        if (!p.merged_into)
            return p.id;
        person_id = p.merged_into;
    }
    return 0;
}

int64_t mpi_find_by_identifier(wj_conn *c, const char *type, int64_t issuer, const char *value)
{
    mpi_ident id = {.issuer = issuer};
    snprintf(id.type, sizeof id.type, "%s", type);
    snprintf(id.value, sizeof id.value, "%s", value);
    int64_t p = mpi_identifier_holder(c, &id);
    return p > 0 ? mpi_resolve(c, p) : 0;
}

bool mpi_person_idcard(wj_conn *c, int64_t person, char out[19])
{
    db_rows *rows;
    out[0] = 0;
    if (db_query(c, "SELECT value FROM person_identifiers WHERE person_id = ? AND type = 'id_card'", DBP(DB_I(person)),
                 &rows) != DB_OK)
        return false;
    if (rows->nrows)
        snprintf(out, 19, "%s", db_text(rows, 0, 0));
    db_rows_free(rows);
    return true;
}

/* ---- writes ---- */

static void keys_of(const mpi_input *in, mpi_keys *k)
{
    mpi_name_keys(in->name, k->name, k->pinyin);
    mpi_address_key(in->address, k->address);
    k->id_card[0] = 0;
    for (int i = 0; i < in->nids; i++)
        if (strcmp(in->ids[i].type, "id_card") == 0)
            wj_strcpy(k->id_card, sizeof k->id_card, in->ids[i].value);
    k->d = (mpi_demog){k->name, k->pinyin, in->sex, in->birth_date, in->phone, k->address, in->area_code, k->id_card};
    mpi_blocking_keys(&k->d, &k->b);
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* The scope path of a new person: its area's, else its registering facility's, else the
 * registering user's area. */
static void scope_path(wj_conn *c, const mpi_input *in, char out[WJ_PATH_MAX])
{
    areas_ref a;
    facilities_ref f;
    out[0] = 0;
    if (in->area_code[0] && areas_find_by_code(c, in->area_code, &a))
        wj_strcpy(out, WJ_PATH_MAX, a.path);
    else if (in->facility_id && facilities_find(c, in->facility_id, &f))
        wj_strcpy(out, WJ_PATH_MAX, f.area_path);
    else
        wj_strcpy(out, WJ_PATH_MAX, in->fallback_path);
}

/* A new person in scope `path` (scope_path). */
static int64_t person_create(wj_conn *c, const mpi_input *in, const mpi_keys *k, const char *path)
{
    int64_t id = wj_id_new(), now = wj_now_ms();
    char phones[64];
    snprintf(phones, sizeof phones, in->phone[0] ? "[\"%s\"]" : "[]", in->phone);
    if (db_exec(c,
                "INSERT INTO persons (id, name, name_key, pinyin, former_names, sex, birth_date, phone, phones, "
                "address, area_code, area_path, nationality, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                DBP(DB_I(id), DB_S(in->name), DB_S(k->name), DB_S(k->pinyin),
                    DB_S(in->former_names[0] ? in->former_names : "[]"), DB_S(in->sex), DB_S(in->birth_date),
                    DB_S(nonempty(in->phone)), DB_S(phones), DB_S(nonempty(in->address)), DB_S(nonempty(in->area_code)),
                    DB_S(path), DB_S(nonempty(in->nationality)), DB_I(now), DB_I(now)),
                NULL) != DB_OK)
        return 0;
    return id;
}

/* A record joining an existing person fills what the golden record lacks and adds its
 * phone to the person's phones. */
static bool person_absorb(wj_conn *c, int64_t person, const mpi_input *in)
{
    if (db_exec(c,
                "UPDATE persons SET phone = COALESCE(phone, ?), address = COALESCE(address, ?), "
                "area_code = COALESCE(area_code, ?), nationality = COALESCE(nationality, ?), "
                "version = version + 1, updated_at = ? WHERE id = ?",
                DBP(DB_S(nonempty(in->phone)), DB_S(nonempty(in->address)), DB_S(nonempty(in->area_code)),
                    DB_S(nonempty(in->nationality)), DB_I(wj_now_ms()), DB_I(person)),
                NULL) != DB_OK)
        return false;
    if (!in->phone[0])
        return true;
    db_rows *rows;
    if (db_query(c, "SELECT phones FROM persons WHERE id = ?", DBP(DB_I(person)), &rows) != DB_OK)
        return false;
    json_t *phones = rows->nrows ? json_loads(db_text(rows, 0, 0), 0, NULL) : NULL;
    db_rows_free(rows);
    if (!json_is_array(phones)) {
        json_decref(phones);
        phones = json_array();
    }
    size_t i;
    json_t *v;
    bool known = false;
    json_array_foreach(phones, i, v) known = known || strcmp(json_string_value(v), in->phone) == 0;
    bool ok = true;
    if (!known) {
        json_array_append_new(phones, json_string(in->phone));
        char *text = json_dumps(phones, JSON_COMPACT);
        ok = db_exec(c, "UPDATE persons SET phones = ? WHERE id = ?", DBP(DB_S(text), DB_I(person)), NULL) == DB_OK;
        free(text);
    }
    json_decref(phones);
    return ok;
}

static json_t *input_json(const mpi_input *in)
{
    json_t *d = json_object();
    const struct {
        const char *k, *v;
    } f[] = {{"name", in->name},       {"sex", in->sex},           {"birth_date", in->birth_date},
             {"phone", in->phone},     {"address", in->address},   {"area_code", in->area_code},
             {"nationality", in->nationality}};
    for (size_t i = 0; i < WJ_ARRAY_LEN(f); i++)
        if (f[i].v[0])
            json_object_set_new(d, f[i].k, json_string(f[i].v));
    json_t *ids = json_array();
    for (int i = 0; i < in->nids; i++) {
        json_t *x = json_pack("{s:s, s:s}", "type", in->ids[i].type, "value", in->ids[i].value);
        if (in->ids[i].issuer) {
            char s[24];
            wj_id_format(in->ids[i].issuer, s);
            json_object_set_new(x, "issuer", json_string(s));
        }
        json_array_append_new(ids, x);
    }
    json_object_set_new(d, "identifiers", ids);
    json_t *former = in->former_names[0] ? json_loads(in->former_names, 0, NULL) : NULL;
    if (former)
        json_object_set_new(d, "former_names", former);
    return d;
}

/* The registration as submitted, as stored with its source record (heap). */
static char *input_text(const mpi_input *in)
{
    json_t *doc = input_json(in);
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

/* Creates the source record: with the id and document a bulk import prepared (`p`), or
 * new ones (p NULL). */
static int64_t record_create(wj_conn *c, int64_t person, const mpi_input *in, const mpi_keys *k,
                             const mpi_prepared *p)
{
    int64_t id = p ? p->record_id : wj_id_new();
    char *text = p ? NULL : input_text(in);
    db_status st = db_exec(
        c,
        "INSERT INTO mpi_records (id, person_id, facility_id, registered_by, name, name_key, pinyin, sex, birth_date, "
        "phone, address, address_key, area_code, id_card, bk_name_year, bk_dob_sex, document, created_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        DBP(DB_I(id), DB_I(person), in->facility_id ? DB_I(in->facility_id) : DB_NULL,
            in->by_user ? DB_I(in->by_user) : DB_NULL, DB_S(in->name), DB_S(k->name), DB_S(k->pinyin), DB_S(in->sex),
            DB_S(in->birth_date), DB_S(nonempty(in->phone)), DB_S(nonempty(in->address)), DB_S(nonempty(k->address)),
            DB_S(nonempty(in->area_code)), DB_S(nonempty(k->id_card)), DB_S(nonempty(k->b.name_year)),
            DB_S(nonempty(k->b.dob_sex)), DB_S(p ? p->document : text), DB_I(wj_now_ms())),
        NULL);
    free(text);
    return st == DB_OK ? id : 0;
}

static bool link_create(wj_conn *c, int64_t record, int64_t person, const char *rule, double score, int64_t merge_id,
                        int64_t by, const char *reason)
{
    return db_exec(c,
                   "INSERT INTO mpi_links (id, record_id, person_id, rule, score, merge_id, created_at, created_by, "
                   "reason) VALUES (?,?,?,?,?,?,?,?,?)",
                   DBP(DB_I(wj_id_new()), DB_I(record), DB_I(person), DB_S(rule), isnan(score) ? DB_NULL : DB_D(score),
                       merge_id ? DB_I(merge_id) : DB_NULL, DB_I(wj_now_ms()), by ? DB_I(by) : DB_NULL, DB_S(reason)),
                   NULL) == DB_OK;
}

bool mpi_link_record(wj_conn *c, int64_t record, int64_t person, const char *rule, double score, int64_t merge_id,
                     int64_t by, const char *reason)
{
    int64_t now = wj_now_ms();
    return db_exec(c,
                   "UPDATE mpi_links SET undone_at = ?, undone_by = ? WHERE record_id = ? AND undone_at IS NULL",
                   DBP(DB_I(now), by ? DB_I(by) : DB_NULL, DB_I(record)), NULL) == DB_OK &&
           link_create(c, record, person, rule, score, merge_id, by, reason) &&
           db_exec(c, "UPDATE mpi_records SET person_id = ? WHERE id = ?", DBP(DB_I(person), DB_I(record)), NULL) ==
               DB_OK &&
           db_exec(c, "UPDATE person_identifiers SET person_id = ? WHERE record_id = ?", DBP(DB_I(person), DB_I(record)),
                   NULL) == DB_OK;
}

/* Inserts the record's identifiers that nobody holds yet (`held[i]` non-zero: already the
 * person's, as identifier_person checked). */
static bool identifiers_insert(wj_conn *c, int64_t record, int64_t person, const mpi_input *in, const int64_t *held,
                               wj_error *e)
{
    for (int i = 0; i < in->nids; i++) {
        const mpi_ident *id = &in->ids[i];
        if (held[i])
            continue;
        db_status st = db_exec(c,
                               "INSERT INTO person_identifiers (id, record_id, person_id, type, issuer, value, "
                               "created_at, created_by) VALUES (?,?,?,?,?,?,?,?)",
                               DBP(DB_I(wj_id_new()), DB_I(record), DB_I(person), DB_S(id->type), DB_I(id->issuer),
                                   DB_S(id->value), DB_I(wj_now_ms()), in->by_user ? DB_I(in->by_user) : DB_NULL),
                               NULL);
        if (st != DB_OK) {
            char field[40];
            snprintf(field, sizeof field, "identifiers[%d].value", i);
            if (st == DB_CONFLICT)
                wj_error_set(e, 409, "conflict", field, "this identifier belongs to another person");
            return false;
        }
    }
    return true;
}

/* A number one facility hands out (its card, a newborn's temporary number) rather than a
 * document issued once in the country: two facilities' numbers can collide, and a desk
 * can mistype one into another patient's. */
static bool local_number(const char *type)
{
    return strcmp(type, "hospital_card") == 0 || strcmp(type, "temporary") == 0;
}

/* Whether a source record of `person`, or the person itself (an edited name), carries the
 * record's name: the same simplified key or the same toneless pinyin. -1 on a database
 * error. */
static int name_agrees(wj_conn *c, int64_t person, const mpi_keys *k)
{
    db_rows *rows;
    if (db_query(c,
                 "SELECT CASE WHEN EXISTS (SELECT 1 FROM mpi_records WHERE person_id = ? AND (name_key = ? OR "
                 "pinyin = ?)) OR EXISTS (SELECT 1 FROM persons WHERE id = ? AND (name_key = ? OR pinyin = ?)) "
                 "THEN 1 ELSE 0 END",
                 DBP(DB_I(person), DB_S(k->name), DB_S(k->pinyin), DB_I(person), DB_S(k->name), DB_S(k->pinyin)),
                 &rows) != DB_OK)
        return -1;
    int agrees = db_int(rows, 0, 0) != 0;
    db_rows_free(rows);
    return agrees;
}

/* The person the record's identifiers already belong to (0: none). 409 when they belong
 * to two persons, or when that person's sex or birth date disagree with the record, or
 * it holds another ID number, or when only local numbers are shared and the names
 * differ. -1 with `e` set. holders[i] receives the holder of each.
 * `may_hold` (NULL: ask the database of each) tells which a bulk import's memory knows;
 * the others are certainly free. */
static int64_t identifier_person(wj_conn *c, const bool *may_hold, const mpi_input *in, const mpi_keys *k,
                                 int64_t *holders, wj_error *e)
{
    int64_t held = 0;
    int first = -1;
    bool only_local = true;
    for (int i = 0; i < in->nids; i++) {
        bool unknown = may_hold && !may_hold[i];
        int64_t p = holders[i] = unknown ? 0 : mpi_identifier_holder(c, &in->ids[i]);
        if (p < 0)
            return -1;
        if (p && !local_number(in->ids[i].type))
            only_local = false;
        if (p && held && p != held) {
            char field[40];
            snprintf(field, sizeof field, "identifiers[%d].value", i);
            wj_error_set(e, 409, "conflict", field, "identifiers[%d] and identifiers[%d] belong to two persons", first,
                         i);
            return -1;
        }
        if (p && !held) {
            held = p;
            first = i;
        }
    }
    if (!held)
        return 0;
    mpi_person p;
    char idcard[19];
    char field[40];
    snprintf(field, sizeof field, "identifiers[%d].value", first);
    if (!mpi_person_find(c, held, &p) || !mpi_person_idcard(c, held, idcard))
        return -1;
    json_t *d = json_pack("{s:s}", "field_in_conflict", "");
    const char *what = strcmp(p.sex, in->sex) != 0                                   ? "sex"
                       : p.birth_date[0] && strcmp(p.birth_date, in->birth_date) != 0 ? "birth_date"
                       : idcard[0] && k->id_card[0] && strcmp(idcard, k->id_card) != 0 ? "id_card"
                                                                                       : NULL;
    if (!what && only_local) {
        int agrees = name_agrees(c, held, k);
        if (agrees < 0) {
            json_decref(d);
            return -1;
        }
        what = agrees ? NULL : "name";
    }
    if (what) {
        json_object_set_new(d, "field_in_conflict", json_string(what));
        wj_error_set(e, 409, "conflict", field, "this identifier belongs to a person whose %s differs", what);
        e->details = d;
        return -1;
    }
    json_decref(d);
    return held;
}

/* ---- probabilistic matching ---- */

typedef struct cand {
    int64_t person;
    double score;
    mpi_explain why;
} cand;

#define CAND_MAX 400
#define BLOCK_LIMIT 200 /* candidate records read per blocking key */

static void consider(cand *cs, int *n, int64_t person, double score, const mpi_explain *why)
{
    for (int i = 0; i < *n; i++)
        if (cs[i].person == person) {
            if (score > cs[i].score) {
                cs[i].score = score;
                cs[i].why = *why;
            }
            return;
        }
    if (*n < CAND_MAX)
        cs[(*n)++] = (cand){person, score, *why};
}

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return (x->score < y->score) - (x->score > y->score);
}

/* Scores the records sharing a blocking key with `k`, best person first. */
static int candidates_sql(wj_conn *c, const mpi_keys *k, const mpi_weights *w, cand *cs)
{
    static const char *const sql =
        "SELECT person_id, name_key, pinyin, sex, birth_date, phone, address_key, area_code, id_card FROM mpi_records "
        "WHERE %s = ? LIMIT ?";
    static const char *const cols[] = {"bk_name_year", "bk_dob_sex", "phone"};
    const char *vals[] = {k->b.name_year, k->b.dob_sex, k->b.phone};
    int n = 0;
    for (int q = 0; q < 3; q++) {
        if (!vals[q][0])
            continue;
        char text[300];
        snprintf(text, sizeof text, sql, cols[q]); /* a constant column name, never input */
        db_rows *rows;
        if (db_query(c, text, DBP(DB_S(vals[q]), DB_I(BLOCK_LIMIT)), &rows) != DB_OK)
            return -1;
        for (int i = 0; i < rows->nrows; i++) {
#define T(col) (db_text(rows, i, col) ? db_text(rows, i, col) : "")
            mpi_demog o = {T(1), T(2), T(3), T(4), T(5), T(6), T(7), T(8)};
#undef T
            mpi_explain why;
            double s = mpi_score(&k->d, &o, w, &why);
            consider(cs, &n, db_int(rows, i, 0), s, &why);
        }
        db_rows_free(rows);
    }
    return n;
}

/* The same search in a bulk import's memory (mpi_blockcache.h), made when the row is
 * prepared: records are scored there, and those at or above the lower threshold kept as
 * hits. The others only count towards the best score reported. */
static void score_cached(void *ctx, int64_t record, const mpi_demog *o)
{
    mpi_prepared *p = ctx;
    const mpi_weights *w = mpi_weights_current();
    double s = mpi_score(&p->k.d, o, w, NULL);
    if (s < w->lower) {
        p->best_below = p->below && p->best_below > s ? p->best_below : s;
        p->below = true;
        return;
    }
    p->hits = wj_xrealloc(p->hits, (size_t)(p->nhits + 1) * sizeof *p->hits);
    mpi_hit *h = &p->hits[p->nhits++];
    h->record = record;
    h->score = s;
    mpi_score(&p->k.d, o, w, &h->why);
}

/* The persons of the prepared hits, now; a hit whose record was never written (its row
 * was refused) is passed over. The best score below the threshold counts as person 0. */
static int candidates_cached(wj_conn *c, const mpi_prepared *p, cand *cs)
{
    int n = 0;
    for (int i = 0; i < p->nhits; i++) {
        db_rows *rows;
        if (db_query(c, "SELECT person_id FROM mpi_records WHERE id = ?", DBP(DB_I(p->hits[i].record)), &rows) !=
            DB_OK)
            return -1;
        int64_t person = rows->nrows ? db_int(rows, 0, 0) : 0;
        db_rows_free(rows);
        if (person)
            consider(cs, &n, person, p->hits[i].score, &p->hits[i].why);
    }
    if (p->below)
        consider(cs, &n, 0, p->best_below, &(mpi_explain){0});
    return n;
}

/* Candidates from the prepared hits (`p`), else over SQL. */
static int candidates(wj_conn *c, const mpi_prepared *p, const mpi_keys *k, const mpi_weights *w, cand *cs)
{
    int n = p ? candidates_cached(c, p, cs) : candidates_sql(c, k, w, cs);
    if (n > 0)
        qsort(cs, (size_t)n, sizeof *cs, cand_cmp);
    return n;
}

/* A person holding another ID number than the record's is not the record's person, even
 * when a record of theirs without the number scored high. */
static bool person_conflicts(wj_conn *c, int64_t person, const mpi_keys *k, bool *conflict)
{
    char idcard[19];
    *conflict = false;
    if (!k->id_card[0])
        return true;
    if (!mpi_person_idcard(c, person, idcard))
        return false;
    *conflict = idcard[0] && strcmp(idcard, k->id_card) != 0;
    return true;
}

static json_t *explain_json(const mpi_explain *why)
{
    json_t *a = json_array();
    for (int i = 0; i < why->n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:f}", "field", why->parts[i].field, "level",
                                           why->parts[i].level, "weight", why->parts[i].weight));
    return a;
}

static int64_t review_open(wj_conn *c, int64_t record, int64_t person, const cand *best)
{
    int64_t id = wj_id_new();
    mpi_person p, q;
    if (!mpi_person_find(c, person, &p) || !mpi_person_find(c, best->person, &q))
        return 0;
    json_t *ex = explain_json(&best->why);
    char *text = json_dumps(ex, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(ex);
    /* Scope: the reviewers over the new person's area see it. */
    db_status st = db_exec(c,
                           "INSERT INTO mpi_reviews (id, record_id, person_id, candidate_id, score, explain, status, "
                           "area_path, created_at) VALUES (?,?,?,?,?,?,'open',?,?)",
                           DBP(DB_I(id), DB_I(record), DB_I(person), DB_I(best->person), DB_D(best->score),
                               DB_S(text), DB_S(p.area_path[0] ? p.area_path : q.area_path), DB_I(wj_now_ms())),
                           NULL);
    free(text);
    return st == DB_OK ? id : 0;
}

static void result_candidates(mpi_result *out, const cand *cs, int n, double lower)
{
    for (int i = 0; i < n && out->ncandidates < MPI_MAX_CANDIDATES; i++)
        if (cs[i].score >= lower) {
            out->candidates[out->ncandidates].person_id = cs[i].person;
            out->candidates[out->ncandidates++].score = cs[i].score;
        }
}

bool mpi_db_fail(wj_error *e, const char *what)
{
    if (!e->status)
        wj_error_set(e, 500, "internal", NULL, "%s failed", what);
    return false;
}

/* Locks the person's row while it is current, following merges made meanwhile by
 * concurrent writers (PostgreSQL); 0 when it cannot be pinned. */
static int64_t pin_current(wj_conn *c, int64_t person)
{
    for (int tries = 0; person && tries < 8; tries++) {
        int64_t changed = 0;
        if (db_exec(c, "UPDATE persons SET version = version + 1 WHERE id = ? AND merged_into IS NULL",
                    DBP(DB_I(person)), &changed) != DB_OK)
            return 0;
        if (changed == 1)
            return person;
        person = mpi_resolve(c, person);
    }
    return 0;
}

static bool register_linked(wj_conn *c, const mpi_prepared *p, const mpi_input *in, const mpi_keys *k,
                            int64_t person, const char *rule, double score, const int64_t *held, mpi_result *out,
                            wj_error *e)
{
    if (!(person = pin_current(c, person)))
        return mpi_db_fail(e, "registration");
    int64_t record = record_create(c, person, in, k, p);
    if (!record || !link_create(c, record, person, rule, score, 0, in->by_user, NULL) ||
        !identifiers_insert(c, record, person, in, held, e) || !person_absorb(c, person, in))
        return mpi_db_fail(e, "registration");
    out->status = MPI_LINKED;
    out->person_id = person;
    out->record_id = record;
    out->rule = rule;
    out->score = isnan(score) ? 0 : score;
    return true;
}

static int key_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Serialises registrations presenting the same identifier (PostgreSQL runs writers side
 * by side; SQLite's writer is already alone): the second waits for the first to commit
 * and then finds the identifier held, so it links instead of colliding on the unique key.
 * Keys are taken in order, so two registrations never wait for each other. */
static bool lock_identifiers(wj_conn *c, const mpi_input *in)
{
    if (db_conn_kind(c) == WJ_DB_SQLITE)
        return true; /* db_lock is a no-op there: spare the hashing */
    int64_t lock[MPI_MAX_IDENTIFIERS];
    for (int i = 0; i < in->nids; i++) {
        char text[120], hex[65];
        snprintf(text, sizeof text, "mpi|%s|%lld|%s", in->ids[i].type, (long long)in->ids[i].issuer, in->ids[i].value);
        wj_sha256_hex(text, strlen(text), hex);
        hex[15] = 0;
        lock[i] = strtoll(hex, NULL, 16);
    }
    qsort(lock, (size_t)in->nids, sizeof lock[0], key_cmp);
    for (int i = 0; i < in->nids; i++)
        if (db_lock(c, lock[i]) != DB_OK)
            return false;
    return true;
}

static bool register_record(wj_conn *c, const mpi_prepared *p, bool cached, const mpi_input *in, mpi_result *out,
                            wj_error *e);

bool mpi_register(wj_conn *c, const mpi_input *in, mpi_result *out, wj_error *e)
{
    return register_record(c, NULL, false, in, out, e);
}

bool mpi_register_bulk(wj_conn *c, const mpi_prepared *p, bool cached, const mpi_input *in, mpi_result *out,
                       wj_error *e)
{
    return register_record(c, p, cached && p->cached, in, out, e);
}

void mpi_prepare_bulk(wj_conn *c, mpi_bcache *bc, const mpi_input *in, mpi_prepared *p)
{
    mpi_prepared_clear(p);
    keys_of(in, &p->k);
    p->record_id = wj_id_new();
    p->document = input_text(in);
    scope_path(c, in, p->path);
    if (!bc)
        return;
    /* What the index holds before this row, then the row itself, as its registration
     * will leave it (every row becomes a record; refused ones are passed over later). */
    for (int i = 0; i < in->nids; i++)
        p->may_hold[i] = mpi_bcache_may_hold(bc, &in->ids[i]);
    mpi_bcache_each(bc, &p->k.b, BLOCK_LIMIT, score_cached, p);
    mpi_bcache_add(bc, p->record_id, &p->k.d, &p->k.b);
    for (int i = 0; i < in->nids; i++)
        mpi_bcache_add_ident(bc, &in->ids[i]);
    p->cached = true;
}

void mpi_prepared_clear(mpi_prepared *p)
{
    free(p->document);
    free(p->hits);
    memset(p, 0, sizeof *p);
}

bool mpi_bulk_lock(wj_conn *c)
{
    /* SHARE ROW EXCLUSIVE conflicts with every other writer of the table (and itself), not
     * with readers. On SQLite the write transaction is already alone. */
    return db_conn_kind(c) == WJ_DB_SQLITE ||
           db_exec(c, "LOCK TABLE person_identifiers IN SHARE ROW EXCLUSIVE MODE", DBP_NONE, NULL) == DB_OK;
}

/* Registers `in`: alone (p NULL), or as a row of a bulk import with what was prepared
 * for it, searching in the prepared hits when `cached`, else over SQL. */
static bool register_record(wj_conn *c, const mpi_prepared *p, bool cached, const mpi_input *in, mpi_result *out,
                            wj_error *e)
{
    memset(out, 0, sizeof *out);
    mpi_keys own;
    const mpi_keys *k = p ? &p->k : &own;
    if (!p)
        keys_of(in, &own);
    if (!p && !lock_identifiers(c, in))
        return mpi_db_fail(e, "identifier lock");
    int64_t holders[MPI_MAX_IDENTIFIERS] = {0};
    int64_t held = identifier_person(c, cached ? p->may_hold : NULL, in, k, holders, e);
    if (held < 0)
        return mpi_db_fail(e, "identifier lookup");
    if (held)
        return register_linked(c, p, in, k, mpi_resolve(c, held), "identifier", NAN, holders, out, e);

    const mpi_weights *w = mpi_weights_current();
    cand *cs = wj_xmalloc(CAND_MAX * sizeof *cs); /* filled in order by consider() */
    int n = candidates(c, cached ? p : NULL, k, w, cs);
    if (n < 0) {
        free(cs);
        return mpi_db_fail(e, "candidate search");
    }
    /* The best candidates again at person level: another ID number rules a person out. */
    for (int i = 0; i < n && cs[i].score >= w->lower; i++) {
        bool conflict;
        if (!person_conflicts(c, cs[i].person, k, &conflict)) {
            free(cs);
            return mpi_db_fail(e, "candidate check");
        }
        if (conflict)
            cs[i].score += w->id_card_conflict;
    }
    qsort(cs, (size_t)n, sizeof *cs, cand_cmp);
    result_candidates(out, cs, n, w->lower);
    bool ok;
    if (n && cs[0].score >= w->upper) {
        int64_t person = mpi_resolve(c, cs[0].person);
        ok = register_linked(c, p, in, k, person, "score", cs[0].score, holders, out, e);
    } else {
        char path[WJ_PATH_MAX];
        if (!p)
            scope_path(c, in, path);
        int64_t person = person_create(c, in, k, p ? p->path : path);
        int64_t record = person ? record_create(c, person, in, k, p) : 0;
        ok = record && link_create(c, record, person, "new", NAN, 0, in->by_user, NULL) &&
             identifiers_insert(c, record, person, in, holders, e);
        out->status = MPI_NEW;
        out->person_id = person;
        out->record_id = record;
        out->score = n ? cs[0].score : 0;
        if (ok && n && cs[0].score >= w->lower) {
            out->status = MPI_REVIEW;
            out->review_id = review_open(c, record, person, &cs[0]);
            ok = out->review_id != 0;
        }
        if (!ok)
            mpi_db_fail(e, "registration");
    }
    free(cs);
    return ok;
}

int64_t mpi_identifier_add(wj_conn *c, int64_t person, const mpi_ident *id, int64_t by, wj_error *e)
{
    int64_t holder = mpi_identifier_holder(c, id);
    if (holder < 0)
        return mpi_db_fail(e, "identifier lookup"), 0;
    if (holder) {
        wj_error_set(e, 409, "conflict", "value",
                     holder == person ? "the person already has this identifier"
                                      : "this identifier belongs to another person");
        return 0;
    }
    char idcard[19];
    if (strcmp(id->type, "id_card") == 0) {
        if (!mpi_person_idcard(c, person, idcard))
            return mpi_db_fail(e, "identifier lookup"), 0;
        if (idcard[0]) {
            wj_error_set(e, 409, "conflict", "value", "the person already has another ID number");
            return 0;
        }
    }
    /* An identifier added to a person hangs on its oldest record, so it follows that
     * record through merges and unmerges. */
    db_rows *rows;
    if (db_query(c, "SELECT id FROM mpi_records WHERE person_id = ? ORDER BY created_at, id LIMIT 1",
                 DBP(DB_I(person)), &rows) != DB_OK)
        return mpi_db_fail(e, "identifier add"), 0;
    int64_t record = rows->nrows ? db_int(rows, 0, 0) : 0;
    db_rows_free(rows);
    int64_t iid = wj_id_new();
    db_status st = !record ? DB_ERROR
                           : db_exec(c,
                                     "INSERT INTO person_identifiers (id, record_id, person_id, type, issuer, value, "
                                     "created_at, created_by) VALUES (?,?,?,?,?,?,?,?)",
                                     DBP(DB_I(iid), DB_I(record), DB_I(person), DB_S(id->type), DB_I(id->issuer),
                                         DB_S(id->value), DB_I(wj_now_ms()), by ? DB_I(by) : DB_NULL),
                                     NULL);
    if (st == DB_CONFLICT) {
        /* Another transaction (PostgreSQL lets two run at once) took the number after the
         * lookup above. */
        wj_error_set(e, 409, "conflict", "value", "this identifier belongs to another person");
        return 0;
    }
    if (st != DB_OK || !mpi_person_touch(c, person))
        return mpi_db_fail(e, "identifier add"), 0;
    return iid;
}
