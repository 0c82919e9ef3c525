/* mpi.h — the master patient index, as other modules and the command line use it.
 *
 * Every registration is a source record; a person (the golden record) is a cluster of
 * source records joined by links that keep their history. Other modules keep the person
 * id they were given and call mpi_resolve for the current person: merges and unmerges
 * change links, never ids. Tables are private to the module (mpi_store.c). */
#ifndef WJ_MPI_H
#define WJ_MPI_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/db.h"
#include "../core/err.h"
#include "../core/schema.h"

#define MPI_MAX_IDENTIFIERS 8
#define MPI_MAX_CANDIDATES 5

/* One registration as submitted: the body of POST /api/v1/persons, or a CSV row. */
typedef struct mpi_ident {
    char type[24];   /* id_card, id_card_15, insurance_card, social_security_card, hospital_card, … */
    char value[64];
    int64_t issuer;  /* the issuing facility of a hospital_card, else 0 */
} mpi_ident;

typedef struct mpi_input {
    char name[161];     /* 40 characters of up to 4 bytes */
    char sex[8];
    char birth_date[11];
    char phone[24];
    char address[801];  /* 200 characters */
    char area_code[13];
    char nationality[4];
    char former_names[1700]; /* JSON array text ("" when none): up to 10 names */
    mpi_ident ids[MPI_MAX_IDENTIFIERS];
    int nids;
    int64_t facility_id; /* where it was registered; 0 for the commission, the hotline, the CLI */
    int64_t by_user;     /* 0 for the command line */
    /* Scope of a new person with neither area code nor facility: the registering user's
     * area (materialised path), "" when none. */
    char fallback_path[200];
} mpi_input;

/* The body schema of POST /api/v1/persons; CSV rows are validated through it too. */
extern const wj_schema mpi_person_schema;

/* Fills `in` from a body valid against mpi_person_schema and checks what a schema cannot:
 * identifier formats (GB 11643 check character: 422 naming identifiers[i].value), that
 * the birth date and sex encoded in an ID number agree with the record (422 naming
 * birth_date or sex; both are taken from the ID number when absent), issuers that exist,
 * the area code, dates not in the future. False with `e` set. */
bool mpi_input_from_json(wj_conn *c, const json_t *body, mpi_input *in, wj_error *e);

typedef enum { MPI_NEW, MPI_REVIEW, MPI_LINKED } mpi_status;

typedef struct mpi_result {
    mpi_status status;
    int64_t person_id; /* the person the record now belongs to */
    int64_t record_id;
    int64_t review_id; /* MPI_REVIEW: the review item opened */
    const char *rule;  /* MPI_LINKED: "identifier" or "score" */
    double score;      /* best candidate's score (0 when none) */
    int ncandidates;
    struct {
        int64_t person_id;
        double score;
    } candidates[MPI_MAX_CANDIDATES];
} mpi_result;

/* Registers one source record inside the caller's write transaction: a shared identifier
 * links it (409 conflict when that person's sex or birth date disagree, or when its
 * identifiers belong to two persons); otherwise the best-scoring candidate person links
 * at or above the upper threshold, opens a review between the thresholds, or a new person
 * is created. False with `e` set (4xx the caller's fault, 500 a database error). */
bool mpi_register(wj_conn *c, const mpi_input *in, mpi_result *out, wj_error *e);

/* The current person of a person id (itself, or the person it was merged into); 0 when
 * the id was never a person. */
int64_t mpi_resolve(wj_conn *c, int64_t person_id);

/* The current person holding an identifier (issuer 0 unless hospital_card); 0 when none. */
int64_t mpi_find_by_identifier(wj_conn *c, const char *type, int64_t issuer, const char *value);

/* Bulk registration from a CSV file (the columns of docs/mpi.md, "Import"): validated
 * row by row like POST, then registered with matching in transactions of `batch` rows.
 * `progress` is called every few thousand rows. Writes, when `report` is set, one CSV line
 * per input row: line,status(new|linked|review|rejected),person_id,record_id,reason. */
typedef struct mpi_import {
    /* in */
    int64_t by_user;
    int64_t facility_id;
    bool skip_bad_rows;
    int batch; /* rows per transaction; 0: a tenth of the file, 10,000 to 100,000 */
    bool keep_indexes; /* SQLite: never set indexes aside for a large load (mpi_csv.c) */
    /* When non-NULL and set (a signal handler), the import stops before its next batch (or
     * during the check): the batches committed stay, indexes set aside are built. */
    const volatile sig_atomic_t *interrupt;
    void (*progress)(void *ctx, long done, long total);
    void *ctx;
    FILE *report;
    /* out */
    long rows, created, linked, reviews, rejected;
    int indexes_built; /* indexes set aside for the load and built after it */
    char first_error[256];
} mpi_import;
bool mpi_import_csv(wj_db *db, const char *data, size_t len, mpi_import *imp);
/* SQLite's page cache on the import's connection: the indexes of a million persons do not
 * fit in the default 2 MB, and every miss is a read from the file. A command that imports
 * gives SQLite this much page memory first (db_lite_page_memory). */
#define MPI_IMPORT_CACHE_BYTES ((size_t)1 << 30)

/* ---- for other modules (mpi_eligibility.c) ---- */

/* The pools of reserved appointment places (appointments module). */
enum {
    MPI_POOL_GENERAL = 1u << 0,
    MPI_POOL_ELDERLY = 1u << 1,  /* aged elderly_age or more on the day */
    MPI_POOL_MILITARY = 1u << 2, /* a verified attribute valid on the day */
    MPI_POOL_DISABLED = 1u << 3,
    MPI_POOL_PREGNANT = 1u << 4,
};
/* The pools the person (resolved through merges) may take a place from on `date`
 * (YYYY-MM-DD): always general; elderly when aged `elderly_age` or more that day (from the
 * birth date); military, disabled, pregnant when a verified attribute of that type, not
 * revoked, is valid that day (valid_from ≤ date ≤ valid_to, an open end counts), on the
 * person or a person merged into it. False with `e` set: 404 no such person, 500. */
bool mpi_pools_on(wj_conn *c, int64_t person, const char *date, int elderly_age, unsigned *pools, wj_error *e);
/* The current person of an id and its scope (area path, as grants see it); false when
 * there is no such person. */
bool mpi_person_scope(wj_conn *c, int64_t person, int64_t *current, char area_path[200]);
/* The masked summary of a person for other modules' lists: the index's list item without
 * birth date and area (age stays); NULL when none. */
json_t *mpi_person_summary(wj_conn *c, int64_t person);
/* The current person of an id first, then the ids merged into it (what other modules
 * may still hold from before a merge), at most `max`; 0 when no such person, -1 on a
 * database error. */
int mpi_cluster_ids(wj_conn *c, int64_t person, int64_t *out, int max);
/* The persons a person manages through live family links (current ids), at most `max`;
 * -1 on a database error. */
int mpi_managed_persons(wj_conn *c, int64_t person, int64_t *out, int max);
/* Up to `max` current persons, oldest first (demo data of other modules); -1 on a
 * database error. */
int mpi_sample_persons(wj_conn *c, int64_t *out, int max);

/* The module's part of the demo city (mpi_demo.c): residents registered at several
 * hospitals with duplicates and hard negatives (WEIJIAN_DEMO_RESIDENTS, default 100000),
 * and the demo resident's own person with the family they manage. */
bool mpi_demo(wj_conn *c);
/* The person of the demo resident account (after mpi_demo); 0 when absent. */
int64_t mpi_demo_resident(wj_conn *c);

#endif
