/* test_main.c — the one main() of the unit test binary: runs every group in turn.
 *
 *   ./build/test/unit            all groups
 *   ./build/test/unit db clock   only the named groups
 *
 * WEIJIAN_TEST_PG=postgresql://… also runs the db group against that (empty) database. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "migrate.h"
#include "unit.h"
#include "util.h"

char *unit_temp_db_path(const char *tag)
{
    const char *dir = getenv("TMPDIR");
    char *tmpl = wj_xasprintf("%s/weijian-unit-%s-XXXXXX", dir && *dir ? dir : "/tmp", tag);
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        perror("unit: mkstemp");
        abort();
    }
    close(fd);
    unlink(tmpl); /* SQLite creates the file itself; only the unique name was wanted */
    return tmpl;
}

void unit_temp_db_remove(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < WJ_ARRAY_LEN(suffixes); i++) {
        char *p = wj_xasprintf("%s%s", path, suffixes[i]);
        unlink(p);
        free(p);
    }
}

unit_db *unit_db_open(const char *tag, bool migrated)
{
    unit_db *u = wj_xcalloc(1, sizeof *u);
    u->path = unit_temp_db_path(tag);
    u->db = db_open(u->path, 2);
    if (!u->db || (migrated && !wj_migrate(u->db, false))) {
        unit_db_close(u);
        return NULL;
    }
    return u;
}

void unit_db_close(unit_db *u)
{
    if (u->db)
        db_close(u->db);
    unit_temp_db_remove(u->path);
    free(u->path);
    free(u);
}

int unit_db_setup(void **state)
{
    return (*state = unit_db_open("test", true)) ? 0 : -1;
}

int unit_db_teardown(void **state)
{
    unit_db_close(*state);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(void);
} groups[] = {
    {"util", run_util_tests},     {"clock", run_clock_tests},   {"ids", run_ids_tests},
    {"schema", run_schema_tests}, {"router", run_router_tests}, {"list", run_list_tests},
    {"db", run_db_tests},         {"migrate", run_migrate_tests}, {"audit", run_audit_tests},
    {"auth", run_auth_tests},
    {"csv", run_csv_tests},       {"idcard", run_idcard_tests}, {"mpi_match", run_mpi_match_tests},
    {"mpi_blockcache", run_mpi_blockcache_tests}, {"mpi_eligibility", run_mpi_eligibility_tests},
};

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fputs("unit: libsodium failed to initialise\n", stderr);
        return 1;
    }
    /* The clock tests set their own "now"; an inherited one must not leak into other groups. */
    unsetenv("WEIJIAN_TEST_NOW");
    for (int i = 1; i < argc; i++) {
        bool known = false;
        for (size_t g = 0; g < WJ_ARRAY_LEN(groups); g++)
            known |= strcmp(argv[i], groups[g].name) == 0;
        if (!known) {
            fprintf(stderr, "unit: no group named %s\n", argv[i]);
            return 2;
        }
    }
    int failed = 0;
    for (size_t g = 0; g < WJ_ARRAY_LEN(groups); g++) {
        bool selected = argc == 1;
        for (int i = 1; i < argc; i++)
            selected |= strcmp(argv[i], groups[g].name) == 0;
        if (!selected)
            continue;
        printf("\n==== unit group: %s\n", groups[g].name);
        fflush(stdout);
        failed += groups[g].run();
    }
    if (failed)
        fprintf(stderr, "unit: %d test(s) FAILED\n", failed);
    else
        fprintf(stderr, "unit: all groups passed\n");
    return failed ? 1 : 0;
}
