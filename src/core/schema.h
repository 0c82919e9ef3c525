/* schema.h — declarative request schemas: one table per request body or query, read by
 * validation (schema.c), by the OpenAPI generator and by the fuzz target.
 *
 * Error mapping, fixed for every module:
 *   wrong JSON type (string where a number belongs, object where an array belongs) → 400 invalid_type
 *   required field absent                                                           → 422 missing_field
 *   value out of range, bad format, not in the enum, unknown field                  → 422 invalid_value
 *   bad query parameter (any of the above)                                          → 400 invalid_parameter
 * `field` is the JSON path of the offending value: campuses[1].departments[0].name. */
#ifndef WJ_SCHEMA_H
#define WJ_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

typedef enum { WJ_T_STRING = 1, WJ_T_INT, WJ_T_NUMBER, WJ_T_BOOL, WJ_T_OBJECT, WJ_T_ARRAY } wj_type;

typedef enum {
    WJ_F_NONE = 0,
    WJ_F_ID,        /* opaque id: decimal string of a positive int64 */
    WJ_F_AREA_CODE, /* 12-digit statistical division code */
    WJ_F_DATE,      /* YYYY-MM-DD, a real calendar date */
    WJ_F_DATETIME,  /* RFC 3339 instant */
    WJ_F_LATLON,    /* query only: "lat,lon" in degrees */
    WJ_F_PHONE,     /* mainland mobile (11 digits, 1[3-9]…) or landline with area code */
} wj_format;

enum {
    WJ_REQUIRED = 1u << 0, /* must be present on create (PATCH bodies are partial) */
    WJ_NULLABLE = 1u << 1, /* JSON null accepted (clears the value) */
};

/* A code with its labels: facility types, levels, capabilities, … */
typedef struct wj_enum {
    const char *code;
    const char *zh;
    const char *en;
} wj_enum;

typedef struct wj_schema wj_schema;

typedef struct wj_field {
    const char *name;
    wj_type type;
    unsigned flags;
    wj_format format;
    /* Bounds, inclusive; both zero means unbounded. Strings: length in characters;
     * numbers: value; arrays: number of items. */
    double min, max;
    const wj_enum *enums;    /* {NULL}-terminated allowed codes, or NULL */
    const wj_schema *object; /* WJ_T_OBJECT, or the items of a WJ_T_ARRAY of objects */
    wj_type items;           /* item type of a WJ_T_ARRAY of scalars */
    const char *desc;
} wj_field;

struct wj_schema {
    const char *name;       /* component name in OpenAPI */
    const wj_field *fields; /* terminated by an entry with name == NULL */
};

/* Validates `v` against `s`. With `partial` (PATCH), required fields may be absent.
 * Returns true when valid; otherwise fills `err` and returns false. */
bool wj_schema_validate(const wj_schema *s, const json_t *v, bool partial, wj_error *err);

/* Query parameters: declared like fields (type is one of STRING, INT, NUMBER, BOOL). */
typedef wj_field wj_param;

/* A query as received: name/value pairs in order. */
typedef struct wj_query {
    const char *names[32];
    const char *values[32];
    int n;
} wj_query;

/* Checks every received parameter against the declared ones (NULL-name terminated) plus
 * the list parameters limit/cursor/sort when `is_list`. Unknown or repeated parameters
 * are rejected: a typo must not silently widen a search. */
bool wj_query_validate(const wj_param *decl, bool is_list, const wj_query *q, wj_error *err);
const char *wj_query_get(const wj_query *q, const char *name);

/* Format checks shared with modules. */
bool wj_format_ok(wj_format f, const char *s);
const wj_enum *wj_enum_find(const wj_enum *e, const char *code);

#endif
