/* metrics.h — Prometheus counters: requests by route and status, a latency histogram per
 * route, the database pool and the audit queue. Lock-free on the request path. */
#ifndef WJ_METRICS_H
#define WJ_METRICS_H

#include "db.h"
#include "util.h"

/* route_index: index from the router, or -1 for requests that matched no route. */
void wj_metrics_observe(int route_index, int status, double seconds);
/* Appends the Prometheus text exposition. */
void wj_metrics_render(wj_buf *out, wj_db *db);

#endif
