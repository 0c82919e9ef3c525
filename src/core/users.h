/* users.h — creating accounts and their grants (used by the CLI, the demo and the API). */
#ifndef WJ_USERS_H
#define WJ_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "module.h"

/* Creates a user in the current write transaction. Returns the id; 0 when the username is
 * taken (*taken set) or on a database error. */
int64_t wj_user_create(wj_conn *c, const char *username, const char *display_name, const char *password,
                       bool *taken);
/* Adds a grant. Exactly one of facility_id, area_id, person_id must be non-zero. */
bool wj_grant_add(wj_conn *c, int64_t user_id, wj_role role, int64_t facility_id, int64_t area_id, int64_t person_id);
int64_t wj_user_id(wj_conn *c, const char *username);
/* Does the (active) user hold `role` through a grant for that facility? */
bool wj_user_role_at(wj_conn *c, int64_t user_id, wj_role role, int64_t facility_id);
/* The user's display name into out (n bytes); false when there is no such user. */
bool wj_user_display_name(wj_conn *c, int64_t user_id, char *out, size_t n);

#endif
