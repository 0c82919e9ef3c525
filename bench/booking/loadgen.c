/* bench/booking/loadgen.c: the load client of bench/booking (see BENCHMARKS.md).
 *
 *   loadgen book  --port P (--token T | --tokens FILE) --sessions FILE --persons FILE [options]
 *   loadgen fsync DIR [SECONDS]
 *
 * book: POST /api/v1/appointments over keep-alive HTTP/1.1 connections (plain sockets,
 * epoll, one thread), each request with a JSON body {"session_id","person_id","pool"}, an
 * Idempotency-Key (unless --idempotency-key off) and a Bearer token (request i the i-th of
 * --tokens, round robin).
 *
 *   --mode open  (default) open loop: request i is due at start + i / rate, whatever the
 *                answers so far; its latency runs from that due time, so a stalled server
 *                is charged for the queue it causes (no coordinated omission). Request i
 *                books session i mod S for a person chosen so that no (session, person)
 *                pair repeats.
 *   --mode rush  every connection is a client trying as fast as it can: a person picks a
 *                random session not yet seen full; a 409 makes them pick another, a 201 or
 *                any other answer moves the client to the next person. Stops after
 *                --attempts answers. Latency runs from the send.
 *
 * A request whose connection fails (refused, reset, closed before the answer: a killed
 * server) is sent again with the same Idempotency-Key once a connection is back, as a
 * client would; its latency still runs from its first due time. Every confirmed
 * appointment id (from the 201's Location) goes to --ids. Figures go to stdout as
 * "key value" lines, then a human summary.
 *
 * fsync: pwrite 4 KiB and fdatasync in a loop on a file in DIR; prints the rate. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_TRIES 200 /* sends of one request across lost connections */

static void die(const char *msg) {
    fprintf(stderr, "loadgen: %s\n", msg);
    exit(2);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Lines of a file: the first word of each (an id) and, when groups is not NULL, the second
 * (a session's date: sessions of one date share no person). */
static char **read_lines(const char *path, size_t *n, char ***groups) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t cap = 1024, k = 0;
    char **v = malloc(cap * sizeof *v), **g = malloc(cap * sizeof *g), line[256];
    while (fgets(line, sizeof line, f)) {
        size_t l = strcspn(line, "\r\n \t");
        if (!l)
            continue;
        char *rest = line + l + (line[l] != 0);
        rest[strcspn(rest, "\r\n \t")] = 0;
        line[l] = 0;
        if (k == cap) {
            v = realloc(v, (cap *= 2) * sizeof *v);
            g = realloc(g, cap * sizeof *g);
        }
        g[k] = strdup(rest);
        v[k++] = strdup(line);
    }
    if (groups)
        *groups = g;
    fclose(f);
    *n = k;
    return v;
}

/* ---- requests and their outcomes ---- */

enum { OUT_NONE, OUT_201, OUT_409_FULL, OUT_409_OTHER, OUT_422, OUT_OTHER, OUT_NET, OUT_N };
static const char *out_names[OUT_N] = {"none", "created", "full", "conflict_other", "unprocessable", "other", "lost"};

typedef struct {
    uint32_t session, person;
    int64_t due;     /* ns: when it was due (open) or first sent (rush) */
    int64_t latency; /* ns, due to answer */
    uint8_t tries, outcome;
} request;

typedef struct {
    int fd;
    int state; /* 0 closed, 1 connecting, 2 idle, 3 busy */
    int64_t reconnect_at;
    long req; /* in flight, or -1 */
    char out[1024];
    size_t out_len, out_off;
    char in[16384];
    size_t in_len;
    long person_slot; /* rush: index into persons of this client's current person */
} conn;

static struct {
    const char *host, *token, *pool, *key, *mode, *ids_path;
    char **tokens;
    size_t ntokens;
    bool no_key;
    int port, conns;
    double rate, duration;
    long attempts, places;
    int64_t start_at_ms;
    char **sessions, **persons;
    size_t nsessions, npersons;
} opt = {.host = "127.0.0.1", .pool = "general", .key = "bench", .mode = "open", .conns = 256, .rate = 1000,
         .duration = 10};

static request *reqs;
static long nreqs, next_new, answered, created, counts[OUT_N], resent;
static long *retry_q, retry_head, retry_tail; /* ring of requests to send again */
static uint8_t *full;                         /* rush: sessions seen full */
static long nfull, person_cursor;
static int64_t t0, first_201, last_201, sellout;
static FILE *ids;
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static struct sockaddr_in addr;
static int ep;

static uint64_t xrand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static bool is_rush(void) { return strcmp(opt.mode, "rush") == 0; }

static void conn_close(conn *c, int64_t now) {
    if (c->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->state = 0;
    c->in_len = 0;
    c->reconnect_at = now + 20 * 1000000LL;
    if (c->req >= 0) {
        request *q = &reqs[c->req];
        if (q->tries < MAX_TRIES) {
            retry_q[retry_tail++ % nreqs] = c->req;
        } else {
            q->outcome = OUT_NET;
            q->latency = now - q->due;
            counts[OUT_NET]++;
            answered++;
        }
        c->req = -1;
    }
}

static void conn_open(conn *c, int64_t now) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = connect(c->fd, (struct sockaddr *)&addr, sizeof addr);
    if (r < 0 && errno != EINPROGRESS) {
        close(c->fd);
        c->fd = -1;
        c->reconnect_at = now + 20 * 1000000LL;
        return;
    }
    c->state = 1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void want_out(conn *c, bool on) {
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_flush(conn *c, int64_t now) {
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN) {
                want_out(c, true);
                return;
            }
            conn_close(c, now);
            return;
        }
        c->out_off += (size_t)w;
    }
    want_out(c, false);
}

