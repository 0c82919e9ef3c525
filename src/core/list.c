/* list.c — see list.h. */
#include "list.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

char *wj_cursor_make(const char *key, int64_t id)
{
    char *raw = wj_xasprintf("%lld\x1f%s", (long long)id, key ? key : "");
    char *out = wj_b64url_encode((const unsigned char *)raw, strlen(raw));
    free(raw);
    return out;
}

bool wj_page_parse(wj_req *r, wj_page *p)
{
    memset(p, 0, sizeof *p);
    p->limit = WJ_LIMIT_DEFAULT;
    const char *limit = wj_qparam(r, "limit");
    int64_t n;
    if (limit && wj_parse_i64(limit, &n))
        p->limit = (int)n; /* bounds were checked by query validation */
    const char *sort = wj_qparam(r, "sort");
    if (sort) {
        p->desc = sort[0] == '-';
        p->sort = p->desc ? sort + 1 : sort;
    }
    const char *cursor = wj_qparam(r, "cursor");
    if (!cursor)
        return true;
    if (!wj_cursor_parse(cursor, p)) {
        wj_fail(r, 400, "invalid_parameter", "cursor", "not a cursor this server issued");
        return false;
    }
    return true;
}

bool wj_cursor_parse(const char *cursor, wj_page *p)
{
    size_t len;
    unsigned char *raw = wj_b64url_decode(cursor, &len);
    bool ok = false;
    if (raw) {
        char *text = wj_xstrndup((const char *)raw, len);
        char *sep = strchr(text, '\x1f');
        if (sep && strlen(text) == len) {
            *sep = '\0';
            ok = wj_parse_i64(text, &p->id) && p->id > 0 && strlen(sep + 1) < sizeof p->key;
            if (ok)
                strcpy(p->key, sep + 1);
        }
        free(text);
        free(raw);
    }
    p->after = ok;
    return ok;
}

int wj_page_rows(const wj_page *pg, const db_rows *rows, int key_col, int id_col, char **next)
{
    *next = NULL;
    if (rows->nrows <= pg->limit)
        return rows->nrows;
    int last = pg->limit - 1;
    *next = wj_cursor_make(db_text(rows, last, key_col), db_int(rows, last, id_col));
    return pg->limit;
}

void wj_reply_list(wj_req *r, json_t *items, char *next_cursor)
{
    json_t *body = json_pack("{s:o, s:o}", "items", items, "next_cursor",
                             next_cursor ? json_string(next_cursor) : json_null());
    free(next_cursor);
    wj_reply(r, 200, body);
}
