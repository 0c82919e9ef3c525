/* facilities.h — the facilities module's functions for other modules, the CLI and imports
 * (they never read its tables). docs/facilities.md describes the rules and the API.
 *
 * A facility is written as one JSON document shaped like the body of
 * POST /api/v1/facilities (facilities_create_schema); create, update and import all go
 * through the same validation: the schema, then the area reference, then the business rules
 * (lat/lon in pairs, grade only with a rated level, no duplicate capabilities, campus or
 * department names, one active facility of a name per area). */
#ifndef WJ_FACILITIES_H
#define WJ_FACILITIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/csv.h"
#include "../core/module.h"

/* The demo city's hospital: the demo's facility accounts are scoped to it. */
#define FACILITIES_DEMO_HOSPITAL "济南市第一人民医院"

/* Codes and their labels (docs/facilities.md lists them). */
extern const wj_enum facilities_levels[];       /* tertiary 三级 … unrated 未定级 */
extern const wj_enum facilities_grades[];       /* a 甲等, b 乙等, c 丙等 */
extern const wj_enum facilities_types[];        /* general_hospital 综合医院, … */
extern const wj_enum facilities_capabilities[]; /* chest_pain 胸痛中心, … */

/* A facility document as written: the body of POST, one row of an import. The PATCH body
 * has the same fields (validated partially). */
extern const wj_schema facilities_create_schema;
extern const wj_schema facilities_update_schema;

typedef struct facilities_ref {
    int64_t id;
    int64_t area_id;
    char area_path[WJ_PATH_MAX];
    int64_t version;
    bool active;
} facilities_ref;

/* Finds a facility (active or not). False when there is none or on a database error. */
bool facilities_find(wj_conn *c, int64_t id, facilities_ref *out);
/* True when a facility with this id exists (active or not). */
bool facilities_exists(wj_conn *c, int64_t id);
/* Id of the facility with exactly this name, 0 when none (the active one first, then the
 * oldest, when several areas have one). */
int64_t facilities_id_by_name(wj_conn *c, const char *name);
/* A department (科室) of a facility campus, as other modules refer to it. Its id stays
 * while the facility lists a department of that name at that campus. */
typedef struct facilities_dept {
    int64_t id, facility_id, campus_id;
    char name[244]; /* 60 characters of up to 4 bytes */
} facilities_dept;
/* Finds a department; false when there is none (or on a database error). */
bool facilities_department(wj_conn *c, int64_t id, facilities_dept *out);
/* Does the campus belong to the facility? */
bool facilities_campus_of(wj_conn *c, int64_t campus_id, int64_t facility_id);
/* The facility's name and type code (facilities_types) into the buffers; false when none. */
bool facilities_name_type(wj_conn *c, int64_t id, char name[404], char type[32]);
/* Is the facility one of primary care (community health centre or station, township
 * health centre, village clinic)? False when there is no such facility. */
bool facilities_primary_care(wj_conn *c, int64_t id);

/* Loads the demo city's facilities (演示数据); areas must be loaded first. */
bool facilities_demo(wj_conn *c);

/* The full JSON document of a facility (what GET /api/v1/facilities/{id} answers and
 * what each history row stores); NULL when there is none. The caller owns it. */
json_t *facilities_document(wj_conn *c, int64_t id);

/* Validates `doc` (schema, area, rules) and inserts the facility with its campuses,
 * departments, capabilities and first history row, in the caller's write transaction.
 * Returns the new id; 0 with `err` filled otherwise: 4xx for a fault of the document,
 * 500 "internal" on a database error (db_errmsg(c) says which). */
int64_t facilities_create_from_json(wj_conn *c, const json_t *doc, int64_t by_user, wj_error *err);

