/* sql.h — a statement built for one request: constant fragments and bound values, never a
 * value in its text. Lists whose filters and scope depend on the request build one (the
 * facilities list, the person search, the review queue, the appointments lists). */
#ifndef WJ_SQL_H
#define WJ_SQL_H

#include <stdbool.h>

#include "db.h"
#include "module.h"
#include "util.h"

#define WJ_SQL_PATTERN_MAX 1024 /* a bound LIKE pattern, escaped */

typedef struct wj_sql {
    wj_buf text;
    db_val p[64]; /* what db.c binds at most */
    int n;
    bool overflow; /* more values or patterns than fit: the statement is not run */
    char patterns[16][WJ_SQL_PATTERN_MAX]; /* the bound LIKE patterns live here */
    int npatterns;
} wj_sql;

/* Appends a fragment without placeholders. */
void wj_sql_puts(wj_sql *q, const char *fragment);
/* Appends a fragment with one placeholder, bound to `v`. */
void wj_sql_add(wj_sql *q, const char *fragment, db_val v);
/* Binds one more value (a fragment with several placeholders). */
void wj_sql_bind(wj_sql *q, db_val v);
/* Appends a fragment with one placeholder bound to the LIKE pattern prefix + `s` (its % _ \
 * escaped) + suffix; the fragment says ESCAPE '\'. */
void wj_sql_like(wj_sql *q, const char *fragment, const char *prefix, const char *s, const char *suffix);
/* Runs the statement; DB_ERROR when it overflowed (said on stderr). */
db_status wj_sql_query(wj_conn *c, const wj_sql *q, db_rows **out);
/* Runs it on the request's connection and frees its text: NULL after answering 500
 * (`what` names it in the log). */
db_rows *wj_sql_run(wj_req *r, wj_sql *q, const char *what);
void wj_sql_free(wj_sql *q);

#endif
