/* auth.h — passwords, sessions and the caller's grants.
 *
 * Passwords: argon2id (libsodium crypto_pwhash, ALG_ARGON2ID13) with t=2 passes and
 * 19 MiB of memory (the OWASP minimum); at most two hashes compute at once so a burst of
 * logins cannot exhaust memory or starve the request threads.
 * Sessions: a 256-bit random token, given to the client once and stored only as its
 * SHA-256; expiring (12 hours) and revocable (logout). The console receives it in an
 * HttpOnly SameSite=Strict cookie plus a CSRF token that must come back in X-CSRF-Token
 * on every unsafe request made with the cookie. */
#ifndef WJ_AUTH_H
#define WJ_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "module.h"

#define WJ_SESSION_TTL_MS (12LL * 3600 * 1000)
#define WJ_PWHASH_MAX 128

/* Hashes a password (argon2id). False only when memory could not be had. */
bool wj_password_hash(const char *password, char out[WJ_PWHASH_MAX]);
/* Verifies; runs the full cost even for a NULL hash (unknown user) so timing tells nothing. */
bool wj_password_verify(const char *hash, const char *password);

/* Loads the caller from the Authorization header or session cookie into p.
 * Returns false when there is no valid session. */
bool wj_auth_load(wj_req *r, wj_principal *p);
/* Loads the grants of a user (also used by the CLI and by /me). */
bool wj_auth_load_grants(wj_conn *c, int64_t user_id, wj_principal *p);
/* Checks the CSRF header of a cookie-authenticated request. */
bool wj_auth_csrf_ok(wj_req *r);

/* Creates a session for a user in the current write transaction. Fills the token and CSRF
 * token (heap strings the caller frees) and the expiry. */
bool wj_session_create(wj_conn *c, int64_t user_id, const char *ip, char **token, char **csrf, int64_t *expires);
/* Revokes a session and forgets its cached principal. */
bool wj_session_revoke(wj_conn *c, int64_t session_id);

/* Login throttling (5 failures in 15 minutes per account or address: each further try is
 * delayed; 10: refused with 429 until the window passes). */
#define WJ_LOGIN_WINDOW_MS (15LL * 60 * 1000)
#define WJ_LOGIN_DELAY_AFTER 5
#define WJ_LOGIN_BLOCK_AFTER 10
/* In a write transaction: counts the failures in the window for this username or address
 * (whichever is higher) and, when below the block limit, records this attempt as a failure
 * in advance — atomically, so concurrent attempts cannot all slip under the limit. The ids
 * of the rows recorded go to `attempt`. Returns the count before this attempt. */
int wj_login_attempt(wj_conn *c, const char *username, const char *ip, int64_t attempt[2]);
/* In a write transaction, after a right password: forgets the account's failures and the
 * address row of this attempt. */
bool wj_login_attempt_succeeded(wj_conn *c, const char *username, const int64_t attempt[2]);

#endif