/* Applies a partial update (a PATCH body) to facility `id` if it is still at `version`:
 * given fields replace the stored ones, a given `campuses` or `capabilities` array replaces
 * the whole list, null clears an optional field; the merged document is validated like a new
 * one. Writes a new version and its history row unless nothing changes. Scope (whether the
 * caller may move it to another area) is the caller's to check. Requires an open write
 * transaction. False with `err` filled: 404, 409, 412 stale_version, 422, or 500 as above. */
bool facilities_update_from_json(wj_conn *c, int64_t id, int64_t version, const json_t *patch, int64_t by_user,
                                 wj_error *err);

/* Deactivates a facility (active = 0, a new version, a history row); the row and its
 * history stay. 409 conflict when it is already inactive. Requires a write transaction. */
bool facilities_deactivate(wj_conn *c, int64_t id, int64_t by_user, wj_error *err);

/* ---- import and export (facilities_csv.c; docs/facilities.md, "Import and export") ----
 *
 * A CSV file with a header row naming the columns (the API's field names or their Chinese
 * titles), one facility per record. Each record becomes a document and goes through
 * facilities_create_from_json: the same validation as POST /api/v1/facilities. */

#define FACILITIES_NCOLUMNS 12
/* The columns, in export order: name … campuses, and their Chinese titles 名称 … 院区. */
extern const char *const facilities_columns[FACILITIES_NCOLUMNS];
extern const char *const facilities_columns_zh[FACILITIES_NCOLUMNS];

/* A rejected record (or, at line 1 or where the file breaks, the whole file). */
typedef struct facilities_rejection {
    long line;        /* physical line the record starts on */
    char column[64];  /* the column's title as in the file, "" when not one column */
    char code[40];    /* error code of docs/api.md: invalid_value, missing_field, forbidden, … */
    char reason[320]; /* English, for people */
} facilities_rejection;

typedef struct facilities_import {
    /* what to do */
    bool skip_bad_rows;   /* write the good records even when some are rejected */
    wj_encoding encoding; /* WJ_ENC_AUTO: UTF-8 when valid, else GB18030 */
    int64_t by_user;      /* history's changed_by; 0 for the command line */
    /* Optional scope check: false rejects the record ("outside your scope"). */
    bool (*may_create)(void *ctx, const char *area_path);
    /* Optional progress report, after each record: records done of total. */
    void (*progress)(void *ctx, long done, long total);
    void *ctx;
    /* what happened */
    wj_encoding used;  /* the encoding the file was read as */
    long rows;         /* records read (blank ones are not counted) */
    long written;      /* facilities created (stay only if the caller commits) */
    bool file_error;   /* the file as a whole is unusable (encoding, header, an unclosed quote) */
    bool commit;       /* the caller should commit: no file error, and no rejection unless skipping */
    int nrejected;
    facilities_rejection *rejected; /* heap, in line order */
} facilities_import;

/* Imports a CSV file in the caller's write transaction; each record is written under a
 * savepoint, so a rejected one leaves nothing behind on either backend. Afterwards commit
 * when imp->commit, else roll back. False on a database error (db_errmsg(c) says which):
 * roll back. Free imp->rejected with facilities_import_free. */
bool facilities_import_csv(wj_conn *c, const char *data, size_t len, facilities_import *imp);
void facilities_import_free(facilities_import *imp);

/* The export of documents (as facilities_document gives them), in the import's columns:
 * with `zh` the header has the Chinese titles and levels, grades, types and capabilities
 * their Chinese labels (both import back). CSV: UTF-8 with a byte-order mark (so Excel
 * reads it as UTF-8), CRLF; a name or address beginning with = + - @ gets a leading '
 * (so no spreadsheet runs it as a formula), which the import takes off again. */
void facilities_export_csv(wj_buf *out, const json_t *docs, bool zh);
/* The same as an .xlsx workbook (heap bytes in *out). False with `err` filled: 400 when a
 * cell would exceed Excel's 32767 characters, 500 when the workbook cannot be written. */
bool facilities_export_xlsx(const json_t *docs, bool zh, char **out, size_t *len, wj_error *err);

#endif
