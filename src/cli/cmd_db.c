/* cmd_db.c — `weijian init`, `weijian migrate`, `weijian backup`, `weijian sweep`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "migrate.h"
#include "sweep.h"

int cmd_init(int argc, char **argv)
{
    const char *help = "usage: weijian init [--db PATH|URL]\n\n"
                       "Creates the database if absent and applies every migration. Safe to run again.\n";
    const char *db = NULL;
    int rc = cli_parse_db_opts(argc, argv, help, &db, NULL);
    if (rc >= 0)
        return rc;
    wj_db *d = cli_db_open_migrated(cli_db_url(db), 1, true);
    if (!d)
        return 1;
    db_close(d);
    return 0;
}

int cmd_migrate(int argc, char **argv)
{
    const char *help = "usage: weijian migrate [--db PATH|URL]\n\n"
                       "Applies pending migrations (db/migrations/, compiled in), each in one transaction.\n"
                       "Refuses a database whose schema is newer than this binary. Then builds any index a\n"
                       "person import set aside for its load and did not build again (it was killed).\n";
    const char *db = NULL;
    int rc = cli_parse_db_opts(argc, argv, help, &db, NULL);
    if (rc >= 0)
        return rc;
    wj_db *d = cli_db_open(cli_db_url(db), 1);
    if (!d)
        return 1;
    bool ok = wj_migrate(d, true);
    db_close(d);
    return ok ? 0 : 1;
}

int cmd_backup(int argc, char **argv)
{
    const char *help = "usage: weijian backup --to FILE [--db PATH|URL]\n\n"
                       "Copies the database while the server keeps running: SQLite through its online\n"
                       "backup API into a new SQLite file; PostgreSQL through pg_dump (custom format).\n";
    const char *db = NULL, *to = NULL;
    int rc = cli_parse_db_opts(argc, argv, help, &db, &to);
    if (rc >= 0)
        return rc;
    if (!to) {
        fputs("weijian backup: --to FILE is required\n", stderr);
        fputs(help, stderr);
        return 2;
    }
    wj_db *d = cli_db_open(cli_db_url(db), 1);
    if (!d)
        return 1;
    rc = db_backup(d, to) == 0 ? 0 : 1;
    db_close(d);
    if (rc == 0)
        fprintf(stderr, "backup: written to %s\n", to);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    const char *help = "usage: weijian sweep [--db PATH|URL]\n\n"
                       "Runs the modules' clock-driven housekeeping once, as the server does every\n"
                       "$WEIJIAN_SWEEP_SECONDS: waiting-list offers past their time expire, their places\n"
                       "are offered to the next in line, and both are notified. Prints what changed.\n";
    const char *db = NULL;
    int rc = cli_parse_db_opts(argc, argv, help, &db, NULL);
    if (rc >= 0)
        return rc;
    wj_db *d = cli_db_open(cli_db_url(db), 1);
    if (!d)
        return 1;
    if (!wj_schema_current(d)) {
        db_close(d);
        return 1;
    }
    int n = wj_sweep_once(d, wj_now_ms());
    db_close(d);
    if (n < 0)
        return 1;
    printf("sweep: %d settled\n", n);
    return 0;
}
