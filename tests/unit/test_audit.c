/* test_audit.c — the audit queue under a burst larger than it holds: every event reaches
 * the audit log (requests wait for room; none is dropped while the writer runs); a batch
 * the database refuses for a moment is written when it accepts again. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "db.h"
#include "migrate.h"
#include "unit.h"
#include "util.h"

#define THREADS 4
#define EACH 10000 /* 40,000 in all: more than twice the queue */

static void *burst(void *arg)
{
    int64_t base = *(int64_t *)arg;
    wj_audit_event e = {.at = 1, .user_id = 7, .status = 200};
    snprintf(e.username, sizeof e.username, "reader");
    snprintf(e.method, sizeof e.method, "GET");
    snprintf(e.route, sizeof e.route, "/api/v1/persons/{id}");
    snprintf(e.resource_type, sizeof e.resource_type, "person");
    for (int i = 0; i < EACH; i++) {
        e.resource_id = base + i;
        wj_audit_enqueue(&e);
    }
    return NULL;
}

static void a_burst_loses_nothing(void **state)
{
    wj_db *db = ((unit_db *)*state)->db;
    wj_audit_start(db);
    pthread_t t[THREADS];
    int64_t base[THREADS];
    for (int i = 0; i < THREADS; i++) {
        base[i] = (int64_t)(i + 1) * 1000000;
        assert_int_equal(pthread_create(&t[i], NULL, burst, &base[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    wj_audit_stop();
    assert_int_equal(wj_audit_pending(), 0);
    assert_true(wj_audit_full_waits() > 0); /* the burst did fill the queue */
    wj_conn *c = db_acquire(db);
    db_rows *rows = NULL;
    assert_int_equal(db_query(c, "SELECT count(*), count(DISTINCT resource_id), min(resource_id), max(resource_id) "
                                 "FROM audit_log WHERE username = 'reader'",
                              DBP_NONE, &rows),
                     DB_OK);
    assert_int_equal(db_int(rows, 0, 0), THREADS * EACH);
    assert_int_equal(db_int(rows, 0, 1), THREADS * EACH);
    assert_int_equal(db_int(rows, 0, 2), 1000000);
    assert_int_equal(db_int(rows, 0, 3), (int64_t)THREADS * 1000000 + EACH - 1);
    db_rows_free(rows);
    db_release(c);
}

static void a_refused_batch_is_tried_again(void **state)
{
    wj_db *db = ((unit_db *)*state)->db;
    wj_conn *c = db_acquire(db);
    /* While audit_refuse holds a row, every insert into the audit log fails. */
    assert_int_equal(db_exec_script(c, "CREATE TABLE audit_refuse (x INTEGER); INSERT INTO audit_refuse VALUES (1); "
                                       "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log WHEN EXISTS (SELECT 1 "
                                       "FROM audit_refuse) BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"),
                     DB_OK);
    db_release(c);
    wj_audit_start(db);
    int64_t base = 5000000;
    burst(&base);
    /* The writer gathers for 200 ms, fails, and tries again after 100, 200, 400 ms… */
    struct timespec ts = {0, 500 * 1000000L};
    nanosleep(&ts, NULL);
    c = db_acquire(db);
    assert_int_equal(db_exec(c, "DELETE FROM audit_refuse", DBP_NONE, NULL), DB_OK);
    db_release(c);
    wj_audit_stop();
    c = db_acquire(db);
    db_rows *rows = NULL;
    assert_int_equal(db_query(c, "SELECT count(*) FROM audit_log WHERE username = 'reader'", DBP_NONE, &rows), DB_OK);
    assert_int_equal(db_int(rows, 0, 0), EACH);
    db_rows_free(rows);
    db_release(c);
}

int run_audit_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_burst_loses_nothing, unit_db_setup, unit_db_teardown),
        cmocka_unit_test_setup_teardown(a_refused_batch_is_tried_again, unit_db_setup, unit_db_teardown),
    };
    return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
