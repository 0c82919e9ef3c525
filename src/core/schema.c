/* schema.c — validation of bodies and queries against the declarative tables in schema.h. */
#include "schema.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "ids.h"
#include "util.h"

#define MAX_DEPTH 8

static const char *type_name(wj_type t)
{
    switch (t) {
    case WJ_T_STRING: return "string";
    case WJ_T_INT: return "integer";
    case WJ_T_NUMBER: return "number";
    case WJ_T_BOOL: return "boolean";
    case WJ_T_OBJECT: return "object";
    case WJ_T_ARRAY: return "array";
    }
    return "?";
}

const wj_enum *wj_enum_find(const wj_enum *e, const char *code)
{
    for (; e && e->code; e++)
        if (strcmp(e->code, code) == 0)
            return e;
    return NULL;
}

static bool phone_ok(const char *s)
{
    size_t n = strlen(s);
    /* Mobile: 11 digits starting 13–19. Landline: 0 + area code + number, optional dash,
     * 10–12 digits in all (010-12345678, 0531-1234567). */
    if (n == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && wj_all_digits(s, 11))
        return true;
    if (s[0] != '0')
        return false;
    int digits = 0, dashes = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits++;
        else if (*p == '-' && p > s + 2 && dashes == 0)
            dashes++;
        else
            return false;
    }
    return digits >= 10 && digits <= 12;
}

bool wj_format_ok(wj_format f, const char *s)
{
    int64_t tmp;
    switch (f) {
    case WJ_F_NONE: return true;
    case WJ_F_ID: return wj_id_parse(s, &tmp);
    case WJ_F_AREA_CODE: return wj_all_digits(s, 12);
    case WJ_F_DATE: return wj_date_valid(s);
    case WJ_F_DATETIME: return wj_time_parse(s, &tmp);
    case WJ_F_PHONE: return phone_ok(s);
    case WJ_F_LATLON: {
        const char *comma = strchr(s, ',');
        if (!comma)
            return false;
        char lat[64];
        size_t n = (size_t)(comma - s);
        if (n == 0 || n >= sizeof lat)
            return false;
        memcpy(lat, s, n);
        lat[n] = '\0';
        double la, lo;
        return wj_parse_double(lat, &la) && wj_parse_double(comma + 1, &lo) && la >= -90 && la <= 90 &&
               lo >= -180 && lo <= 180;
    }
    }
    return false;
}

static const char *format_hint(wj_format f)
{
    switch (f) {
    case WJ_F_ID: return "an id (decimal string)";
    case WJ_F_AREA_CODE: return "a 12-digit division code";
    case WJ_F_DATE: return "a date YYYY-MM-DD";
    case WJ_F_DATETIME: return "an RFC 3339 time";
    case WJ_F_LATLON: return "lat,lon in degrees";
    case WJ_F_PHONE: return "a phone number (13812345678 or 0531-12345678)";
    case WJ_F_NONE: break;
    }
    return "well formed";
}

/* True for "" and strings of ASCII or ideographic (U+3000) spaces only. */
static bool blank(const char *s)
{
    while (*s) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        else if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
            s += 3;
        else
            return false;
    }
    return true;
}

static bool bounded(const wj_field *f)
{
    return f->min != 0 || f->max != 0;
}

/* Checks a scalar against the field's type, bounds, format and enum.
 * `status_type`/`code_*` let the same check serve bodies (400/422) and queries (400). */
