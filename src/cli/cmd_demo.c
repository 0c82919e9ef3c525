/* cmd_demo.c — `weijian demo`: load the demo city (every module's demo data in one
 * transaction) and one demo account per role, then print the logins. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../modules/areas.h"
#include "../modules/facilities.h"
#include "../modules/mpi.h"
#include "cli.h"
#include "module.h"
#include "users.h"
#include "util.h"

#define DEMO_PASSWORD "weijian-demo"

typedef struct demo_user {
    const char *username, *name;
    wj_role role;
    const char *area;     /* area code scope, or */
    const char *facility; /* facility name scope, or */
    bool self;            /* resident: their own person */
} demo_user;

static const demo_user users[] = {
    {"admin", "王建国", WJ_ROLE_COMMISSION_ADMIN, "370100000000", NULL, false},
    {"staff", "李秀英", WJ_ROLE_COMMISSION_STAFF, "370100000000", NULL, false},
    {"auditor", "张伟", WJ_ROLE_AUDITOR, "370100000000", NULL, false},
    {"hotline", "刘芳", WJ_ROLE_HOTLINE_OPERATOR, "370100000000", NULL, false},
    {"dispatcher", "陈磊", WJ_ROLE_DISPATCHER, "370100000000", NULL, false},
    {"grid", "杨静", WJ_ROLE_GRID_WORKER, "370102001000", NULL, false},
    {"hospital_admin", "赵敏", WJ_ROLE_FACILITY_ADMIN, NULL, FACILITIES_DEMO_HOSPITAL, false},
    {"hospital_staff", "黄丽", WJ_ROLE_FACILITY_STAFF, NULL, FACILITIES_DEMO_HOSPITAL, false},
    {"doctor", "周明", WJ_ROLE_CLINICIAN, NULL, FACILITIES_DEMO_HOSPITAL, false},
    {"resident", "吴小红", WJ_ROLE_RESIDENT, NULL, NULL, true},
    {NULL, NULL, 0, NULL, NULL, false},
};

static void print_logins(void)
{
    printf("\n演示数据 / demo data loaded. Log in with any of these (password: %s):\n\n", DEMO_PASSWORD);
    for (const demo_user *u = users; u->username; u++)
        printf("  %-15s %-6s %s\n", u->username, u->name, wj_role_name(u->role));
    printf("\n");
}

static bool load_users(wj_conn *c)
{
    for (const demo_user *u = users; u->username; u++) {
        areas_ref a = {0};
        int64_t fid = 0;
        if (u->area && !areas_find_by_code(c, u->area, &a))
            return false;
        if (u->facility && !(fid = facilities_id_by_name(c, u->facility)))
            return false;
        /* A resident's scope is their own person: the demo resident's is 吴小红 of the
         * person index's demo. */
        int64_t person = u->self ? mpi_demo_resident(c) : 0;
        if (u->self && !person)
            return false;
        bool taken;
        int64_t uid = wj_user_create(c, u->username, u->name, DEMO_PASSWORD, &taken);
        if (!uid || !wj_grant_add(c, uid, u->role, fid, a.id, person))
            return false;
    }
    return true;
}

int cmd_demo(int argc, char **argv)
{
    const char *help = "usage: weijian demo [--db PATH|URL] [--residents N] [--truth FILE]\n\n"
                       "Creates the schema if needed and loads the demo city (演示数据): areas, facilities,\n"
                       "persons and one account per role, then prints the logins. Running it again on a\n"
                       "database that already has the demo only prints the logins.\n\n"
                       "  --residents N   generated residents registered at the demo hospitals, with\n"
                       "                  duplicates for the review queue (default $WEIJIAN_DEMO_RESIDENTS,\n"
                       "                  else 100000; 0 for none)\n"
                       "  --truth FILE    write their ground truth to FILE: line,truth_id, the real person\n"
                       "                  behind each generated registration (default $WEIJIAN_DEMO_TRUTH,\n"
                       "                  else none; `make run` keeps it in var/demo-truth.csv). See\n"
                       "                  docs/mpi.md, \"Demo and benchmark\".\n";
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"residents", required_argument, 0, 'r'},
                                         {"truth", required_argument, 0, 't'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *dbflag = NULL;
    int64_t n;
    int ch, rc;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': dbflag = optarg; break;
        case 'r':
            if (!wj_parse_i64(optarg, &n) || n < 0 || n > 10000000) {
                fprintf(stderr, "weijian demo: --residents takes a number 0..10000000, not \"%s\"\n\n", optarg);
                fputs(help, stderr);
                return 2;
            }
            setenv("WEIJIAN_DEMO_RESIDENTS", optarg, 1); /* what mpi_demo reads */
            break;
        case 't': setenv("WEIJIAN_DEMO_TRUTH", optarg, 1); break; /* what mpi_demo reads */
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return 2;
        }
    }
    if (optind < argc) {
        fputs(help, stderr);
        return 2;
    }
    wj_db *db = cli_db_open_migrated(cli_db_url(dbflag), 1, false);
    if (!db)
        return 1;
    wj_conn *c = db_acquire(db);
    rc = 1;
    if (db_begin(c, true) != DB_OK)
        goto out;
    if (wj_user_id(c, "admin")) {
        db_rollback(c);
        print_logins();
        rc = 0;
        goto out;
    }
    for (const wj_module *const *m = wj_modules; *m; m++)
        if ((*m)->demo && !(*m)->demo(c)) {
            fprintf(stderr, "weijian demo: loading %s failed: %s\n", (*m)->name, db_errmsg(c));
            goto out;
        }
    if (!load_users(c) || !cli_audit(c, "weijian demo", "demo", 0) || db_commit(c) != DB_OK) {
        fprintf(stderr, "weijian demo: creating the demo accounts failed: %s\n", db_errmsg(c));
        goto out;
    }
    print_logins();
    rc = 0;
out:
    db_release(c);
    db_close(db);
    return rc;
}
