/* mpi_blockcache.h — the blocking index in memory, for bulk imports (private to the mpi
 * module).
 *
 * A registration looks for candidates among the records sharing a blocking key
 * (mpi_match.h). Over SQL that is three index searches and up to a few hundred row reads
 * per registration, each a random page of a table that holds every record's document:
 * about half of a million-row import's time. An import instead keeps the compared fields
 * of every record in memory, keyed like the indexes, and asks the database only for the
 * persons of the few records that score above the lower threshold.
 *
 * The cache follows the database: it is filled from mpi_records on the first sync, takes
 * the import's own records as they are prepared (mpi_prepare_bulk; a row refused later
 * leaves a record the database does not have, which the registration passes over), and
 * each sync at the start of a write transaction reads what other writers (the server)
 * committed meanwhile: on SQLite only when PRAGMA data_version says another connection
 * wrote; on PostgreSQL the records created since the last sync less a margin. */
#ifndef WJ_MPI_BLOCKCACHE_H
#define WJ_MPI_BLOCKCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/db.h"
#include "mpi.h"
#include "mpi_match.h"

typedef struct mpi_bcache mpi_bcache;

mpi_bcache *mpi_bcache_new(void);
void mpi_bcache_free(mpi_bcache *bc);

/* Reads the records the cache does not have yet (all of them the first time). Call it
 * inside the write transaction, before registering. False on a database error. */
bool mpi_bcache_sync(mpi_bcache *bc, wj_conn *c);

/* Adds a record just registered. */
void mpi_bcache_add(mpi_bcache *bc, int64_t record, const mpi_demog *d, const mpi_blocks *b);

/* Identifiers: the cache also holds a hash of every identifier value in the database, so
 * that a value it does not know is certainly free (most of an import's) without a query;
 * one it knows is looked up in the database, which has the last word. */
void mpi_bcache_add_ident(mpi_bcache *bc, const mpi_ident *id);
bool mpi_bcache_may_hold(const mpi_bcache *bc, const mpi_ident *id);

/* Reads the records committed since the last sync or catch-up, whoever wrote them (the
 * import's own are known and passed over): for a connection other than the writer's,
 * whose data_version moves with the import's own commits. */
bool mpi_bcache_catch_up(mpi_bcache *bc, wj_conn *c);

/* Calls `visit` for the records sharing a key with `b`: at most `limit` per key, as the
 * SQL search does; a record sharing two keys is visited twice. */
typedef void (*mpi_bcache_visit)(void *ctx, int64_t record, const mpi_demog *o);
void mpi_bcache_each(const mpi_bcache *bc, const mpi_blocks *b, int limit, mpi_bcache_visit visit, void *ctx);

/* Records held (for tests and progress). */
size_t mpi_bcache_size(const mpi_bcache *bc);

#endif
