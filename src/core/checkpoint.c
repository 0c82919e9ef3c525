/* checkpoint.c — see checkpoint.h. */
#include "checkpoint.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

struct wj_checkpointer {
    wj_conn *own, *writer;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool pending, running, stopping;
};

static void checkpoint(wj_conn *c)
{
    if (db_exec_script(c, "PRAGMA wal_checkpoint(PASSIVE)") != DB_OK)
        fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"checkpoint failed\",\"why\":\"%s\"}\n", db_errmsg(c));
}

static void *run(void *arg)
{
    wj_checkpointer *ck = arg;
    pthread_mutex_lock(&ck->mu);
    for (;;) {
        while (!ck->pending && !ck->stopping)
            pthread_cond_wait(&ck->cv, &ck->mu);
        if (!ck->pending)
            break;
        ck->pending = false;
        ck->running = true;
        pthread_mutex_unlock(&ck->mu);
        checkpoint(ck->own);
        pthread_mutex_lock(&ck->mu);
        ck->running = false;
        pthread_cond_broadcast(&ck->cv);
    }
    pthread_mutex_unlock(&ck->mu);
    return NULL;
}

wj_checkpointer *wj_checkpointer_start(wj_db *db, wj_conn *writer)
{
    int size, busy = db_in_use(db, &size);
    if (db_kind(db) != WJ_DB_SQLITE || busy >= size)
        return NULL; /* no connection to spare: the writer checkpoints as usual */
    wj_checkpointer *ck = wj_xcalloc(1, sizeof *ck);
    ck->writer = writer;
    ck->own = db_acquire(db);
    pthread_mutex_init(&ck->mu, NULL);
    pthread_cond_init(&ck->cv, NULL);
    if (pthread_create(&ck->thread, NULL, run, ck) != 0) {
        db_release(ck->own);
        free(ck);
        return NULL;
    }
    db_exec_script(writer, "PRAGMA wal_autocheckpoint = 0");
    return ck;
}

void wj_checkpointer_kick(wj_checkpointer *ck)
{
    if (!ck)
        return;
    pthread_mutex_lock(&ck->mu);
    ck->pending = true;
    pthread_cond_broadcast(&ck->cv);
    pthread_mutex_unlock(&ck->mu);
}

void wj_checkpointer_wait(wj_checkpointer *ck)
{
    if (!ck)
        return;
    pthread_mutex_lock(&ck->mu);
    while (ck->pending || ck->running)
        pthread_cond_wait(&ck->cv, &ck->mu);
    pthread_mutex_unlock(&ck->mu);
}

void wj_checkpointer_stop(wj_checkpointer *ck)
{
    if (!ck)
        return;
    pthread_mutex_lock(&ck->mu);
    ck->pending = true; /* one last pass over what the final batch wrote */
    ck->stopping = true;
    pthread_cond_broadcast(&ck->cv);
    pthread_mutex_unlock(&ck->mu);
    pthread_join(ck->thread, NULL);
    db_exec_script(ck->writer, "PRAGMA wal_autocheckpoint = 1000"); /* SQLite's default */
    db_release(ck->own);
    pthread_mutex_destroy(&ck->mu);
    pthread_cond_destroy(&ck->cv);
    free(ck);
}
