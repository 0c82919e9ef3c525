/* list.h — list responses, once for every module: {"items":[…],"next_cursor":"…"|null},
 * `limit` (default 50, max 500) and an opaque `cursor` for keyset paging over (sort key, id).
 *
 * A handler fetches limit+1 rows after the cursor position; when the extra row exists, the
 * last returned row's (key, id) becomes next_cursor. */
#ifndef WJ_LIST_H
#define WJ_LIST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "module.h"

#define WJ_LIMIT_DEFAULT 50

typedef struct wj_page {
    int limit;
    bool after;     /* a cursor was given */
    char key[256];  /* sort key of the last row seen ("" when sorting by id) */
    int64_t id;     /* id of the last row seen */
    const char *sort; /* sort parameter without '-' (NULL = default order) */
    bool desc;
} wj_page;

/* Reads limit/cursor/sort of a validated query. A cursor that does not decode answers
 * 400 invalid_parameter (field "cursor") and returns false. */
bool wj_page_parse(wj_req *r, wj_page *p);
/* Of rows fetched with LIMIT limit+1: how many belong to this page. When a further page
 * exists, *next receives the cursor of the last row kept (its key and id read from the
 * given columns); otherwise NULL. */
int wj_page_rows(const wj_page *pg, const db_rows *rows, int key_col, int id_col, char **next);
/* Decodes a cursor (from a query, or a body field) into p->key, p->id and p->after;
 * false when it is not one this server issued. */
bool wj_cursor_parse(const char *cursor, wj_page *p);
/* Encodes a cursor (heap string). */
char *wj_cursor_make(const char *key, int64_t id);
/* Replies 200 with the list body; takes ownership of items and next_cursor. */
void wj_reply_list(wj_req *r, json_t *items, char *next_cursor);

#endif
