/* checkpoint.h — WAL checkpoints on a second thread, for bulk writers on SQLite.
 *
 * A SQLite commit that leaves more than 1000 pages in the write-ahead log copies them
 * into the database file and syncs it before the commit returns (the automatic
 * checkpoint). A bulk import committing hundreds of megabytes a batch would spend that
 * time on its one thread; instead it turns the automatic checkpoint off on its
 * connection and kicks this thread after each commit, which checkpoints on a connection
 * of its own (PASSIVE: it never blocks the writer) while the next batch is written, on
 * the machine's other core. Durability is unchanged: a commit is durable once the log is
 * synced; the checkpoint only moves pages. On PostgreSQL every call is a no-op. */
#ifndef WJ_CHECKPOINT_H
#define WJ_CHECKPOINT_H

#include "db.h"

typedef struct wj_checkpointer wj_checkpointer;

/* Starts the thread for `db` (it takes one pooled connection) and turns the automatic
 * checkpoint off on `writer`. NULL on PostgreSQL, when the pool has no connection
 * to spare, or when the thread cannot start. */
wj_checkpointer *wj_checkpointer_start(wj_db *db, wj_conn *writer);
/* After a commit: checkpoint what the log holds (returns at once). */
void wj_checkpointer_kick(wj_checkpointer *ck);
void wj_checkpointer_wait(wj_checkpointer *ck);
/* Runs a last checkpoint, stops the thread, and turns the writer's automatic checkpoint
 * back on. Accepts NULL. */
void wj_checkpointer_stop(wj_checkpointer *ck);

#endif
