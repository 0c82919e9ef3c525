/* index_defer.h — secondary indexes set aside during a bulk load on SQLite, built after.
 *
 * Inserting a million rows into a text index costs a B-tree descent and a page written at
 * a random place per row; building the index once the rows are in sorts them once, a few
 * times cheaper (docs/mpi.md, "Import"). wj_index_defer drops the named indexes after
 * saving their CREATE statements in deferred_indexes, in one transaction of its own, so
 * the database never loses an index without a record of it; wj_index_restore builds what
 * that table holds and empties it, again in one transaction. A load that died leaves its
 * rows behind: wj_migrate and the server's start call wj_index_restore. While an index is
 * set aside, queries that would use it read the whole table instead: the caller defers
 * only indexes its own load does not read. On PostgreSQL both calls do nothing. */
#ifndef WJ_INDEX_DEFER_H
#define WJ_INDEX_DEFER_H

#include <stdbool.h>

#include "db.h"

/* Sets aside the named indexes (those that exist); false on a database error or a name
 * that is not a plain SQL identifier, with nothing changed. Not inside a transaction. */
bool wj_index_defer(wj_conn *c, const char *const names[], int n);
/* Builds every index deferred_indexes holds and empties it: the number built, -1 on a
 * database error (nothing changed). Not inside a transaction. */
int wj_index_restore(wj_conn *c);

#endif