static void conn_send(conn *c, long i, int64_t now) {
    request *q = &reqs[i];
    if (q->tries++ > 0)
        resent++;
    c->req = i;
    c->state = 3;
    char body[256];
    int bl = snprintf(body, sizeof body, "{\"session_id\":\"%s\",\"person_id\":\"%s\",\"pool\":\"%s\"}",
                      opt.sessions[q->session], opt.persons[q->person], opt.pool);
    char key[128] = "";
    if (!opt.no_key)
        snprintf(key, sizeof key, "Idempotency-Key: %s-%ld\r\n", opt.key, i);
    /* Request i goes with token i mod K: a resent request carries the same token and key. */
    int n = snprintf(c->out, sizeof c->out,
                     "POST /api/v1/appointments HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\n%sContent-Length: %d\r\n\r\n%s",
                     opt.host, opt.port, opt.tokens[(size_t)i % opt.ntokens], key, bl, body);
    if (n <= 0 || (size_t)n >= sizeof c->out)
        die("request too long");
    c->out_len = (size_t)n;
    c->out_off = 0;
    conn_flush(c, now);
}

/* Rush: the next attempt of this client (a new request record). */
static long rush_new(conn *c, int64_t now) {
    if (next_new >= nreqs)
        return -1;
    long i = next_new++;
    request *q = &reqs[i];
    uint32_t s = (uint32_t)(xrand() % opt.nsessions);
    if (nfull < (long)opt.nsessions)
        while (full[s])
            s = (uint32_t)(xrand() % opt.nsessions);
    q->session = s;
    q->person = (uint32_t)(c->person_slot % (long)opt.npersons);
    q->due = now;
    return i;
}

static void dispatch(conn *c, int64_t now) {
    if (c->state != 2)
        return;
    long i = -1;
    if (retry_head < retry_tail)
        i = retry_q[retry_head++ % nreqs];
    else if (is_rush())
        i = rush_new(c, now);
    else if (next_new < nreqs && reqs[next_new].due <= now)
        i = next_new++;
    if (i >= 0)
        conn_send(c, i, now);
}

