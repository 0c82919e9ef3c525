/* commitq.h — group commit: many write requests share one durable commit.
 *
 * A handler that would open its own write transaction (wj_write_begin … wj_write_commit)
 * hands a job to the commit queue instead and returns. One writer thread takes every job
 * queued at that moment, opens one write transaction, runs each job under its own
 * SAVEPOINT (a job that fails rolls back to it and answers its error; the others go on),
 * writes each successful job's audit row and Idempotency-Key record beside its changes,
 * and commits once. Only after that commit is durable are the jobs' replies sent: a client
 * never holds a confirmation the database could lose. While the writer fsyncs one batch,
 * the next gathers, so at N fsyncs per second the server confirms far more than N writes.
 *
 * The waiting request holds no worker thread: the HTTP layer suspends its connection
 * (MHD_suspend_connection) and the writer resumes it, so hundreds of requests wait on one
 * commit with a handful of workers. Outside the server (the command line) a job runs at
 * once in the request's own write transaction.
 *
 * On both backends the writer uses one pooled connection per batch. On SQLite its
 * transaction takes the process-wide write lock like any other writer, so ordinary
 * wj_write_begin requests interleave between batches; on PostgreSQL the constraints of
 * the tables (not the single writer) are what keep concurrent writers correct. */
#ifndef WJ_COMMITQ_H
#define WJ_COMMITQ_H

#include <stdbool.h>

#include "db.h"
#include "module.h"

/* A job: runs in the shared write transaction on r's connection (wj_db_conn(r) is the
 * writer's connection while it runs) and replies with wj_reply/wj_fail like a handler.
 * Returns true when its changes are to be kept; false after answering an error, and its
 * changes are rolled back to its savepoint. "Now" (wj_now_ms) is the request's. */
typedef bool (*wj_job_fn)(wj_req *r, void *ctx);

/* Called by a handler, as its last act: queue `fn(r, ctx)`. The request's reply, audit
 * and Idempotency-Key record are the job's, written in its transaction; the core
 * rechecks the key inside the transaction, so a concurrent duplicate replays. `ctx` is
 * released with free_ctx (may be NULL) once the job ran. */
void wj_commit_job(wj_req *r, wj_job_fn fn, void *ctx, void (*free_ctx)(void *));

/* Starts the writer for `db` (the server); until then, and after wj_commitq_stop, jobs
 * run at once in the calling thread. */
void wj_commitq_start(wj_db *db);
/* Runs what is queued, then stops the writer. */
void wj_commitq_stop(void);

/* The HTTP layer, after the dispatcher left a request with a job (r->job): queue it;
 * `done(arg)` is called once its transaction committed (or failed) and the request is
 * finished (audit, metrics, log), from the writer thread or, when the writer is not
 * running, at once. */
void wj_commitq_submit(wj_req *r, void (*done)(void *arg), void *arg);

/* Totals for /metrics: commits made and jobs run through them. */
void wj_commitq_stats(unsigned long *batches, unsigned long *jobs);

#endif
