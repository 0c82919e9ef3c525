/* cmd_user.c — `weijian user add`: create an account with one grant. */
#include <getopt.h>
#include <stdio.h>
#include <sodium.h>
#include <string.h>

#include "../modules/areas.h"
#include "../modules/facilities.h"
#include "../modules/mpi.h"
#include "cli.h"
#include "ids.h"
#include "users.h"

static const char *help =
    "usage: weijian user add --username U --role ROLE (--facility ID | --area CODE | --person ID)\n"
    "                        [--name DISPLAY_NAME] --password-stdin [--db PATH|URL]\n\n"
    "Creates an account holding one (role, scope) grant. The password is read from the first\n"
    "line of standard input (never from the command line, where `ps` would show it).\n\n"
    "roles: resident clinician facility_staff facility_admin hotline_operator grid_worker\n"
    "       dispatcher commission_staff commission_admin auditor\n"
    "scope: --facility ID   a facility (its id, from GET /api/v1/facilities)\n"
    "       --area CODE     an area subtree (12-digit division code)\n"
    "       --person ID     a resident's own person record\n";

static int add(int argc, char **argv)
{
    static const struct option opts[] = {
        {"username", required_argument, 0, 'u'}, {"role", required_argument, 0, 'r'},
        {"facility", required_argument, 0, 'f'}, {"area", required_argument, 0, 'a'},
        {"person", required_argument, 0, 'p'},   {"name", required_argument, 0, 'n'},
        {"password-stdin", no_argument, 0, 's'}, {"db", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    const char *username = NULL, *role = NULL, *facility = NULL, *area = NULL, *person = NULL, *name = NULL,
               *dbflag = NULL;
    bool stdin_pw = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'u': username = optarg; break;
        case 'r': role = optarg; break;
        case 'f': facility = optarg; break;
        case 'a': area = optarg; break;
        case 'p': person = optarg; break;
        case 'n': name = optarg; break;
        case 's': stdin_pw = true; break;
        case 'd': dbflag = optarg; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return 2;
        }
    }
    int role_i = wj_role_parse(role);
    int scopes = (facility != NULL) + (area != NULL) + (person != NULL);
    if (optind < argc || !username || !*username || role_i < 0 || !stdin_pw || scopes != 1) {
        if (role && role_i < 0)
            fprintf(stderr, "weijian user add: unknown role \"%s\"\n", role);
        if (scopes != 1)
            fputs("weijian user add: give exactly one of --facility, --area, --person\n", stderr);
        fputs(help, stderr);
        return 2;
    }
    int64_t fid = 0, pid = 0;
    if ((facility && !wj_id_parse(facility, &fid)) || (person && !wj_id_parse(person, &pid))) {
        fputs("weijian user add: --facility and --person take an id\n", stderr);
        return 2;
    }
    char pw[512];
    if (!fgets(pw, sizeof pw, stdin)) {
        fputs("weijian user add: no password on standard input\n", stderr);
        return 1;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    if (strlen(pw) < 8) {
        fputs("weijian user add: the password must have at least 8 characters\n", stderr);
        return 1;
    }
    wj_db *db = cli_db_open_migrated(cli_db_url(dbflag), 1, false);
    if (!db)
        return 1;
    wj_conn *c = db_acquire(db);
    int rc = 1;
    areas_ref a = {0};
    bool taken = false;
    int64_t uid = 0;
    if (db_begin(c, true) != DB_OK)
        goto out;
    if (area && !areas_find_by_code(c, area, &a)) {
        fprintf(stderr, "weijian user add: no area has code %s\n", area);
        goto out;
    }
    if (fid && !facilities_exists(c, fid)) {
        fprintf(stderr, "weijian user add: no facility has id %s\n", facility);
        goto out;
    }
    if (pid && mpi_resolve(c, pid) <= 0) {
        fprintf(stderr, "weijian user add: no person has id %s\n", person);
        goto out;
    }
    uid = wj_user_create(c, username, name ? name : username, pw, &taken);
    if (!uid) {
        fprintf(stderr, "weijian user add: %s\n", taken ? "that username is taken" : db_errmsg(c));
        goto out;
    }
    if (!wj_grant_add(c, uid, (wj_role)role_i, fid, a.id, pid) || !cli_audit(c, "weijian user add", "user", uid) ||
        db_commit(c) != DB_OK) {
        fprintf(stderr, "weijian user add: %s\n", db_errmsg(c));
        goto out;
    }
    char id[24];
    wj_id_format(uid, id);
    printf("created user %s (id %s) as %s\n", username, id, role);
    rc = 0;
out:
    sodium_memzero(pw, sizeof pw);
    db_release(c);
    db_close(db);
    return rc;
}

int cmd_user(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0)
        return add(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(help, stdout);
        return 0;
    }
    fputs(help, stderr);
    return 2;
}
