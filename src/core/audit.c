/* audit.c — see audit.h. */
#include "audit.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ids.h"
#include "util.h"

#define QUEUE_CAP 16384
#define BATCH_MAX 2048
#define FLUSH_EVERY_MS 200

static wj_audit_event queue[QUEUE_CAP];
static int qhead, qlen;
static pthread_mutex_t qmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcv = PTHREAD_COND_INITIALIZER;   /* events for the writer */
static pthread_cond_t room = PTHREAD_COND_INITIALIZER;  /* the writer took a batch */
static pthread_t writer;
static bool running, stopping;
static wj_db *audit_db;
static long waited, dropped;

bool wj_audit_insert(wj_conn *c, const wj_audit_event *e)
{
    return db_exec(c,
                   "INSERT INTO audit_log (id, at, user_id, username, method, route, resource_type, resource_id, "
                   "client_ip, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   DBP(DB_I(wj_id_new()), DB_I(e->at), e->user_id ? DB_I(e->user_id) : DB_NULL,
                       DB_S(e->username[0] ? e->username : NULL), DB_S(e->method), DB_S(e->route),
                       DB_S(e->resource_type[0] ? e->resource_type : NULL),
                       e->resource_id ? DB_I(e->resource_id) : DB_NULL, DB_S(e->client_ip), DB_I(e->status)),
                   NULL) == DB_OK;
}

static bool try_batch(const wj_audit_event *batch, int n)
{
    wj_conn *c = db_acquire(audit_db);
    bool ok = db_begin(c, true) == DB_OK;
    for (int i = 0; ok && i < n; i++)
        ok = wj_audit_insert(c, &batch[i]);
    if (ok)
        ok = db_commit(c) == DB_OK;
    if (!ok) {
        fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"audit batch not written\",\"events\":%d,\"why\":\"%s\"}\n", n,
                db_errmsg(c));
        db_rollback(c);
    }
    db_release(c);
    return ok;
}

/* A batch the database refused (busy past its timeout, disk full, the server restarting)
 * is tried again for about six seconds, while the queue fills and requests wait for room;
 * only then is it given up, loudly. */
static void write_batch(const wj_audit_event *batch, int n)
{
    static const int retry_ms[] = {100, 200, 400, 800, 1600, 3200};
    bool ok = try_batch(batch, n);
    for (size_t i = 0; !ok && i < WJ_ARRAY_LEN(retry_ms); i++) {
        struct timespec ts = {retry_ms[i] / 1000, (long)(retry_ms[i] % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ok = try_batch(batch, n);
    }
    if (!ok)
        fprintf(stderr, "{\"level\":\"error\",\"msg\":\"audit batch lost\",\"events\":%d}\n", n);
}

static void *writer_main(void *arg)
{
    (void)arg;
    static wj_audit_event batch[BATCH_MAX];
    pthread_mutex_lock(&qmu);
    for (;;) {
        while (qlen == 0 && !stopping)
            pthread_cond_wait(&qcv, &qmu);
        if (qlen == 0 && stopping)
            break;
        /* Give a burst a moment to gather so it shares one commit. */
        if (qlen < BATCH_MAX && !stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += FLUSH_EVERY_MS * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&qcv, &qmu, &ts);
        }
        int n = 0;
        while (qlen > 0 && n < BATCH_MAX) {
            batch[n++] = queue[qhead];
            qhead = (qhead + 1) % QUEUE_CAP;
            qlen--;
        }
        pthread_cond_broadcast(&room);
        pthread_mutex_unlock(&qmu);
        write_batch(batch, n);
        pthread_mutex_lock(&qmu);
    }
    pthread_mutex_unlock(&qmu);
    return NULL;
}

void wj_audit_start(wj_db *db)
{
    audit_db = db;
    stopping = false;
    running = pthread_create(&writer, NULL, writer_main, NULL) == 0;
}

void wj_audit_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&qmu);
    stopping = true;
    pthread_cond_signal(&qcv);
    pthread_mutex_unlock(&qmu);
    pthread_join(writer, NULL);
    pthread_mutex_lock(&qmu);
    running = false;
    pthread_cond_broadcast(&room);
    pthread_mutex_unlock(&qmu);
}

void wj_audit_enqueue(const wj_audit_event *e)
{
    pthread_mutex_lock(&qmu);
    /* A full queue: the writer is behind (an overload, a slow disk). The request waits for
     * room rather than lose the record of who read what, and the load slows to what the
     * audit log can take. Only without a writer (never started, or stopped) is an event
     * lost, and counted. */
    if (qlen == QUEUE_CAP && running && !stopping) {
        if (++waited == 1 || waited % 10000 == 0)
            fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"audit queue full: requests wait for the writer\",\"waits\":%ld}\n",
                    waited);
        while (qlen == QUEUE_CAP && running && !stopping)
            pthread_cond_wait(&room, &qmu);
    }
    if (qlen == QUEUE_CAP) {
        dropped++;
        if (dropped == 1 || dropped % 1000 == 0)
            fprintf(stderr, "{\"level\":\"error\",\"msg\":\"audit queue full without a writer\",\"dropped\":%ld}\n",
                    dropped);
    } else {
        queue[(qhead + qlen) % QUEUE_CAP] = *e;
        qlen++;
        if (qlen >= BATCH_MAX)
            pthread_cond_signal(&qcv);
        else if (qlen == 1)
            pthread_cond_signal(&qcv);
    }
    pthread_mutex_unlock(&qmu);
}

int wj_audit_pending(void)
{
    pthread_mutex_lock(&qmu);
    int n = qlen;
    pthread_mutex_unlock(&qmu);
    return n;
}

long wj_audit_full_waits(void)
{
    pthread_mutex_lock(&qmu);
    long n = waited;
    pthread_mutex_unlock(&qmu);
    return n;
}
