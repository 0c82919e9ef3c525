/* auth.c — see auth.h. */
#include "auth.h"

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ids.h"
#include "util.h"

#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024 * 1024)

static sem_t hash_slots;
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void hash_slots_init(void)
{
    sem_init(&hash_slots, 0, 2);
}

bool wj_password_hash(const char *password, char out[WJ_PWHASH_MAX])
{
    pthread_once(&hash_once, hash_slots_init);
    sem_wait(&hash_slots);
    int rc = crypto_pwhash_str_alg(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT,
                                   crypto_pwhash_ALG_ARGON2ID13);
    sem_post(&hash_slots);
    return rc == 0;
}

static char dummy_hash[WJ_PWHASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    wj_password_hash("weijian-no-such-user", dummy_hash);
}

bool wj_password_verify(const char *hash, const char *password)
{
    pthread_once(&hash_once, hash_slots_init);
    bool known = hash != NULL;
    if (!known) {
        /* Unknown account: spend the same effort so the answer time does not reveal it. */
        pthread_once(&dummy_once, dummy_init);
        hash = dummy_hash;
    }
    sem_wait(&hash_slots);
    int rc = crypto_pwhash_str_verify(hash, password, strlen(password));
    sem_post(&hash_slots);
    return rc == 0 && known;
}

/* ---- principal cache ----
 * Every API call presents a token; looking the session and grants up costs several
 * queries. Principals are cached by token hash for a few seconds. Logout in this process
 * evicts at once; a revocation made by another process takes effect within the TTL. */

#define PCACHE_SLOTS 512
#define PCACHE_TTL_MS 5000

typedef struct pcache_entry {
    char token_hash[65];
    int64_t loaded_ms;
    int64_t expires_ms;
    char csrf_hash[65];
    wj_principal p;
} pcache_entry;

static pcache_entry pcache[PCACHE_SLOTS];
static pthread_mutex_t pcache_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned pcache_slot(const char *hash)
{
    return (unsigned)strtoul((char[9]){hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7], 0},
                             NULL, 16) %
           PCACHE_SLOTS;
}

static bool pcache_get(const char *hash, int64_t now, wj_principal *p, char csrf[65])
{
    bool hit = false;
    pthread_mutex_lock(&pcache_mu);
    pcache_entry *e = &pcache[pcache_slot(hash)];
    if (strcmp(e->token_hash, hash) == 0 && now - e->loaded_ms < PCACHE_TTL_MS && now >= e->loaded_ms &&
        now < e->expires_ms) {
        *p = e->p;
        memcpy(csrf, e->csrf_hash, 65);
        hit = true;
    }
    pthread_mutex_unlock(&pcache_mu);
    return hit;
}

static void pcache_put(const char *hash, int64_t now, int64_t expires, const wj_principal *p, const char *csrf)
{
    pthread_mutex_lock(&pcache_mu);
    pcache_entry *e = &pcache[pcache_slot(hash)];
    memcpy(e->token_hash, hash, 65);
    e->loaded_ms = now;
    e->expires_ms = expires;
    snprintf(e->csrf_hash, sizeof e->csrf_hash, "%s", csrf ? csrf : "");
    e->p = *p;
    pthread_mutex_unlock(&pcache_mu);
}

static void pcache_evict_session(int64_t session_id)
{
    pthread_mutex_lock(&pcache_mu);
    for (int i = 0; i < PCACHE_SLOTS; i++)
        if (pcache[i].token_hash[0] && pcache[i].p.session_id == session_id)
            memset(&pcache[i], 0, sizeof pcache[i]);
    pthread_mutex_unlock(&pcache_mu);
}

/* ---- sessions ---- */

static const char *cookie_token(const char *cookie)
{
    /* Cookie: a=b; wj_session=TOKEN; c=d */
    static const char name[] = "wj_session=";
    for (const char *p = cookie; p && *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        if (strncmp(p, name, sizeof name - 1) == 0)
            return p + sizeof name - 1;
        p = strchr(p, ';');
    }
    return NULL;
}

