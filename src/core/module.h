/* module.h — the module contract. Every domain module (areas, facilities, later the MPI,
 * appointments, cases, …) is one wj_module value listed in src/modules/registry.c:
 *
 *   - a table of routes: method, path template, handler, permission, scope rule, request
 *     schema, query parameters, flags. The router, the permission checks, body and query
 *     validation, If-Match and Idempotency-Key handling, audit, metrics, the OpenAPI
 *     document and the console menu are all driven by these rows;
 *   - a table of permissions with the roles that hold them;
 *   - its migrations, as db/migrations/NNNN_<module>_<what>.sql (global order);
 *   - optionally its demo data and its console page.
 *
 * docs/modules.md walks through writing one. */
#ifndef WJ_MODULE_H
#define WJ_MODULE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "schema.h"

typedef enum {
    WJ_ROLE_RESIDENT,
    WJ_ROLE_CLINICIAN,
    WJ_ROLE_FACILITY_STAFF,
    WJ_ROLE_FACILITY_ADMIN,
    WJ_ROLE_HOTLINE_OPERATOR,
    WJ_ROLE_GRID_WORKER,
    WJ_ROLE_DISPATCHER,
    WJ_ROLE_COMMISSION_STAFF,
    WJ_ROLE_COMMISSION_ADMIN,
    WJ_ROLE_AUDITOR,
    WJ_ROLE_COUNT
} wj_role;

#define WJ_R(name) (1u << WJ_ROLE_##name)
#define WJ_ROLES_ALL ((1u << WJ_ROLE_COUNT) - 1)
#define WJ_ROLES_STAFF (WJ_ROLES_ALL & ~WJ_R(RESIDENT))

const char *wj_role_name(wj_role r);
/* -1 when unknown. */
int wj_role_parse(const char *name);

#define WJ_PATH_MAX 200 /* materialised area path "/id/id/…/" */

/* One (role, scope) grant. Exactly one scope is set: a facility, an area subtree (its
 * materialised path), or — for residents — a person. */
typedef struct wj_grant {
    wj_role role;
    int64_t facility_id;
    int64_t area_id;
    char area_path[WJ_PATH_MAX];
    char area_code[16];
    int64_t person_id;
} wj_grant;

typedef struct wj_principal {
    int64_t user_id;
    int64_t session_id;
    char username[64];
    char display_name[128];
    bool via_cookie;
    int ngrants;
    wj_grant grants[16];
} wj_principal;

/* What a request acts on, as far as scope is concerned. Filled by a route's target
 * resolver; the core checks that some grant holding the permission covers it. */
typedef struct wj_target {
    int64_t facility_id;          /* the facility, if the target is or belongs to one */
    char area_path[WJ_PATH_MAX];  /* area path of the target ("" when none) */
    int64_t person_id;            /* the person, for personal records */
    int64_t version;              /* current version, for If-Match (0 = not versioned) */
} wj_target;

typedef struct wj_req wj_req;
typedef void (*wj_handler)(wj_req *r);
/* Resolves the target. Returns false after setting an error (usually 404) on r. */
typedef bool (*wj_target_fn)(wj_req *r, wj_target *t);

typedef enum {
    WJ_SCOPE_PUBLIC, /* no authentication (login, health checks, the OpenAPI document) */
    WJ_SCOPE_ANY,    /* authenticated and holding the permission through any grant */
    WJ_SCOPE_TARGET, /* a grant holding the permission must cover the route's target */
} wj_scope_rule;

enum {
    WJ_LIST = 1u << 0,      /* returns {"items","next_cursor"}; limit/cursor/sort accepted */
    WJ_PERSONAL = 1u << 1,  /* reads personal data: audited; out of scope answers 404 */
    WJ_IF_MATCH = 1u << 2,  /* requires If-Match with the target's ETag (428/412) */
    WJ_TARGET_BODY = 1u << 3, /* the target is resolved from the validated body */
    WJ_NO_CSRF = 1u << 4,   /* unsafe method allowed without CSRF token (login itself) */
    WJ_RAW_BODY = 1u << 5,  /* the body is not JSON (imports); the handler reads raw bytes */
};

typedef struct wj_route {
    const char *method;
    const char *path; /* "/api/v1/facilities/{id}" */
    wj_handler handler;
    const char *perm; /* permission name; NULL only with WJ_SCOPE_PUBLIC */
    wj_scope_rule scope;
    wj_target_fn target;
    const wj_schema *body;  /* request body schema (POST/PATCH), NULL when none */
    const wj_param *query;  /* query parameters, {0}-terminated, NULL when none */
    const char *const *sorts; /* sort keys accepted by a WJ_LIST route, NULL-terminated */
    unsigned flags;
    const char *summary;
    int success; /* documented success status: 200, 201, 204 */
} wj_route;

typedef struct wj_permission {
    const char *name;
    unsigned roles; /* WJ_R(...) mask of roles holding it */
    const char *desc;
} wj_permission;

