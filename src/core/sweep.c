/* sweep.c — see sweep.h. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "module.h"
#include "sweep.h"
#include "util.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static bool running, stopping;
static wj_db *sweep_db;
static int period_s;

int wj_sweep_once(wj_db *db, int64_t now)
{
    wj_conn *c = db_acquire(db);
    if (!c) {
        fputs("{\"level\":\"warn\",\"msg\":\"sweep\",\"why\":\"no database connection\"}\n", stderr);
        return -1;
    }
    int total = 0;
    bool failed = false;
    for (int i = 0; wj_modules[i]; i++) {
        if (!wj_modules[i]->sweep)
            continue;
        int n = wj_modules[i]->sweep(c, now);
        if (n < 0) {
            fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"sweep failed\",\"module\":\"%s\",\"why\":\"%s\"}\n",
                    wj_modules[i]->name, db_errmsg(c));
            failed = true;
        } else {
            total += n;
        }
    }
    db_release(c);
    return failed ? -1 : total;
}

int wj_sweep_period(void)
{
    const char *v = getenv("WEIJIAN_SWEEP_SECONDS");
    int64_t s = 30;
    if (v && *v && (!wj_parse_i64(v, &s) || s < 1 || s > 3600)) {
        fprintf(stderr, "weijian: WEIJIAN_SWEEP_SECONDS must be 1..3600 (got \"%s\")\n", v);
        return -1;
    }
    return (int)s;
}

static void *run(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += period_s;
        while (!stopping && pthread_cond_timedwait(&cv, &mu, &until) == 0)
            ;
        if (stopping)
            break;
        pthread_mutex_unlock(&mu);
        int n = wj_sweep_once(sweep_db, wj_now_ms());
        if (n > 0)
            fprintf(stderr, "{\"level\":\"info\",\"msg\":\"sweep\",\"settled\":%d}\n", n);
        pthread_mutex_lock(&mu);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

void wj_sweep_start(wj_db *db, int seconds)
{
    sweep_db = db;
    period_s = seconds;
    stopping = false;
    running = pthread_create(&thread, NULL, run, NULL) == 0;
}

void wj_sweep_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&mu);
    stopping = true;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    running = false;
}