static bool presented_token(wj_req *r, char token[128], bool *via_cookie)
{
    const char *auth = r->header(r, "Authorization");
    if (auth && strncmp(auth, "Bearer ", 7) == 0) {
        const char *t = auth + 7;
        size_t n = strlen(t);
        if (n == 0 || n >= 128)
            return false;
        memcpy(token, t, n + 1);
        *via_cookie = false;
        return true;
    }
    const char *t = cookie_token(r->header(r, "Cookie"));
    if (!t)
        return false;
    size_t n = strcspn(t, ";");
    if (n == 0 || n >= 128)
        return false;
    memcpy(token, t, n);
    token[n] = '\0';
    *via_cookie = true;
    return true;
}

bool wj_auth_load_grants(wj_conn *c, int64_t user_id, wj_principal *p)
{
    db_rows *rows;
    if (db_query(c, "SELECT role, facility_id, area_id, person_id FROM grants WHERE user_id = ? ORDER BY id",
                 DBP(DB_I(user_id)), &rows) != DB_OK)
        return false;
    p->ngrants = 0;
    for (int i = 0; i < rows->nrows && p->ngrants < (int)WJ_ARRAY_LEN(p->grants); i++) {
        int role = wj_role_parse(db_text(rows, i, 0));
        if (role < 0)
            continue;
        wj_grant *g = &p->grants[p->ngrants];
        memset(g, 0, sizeof *g);
        g->role = (wj_role)role;
        g->facility_id = db_int(rows, i, 1);
        g->area_id = db_int(rows, i, 2);
        g->person_id = db_int(rows, i, 3);
        if (g->area_id) {
            bool found = false;
            for (const wj_module *const *m = wj_modules; *m && !found; m++)
                if ((*m)->area_path)
                    found = (*m)->area_path(c, g->area_id, g->area_path, g->area_code);
            if (!found)
                continue; /* an area grant whose area vanished grants nothing */
        }
        p->ngrants++;
    }
    db_rows_free(rows);
    return true;
}

bool wj_auth_load(wj_req *r, wj_principal *p)
{
    char token[128];
    bool via_cookie;
    if (!presented_token(r, token, &via_cookie))
        return false;
    char hash[65];
    wj_sha256_hex(token, strlen(token), hash);
    int64_t now = wj_now_ms();
    char csrf[65];
    if (pcache_get(hash, now, p, csrf)) {
        p->via_cookie = via_cookie;
        return true;
    }
    wj_conn *c = wj_db_conn(r);
    db_rows *rows;
    if (db_query(c,
                 "SELECT s.id, s.user_id, s.expires_at, s.csrf_hash, u.username, u.display_name FROM sessions s "
                 "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.revoked_at IS NULL "
                 "AND s.expires_at > ? AND u.active = 1",
                 DBP(DB_S(hash), DB_I(now)), &rows) != DB_OK)
        return false;
    bool ok = rows->nrows == 1;
    if (ok) {
        memset(p, 0, sizeof *p);
        p->session_id = db_int(rows, 0, 0);
        p->user_id = db_int(rows, 0, 1);
        snprintf(p->username, sizeof p->username, "%s", db_text(rows, 0, 4));
        snprintf(p->display_name, sizeof p->display_name, "%s", db_text(rows, 0, 5) ? db_text(rows, 0, 5) : "");
        ok = wj_auth_load_grants(c, p->user_id, p);
        if (ok)
            pcache_put(hash, now, db_int(rows, 0, 2), p, db_text(rows, 0, 3));
    }
    db_rows_free(rows);
    p->via_cookie = via_cookie;
    return ok;
}

bool wj_auth_csrf_ok(wj_req *r)
{
    const char *sent = r->header(r, "X-CSRF-Token");
    if (!sent || !*sent)
        return false;
    char sent_hash[65];
    wj_sha256_hex(sent, strlen(sent), sent_hash);
    db_rows *rows;
    if (db_query(wj_db_conn(r), "SELECT csrf_hash FROM sessions WHERE id = ?", DBP(DB_I(r->who->session_id)),
                 &rows) != DB_OK)
        return false;
    const char *want = db_text(rows, 0, 0);
    bool ok = want && sodium_memcmp(want, sent_hash, 64) == 0;
    db_rows_free(rows);
    return ok;
}

