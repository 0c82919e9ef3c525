/* cmd_serve.c — `weijian serve`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "http.h"
#include "migrate.h"
#include "sweep.h"
#include "util.h"

static void usage(FILE *out)
{
    fputs("usage: weijian serve [--listen HOST:PORT] [--db PATH|URL] [--threads N]\n\n"
          "Serves the API (/api/v1/…), the console (/), /healthz and /metrics.\n"
          "The database must be at this binary's schema version (run `weijian migrate`).\n"
          "SIGTERM or SIGINT stops accepting, finishes requests in flight and exits.\n\n"
          "  --listen HOST:PORT  address to listen on (default $WEIJIAN_LISTEN, else 127.0.0.1:8080)\n"
          "  --db PATH|URL       SQLite file or postgresql:// URL (default $WEIJIAN_DB, else var/weijian.db)\n"
          "  --threads N         worker threads (default 4)\n\n"
          "Clock-driven housekeeping (an expired waiting-list offer passes to the next in line)\n"
          "runs every $WEIJIAN_SWEEP_SECONDS seconds (1..3600, default 30); see `weijian sweep`.\n",
          out);
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, 0, 'l'}, {"db", required_argument, 0, 'd'},
                                         {"threads", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *listen = getenv("WEIJIAN_LISTEN"), *dbflag = NULL;
    int64_t threads = 4;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'l': listen = optarg; break;
        case 'd': dbflag = optarg; break;
        case 't':
            if (!wj_parse_i64(optarg, &threads) || threads < 1 || threads > 256) {
                fputs("weijian serve: --threads must be 1..256\n", stderr);
                usage(stderr);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (!listen || !*listen)
        listen = "127.0.0.1:8080";
    int sweep = wj_sweep_period();
    if (sweep < 0)
        return 2;
    /* One connection per worker, plus the audit writer, the group-commit writer, the
     * sweeper and a spare for /healthz under load. */
    wj_db *db = cli_db_open(cli_db_url(dbflag), (int)threads + 4);
    if (!db)
        return 1;
    if (!wj_schema_current(db) || !wj_restore_deferred_indexes(db)) {
        db_close(db);
        return 1;
    }
    wj_server_opts o = {.listen = listen, .threads = (int)threads, .sweep_seconds = sweep};
    int rc = wj_http_serve(db, &o);
    db_close(db);
    return rc;
}
