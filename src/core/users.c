/* users.c — see users.h. */
#include "users.h"

#include <assert.h>
#include <stdio.h>

#include "auth.h"
#include "clock.h"
#include "ids.h"

int64_t wj_user_create(wj_conn *c, const char *username, const char *display_name, const char *password,
                       bool *taken)
{
    *taken = false;
    char hash[WJ_PWHASH_MAX];
    if (!wj_password_hash(password, hash))
        return 0;
    int64_t id = wj_id_new();
    db_status s = db_exec(c,
                          "INSERT INTO users (id, username, display_name, password_hash, active, created_at) "
                          "VALUES (?, ?, ?, ?, 1, ?)",
                          DBP(DB_I(id), DB_S(username), DB_S(display_name), DB_S(hash), DB_I(wj_now_ms())), NULL);
    if (s == DB_CONFLICT)
        *taken = true;
    return s == DB_OK ? id : 0;
}

bool wj_grant_add(wj_conn *c, int64_t user_id, wj_role role, int64_t facility_id, int64_t area_id, int64_t person_id)
{
    assert((facility_id != 0) + (area_id != 0) + (person_id != 0) == 1);
    return db_exec(c,
                   "INSERT INTO grants (id, user_id, role, facility_id, area_id, person_id, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   DBP(DB_I(wj_id_new()), DB_I(user_id), DB_S(wj_role_name(role)),
                       facility_id ? DB_I(facility_id) : DB_NULL, area_id ? DB_I(area_id) : DB_NULL,
                       person_id ? DB_I(person_id) : DB_NULL, DB_I(wj_now_ms())),
                   NULL) == DB_OK;
}

int64_t wj_user_id(wj_conn *c, const char *username)
{
    db_rows *rows;
    if (db_query(c, "SELECT id FROM users WHERE username = ?", DBP(DB_S(username)), &rows) != DB_OK)
        return 0;
    int64_t id = db_int(rows, 0, 0);
    db_rows_free(rows);
    return id;
}

bool wj_user_role_at(wj_conn *c, int64_t user_id, wj_role role, int64_t facility_id)
{
    db_rows *rows;
    if (db_query(c,
                 "SELECT 1 FROM grants g JOIN users u ON u.id = g.user_id WHERE g.user_id = ? AND g.role = ? "
                 "AND g.facility_id = ? AND u.active = 1",
                 DBP(DB_I(user_id), DB_S(wj_role_name(role)), DB_I(facility_id)), &rows) != DB_OK)
        return false;
    bool yes = rows->nrows > 0;
    db_rows_free(rows);
    return yes;
}

bool wj_user_display_name(wj_conn *c, int64_t user_id, char *out, size_t n)
{
    db_rows *rows;
    if (db_query(c, "SELECT display_name FROM users WHERE id = ?", DBP(DB_I(user_id)), &rows) != DB_OK)
        return false;
    bool found = rows->nrows == 1;
    if (found)
        snprintf(out, n, "%s", db_text(rows, 0, 0));
    db_rows_free(rows);
    return found;
}
