/* audit.h — the append-only audit trail: who did what to which record, when, from where,
 * with what outcome.
 *
 * Successful writes are audited inside their own transaction (wj_write_commit), so a
 * committed change always has its audit row. Reads of personal data and rejected requests
 * go through an in-memory queue that a background thread writes in batches (every 200 ms
 * or 2,048 events), keeping the request path free of an extra commit. When the queue is
 * full the request waits for room: an event is never dropped while the writer runs. A
 * batch the database refuses is tried again for about six seconds before it is logged as
 * lost. Shutdown drains the queue. */
#ifndef WJ_AUDIT_H
#define WJ_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

typedef struct wj_audit_event {
    int64_t at;
    int64_t user_id; /* 0 when anonymous */
    char username[64];
    char method[8];
    char route[160]; /* the route template, never the concrete path or query */
    char resource_type[32];
    int64_t resource_id;
    char client_ip[64];
    int status;
} wj_audit_event;

/* Starts the background writer for `db`. */
void wj_audit_start(wj_db *db);
/* Drains the queue and stops the writer. */
void wj_audit_stop(void);
/* Queues an event; waits only while the queue is full (the writer behind). */
void wj_audit_enqueue(const wj_audit_event *e);
/* Writes an event in the connection's current transaction. */
bool wj_audit_insert(wj_conn *c, const wj_audit_event *e);
/* Events waiting in the queue (for /metrics and tests). */
int wj_audit_pending(void);
/* Requests that found the queue full and waited (for /metrics). */
long wj_audit_full_waits(void);

#endif
