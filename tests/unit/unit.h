/* unit.h — the cmocka unit test groups. The Makefile links every tests/unit/test_*.c into
 * one binary (build/<variant>/unit); test_main.c holds main() and runs each group below.
 * Each runner returns the number of failed tests of its group (0 = all passed). */
#ifndef WJ_UNIT_H
#define WJ_UNIT_H

/* cmocka needs these before its own header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

int run_util_tests(void);
int run_clock_tests(void);
int run_ids_tests(void);
int run_schema_tests(void);
int run_router_tests(void);
int run_list_tests(void);
int run_db_tests(void);
int run_migrate_tests(void);
int run_audit_tests(void);
int run_auth_tests(void);
int run_csv_tests(void);
int run_idcard_tests(void);
int run_mpi_match_tests(void);
int run_mpi_blockcache_tests(void);
int run_mpi_eligibility_tests(void);

/* A fresh path for a temporary SQLite database (heap string) and its removal with the
 * -wal/-shm side files. Defined in test_main.c. */
char *unit_temp_db_path(const char *tag);
void unit_temp_db_remove(const char *path);

/* A temporary SQLite database, migrated or not (NULL when it cannot be opened), and its
 * removal; and a cmocka setup/teardown pair giving one test a migrated one as its *state.
 * Defined in test_main.c. */
typedef struct wj_db wj_db;
typedef struct unit_db {
    char *path;
    wj_db *db;
} unit_db;
unit_db *unit_db_open(const char *tag, bool migrated);
void unit_db_close(unit_db *u);
int unit_db_setup(void **state);
int unit_db_teardown(void **state);

#endif
