/* sweep.h — clock-driven housekeeping of the modules (their `sweep` hook): what falls due
 * with time and no request, such as a waiting-list offer that expires and passes to the
 * next in line. The server runs it on a thread of its own every WEIJIAN_SWEEP_SECONDS
 * (default 30); `weijian sweep` runs it once (cron, tests). Requests that touch a record
 * still settle it first, so a sweep's period bounds how late a notice goes out, never what
 * a request sees. */
#ifndef WJ_SWEEP_H
#define WJ_SWEEP_H

#include <stdint.h>

#include "db.h"

/* Every module's sweep once at `now`, on one pooled connection: how many things they
 * settled, -1 when a sweep failed (said on stderr; the others still run). */
int wj_sweep_once(wj_db *db, int64_t now);
/* The period from $WEIJIAN_SWEEP_SECONDS (1..3600, default 30); -1 after saying on stderr
 * that the variable is malformed. */
int wj_sweep_period(void);
/* Starts the server's sweeper: every `seconds`, wj_sweep_once at the clock's now. */
void wj_sweep_start(wj_db *db, int seconds);
/* Stops it (a sweep in progress finishes first). */
void wj_sweep_stop(void);

#endif
