/* metrics.c — see metrics.h. Counters are atomics indexed by route and status class so the
 * request path never takes a lock. */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>

#include "audit.h"
#include "commitq.h"
#include "router.h"

#define MAX_ROUTES 257
static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 428, 429, 500, 503};
#define NSTATUS (int)(sizeof statuses / sizeof statuses[0])
static const double buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBUCKETS (int)(sizeof buckets / sizeof buckets[0])

static atomic_ulong counts[MAX_ROUTES][NSTATUS + 1];
static atomic_ulong hist[MAX_ROUTES][NBUCKETS + 1];
static atomic_ulong sum_us[MAX_ROUTES];

void wj_metrics_observe(int route_index, int status, double seconds)
{
    int ri = route_index < 0 || route_index >= MAX_ROUTES - 1 ? MAX_ROUTES - 1 : route_index;
    int si = NSTATUS;
    for (int i = 0; i < NSTATUS; i++)
        if (statuses[i] == status)
            si = i;
    atomic_fetch_add_explicit(&counts[ri][si], 1, memory_order_relaxed);
    int b = NBUCKETS;
    for (int i = 0; i < NBUCKETS; i++)
        if (seconds <= buckets[i]) {
            b = i;
            break;
        }
    atomic_fetch_add_explicit(&hist[ri][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sum_us[ri], (unsigned long)(seconds * 1e6), memory_order_relaxed);
}

static void route_label(int ri, char *out, size_t n)
{
    if (ri == MAX_ROUTES - 1) {
        snprintf(out, n, "method=\"\",route=\"unmatched\"");
        return;
    }
    const wj_route *r = wj_router_at(ri, NULL);
    snprintf(out, n, "method=\"%s\",route=\"%s\"", r->method, r->path);
}

void wj_metrics_render(wj_buf *out, wj_db *db)
{
    int nr = wj_router_count();
    wj_buf_puts(out, "# HELP weijian_http_requests_total HTTP requests by route template and status.\n"
                     "# TYPE weijian_http_requests_total counter\n");
    for (int ri = 0; ri < MAX_ROUTES; ri++) {
        if (ri >= nr && ri != MAX_ROUTES - 1)
            continue;
        char label[300];
        route_label(ri, label, sizeof label);
        for (int si = 0; si <= NSTATUS; si++) {
            unsigned long v = atomic_load(&counts[ri][si]);
            if (v)
                wj_buf_printf(out, "weijian_http_requests_total{%s,status=\"%s%d\"} %lu\n", label,
                              si == NSTATUS ? "other" : "", si == NSTATUS ? 0 : statuses[si], v);
        }
    }
    wj_buf_puts(out, "# HELP weijian_http_request_duration_seconds Request latency by route template.\n"
                     "# TYPE weijian_http_request_duration_seconds histogram\n");
    for (int ri = 0; ri < MAX_ROUTES; ri++) {
        if (ri >= nr && ri != MAX_ROUTES - 1)
            continue;
        unsigned long total = 0;
        for (int b = 0; b <= NBUCKETS; b++)
            total += atomic_load(&hist[ri][b]);
        if (!total)
            continue;
        char label[300];
        route_label(ri, label, sizeof label);
        unsigned long cum = 0;
        for (int b = 0; b < NBUCKETS; b++) {
            cum += atomic_load(&hist[ri][b]);
            wj_buf_printf(out, "weijian_http_request_duration_seconds_bucket{%s,le=\"%g\"} %lu\n", label, buckets[b],
                          cum);
        }
        wj_buf_printf(out, "weijian_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %lu\n", label, total);
        wj_buf_printf(out, "weijian_http_request_duration_seconds_sum{%s} %.6f\n", label,
                      (double)atomic_load(&sum_us[ri]) / 1e6);
        wj_buf_printf(out, "weijian_http_request_duration_seconds_count{%s} %lu\n", label, total);
    }
    int size = 0, used = db_in_use(db, &size);
    wj_buf_printf(out,
                  "# HELP weijian_db_pool_connections Database connections by state.\n"
                  "# TYPE weijian_db_pool_connections gauge\n"
                  "weijian_db_pool_connections{state=\"in_use\"} %d\n"
                  "weijian_db_pool_connections{state=\"max\"} %d\n"
                  "# HELP weijian_audit_queue_events Audit events waiting to be written.\n"
                  "# TYPE weijian_audit_queue_events gauge\n"
                  "weijian_audit_queue_events %d\n"
                  "# HELP weijian_audit_queue_full_waits_total Requests that waited for room in a full audit queue.\n"
                  "# TYPE weijian_audit_queue_full_waits_total counter\n"
                  "weijian_audit_queue_full_waits_total %ld\n",
                  used, size, wj_audit_pending(), wj_audit_full_waits());
    unsigned long batches, jobs;
    wj_commitq_stats(&batches, &jobs);
    wj_buf_printf(out,
                  "# HELP weijian_group_commits_total Group commits made (commitq), and the writes they carried.\n"
                  "# TYPE weijian_group_commits_total counter\n"
                  "weijian_group_commits_total %lu\n"
                  "# HELP weijian_group_commit_jobs_total Writes run through group commits.\n"
                  "# TYPE weijian_group_commit_jobs_total counter\n"
                  "weijian_group_commit_jobs_total %lu\n",
                  batches, jobs);
}
