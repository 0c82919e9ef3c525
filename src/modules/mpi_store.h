/* mpi_store.h — shared by the files of the mpi module only: mpi.c (routes), mpi_store.c
 * (registration and matching), mpi_person.c (documents and edits), mpi_links.c (merge,
 * unmerge, reviews), mpi_csv.c and mpi_demo.c. Other modules use mpi.h. */
#ifndef WJ_MPI_STORE_H
#define WJ_MPI_STORE_H

#include "../core/module.h"
#include "mpi.h"
#include "mpi_blockcache.h"
#include "mpi_match.h"

extern const wj_enum mpi_sexes[];
extern const wj_enum mpi_identifier_types[];
extern const wj_enum mpi_attribute_types[];
extern const wj_enum mpi_relations[];
/* The body of POST /persons/{id}/identifiers and the items of a registration's identifiers. */
extern const wj_schema mpi_identifier_schema;

/* Validates one identifier ({"type","value","issuer"}) at JSON path `path` (e.g.
 * "identifiers[0]", or "" for a body of its own) into `out`; an id_card_15 becomes an id_card. `idc` receives the
 * parsed ID number when the identifier is one (else its number is ""). */
typedef struct wj_idcard wj_idcard;
bool mpi_identifier_from_json(wj_conn *c, const json_t *v, const char *path, mpi_ident *out, wj_idcard *idc,
                              wj_error *e);

/* The person currently holding (type, issuer, value), 0 when none; -1 on a database error. */
int64_t mpi_identifier_holder(wj_conn *c, const mpi_ident *id);
/* Adds an identifier to a person, on its first record. 409 when someone else holds it or
 * the person already has another ID number. Returns the identifier id, 0 with `e` set. */
int64_t mpi_identifier_add(wj_conn *c, int64_t person, const mpi_ident *id, int64_t by, wj_error *e);

/* Imports. mpi_register takes a PostgreSQL advisory lock per identifier so concurrent
 * registrations of one number serialise; an import registering thousands of rows in one
 * transaction would exhaust the lock table, so it takes mpi_bulk_lock once per
 * transaction instead (every other writer of identifiers waits for its commit). */
bool mpi_bulk_lock(wj_conn *c);

/* A record's match keys (mpi_match.h), derived from its input. `d` points into the
 * struct itself: never copy one. */
typedef struct mpi_keys {
    char name[MPI_NAME_MAX], pinyin[MPI_PINYIN_MAX], address[256], id_card[19];
    mpi_demog d;
    mpi_blocks b;
} mpi_keys;

/* A record of the in-memory blocking index that scored at or above the lower threshold. */
typedef struct mpi_hit {
    int64_t record;
    double score;
    mpi_explain why;
} mpi_hit;

/* What a bulk import works out for a row before its write transaction, so that it can be
 * done on another thread while the previous batch is written: the keys, the record's id
 * and document, a new person's scope, and what the in-memory blocking index `bc` held for
 * it at that row (which identifiers it may know, the records scoring at or above the lower
 * threshold). mpi_prepare_bulk reads only what imports do not change (areas, facilities)
 * and adds the row to `bc` (NULL: nothing is searched in memory); prepare the rows in
 * file order. */
typedef struct mpi_prepared {
    mpi_keys k;
    int64_t record_id;
    char *document;
    char path[WJ_PATH_MAX];
    bool cached; /* may_hold and hits were filled from the index */
    bool may_hold[MPI_MAX_IDENTIFIERS];
    mpi_hit *hits;
    int nhits;
    bool below; /* some record scored under the lower threshold, the best of them: */
    double best_below;
} mpi_prepared;
void mpi_prepare_bulk(wj_conn *c, mpi_bcache *bc, const mpi_input *in, mpi_prepared *p);
/* Frees what a preparation holds (a zeroed one is empty). */
void mpi_prepared_clear(mpi_prepared *p);
/* Registers a prepared row in the caller's write transaction. With `cached` false (other
 * writers committed since the rows were prepared) identifiers and candidates are looked up
 * in the database, as mpi_register does. */
bool mpi_register_bulk(wj_conn *c, const mpi_prepared *p, bool cached, const mpi_input *in, mpi_result *out,
                       wj_error *e);

/* A person row as the store reads it. */
typedef struct mpi_person {
    int64_t id, merged_into, version;
    char sex[8], birth_date[11], area_path[WJ_PATH_MAX];
} mpi_person;
/* False when there is no such person (merged or not). */
bool mpi_person_find(wj_conn *c, int64_t id, mpi_person *out);
/* Marks `e` as a database failure (500) unless it already holds an error; false. */
bool mpi_db_fail(wj_error *e, const char *what);
/* The ID number a person holds, "" when none. False on a database error. */
bool mpi_person_idcard(wj_conn *c, int64_t person, char out[19]);
/* Bumps a person's version (its document changed). */
bool mpi_person_touch(wj_conn *c, int64_t id);

/* Documents. The full person (unmasked) and the masked list item; NULL on a database
 * error or when there is no such person. */
json_t *mpi_person_document(wj_conn *c, int64_t id);
json_t *mpi_person_item(wj_conn *c, int64_t id);

/* Merge `merge` into `keep` (both current persons). Returns the merge id, 0 with `e` set. */
int64_t mpi_merge(wj_conn *c, int64_t keep, int64_t merge, const char *reason, int64_t review_id, int64_t by,
                  wj_error *e);
/* Undoes the last merge of a merged person. */
bool mpi_unmerge_person(wj_conn *c, int64_t person, const char *reason, int64_t by, wj_error *e);
/* Detaches the record of a live link into the person it was in before, or a new person.
 * *out_person receives the person the record is now in. */
bool mpi_unmerge_link(wj_conn *c, int64_t link_id, const char *reason, int64_t by, int64_t *out_person, wj_error *e);

/* The ids of the persons in a person's cluster: itself and every person merged into it,
 * directly or through others, as a SQL fragment for `person_id IN (…)`. */
#define MPI_CLUSTER_SQL                                                                                                \
    "WITH RECURSIVE cluster(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT p.id FROM persons p "                       \
    "JOIN cluster ON p.merged_into = cluster.id) "

/* Moves a record to `person`: its live link is undone and a new one made (rule, score or
 * NAN, the merge it belongs to or 0), and its identifiers follow it. */
bool mpi_link_record(wj_conn *c, int64_t record, int64_t person, const char *rule, double score, int64_t merge_id,
                     int64_t by, const char *reason);

/* Does person `who` (a resident's own person) cover `target`: the same current person,
 * or one it manages through a family link? */
bool mpi_person_covers(wj_conn *c, int64_t who, int64_t target);

#endif