static char *random_token(void)
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    return wj_b64url_encode(raw, sizeof raw);
}

bool wj_session_create(wj_conn *c, int64_t user_id, const char *ip, char **token, char **csrf, int64_t *expires)
{
    *token = random_token();
    *csrf = random_token();
    char th[65], ch[65];
    wj_sha256_hex(*token, strlen(*token), th);
    wj_sha256_hex(*csrf, strlen(*csrf), ch);
    int64_t now = wj_now_ms();
    *expires = now + WJ_SESSION_TTL_MS;
    if (db_exec(c,
                "INSERT INTO sessions (id, user_id, token_hash, csrf_hash, created_at, expires_at, client_ip) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                DBP(DB_I(wj_id_new()), DB_I(user_id), DB_S(th), DB_S(ch), DB_I(now), DB_I(*expires), DB_S(ip)),
                NULL) != DB_OK) {
        free(*token);
        free(*csrf);
        *token = *csrf = NULL;
        return false;
    }
    return true;
}

bool wj_session_revoke(wj_conn *c, int64_t session_id)
{
    pcache_evict_session(session_id);
    return db_exec(c, "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                   DBP(DB_I(wj_now_ms()), DB_I(session_id)), NULL) == DB_OK;
}

/* ---- login throttling ---- */

int wj_login_attempt(wj_conn *c, const char *username, const char *ip, int64_t attempt[2])
{
    char ukey[160], ikey[80];
    snprintf(ukey, sizeof ukey, "user:%s", username);
    snprintf(ikey, sizeof ikey, "addr:%s", ip ? ip : "");
    int64_t now = wj_now_ms(), since = now - WJ_LOGIN_WINDOW_MS;
    attempt[0] = attempt[1] = 0;
    /* One lock for all throttling bookkeeping: the transaction is a count and two inserts. */
    if (db_lock(c, 0x77696c6f67696eLL) != DB_OK)
        return WJ_LOGIN_BLOCK_AFTER;
    db_rows *rows;
    if (db_query(c,
                 "SELECT (SELECT COUNT(*) FROM login_failures WHERE key = ? AND at > ?), "
                 "(SELECT COUNT(*) FROM login_failures WHERE key = ? AND at > ?)",
                 DBP(DB_S(ukey), DB_I(since), DB_S(ikey), DB_I(since)), &rows) != DB_OK)
        return WJ_LOGIN_BLOCK_AFTER; /* fail closed */
    int64_t a = db_int(rows, 0, 0), b = db_int(rows, 0, 1);
    db_rows_free(rows);
    int failures = (int)(a > b ? a : b);
    if (failures >= WJ_LOGIN_BLOCK_AFTER)
        return failures;
    /* Rows older than the window are useless: trimmed here so the table stays small. */
    db_exec(c, "DELETE FROM login_failures WHERE at <= ?", DBP(DB_I(since)), NULL);
    attempt[0] = wj_id_new();
    attempt[1] = wj_id_new();
    if (db_exec(c, "INSERT INTO login_failures (id, key, at) VALUES (?, ?, ?)", DBP(DB_I(attempt[0]), DB_S(ukey), DB_I(now)),
                NULL) != DB_OK ||
        db_exec(c, "INSERT INTO login_failures (id, key, at) VALUES (?, ?, ?)", DBP(DB_I(attempt[1]), DB_S(ikey), DB_I(now)),
                NULL) != DB_OK)
        return WJ_LOGIN_BLOCK_AFTER;
    return failures;
}

bool wj_login_attempt_succeeded(wj_conn *c, const char *username, const int64_t attempt[2])
{
    char ukey[160];
    snprintf(ukey, sizeof ukey, "user:%s", username);
    return db_exec(c, "DELETE FROM login_failures WHERE key = ?", DBP(DB_S(ukey)), NULL) == DB_OK &&
           db_exec(c, "DELETE FROM login_failures WHERE id = ?", DBP(DB_I(attempt[1])), NULL) == DB_OK;
}
