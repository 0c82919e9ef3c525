/* idem.h — Idempotency-Key for POST: the same key with the same request replays the first
 * response; the same key with a different request is 422 idempotency_key_reused. Keys are
 * per user and kept 24 hours. The record is written in the request's own transaction
 * (wj_write_commit), so a double submission can never commit twice. */
#ifndef WJ_IDEM_H
#define WJ_IDEM_H

#include <stdbool.h>

#include "module.h"

#define WJ_IDEM_TTL_MS (24LL * 3600 * 1000)

/* Before the handler: returns true when the request was answered (replay or error). */
bool wj_idem_begin(wj_req *r);
/* At the start of the write transaction: answers (and returns true) when a request with
 * the same key committed meanwhile, so a concurrent double submission replays instead of
 * running twice. */
bool wj_idem_recheck(wj_req *r);
/* Inside the write transaction: false when another request holds the key. */
bool wj_idem_store(wj_req *r);
/* After losing the race for a key: answers with the winner's response. */
void wj_idem_replay_after_race(wj_req *r);

#endif
