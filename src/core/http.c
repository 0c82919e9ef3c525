/* http.c — libmicrohttpd glue: accumulate the body (bounded), match the route, hand the
 * request to the dispatcher, turn its reply into an HTTP response. */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "commitq.h"
#include "dispatch.h"
#include "router.h"
#include "sweep.h"
#include "util.h"
#include "web.h"

typedef struct conn_ctx {
    wj_req req;
    bool answered; /* dispatched; the reply waits for the delay to pass */
    int route_index;
    wj_match match;
    char pathbuf[2048];
    wj_buf body;
    bool too_large;
    char ip[64];
} conn_ctx;

static wj_db *server_db;

/* ---- delayed answers ----
 * A request whose answer must wait (login throttling) is suspended in libmicrohttpd and
 * resumed by this thread when its time comes, so no worker thread sleeps. */

typedef struct parked {
    struct MHD_Connection *conn;
    int64_t due_ms;
    struct parked *next;
} parked;

static parked *park_list;
static pthread_mutex_t park_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cv = PTHREAD_COND_INITIALIZER;
static bool park_stop;
static pthread_t park_thread;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void park(struct MHD_Connection *c, int delay_ms)
{
    parked *p = wj_xcalloc(1, sizeof *p);
    p->conn = c;
    p->due_ms = mono_ms() + delay_ms;
    MHD_suspend_connection(c);
    pthread_mutex_lock(&park_mu);
    p->next = park_list;
    park_list = p;
    pthread_cond_signal(&park_cv);
    pthread_mutex_unlock(&park_mu);
}

static void *park_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&park_mu);
    for (;;) {
        int64_t now = mono_ms(), next_due = now + 1000;
        for (parked **pp = &park_list; *pp;) {
            parked *p = *pp;
            if (p->due_ms <= now || park_stop) {
                *pp = p->next;
                MHD_resume_connection(p->conn);
                free(p);
            } else {
                if (p->due_ms < next_due)
                    next_due = p->due_ms;
                pp = &p->next;
            }
        }
        if (park_stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t wait = next_due - now;
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (wait % 1000) * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&park_cv, &park_mu, &ts);
    }
    pthread_mutex_unlock(&park_mu);
    return NULL;
}

static void park_shutdown(void)
{
    pthread_mutex_lock(&park_mu);
    park_stop = true;
    pthread_cond_signal(&park_cv);
    pthread_mutex_unlock(&park_mu);
    pthread_join(park_thread, NULL);
}
/* A request whose reply waited for a group commit goes out now. */
static void resume_after_commit(void *arg)
{
    MHD_resume_connection(arg);
}

static size_t body_limit = WJ_BODY_LIMIT;

static const char *header_of(wj_req *r, const char *name)
{
    return MHD_lookup_connection_value((struct MHD_Connection *)r->http_conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    conn_ctx *cx = cls;
    wj_query *q = &cx->req.query;
    if (q->n == (int)WJ_ARRAY_LEN(q->names)) {
        /* Too many parameters: flag it with a name no route declares. */
        q->names[q->n - 1] = "(too many parameters)";
        q->values[q->n - 1] = "";
        return MHD_NO;
    }
    q->names[q->n] = key;
    q->values[q->n] = value ? value : "";
    q->n++;
    return MHD_YES;
}

static void client_ip(struct MHD_Connection *c, char out[64])
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, 64);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, 64);
}

static enum MHD_Result send_reply(struct MHD_Connection *c, conn_ctx *cx)
{
    wj_req *r = &cx->req;
    struct MHD_Response *resp;
    const char *ctype = "application/json; charset=utf-8";
    if (r->status == 204) {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else if (r->out_raw) {
        resp = MHD_create_response_from_buffer(r->out_raw_len, r->out_raw, MHD_RESPMEM_MUST_FREE);
        r->out_raw = NULL;
        ctype = r->out_type ? r->out_type : "text/plain; charset=utf-8";
    } else {
        json_t *body = r->err.status ? wj_error_json(&r->err) : json_incref(r->out);
        char *text = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15)) : wj_xstrdup("null");
        json_decref(body);
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    }
    if (r->status != 204)
        MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (strncmp(r->path ? r->path : "", "/api/", 5) == 0)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r->etag[0])
        MHD_add_response_header(resp, "ETag", r->etag);
    if (r->location[0])
        MHD_add_response_header(resp, "Location", r->location);
    for (int i = 0; i < r->nresp_headers; i++)
        MHD_add_response_header(resp, r->resp_headers[i].name, r->resp_headers[i].value);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    conn_ctx *cx = *con_cls;
    if (!cx) {
        cx = wj_xcalloc(1, sizeof *cx);
        *con_cls = cx;
        wj_req *r = &cx->req;
        r->method = method;
        r->path = url;
        r->header = header_of;
        r->http_conn = c;
        r->db = server_db;
        r->started_ms = wj_now_ms();
        client_ip(c, cx->ip);
        r->client_ip = cx->ip;
        cx->route_index = -1;
        cx->match = wj_router_match(method, url, cx->pathbuf, sizeof cx->pathbuf, &r->route, &r->module,
                                    &cx->route_index, r->path_params, &r->npath_params);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        int64_t n;
        if (cl && wj_parse_i64(cl, &n) && n > (int64_t)body_limit)
            cx->too_large = true;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!cx->too_large && cx->body.len + *upload_size > body_limit)
            cx->too_large = true;
        if (!cx->too_large)
            wj_buf_put(&cx->body, upload, *upload_size);
        *upload_size = 0; /* consumed (or discarded once too large) */
        return MHD_YES;
    }
    wj_req *r = &cx->req;
    if (cx->answered)
        return send_reply(c, cx); /* resumed after its delay */