static const char *find_header(const char *h, const char *end, const char *name) {
    size_t nl = strlen(name);
    for (const char *p = h; p < end; p++) {
        if ((p == h || p[-1] == '\n') && (size_t)(end - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            p += nl + 1;
            while (*p == ' ')
                p++;
            return p;
        }
    }
    return NULL;
}

static void record(conn *c, int status, const char *hdr, const char *hend, const char *body, size_t blen,
                   int64_t now) {
    request *q = &reqs[c->req];
    q->latency = now - q->due;
    int o;
    if (status == 201) {
        o = OUT_201;
        const char *loc = find_header(hdr, hend, "Location");
        const char *slash = loc ? memchr(loc, '\r', (size_t)(hend - loc)) : NULL;
        if (loc && slash) {
            const char *id = slash;
            while (id > loc && id[-1] != '/')
                id--;
            fprintf(ids, "%.*s\n", (int)(slash - id), id);
        }
        created++;
        if (!first_201)
            first_201 = now;
        last_201 = now;
        if (opt.places && created == opt.places)
            sellout = now;
        c->person_slot = person_cursor++;
    } else if (status == 409) {
        bool isfull = memmem(body, blen, "\"rule\":\"full\"", 13) != NULL;
        o = isfull ? OUT_409_FULL : OUT_409_OTHER;
        if (isfull && !full[q->session]) {
            full[q->session] = 1;
            nfull++;
        }
        if (!isfull)
            c->person_slot = person_cursor++;
    } else {
        o = status == 422 ? OUT_422 : OUT_OTHER;
        if (counts[o] < 3)
            fprintf(stderr, "loadgen: %d %.*s\n", status, (int)(blen > 300 ? 300 : blen), body);
        c->person_slot = person_cursor++;
    }
    q->outcome = (uint8_t)o;
    counts[o]++;
    answered++;
    c->req = -1;
    c->state = 2;
}

static void conn_read(conn *c, int64_t now) {
    for (;;) {
        if (c->in_len == sizeof c->in - 1)
            die("answer too long");
        ssize_t r = recv(c->fd, c->in + c->in_len, sizeof c->in - 1 - c->in_len, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
            conn_close(c, now);
            return;
        }
        if (r < 0)
            break;
        c->in_len += (size_t)r;
    }
    c->in[c->in_len] = 0;
    char *hend = strstr(c->in, "\r\n\r\n");
    if (!hend)
        return;
    const char *cl = find_header(c->in, hend, "Content-Length");
    size_t blen = cl ? strtoul(cl, NULL, 10) : 0;
    size_t need = (size_t)(hend + 4 - c->in) + blen;
    if (c->in_len < need)
        return;
    if (c->req < 0) { /* an answer nobody asked for */
        conn_close(c, now);
        return;
    }
    int status = atoi(c->in + 9);
    const char *conn_hdr = find_header(c->in, hend, "Connection");
    bool closing = conn_hdr && strncasecmp(conn_hdr, "close", 5) == 0;
    record(c, status, c->in, hend + 2, hend + 4, blen, now);
    c->in_len = 0;
    if (closing)
        conn_close(c, now);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Percentiles (ms) of the latencies of requests whose outcome is in mask. */
static void report_latency(const char *name, unsigned mask) {
    int64_t *v = malloc((size_t)nreqs * sizeof *v);
    long n = 0;
    for (long i = 0; i < nreqs; i++)
        if (reqs[i].outcome != OUT_NONE && (mask >> reqs[i].outcome & 1))
            v[n++] = reqs[i].latency;
    if (!n) {
        printf("latency_%s n 0\n", name);
        free(v);
        return;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
#define PCT(p) ((double)v[(long)((double)(n - 1) * (p))] / 1e6)
    printf("latency_%s n %ld p50 %.2f p90 %.2f p99 %.2f max %.2f\n", name, n, PCT(0.50), PCT(0.90), PCT(0.99),
           (double)v[n - 1] / 1e6);
    free(v);
}

static int fsync_probe(const char *dir, double secs) {
    char path[4096];
    snprintf(path, sizeof path, "%s/.fsync-probe-%d", dir, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
        return 2;
    }
    char buf[4096];
    memset(buf, 'x', sizeof buf);
    for (int k = 0; k < 256; k++)
        if (pwrite(fd, buf, sizeof buf, (off_t)k * 4096) != (ssize_t)sizeof buf)
            die("pwrite");
    fsync(fd);
    long n = 0;
    int64_t a = now_ns(), end = a + (int64_t)(secs * 1e9), b;
    do {
        buf[0] = (char)n;
        if (pwrite(fd, buf, sizeof buf, (off_t)(n % 256) * 4096) != (ssize_t)sizeof buf || fdatasync(fd) != 0)
            die("pwrite/fdatasync");
        n++;
    } while ((b = now_ns()) < end);
    close(fd);
    unlink(path);
    printf("fsync_per_s %.0f\n", (double)n / ((double)(b - a) / 1e9));
    return 0;
}

static void usage(FILE *f) {
    fputs("Usage: loadgen book --port P (--token T | --tokens FILE) --sessions FILE --persons FILE [--host H]\n"
          "                    [--idempotency-key on|off]\n"
          "                    [--mode open|rush] [--rate R] [--duration S] [--attempts N] [--places N]\n"
          "                    [--connections C] [--pool POOL] [--key PREFIX] [--ids FILE] [--start-at EPOCH_MS]\n"
          "       loadgen fsync DIR [SECONDS]\n"
          "See the comment at the top of bench/booking/loadgen.c.\n",
          f);
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "fsync") == 0) {
        if (argc < 3)
            die("fsync DIR [SECONDS]");
        return fsync_probe(argv[2], argc > 3 ? atof(argv[3]) : 2.0);
    }
    if (argc < 2 || strcmp(argv[1], "book") != 0) {
        usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
        return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    const char *sessions_path = NULL, *persons_path = NULL;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            die("a flag needs a value");
        i++;
        if (!strcmp(a, "--host"))
            opt.host = v;
        else if (!strcmp(a, "--port"))
            opt.port = atoi(v);
        else if (!strcmp(a, "--token"))
            opt.token = v;
        else if (!strcmp(a, "--tokens"))
            opt.tokens = read_lines(v, &opt.ntokens, NULL);
        else if (!strcmp(a, "--idempotency-key"))
            opt.no_key = strcmp(v, "off") == 0;
        else if (!strcmp(a, "--sessions"))
            sessions_path = v;
        else if (!strcmp(a, "--persons"))
            persons_path = v;
        else if (!strcmp(a, "--mode"))
            opt.mode = v;
        else if (!strcmp(a, "--rate"))
            opt.rate = atof(v);
        else if (!strcmp(a, "--duration"))
            opt.duration = atof(v);
        else if (!strcmp(a, "--attempts"))
            opt.attempts = atol(v);
        else if (!strcmp(a, "--places"))
            opt.places = atol(v);
        else if (!strcmp(a, "--connections"))
            opt.conns = atoi(v);
        else if (!strcmp(a, "--pool"))
            opt.pool = v;
        else if (!strcmp(a, "--key"))
            opt.key = v;
        else if (!strcmp(a, "--ids"))
            opt.ids_path = v;
        else if (!strcmp(a, "--start-at"))
            opt.start_at_ms = atoll(v);
        else {
            usage(stderr);
            return 2;
        }
    }
    if (opt.token && !opt.tokens) {
        opt.tokens = (char **)&opt.token;
        opt.ntokens = 1;
    }
    if (!opt.port || !opt.ntokens || !sessions_path || !persons_path)
        die("--port, --token or --tokens, --sessions and --persons are required");
    if (strcmp(opt.mode, "open") != 0 && !is_rush())
        die("--mode is open or rush");
    char **groups;
    opt.sessions = read_lines(sessions_path, &opt.nsessions, &groups);
    opt.persons = read_lines(persons_path, &opt.npersons, NULL);
    if (!opt.nsessions || !opt.npersons || opt.conns < 1)
        die("no sessions, no persons or no connections");
    ids = fopen(opt.ids_path ? opt.ids_path : "/dev/null", "w");
    if (!ids)
        die("cannot write --ids");
    signal(SIGPIPE, SIG_IGN);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &addr.sin_addr) != 1)
        die("--host is an IPv4 address");

    if (is_rush()) {
        if (opt.attempts < 1)
            die("--attempts N for a rush");
        nreqs = opt.attempts;
        full = calloc(opt.nsessions, 1);
    } else {
        nreqs = (long)(opt.rate * opt.duration);
        if (nreqs < 1)
            die("--rate × --duration is no request");
    }
    reqs = calloc((size_t)nreqs, sizeof *reqs);
    retry_q = calloc((size_t)nreqs, sizeof *retry_q);
    ep = epoll_create1(EPOLL_CLOEXEC);
    conn *cs = calloc((size_t)opt.conns, sizeof *cs);
    int64_t now = now_ns();
    for (int k = 0; k < opt.conns; k++) {
        cs[k].fd = -1;
        cs[k].req = -1;
        cs[k].person_slot = person_cursor++;
        conn_open(&cs[k], now);
    }
    /* Connect everything, then wait for the start (a rush's release instant). */
    int64_t until = now_ns() + 2000000000LL;
    struct epoll_event evs[512];
    for (int ready = 0; ready < opt.conns && now_ns() < until;) {
        int n = epoll_wait(ep, evs, 512, 100);
        for (int k = 0; k < n; k++) {
            conn *c = evs[k].data.ptr;
            if (c->state == 1) {
                int err = 0;
                socklen_t l = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
                if (err)
                    die("cannot connect to the server");
                c->state = 2;
                want_out(c, false);
                ready++;
            }
        }
    }
    if (opt.start_at_ms) {
        int64_t wait = opt.start_at_ms - wall_ms();
        if (wait > 0) {
            fprintf(stderr, "loadgen: waiting %.1f s for the start\n", (double)wait / 1000);
            struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    t0 = now_ns();
    if (!is_rush()) {
        /* Request i books session s = i mod S as its c-th booking (c = i / S), for the person
         * at j × C + c, j the session's rank among the sessions of its date, C the most
         * bookings a session gets: no person books twice on one date (which keeps them within
         * the per-day and per-department limits) nor twice in a session. */
        long per = (nreqs + (long)opt.nsessions - 1) / (long)opt.nsessions;
        uint32_t *rank = calloc(opt.nsessions, sizeof *rank), most = 0;
        for (size_t s = 0; s < opt.nsessions; s++) {
            for (size_t e = 0; e < s; e++)
                if (strcmp(groups[e], groups[s]) == 0)
                    rank[s]++;
            if (rank[s] > most)
                most = rank[s];
        }
        if ((size_t)(most + 1) * (size_t)per > opt.npersons) {
            fprintf(stderr, "loadgen: %zu persons, %ld needed (%u sessions a day × %ld bookings each)\n", opt.npersons,
                    (long)(most + 1) * per, most + 1, per);
            exit(2);
        }
        for (long i = 0; i < nreqs; i++) {
            reqs[i].due = t0 + (int64_t)((double)i * 1e9 / opt.rate);
            uint32_t s = (uint32_t)(i % (long)opt.nsessions);
            reqs[i].session = s;
            reqs[i].person = (uint32_t)((size_t)rank[s] * (size_t)per + (size_t)i / opt.nsessions);
        }
        free(rank);
    }
    int64_t deadline = t0 + (int64_t)((is_rush() ? 600 : opt.duration + 60) * 1e9), last_progress = t0;
    long last_answered = 0;
    while (answered < nreqs) {
        now = now_ns();
        if (now > deadline) {
            fprintf(stderr, "loadgen: deadline passed with %ld of %ld answered\n", answered, nreqs);
            break;
        }
        if (now - last_progress >= 1000000000LL) {
            fprintf(stderr, "loadgen: %.0f s: %ld answered (+%ld), %ld created\n", (double)(now - t0) / 1e9,
                    answered, answered - last_answered, created);
            last_progress = now;
            last_answered = answered;
        }
        bool idle = false;
        for (int k = 0; k < opt.conns; k++) {
            if (cs[k].state == 0 && cs[k].fd < 0 && now >= cs[k].reconnect_at)
                conn_open(&cs[k], now);
            dispatch(&cs[k], now);
            idle |= cs[k].state == 2;
        }
        /* Asleep until an answer, at most 5 ms; with a connection idle, until the next due
         * request (every connection busy: requests wait, their latency running). */
        int64_t next = now + 5000000;
        if (idle && !is_rush() && retry_head == retry_tail && next_new < nreqs && reqs[next_new].due < next)
            next = reqs[next_new].due;
        int64_t dt = next - now_ns();
        struct timespec ts = {0, dt > 0 ? dt : 0};
        int n = epoll_pwait2(ep, evs, 512, &ts, NULL);
        now = now_ns();
        for (int k = 0; k < n; k++) {
            conn *c = evs[k].data.ptr;
            if (c->fd < 0)
                continue;
            if (c->state == 1) {
                int err = 0;
                socklen_t l = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
                if (err) {
                    conn_close(c, now);
                    continue;
                }
                c->state = 2;
                want_out(c, false);
                continue;
            }
            if (evs[k].events & EPOLLIN)
                conn_read(c, now);
            else if (evs[k].events & (EPOLLERR | EPOLLHUP))
                conn_close(c, now);
            if (c->fd >= 0 && c->state == 3 && (evs[k].events & EPOLLOUT))
                conn_flush(c, now);
        }
    }
    int64_t t1 = now_ns();
    fclose(ids);
    /* The span: from the start to the last answer. */
    int64_t last = t0;
    for (long i = 0; i < nreqs; i++)
        if (reqs[i].outcome != OUT_NONE && reqs[i].due + reqs[i].latency > last)
            last = reqs[i].due + reqs[i].latency;
    double span = (double)(last - t0) / 1e9;
    printf("mode %s\nconnections %d\n", opt.mode, opt.conns);
    if (!is_rush())
        printf("offered_rate %.0f\nscheduled_s %.2f\n", opt.rate, opt.duration);
    printf("requests %ld\nanswered %ld\nspan_s %.3f\nwall_s %.3f\n", nreqs, answered, span, (double)(t1 - t0) / 1e9);
    for (int o = 1; o < OUT_N; o++)
        printf("%s %ld\n", out_names[o], counts[o]);
    printf("resent %ld\n", resent);
    printf("attempts_per_s %.0f\nbookings_per_s %.0f\n", (double)answered / span, (double)created / span);
    if (is_rush()) {
        printf("first_201_ms %.1f\nlast_201_ms %.1f\n", first_201 ? (double)(first_201 - t0) / 1e6 : -1.0,
               last_201 ? (double)(last_201 - t0) / 1e6 : -1.0);
        printf("sellout_ms %.1f\n", sellout ? (double)(sellout - t0) / 1e6 : -1.0);
    }
    report_latency("all", ~0u);
    report_latency("created", 1u << OUT_201);
    report_latency("rejected", (1u << OUT_409_FULL) | (1u << OUT_409_OTHER) | (1u << OUT_422) | (1u << OUT_OTHER));
    return 0;
}
