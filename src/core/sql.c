/* sql.c — see sql.h. */
#include "sql.h"

#include <stdio.h>

void wj_sql_puts(wj_sql *q, const char *fragment)
{
    wj_buf_puts(&q->text, fragment);
}

void wj_sql_bind(wj_sql *q, db_val v)
{
    if (q->n < (int)WJ_ARRAY_LEN(q->p))
        q->p[q->n++] = v;
    else
        q->overflow = true;
}

void wj_sql_add(wj_sql *q, const char *fragment, db_val v)
{
    wj_buf_puts(&q->text, fragment);
    wj_sql_bind(q, v);
}

void wj_sql_like(wj_sql *q, const char *fragment, const char *prefix, const char *s, const char *suffix)
{
    wj_buf_puts(&q->text, fragment);
    if (q->npatterns == (int)WJ_ARRAY_LEN(q->patterns)) {
        q->overflow = true;
        return;
    }
    char *pat = q->patterns[q->npatterns++];
    wj_like_pattern(pat, WJ_SQL_PATTERN_MAX, prefix, s, suffix);
    wj_sql_bind(q, DB_S(pat));
}

db_status wj_sql_query(wj_conn *c, const wj_sql *q, db_rows **out)
{
    if (q->overflow) {
        fputs("{\"level\":\"error\",\"msg\":\"statement has more values than fit\"}\n", stderr);
        return DB_ERROR;
    }
    return db_query(c, q->text.data, q->p, q->n, out);
}

db_rows *wj_sql_run(wj_req *r, wj_sql *q, const char *what)
{
    db_rows *rows = NULL;
    if (wj_sql_query(wj_db_conn(r), q, &rows) != DB_OK) {
        rows = NULL;
        wj_fail_internal(r, what);
    }
    wj_sql_free(q);
    return rows;
}

void wj_sql_free(wj_sql *q)
{
    wj_buf_free(&q->text);
}
