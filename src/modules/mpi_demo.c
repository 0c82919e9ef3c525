/* mpi_demo.c — the person index's part of the demo city (演示数据): the demo resident
 * account's own person, 吴小红 of 青年东路社区, with the child and the elderly mother she
 * manages; then WEIJIAN_DEMO_RESIDENTS generated residents (default 100000; mpi_gen.c)
 * registered at several demo hospitals through the import's row loop, with duplicates and
 * hard negatives for the review queue. $WEIJIAN_DEMO_TRUTH, when set, receives the ground
 * truth of the generated rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/idcard.h"
#include "../core/ids.h"
#include "../core/util.h"
#include "facilities.h"
#include "mpi_csv.h"
#include "mpi_gen.h"
#include "mpi_store.h"

#define DEMO_SEED 1
#define DEMO_HOSPITALS 6
#define DEMO_RESIDENTS_DEFAULT 100000

/* Hand-made persons use ID sequence numbers 001–009, which the generator never gives. */
typedef struct demo_person {
    const char *name, *sex, *birth, *phone, *seq, *card;
    bool birth_certificate; /* a child: a birth certificate instead of an ID number */
} demo_person;

static const demo_person resident = {"吴小红", "female", "1985-06-15", "13905310618", "002", "WJ-DEMO-0001", false};
static const demo_person child = {"王子轩", "male", "2016-04-20", "13905310618", "R160420001", "WJ-DEMO-0002", true};
static const demo_person mother = {"孙桂兰", "female", "1950-09-12", "13705310912", "004", "WJ-DEMO-0003", false};

#define DEMO_AREA "370102001001" /* 青年东路社区, 解放路街道, 历下区 */
#define DEMO_ADDRESS "青年东路12号3栋2单元501室"

static void id_number(const demo_person *p, char out[19])
{
    char first17[18];
    snprintf(first17, sizeof first17, "%.6s%.4s%.2s%.2s%s", DEMO_AREA, p->birth, p->birth + 5, p->birth + 8, p->seq);
    snprintf(out, 19, "%s%c", first17, wj_idcard_check_char(first17));
}

/* Registers one hand-made person at the demo hospital as a desk would. 0 on failure. */
static int64_t register_person(wj_conn *c, const demo_person *p, int64_t hospital)
{
    char number[19], issuer[24];
    wj_id_format(hospital, issuer);
    json_t *ids = json_array();
    if (p->birth_certificate) {
        json_array_append_new(ids, json_pack("{s:s, s:s}", "type", "birth_certificate", "value", p->seq));
    } else {
        id_number(p, number);
        json_array_append_new(ids, json_pack("{s:s, s:s}", "type", "id_card", "value", number));
    }
    json_array_append_new(ids, json_pack("{s:s, s:s, s:s}", "type", "hospital_card", "value", p->card, "issuer", issuer));
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "name", p->name, "sex", p->sex,
                             "birth_date", p->birth, "phone",
                             p->phone, "address", DEMO_ADDRESS, "area_code", DEMO_AREA, "nationality", "CHN",
                             "identifiers", ids);
    mpi_input in;
    mpi_result res;
    wj_error e = {0};
    bool ok = mpi_input_from_json(c, body, &in, &e);
    json_decref(body);
    if (ok) {
        in.facility_id = hospital;
        ok = mpi_register(c, &in, &res, &e);
    }
    if (!ok) {
        fprintf(stderr, "mpi demo: registering %s failed: %s %s\n", p->name, e.field, e.message);
        wj_error_clear(&e);
        return 0;
    }
    return res.person_id;
}

/* A family link as POST /persons/{id}/family makes it (there is no store function for it
 * yet). */
static bool family_link(wj_conn *c, int64_t person, int64_t related, const char *relation, bool manages)
{
    return db_exec(c,
                   "INSERT INTO person_family (id, person_id, related_id, relation, manages, created_at) "
                   "VALUES (?,?,?,?,?,?)",
                   DBP(DB_I(wj_id_new()), DB_I(person), DB_I(related), DB_S(relation), DB_I(manages),
                       DB_I(wj_now_ms())),
                   NULL) == DB_OK;
}

