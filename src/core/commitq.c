/* commitq.c — see commitq.h. */
#include "commitq.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dispatch.h"
#include "idem.h"
#include "log.h"
#include "util.h"

#define BATCH_MAX 1024

typedef struct wj_job {
    wj_req *r;
    wj_job_fn fn;
    void *ctx;
    void (*free_ctx)(void *);
    wj_principal who; /* the caller, kept beyond the dispatcher's stack frame */
    int64_t now;      /* the request's "now" (the test clock's, in test builds) */
    void (*done)(void *);
    void *done_arg;
    bool wrote; /* kept in the transaction: committed with it */
    struct wj_job *next;
} wj_job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static wj_job *head, *tail;
static bool running, stopping;
static pthread_t writer;
static wj_db *queue_db;
static atomic_ulong n_batches, n_jobs;

void wj_commit_job(wj_req *r, wj_job_fn fn, void *ctx, void (*free_ctx)(void *))
{
    pthread_mutex_lock(&mu);
    bool server = running;
    pthread_mutex_unlock(&mu);
    if (!server || !r->http_conn) {
        /* No writer thread (the command line): the request's own write transaction. */
        if (wj_write_begin(r)) {
            if (fn(r, ctx) && !wj_failed(r))
                wj_write_commit(r);
            else if (!r->status)
                wj_fail_internal(r, "job set no reply");
        }
        if (free_ctx)
            free_ctx(ctx);
        return;
    }
    wj_job *j = wj_xcalloc(1, sizeof *j);
    j->r = r;
    j->fn = fn;
    j->ctx = ctx;
    j->free_ctx = free_ctx;
    j->now = wj_now_ms();
    if (r->who) {
        j->who = *r->who;
        r->who = &j->who;
    }
    r->job = j;
    r->status = 0; /* answered by the job */
}

/* Runs one job under its savepoint on `c`. A kept job's savepoint stays open until the
 * next job releases it in the same round trip as it opens its own (*open), or the commit
 * does: on PostgreSQL every statement of the one writer is a round trip. */
static void run_job(wj_conn *c, wj_job *j, bool *open)
{
    wj_req *r = j->r;
    r->conn = c;
    wj_clock_set_thread_override(j->now);
    if (db_exec_script(c, *open ? "RELEASE SAVEPOINT wj_job; SAVEPOINT wj_job" : "SAVEPOINT wj_job") != DB_OK) {
        *open = false;
        wj_fail_internal(r, "savepoint");
        r->conn = NULL;
        return;
    }
    bool keep = false;
    /* A request with the same key committed meanwhile: replay its answer instead. */
    if (!wj_idem_recheck(r)) {
        keep = j->fn(r, j->ctx) && !wj_failed(r);
        if (!keep && !r->status)
            wj_fail_internal(r, "job set no reply");
    }
    wj_record_status st = keep ? wj_write_record(r) : WJ_RECORD_FAILED;
    keep = st == WJ_RECORD_OK;
    if (!keep)
        db_exec_script(c, "ROLLBACK TO SAVEPOINT wj_job; RELEASE SAVEPOINT wj_job");
    if (st == WJ_RECORD_DUPLICATE)
        wj_idem_replay_after_race(r);
    *open = keep;
    j->wrote = keep;
    wj_clock_set_thread_override(0);
    r->conn = NULL;
}

/* One transaction for the jobs of `list`, then their replies. */
static void run_batch(wj_db *db, wj_job *list)
{
    wj_conn *c = db_acquire(db);
    bool open = db_begin(c, true) == DB_OK, sp = false;
    unsigned long n = 0;
    for (wj_job *j = list; j; j = j->next, n++) {
        if (open) {
            run_job(c, j, &sp);
        } else {
            j->r->conn = c;
            wj_fail_internal(j->r, "begin");
            j->r->conn = NULL;
        }
    }
    if (open) {
        bool any = false;
        for (wj_job *j = list; j; j = j->next)
            any |= j->wrote;
        bool ok = any ? db_commit(c) == DB_OK : (db_rollback(c), true);
        for (wj_job *j = list; j; j = j->next) {
            if (!j->wrote)
                continue;
            if (ok) {
                j->r->committed = true;
            } else {
                j->r->conn = c;
                wj_fail_internal(j->r, "group commit");
                j->r->conn = NULL;
            }
        }
    }
    db_release(c);
    atomic_fetch_add(&n_batches, 1);
    atomic_fetch_add(&n_jobs, n);
    while (list) {
        wj_job *j = list;
        list = j->next;
        wj_req *r = j->r;
        wj_clock_set_thread_override(j->now);
        wj_dispatch_finish(r); /* audit of what was refused, metrics, log; r->who cleared */
        wj_clock_set_thread_override(0);
        if (j->free_ctx)
            j->free_ctx(j->ctx);
        r->job = NULL;
        void (*done)(void *) = j->done;
        void *arg = j->done_arg;
        free(j);
        done(arg);
    }
}

static void *writer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (!head && !stopping)
            pthread_cond_wait(&cv, &mu);
        if (!head && stopping)
            break;
        /* Everything queued now goes into one transaction (at most BATCH_MAX). */
        wj_job *list = head, *last = head;
        int n = 1;
        while (last->next && n < BATCH_MAX) {
            last = last->next;
            n++;
        }
        head = last->next;
        if (!head)
            tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&mu);
        run_batch(queue_db, list);
        pthread_mutex_lock(&mu);
    }
    running = false;
    pthread_mutex_unlock(&mu);
    return NULL;
}

void wj_commitq_submit(wj_req *r, void (*done)(void *arg), void *arg)
{
    wj_job *j = r->job;
    j->done = done;
    j->done_arg = arg;
    pthread_mutex_lock(&mu);
    if (running && !stopping) {
        if (tail)
            tail->next = j;
        else
            head = j;
        tail = j;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
        return;
    }
    pthread_mutex_unlock(&mu);
    run_batch(r->db, j); /* shutting down: a batch of one, here */
}

void wj_commitq_start(wj_db *db)
{
    pthread_mutex_lock(&mu);
    queue_db = db;
    stopping = false;
    running = pthread_create(&writer, NULL, writer_main, NULL) == 0;
    pthread_mutex_unlock(&mu);
}

void wj_commitq_stop(void)
{
    pthread_mutex_lock(&mu);
    bool was = running;
    stopping = true;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    if (was)
        pthread_join(writer, NULL);
    pthread_mutex_lock(&mu);
    running = false;
    stopping = false;
    pthread_mutex_unlock(&mu);
}

void wj_commitq_stats(unsigned long *batches, unsigned long *jobs)
{
    *batches = atomic_load(&n_batches);
    *jobs = atomic_load(&n_jobs);
}
