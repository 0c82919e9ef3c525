/* cli.h — the `weijian` command: one table of subcommands (main.c), each in its own file. */
#ifndef WJ_CLI_H
#define WJ_CLI_H

#include <stdbool.h>

#include <stdint.h>

#include "db.h"

typedef struct wj_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;
} wj_command;

/* The database URL: --db, else $WEIJIAN_DB, else var/weijian.db. */
const char *cli_db_url(const char *flag);
/* Opens the database; for the default SQLite path, creates var/ first. NULL on error. */
wj_db *cli_db_open(const char *url, int pool);
/* Opens and brings the schema up to date. */
wj_db *cli_db_open_migrated(const char *url, int pool, bool verbose);

/* Parses the options of a command that takes only --db (and --to when `to` is not NULL)
 * and --help. Returns -1 to go on, else the exit status (0 after --help, 2 on a bad flag). */
int cli_parse_db_opts(int argc, char **argv, const char *help, const char **db, const char **to);
/* Records a write made from the command line in the audit trail, in the current write
 * transaction: who is the operating-system user, the route is the command. */
bool cli_audit(wj_conn *c, const char *command, const char *resource_type, int64_t resource_id);

int cmd_serve(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_user(int argc, char **argv);

#endif