static bool family(wj_conn *c, int64_t hospital)
{
    int64_t me = register_person(c, &resident, hospital);
    int64_t kid = me ? register_person(c, &child, hospital) : 0;
    int64_t mum = kid ? register_person(c, &mother, hospital) : 0;
    return mum && family_link(c, me, kid, "child", true) && family_link(c, me, mum, "parent", true) &&
           family_link(c, kid, me, "guardian", false) && family_link(c, mum, me, "child", false);
}

static void show_progress(void *ctx, long done, long total)
{
    (void)ctx;
    fprintf(stderr, "\rdemo: %ld/%ld residents registered", done, total);
}

/* The generated residents, registered through the import's row loop. */
static bool residents(wj_conn *c, long count, const mpi_gen_places *pl)
{
    mpi_gen_config cfg;
    mpi_gen_defaults(&cfg);
    char today[11];
    wj_today_shanghai(today);
    cfg.seed = DEMO_SEED;
    cfg.count = count;
    cfg.today = today;
    cfg.areas = (const char *const *)pl->areas;
    cfg.nareas = pl->nareas;
    cfg.hospitals = pl->hospitals;
    cfg.nhospitals = pl->nhospitals;
    char *csv = NULL, err[200];
    size_t len = 0;
    FILE *out = open_memstream(&csv, &len);
    const char *truth_path = getenv("WEIJIAN_DEMO_TRUTH");
    FILE *truth = truth_path && *truth_path ? fopen(truth_path, "w") : NULL;
    if (!out || (truth_path && *truth_path && !truth)) {
        fprintf(stderr, "mpi demo: cannot write %s\n", out ? truth_path : "the residents in memory");
        if (out)
            fclose(out);
        free(csv);
        return false;
    }
    bool ok = mpi_gen_write(&cfg, out, truth, NULL, err, sizeof err);
    ok = fclose(out) == 0 && ok;
    if (truth)
        ok = fclose(truth) == 0 && ok;
    if (ok && truth)
        fprintf(stderr, "demo: the ground truth of the generated residents is in %s\n", truth_path);
    if (!ok) {
        fprintf(stderr, "mpi demo: generating residents failed: %s\n", err);
        free(csv);
        return false;
    }
    mpi_import imp = {.batch = 0};
    if (isatty(STDERR_FILENO)) {
        imp.progress = show_progress;
        fprintf(stderr, "demo: registering %ld generated residents (WEIJIAN_DEMO_RESIDENTS)\n", count);
    }
    ok = mpi_import_csv_conn(c, csv, len, &imp);
    if (imp.progress)
        fputc('\n', stderr);
    if (!ok)
        fprintf(stderr, "mpi demo: registering residents failed: %s\n", imp.first_error);
    free(csv);
    return ok;
}

bool mpi_demo(wj_conn *c)
{
    const char *env = getenv("WEIJIAN_DEMO_RESIDENTS");
    long count = DEMO_RESIDENTS_DEFAULT;
    int64_t n;
    if (env && *env) {
        if (!wj_parse_i64(env, &n) || n < 0 || n > 10000000) {
            fprintf(stderr, "mpi demo: WEIJIAN_DEMO_RESIDENTS must be a number 0..10000000, not \"%s\"\n", env);
            return false;
        }
        count = (long)n;
    }
    mpi_gen_places pl;
    if (!mpi_gen_places_load(c, DEMO_HOSPITALS, &pl))
        return false;
    bool ok = pl.nhospitals > 0 && family(c, pl.hospitals[0]) && (count == 0 || residents(c, count, &pl));
    mpi_gen_places_free(&pl);
    return ok;
}

int64_t mpi_demo_resident(wj_conn *c)
{
    char number[19];
    id_number(&resident, number);
    return mpi_find_by_identifier(c, "id_card", 0, number);
}
