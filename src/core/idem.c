/* idem.c — see idem.h. */
#include "idem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ids.h"
#include "util.h"

static void request_hash(wj_req *r, char out[65])
{
    wj_buf b = {0};
    wj_buf_printf(&b, "%s %s\n", r->method, r->path);
    if (r->raw_body)
        wj_buf_put(&b, r->raw_body, r->raw_len);
    wj_sha256_hex(b.data, b.len, out);
    wj_buf_free(&b);
}

/* Replays a stored answer when the key exists. Returns true when the request was answered. */
static bool lookup(wj_req *r)
{
    db_rows *rows;
    if (db_query(wj_db_conn(r),
                 "SELECT request_hash, status, response, etag, location FROM idempotency_keys "
                 "WHERE user_id = ? AND key = ? "
                 "AND created_at > ?",
                 DBP(DB_I(r->who->user_id), DB_S(r->idem_key), DB_I(wj_now_ms() - WJ_IDEM_TTL_MS)), &rows) != DB_OK) {
        wj_fail_internal(r, "idempotency lookup");
        return true;
    }
    bool answered = false;
    if (rows->nrows == 1) {
        answered = true;
        if (strcmp(db_text(rows, 0, 0), r->idem_hash) != 0) {
            wj_fail(r, 422, "idempotency_key_reused", "Idempotency-Key", "this key was used for a different request");
        } else {
            json_t *body = json_loads(db_text(rows, 0, 2), 0, NULL);
            wj_reply(r, (int)db_int(rows, 0, 1), body);
            snprintf(r->etag, sizeof r->etag, "%s", db_text(rows, 0, 3) ? db_text(rows, 0, 3) : "");
            snprintf(r->location, sizeof r->location, "%s", db_text(rows, 0, 4) ? db_text(rows, 0, 4) : "");
            wj_set_header(r, "Idempotent-Replayed", "true");
        }
    }
    db_rows_free(rows);
    return answered;
}

bool wj_idem_begin(wj_req *r)
{
    const char *key = r->header(r, "Idempotency-Key");
    if (!key || strcmp(r->method, "POST") != 0 || !r->who)
        return false;
    size_t n = strlen(key);
    if (n == 0 || n > 255) {
        wj_fail(r, 400, "invalid_parameter", "Idempotency-Key", "must be 1 to 255 characters");
        return true;
    }
    r->idem_key = key;
    request_hash(r, r->idem_hash);
    return lookup(r);
}

bool wj_idem_recheck(wj_req *r)
{
    if (!r->idem_key)
        return false;
    /* Requests with the same key wait for each other until this transaction ends. */
    char h[65];
    char *k = wj_xasprintf("idem:%lld:%s", (long long)r->who->user_id, r->idem_key);
    wj_sha256_hex(k, strlen(k), h);
    free(k);
    h[15] = '\0';
    if (db_lock(r->conn, strtoll(h, NULL, 16)) != DB_OK) {
        wj_fail_internal(r, "idempotency lock");
        return true;
    }
    return lookup(r);
}

bool wj_idem_store(wj_req *r)
{
    char *resp = r->out ? json_dumps(r->out, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    int64_t now = wj_now_ms();
    db_exec(r->conn, "DELETE FROM idempotency_keys WHERE user_id = ? AND created_at <= ?",
            DBP(DB_I(r->who->user_id), DB_I(now - WJ_IDEM_TTL_MS)), NULL);
    db_status s = db_exec(r->conn,
                          "INSERT INTO idempotency_keys (id, user_id, key, request_hash, status, response, etag, "
                          "location, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          DBP(DB_I(wj_id_new()), DB_I(r->who->user_id), DB_S(r->idem_key), DB_S(r->idem_hash),
                              DB_I(r->status), DB_S(resp ? resp : "null"), DB_S(r->etag), DB_S(r->location),
                              DB_I(now)),
                          NULL);
    free(resp);
    return s == DB_OK;
}

void wj_idem_replay_after_race(wj_req *r)
{
    if (!lookup(r))
        wj_fail(r, 409, "conflict", "Idempotency-Key", "a request with this key is being processed");
}