static bool check_value(const wj_field *f, wj_type t, const json_t *v, const char *path, bool query, wj_error *err)
{
    const int st_type = 400, st_value = query ? 400 : 422;
    const char *c_type = query ? "invalid_parameter" : "invalid_type";
    const char *c_value = query ? "invalid_parameter" : "invalid_value";
    switch (t) {
    case WJ_T_STRING: {
        if (!json_is_string(v)) {
            wj_error_set(err, st_type, c_type, path, "must be a string");
            return false;
        }
        const char *s = json_string_value(v);
        long len = wj_utf8_len(s);
        if (len < 0 || strlen(s) != json_string_length(v)) {
            wj_error_set(err, st_value, c_value, path, "must be valid UTF-8 without NUL characters");
            return false;
        }
        if (!query && ((f->flags & WJ_REQUIRED) || f->min >= 1) && blank(s)) {
            /* A string that must carry something cannot be only spaces either. */
            wj_error_set(err, st_value, c_value, path, "must not be blank");
            return false;
        }
        if (bounded(f) && (len < f->min || len > f->max)) {
            wj_error_set(err, st_value, c_value, path, "length must be between %.0f and %.0f characters", f->min,
                         f->max);
            return false;
        }
        if (f->format && !wj_format_ok(f->format, s)) {
            wj_error_set(err, st_value, c_value, path, "must be %s", format_hint(f->format));
            return false;
        }
        if (f->enums && !wj_enum_find(f->enums, s)) {
            wj_buf b = {0};
            for (const wj_enum *e = f->enums; e->code; e++)
                wj_buf_printf(&b, "%s%s", b.len ? ", " : "", e->code);
            wj_error_set(err, st_value, c_value, path, "must be one of: %.200s", b.data ? b.data : "");
            wj_buf_free(&b);
            return false;
        }
        return true;
    }
    case WJ_T_INT:
    case WJ_T_NUMBER: {
        if (!json_is_number(v) || (t == WJ_T_INT && !json_is_integer(v))) {
            wj_error_set(err, st_type, c_type, path, "must be %s", t == WJ_T_INT ? "an integer" : "a number");
            return false;
        }
        double d = json_number_value(v);
        if (!isfinite(d) || (bounded(f) && (d < f->min || d > f->max))) {
            wj_error_set(err, st_value, c_value, path, "must be between %g and %g", f->min, f->max);
            return false;
        }
        return true;
    }
    case WJ_T_BOOL:
        if (!json_is_boolean(v)) {
            wj_error_set(err, st_type, c_type, path, "must be true or false");
            return false;
        }
        return true;
    case WJ_T_OBJECT:
    case WJ_T_ARRAY: break;
    }
    return false;
}

static bool validate_object(const wj_schema *s, const json_t *v, bool partial, const char *prefix, int depth,
                            wj_error *err);

static bool validate_field(const wj_field *f, const json_t *v, bool partial, const char *path, int depth,
                           wj_error *err)
{
    if (json_is_null(v)) {
        if (f->flags & WJ_NULLABLE)
            return true;
        if (f->flags & WJ_REQUIRED)
            wj_error_set(err, 422, "missing_field", path, "is required and must not be null");
        else
            wj_error_set(err, 400, "invalid_type", path, "must be %s, not null", type_name(f->type));
        return false;
    }
    if (f->type == WJ_T_OBJECT) {
        if (!json_is_object(v)) {
            wj_error_set(err, 400, "invalid_type", path, "must be an object");
            return false;
        }
        return validate_object(f->object, v, partial, path, depth + 1, err);
    }
    if (f->type == WJ_T_ARRAY) {
        if (!json_is_array(v)) {
            wj_error_set(err, 400, "invalid_type", path, "must be an array");
            return false;
        }
        size_t n = json_array_size(v);
        if (bounded(f) && (n < f->min || n > f->max)) {
            wj_error_set(err, 422, "invalid_value", path, "must hold between %.0f and %.0f items", f->min, f->max);
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            char ipath[160];
            snprintf(ipath, sizeof ipath, "%s[%zu]", path, i);
            const json_t *item = json_array_get(v, i);
            if (f->object) {
                if (!json_is_object(item)) {
                    wj_error_set(err, 400, "invalid_type", ipath, "must be an object");
                    return false;
                }
                /* Items of an array are whole new objects even inside a PATCH. */
                if (!validate_object(f->object, item, false, ipath, depth + 1, err))
                    return false;
            } else {
                wj_field item_field = {.name = f->name, .type = f->items, .format = f->format, .enums = f->enums};
                if (!check_value(&item_field, f->items, item, ipath, false, err))
                    return false;
            }
        }
        return true;
    }
    return check_value(f, f->type, v, path, false, err);
}

/* prefix.key (key alone at the top), cut to fit: every field of every body passes here. */
static void field_path(char out[160], const char *prefix, const char *key)
{
    size_t a = strnlen(prefix, 150), b = strnlen(key, 158 - a);
    memcpy(out, prefix, a);
    if (a)
        out[a++] = '.';
    memcpy(out + a, key, b);
    out[a + b] = '\0';
}