#ifdef WJ_TESTING
    const char *tn = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Weijian-Test-Now");
    int64_t override_ms = 0;
    if (tn && wj_time_parse(tn, &override_ms))
        wj_clock_set_thread_override(override_ms);
#endif
    if (cx->too_large) {
        /* The route (when one matched) stays, so the refusal is logged and audited under it. */
        wj_fail(r, 413, "payload_too_large", NULL, "the body exceeds %zu bytes", body_limit);
    } else if (cx->match == WJ_MATCH_NO_PATH) {
        r->route = NULL;
        if (!wj_web_serve(r))
            wj_fail(r, 404, "not_found", NULL, "no such resource");
    } else if (cx->match == WJ_MATCH_NO_METHOD) {
        r->route = NULL;
        wj_fail(r, 405, "method_not_allowed", NULL, "method %s not allowed here", method);
    } else {
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, cx);
        r->raw_body = cx->body.data;
        r->raw_len = cx->body.len;
    }
    wj_dispatch(r, cx->route_index);
#ifdef WJ_TESTING
    wj_clock_set_thread_override(0);
#endif
    cx->answered = true;
    if (r->job) {
        /* Suspended before it is queued, so the writer can never resume it too early. */
        MHD_suspend_connection(c);
        wj_commitq_submit(r, resume_after_commit, c);
        return MHD_YES;
    }
    if (r->delay_ms > 0) {
        park(c, r->delay_ms);
        return MHD_YES;
    }
    return send_reply(c, cx);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn_ctx *cx = *con_cls;
    if (!cx)
        return;
    wj_req_cleanup(&cx->req);
    wj_buf_free(&cx->body);
    free(cx);
    *con_cls = NULL;
}

static bool parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon)
        return false;
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof host)
        return false;
    memcpy(host, listen, hl);
    host[hl] = '\0';
    int64_t port;
    if (!wj_parse_i64(colon + 1, &port) || port < 0 || port > 65535)
        return false;
    memset(ss, 0, sizeof *ss);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        *len = sizeof *s6;
        return inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    *len = sizeof *s4;
    if (!host[0] || strcmp(host, "0.0.0.0") == 0) {
        s4->sin_addr.s_addr = htonl(INADDR_ANY);
        return true;
    }
    if (strcmp(host, "localhost") == 0)
        return inet_pton(AF_INET, "127.0.0.1", &s4->sin_addr) == 1;
    return inet_pton(AF_INET, host, &s4->sin_addr) == 1;
}

int wj_http_serve(wj_db *db, const wj_server_opts *opts)
{
    struct sockaddr_storage ss;
    socklen_t slen;
    if (!parse_listen(opts->listen, &ss, &slen)) {
        fprintf(stderr, "weijian: --listen must be HOST:PORT (got \"%s\")\n", opts->listen);
        return 2;
    }
    server_db = db;
    if (opts->body_limit)
        body_limit = opts->body_limit;
    wj_router_init();

    /* Signals are taken synchronously by this thread; workers never see them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    wj_audit_start(db);
    wj_commitq_start(db);
    if (opts->sweep_seconds > 0)
        wj_sweep_start(db, opts->sweep_seconds);
    park_stop = false;
    pthread_create(&park_thread, NULL, park_main, NULL);
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(opts->threads > 0 ? opts->threads : 4), MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "weijian: cannot listen on %s (in use, or not an address of this machine)\n", opts->listen);
        park_shutdown();
        wj_sweep_stop();
        wj_commitq_stop();
        wj_audit_stop();
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"listening\",\"listen\":\"%s\",\"port\":%u,\"db\":\"%s\"}\n",
            opts->listen, di ? di->port : 0, db_kind(db) == WJ_DB_PG ? "postgresql" : "sqlite");
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"shutting down\",\"signal\":%d}\n", sig);
    /* Stop accepting, let in-flight requests finish, then drain the audit queue. */
    MHD_quiesce_daemon(d);
    wj_sweep_stop();
    wj_commitq_stop(); /* queued group commits are made and answered */
    park_shutdown();   /* delayed answers go out now */
    MHD_stop_daemon(d);
    wj_audit_stop();
    return 0;
}
