/* mpi_gen.h — a synthetic population for the person index: residents of the demo city
 * registered at its hospitals, with duplicate registrations and hard negatives at stated
 * rates, written in the import's CSV format (docs/mpi.md, "Import") together with the
 * ground truth. Used by `weijian generate persons`, the demo and bench/mpi.
 *
 * Deterministic: the same configuration (seed, today, areas, hospitals, rates) always
 * writes the same bytes. docs/mpi.md, "Demo and benchmark", lists the rates. */
#ifndef WJ_MPI_GEN_H
#define WJ_MPI_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/db.h"

typedef struct mpi_gen_config {
    uint64_t seed;
    long count;       /* people (truth ids) to generate; each gives one row, duplicates one more */
    const char *today; /* YYYY-MM-DD: ages are counted to it and no birth is after it */
    /* Where people live: 12-digit community codes; an ID number's division is the first 6
     * digits of its holder's area. */
    const char *const *areas;
    int nareas;
    /* Hospitals (facility ids) that issue hospital cards; a duplicate registration is
     * made at another one than the first, so at least two are needed for duplicates. */
    const int64_t *hospitals;
    int nhospitals;
    /* Rates (0..1); mpi_gen_defaults sets them. */
    double duplicates; /* people registered a second time, at another hospital, without ID card */
    double namesakes;  /* people who are a namesake of someone earlier: same name and birth year */
    double twins;      /* people who are the second of a pair of twins */
    double child_birth_certificate; /* under-16s with a birth certificate instead of an ID card */
    double insurance;  /* people with an insurance card */
    double social;     /* people with a social security card */
    /* The one perturbation of a duplicate: shares that sum to 1. */
    double p_name;  /* traditional script or a homophone of a given-name character */
    double p_dob;   /* day and month swapped (when the day is at most 12 and differs) */
    double p_phone; /* another phone */
    double p_card;  /* nothing: same demographics, only the new hospital card */
} mpi_gen_config;

/* Seed 1, no people, and the default rates: 10 % duplicates (perturbed 30 % name, 20 %
 * birth date, 30 % phone, 20 % card only), 2 % namesakes, 1 % twins, 80 % of children
 * with a birth certificate, 85 % insurance cards, 30 % social security cards. */
void mpi_gen_defaults(mpi_gen_config *cfg);

typedef struct mpi_gen_stats {
    long rows, people, duplicates, namesakes, twins;
    long dup_traditional, dup_homophone, dup_dob, dup_phone, dup_card;
} mpi_gen_stats;

/* Writes the CSV (a header row naming the columns, then one row per registration) to `csv`
 * and, when `truth` is not NULL, the ground truth: a header "line,truth_id", then for each
 * row its physical line in the CSV (the header is line 1) and the person it belongs to.
 * Requires mpi_match_init (name keys group the homophones) and OpenCC's s2t dictionary.
 * False with a reason in err (no areas, a dictionary missing, a write failed). */
bool mpi_gen_write(const mpi_gen_config *cfg, FILE *csv, FILE *truth, mpi_gen_stats *stats, char *err,
                   size_t errlen);

/* Where a database's people live and register: the codes of its communities (level
 * community) and its active general and TCM hospitals, the demo hospital first, at most
 * `max_hospitals` of them (0: all). Read-only SQL over the areas and facilities tables
 * (neither module offers a list function yet). False on a database error. */
typedef struct mpi_gen_places {
    char **areas;
    int nareas;
    int64_t *hospitals;
    int nhospitals;
} mpi_gen_places;
bool mpi_gen_places_load(wj_conn *c, int max_hospitals, mpi_gen_places *out);
void mpi_gen_places_free(mpi_gen_places *p);

#endif