typedef struct wj_module {
    const char *name;
    const char *title_zh, *title_en; /* console menu entry */
    const char *menu_perm;           /* the menu entry shows to holders of this permission */
    const wj_route *routes;          /* {0}-terminated */
    const wj_permission *perms;      /* {0}-terminated */
    /* Prepares process-wide state before any command uses the database (dictionaries);
     * false, after saying why on stderr, stops the command. NULL when none. */
    bool (*init)(void);
    /* Loads the module's part of the demo city (in one write transaction). */
    bool (*demo)(wj_conn *c);
    /* Only the areas module provides this: the materialised path of an area id, used by
     * the core to scope grants. Returns false when the area does not exist. */
    bool (*area_path)(wj_conn *c, int64_t area_id, char out[WJ_PATH_MAX], char code[16]);
    /* Only the person index provides this: does a person grant (a resident's own person)
     * cover a target person — the same person after merges, or one it manages? */
    bool (*person_covers)(wj_conn *c, int64_t grant_person, int64_t target_person);
    /* Clock-driven housekeeping at `now` (sweep.h), each change in its own transaction:
     * how many things it settled, -1 on a database error. NULL when none. */
    int (*sweep)(wj_conn *c, int64_t now);
} wj_module;

/* NULL-terminated, in registration order (src/modules/registry.c). */
extern const wj_module *const wj_modules[];

/* ---- the request, as handlers see it ---- */

typedef struct wj_header {
    const char *name, *value;
} wj_header;

struct wj_req {
    /* input, filled by the HTTP layer */
    const char *method;
    const char *path;
    const char *client_ip;
    const wj_route *route;
    const wj_module *module;
    const char *path_params[4];
    int npath_params;
    wj_query query;
    json_t *body;
    const char *raw_body;
    size_t raw_len;
    const char *(*header)(wj_req *r, const char *name);
    void *http_conn; /* opaque to handlers */
    wj_db *db;
    int64_t started_ms;

    /* filled by the core before the handler runs */
    wj_principal *who;
    wj_target target;

    /* output */
    int status;
    json_t *out;
    char *out_raw; /* non-JSON response body (CSV, text), owned */
    size_t out_raw_len;
    const char *out_type;
    wj_error err;
    char etag[40];
    char location[200];
    wj_header resp_headers[8];
    char *resp_header_values[8];
    int nresp_headers;

    /* Hold the answer back this long (login throttling). The connection is parked, not
     * the worker thread, so other clients are served meanwhile. */
    int delay_ms;

    /* audit: what the request acted on (set by handlers that write or read personal data) */
    const char *audit_type;
    int64_t audit_id;
    const char *audit_actor; /* username to record when there is no session (failed logins) */
    int64_t audit_also;      /* a second subject of the same type (both persons of a review) */

    /* private to the core */
    wj_conn *conn;
    bool committed;
    const char *idem_key;
    char idem_hash[65];
    struct wj_job *job; /* a group-commit job the reply waits for (commitq.h) */
    int route_index;
    int64_t started_ns; /* monotonic, for the request's duration */
};

/* Replies with `body` (reference stolen) and status. */
void wj_reply(wj_req *r, int status, json_t *body);
/* Replies with bytes that are not built as JSON here (a cached document, CSV, GeoJSON,
 * metrics): `data` (heap, taken over) of `len` bytes with Content-Type `type`. */
void wj_reply_raw(wj_req *r, int status, const char *type, char *data, size_t len);
/* Replies with an error. The message is English; clients translate by `code`. */
void wj_fail(wj_req *r, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Same, with a details object (reference stolen). */
void wj_fail_details(wj_req *r, int status, const char *code, const char *field, json_t *details, const char *fmt,
                     ...) __attribute__((format(printf, 6, 7)));
/* Answers from a filled wj_error. */
void wj_fail_err(wj_req *r, wj_error *e);
/* Answers an error a store function filled: the caller's fault (4xx) as it is, anything
 * else (a database error) as 500 logging `what`. */
void wj_fail_store(wj_req *r, wj_error *e, const char *what);
/* 500, logging `what`: the client learns nothing about the internals. */
void wj_fail_internal(wj_req *r, const char *what);
bool wj_failed(const wj_req *r);
void wj_set_header(wj_req *r, const char *name, const char *value);
void wj_set_etag(wj_req *r, int64_t version);

/* The request's database connection, acquired on first use and released by the core. */
wj_conn *wj_db_conn(wj_req *r);
/* Opens the request's write transaction. False when the request is already answered (an
 * error, or the replay of a concurrent duplicate with the same Idempotency-Key): return. */
bool wj_write_begin(wj_req *r);
/* Commits it, together with the audit row of this request and its Idempotency-Key record
 * (so a write and its audit and replay record are one atomic unit). Reply first, then
 * commit: the stored replay is the reply set at this point. False on failure (reply set). */
bool wj_write_commit(wj_req *r);

/* Path parameter by position, and as an id (404 not_found when malformed). */
const char *wj_path_param(const wj_req *r, int i);
bool wj_path_id(wj_req *r, int i, const char *what, int64_t *id);
const char *wj_qparam(const wj_req *r, const char *name);

/* Scope checks for handlers that filter lists: does any grant of the caller holding
 * `perm` cover the target? */
bool wj_covers(const wj_req *r, const char *perm, const wj_target *t);
bool wj_has_perm(const wj_principal *p, const char *perm);
/* Roles mask of a permission (0 when unknown). */
unsigned wj_perm_roles(const char *perm);

void wj_audit_subject(wj_req *r, const char *type, int64_t id);
/* Records the request against a second subject of the same type as well. */
void wj_audit_also(wj_req *r, int64_t id);

#endif