static bool validate_object(const wj_schema *s, const json_t *v, bool partial, const char *prefix, int depth,
                            wj_error *err)
{
    if (depth > MAX_DEPTH) {
        wj_error_set(err, 422, "invalid_value", prefix, "nested too deeply");
        return false;
    }
    const char *key;
    json_t *val;
    /* Unknown fields first: a misspelt field must not be dropped silently. */
    json_object_foreach((json_t *)v, key, val) {
        const wj_field *f = s->fields;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        if (!f->name) {
            char path[160];
            field_path(path, prefix, key);
            wj_error_set(err, 422, "invalid_value", path, "unknown field");
            return false;
        }
    }
    for (const wj_field *f = s->fields; f->name; f++) {
        char path[160];
        field_path(path, prefix, f->name);
        const json_t *fv = json_object_get(v, f->name);
        if (!fv) {
            if ((f->flags & WJ_REQUIRED) && !partial) {
                wj_error_set(err, 422, "missing_field", path, "is required");
                return false;
            }
            continue;
        }
        if (!validate_field(f, fv, partial, path, depth, err))
            return false;
    }
    return true;
}

bool wj_schema_validate(const wj_schema *s, const json_t *v, bool partial, wj_error *err)
{
    if (!json_is_object(v)) {
        wj_error_set(err, 400, "invalid_type", "", "the request body must be a JSON object");
        return false;
    }
    return validate_object(s, v, partial, "", 0, err);
}

/* ---- queries ---- */

static const wj_param list_params[] = {
    {.name = "limit", .type = WJ_T_INT, .min = 1, .max = 500, .desc = "page size (default 50)"},
    {.name = "cursor", .type = WJ_T_STRING, .min = 1, .max = 512, .desc = "next_cursor of the previous page"},
    {.name = "sort", .type = WJ_T_STRING, .min = 1, .max = 64, .desc = "sort key; '-' prefix for descending"},
    {0},
};

const char *wj_query_get(const wj_query *q, const char *name)
{
    for (int i = 0; i < q->n; i++)
        if (strcmp(q->names[i], name) == 0)
            return q->values[i];
    return NULL;
}

static bool check_param(const wj_param *p, const char *value, wj_error *err)
{
    json_t *v = NULL;
    switch (p->type) {
    case WJ_T_INT: {
        int64_t i;
        if (!wj_parse_i64(value, &i)) {
            wj_error_set(err, 400, "invalid_parameter", p->name, "must be an integer");
            return false;
        }
        v = json_integer(i);
        break;
    }
    case WJ_T_NUMBER: {
        double d;
        if (!wj_parse_double(value, &d)) {
            wj_error_set(err, 400, "invalid_parameter", p->name, "must be a number");
            return false;
        }
        v = json_real(d);
        break;
    }
    case WJ_T_BOOL:
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
            wj_error_set(err, 400, "invalid_parameter", p->name, "must be true or false");
            return false;
        }
        return true;
    default: v = json_string(value); break;
    }
    if (!v) { /* json_string refuses invalid UTF-8 */
        wj_error_set(err, 400, "invalid_parameter", p->name, "must be valid UTF-8");
        return false;
    }
    bool ok = check_value(p, p->type, v, p->name, true, err);
    json_decref(v);
    return ok;
}

bool wj_query_validate(const wj_param *decl, bool is_list, const wj_query *q, wj_error *err)
{
    for (int i = 0; i < q->n; i++) {
        for (int j = 0; j < i; j++)
            if (strcmp(q->names[i], q->names[j]) == 0) {
                wj_error_set(err, 400, "invalid_parameter", q->names[i], "given more than once");
                return false;
            }
        const wj_param *p = NULL;
        for (const wj_param *d = decl; d && d->name && !p; d++)
            if (strcmp(d->name, q->names[i]) == 0)
                p = d;
        for (const wj_param *d = list_params; is_list && d->name && !p; d++)
            if (strcmp(d->name, q->names[i]) == 0)
                p = d;
        if (!p) {
            wj_error_set(err, 400, "invalid_parameter", q->names[i], "unknown query parameter");
            return false;
        }
        if (!check_param(p, q->values[i] ? q->values[i] : "", err))
            return false;
    }
    for (const wj_param *d = decl; d && d->name; d++)
        if ((d->flags & WJ_REQUIRED) && !wj_query_get(q, d->name)) {
            wj_error_set(err, 400, "invalid_parameter", d->name, "is required");
            return false;
        }
    return true;
}
