/* main.c — `weijian COMMAND [OPTIONS]`: dispatch to the subcommand table. */
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <getopt.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "module.h"
#include "clock.h"
#include "migrate.h"

int cmd_import(int argc, char **argv);   /* cmd_import.c */
int cmd_generate(int argc, char **argv); /* cmd_generate.c */

static const wj_command commands[] = {
    {"serve", cmd_serve, "serve the API and console over HTTP"},
    {"init", cmd_init, "create the database and its schema"},
    {"migrate", cmd_migrate, "bring the database schema up to this version"},
    {"demo", cmd_demo, "load the demo city and print the demo logins"},
    {"user", cmd_user, "manage accounts (user add)"},
    {"backup", cmd_backup, "copy the database to a file while it is in use"},
    {"sweep", cmd_sweep, "run the clock-driven housekeeping once (expired waiting-list offers)"},
    {"import", cmd_import, "add facilities or persons from a CSV file (import facilities|persons FILE.csv)"},
    {"generate", cmd_generate, "write synthetic persons as CSV (generate persons --count N)"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fputs("usage: weijian COMMAND [OPTIONS]\n\n"
          "Weijian — a regional health-service platform (卫健服务平台).\n\ncommands:\n",
          out);
    for (const wj_command *c = commands; c->name; c++)
        fprintf(out, "  %-9s %s\n", c->name, c->summary);
    fputs("\nEvery command takes --help. Commands that touch data take --db PATH|postgresql://…\n"
          "(default $WEIJIAN_DB, else var/weijian.db).\n",
          out);
}

const char *cli_db_url(const char *flag)
{
    if (flag && *flag)
        return flag;
    const char *env = getenv("WEIJIAN_DB");
    return env && *env ? env : "var/weijian.db";
}

wj_db *cli_db_open(const char *url, int pool)
{
    /* Process-wide state of the modules (the person index's dictionaries) comes first:
     * a missing dictionary stops the command before it touches the database. */
    for (const wj_module *const *m = wj_modules; *m; m++)
        if ((*m)->init && !(*m)->init())
            return NULL;
    if (strcmp(url, "var/weijian.db") == 0)
        mkdir("var", 0750);
    return db_open(url, pool);
}

wj_db *cli_db_open_migrated(const char *url, int pool, bool verbose)
{
    wj_db *db = cli_db_open(url, pool);
    if (db && !wj_migrate(db, verbose)) {
        db_close(db);
        return NULL;
    }
    return db;
}

int cli_parse_db_opts(int argc, char **argv, const char *help, const char **db, const char **to)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"to", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'd')
            *db = optarg;
        else if (ch == 't' && to)
            *to = optarg;
        else if (ch == 'h') {
            fputs(help, stdout);
            return 0;
        } else {
            fputs(help, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fputs(help, stderr);
        return 2;
    }
    return -1;
}

bool cli_audit(wj_conn *c, const char *command, const char *resource_type, int64_t resource_id)
{
    wj_audit_event ev = {.at = wj_now_ms(), .resource_id = resource_id, .status = 0};
    const struct passwd *pw = getpwuid(geteuid());
    snprintf(ev.username, sizeof ev.username, "os:%s", pw ? pw->pw_name : "?");
    snprintf(ev.method, sizeof ev.method, "CLI");
    snprintf(ev.route, sizeof ev.route, "%s", command);
    snprintf(ev.resource_type, sizeof ev.resource_type, "%s", resource_type);
    snprintf(ev.client_ip, sizeof ev.client_ip, "local");
    return wj_audit_insert(c, &ev);
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fputs("weijian: libsodium failed to initialise\n", stderr);
        return 1;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("weijian schema %d\n", wj_migration_count ? wj_migrations[wj_migration_count - 1].version : 0);
        return 0;
    }
    for (const wj_command *c = commands; c->name; c++)
        if (strcmp(argv[1], c->name) == 0)
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "weijian: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
