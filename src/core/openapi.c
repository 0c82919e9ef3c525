/* openapi.c — see openapi.h. */
#include "openapi.h"

#include <string.h>

#include "module.h"
#include "router.h"
#include "util.h"

static json_t *field_schema(const wj_field *f, wj_type t);

static json_t *object_schema(const wj_schema *s)
{
    json_t *props = json_object(), *req = json_array();
    for (const wj_field *f = s->fields; f->name; f++) {
        json_object_set_new(props, f->name, field_schema(f, f->type));
        if (f->flags & WJ_REQUIRED)
            json_array_append_new(req, json_string(f->name));
    }
    json_t *o = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props, "additionalProperties", 0);
    if (json_array_size(req))
        json_object_set_new(o, "required", req);
    else
        json_decref(req);
    return o;
}

static const char *format_name(wj_format f)
{
    switch (f) {
    case WJ_F_ID: return "wj-id";
    case WJ_F_AREA_CODE: return "wj-area-code";
    case WJ_F_DATE: return "date";
    case WJ_F_DATETIME: return "date-time";
    case WJ_F_LATLON: return "wj-latlon";
    case WJ_F_PHONE: return "wj-phone";
    case WJ_F_NONE: break;
    }
    return NULL;
}

static json_t *field_schema(const wj_field *f, wj_type t)
{
    json_t *o = json_object();
    static const char *names[] = {"", "string", "integer", "number", "boolean", "object", "array"};
    if (t == WJ_T_OBJECT && f->object) {
        json_decref(o);
        o = object_schema(f->object);
    } else {
        json_object_set_new(o, "type", json_string(names[t]));
    }
    if (t == WJ_T_ARRAY)
        json_object_set_new(o, "items", f->object ? object_schema(f->object) : field_schema(f, f->items));
    const char *fmt = format_name(f->format);
    if (fmt && t != WJ_T_ARRAY)
        json_object_set_new(o, "format", json_string(fmt));
    if (f->min != 0 || f->max != 0) {
        const char *lo = t == WJ_T_STRING ? "minLength" : t == WJ_T_ARRAY ? "minItems" : "minimum";
        const char *hi = t == WJ_T_STRING ? "maxLength" : t == WJ_T_ARRAY ? "maxItems" : "maximum";
        if (t != WJ_T_OBJECT && t != WJ_T_BOOL) {
            json_object_set_new(o, lo, json_real(f->min));
            json_object_set_new(o, hi, json_real(f->max));
        }
    }
    if (f->enums && t != WJ_T_ARRAY) {
        json_t *e = json_array(), *labels = json_object();
        for (const wj_enum *x = f->enums; x->code; x++) {
            json_array_append_new(e, json_string(x->code));
            json_object_set_new(labels, x->code, json_pack("{s:s, s:s}", "zh", x->zh, "en", x->en));
        }
        json_object_set_new(o, "enum", e);
        json_object_set_new(o, "x-labels", labels);
    }
    if (f->flags & WJ_NULLABLE)
        json_object_set_new(o, "nullable", json_true());
    if (f->desc)
        json_object_set_new(o, "description", json_string(f->desc));
    return o;
}

static json_t *error_response(const char *desc)
{
    return json_pack("{s:s, s:{s:{s:{s:s}}}}", "description", desc, "content", "application/json", "schema", "$ref",
                     "#/components/schemas/Error");
}

static json_t *operation(const wj_route *r, const wj_module *m)
{
    json_t *op = json_object();
    json_object_set_new(op, "summary", json_string(r->summary ? r->summary : ""));
    json_object_set_new(op, "tags", json_pack("[s]", m->name));
    char opid[200];
    snprintf(opid, sizeof opid, "%s %s", r->method, r->path);
    json_object_set_new(op, "operationId", json_string(opid));
    json_object_set_new(op, "x-permission", r->perm ? json_string(r->perm) : json_null());
    static const char *scopes[] = {"public", "any", "target"};
    json_object_set_new(op, "x-scope", json_string(scopes[r->scope]));
    if (r->perm) {
        json_t *roles = json_array();
        unsigned mask = wj_perm_roles(r->perm);
        for (int i = 0; i < WJ_ROLE_COUNT; i++)
            if (mask & (1u << i))
                json_array_append_new(roles, json_string(wj_role_name((wj_role)i)));
        json_object_set_new(op, "x-roles", roles);
    }
    if (r->scope == WJ_SCOPE_PUBLIC)
        json_object_set_new(op, "security", json_array());
    json_t *params = json_array();
    for (const char *p = strchr(r->path, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        json_array_append_new(params, json_pack("{s:s%, s:s, s:b, s:{s:s}}", "name", p + 1, (size_t)(end - p - 1),
                                                "in", "path", "required", 1, "schema", "type", "string"));
    }
    for (const wj_param *q = r->query; q && q->name; q++) {
        json_t *pp = json_pack("{s:s, s:s, s:b, s:o}", "name", q->name, "in", "query", "required",
                               (q->flags & WJ_REQUIRED) != 0, "schema", field_schema(q, q->type));
        json_array_append_new(params, pp);
    }
    if (r->flags & WJ_LIST) {
        json_array_append_new(params, json_pack("{s:s, s:s, s:{s:s, s:i, s:i, s:i}}", "name", "limit", "in", "query",
                                                "schema", "type", "integer", "minimum", 1, "maximum", 500, "default",
                                                50));
        json_array_append_new(params,
                              json_pack("{s:s, s:s, s:{s:s}}", "name", "cursor", "in", "query", "schema", "type", "string"));
        if (r->sorts) {
            json_t *e = json_array();
            for (const char *const *s = r->sorts; *s; s++)
                json_array_append_new(e, json_string(*s));
            json_array_append_new(params, json_pack("{s:s, s:s, s:{s:s, s:o}}", "name", "sort", "in", "query", "schema",
                                                    "type", "string", "enum", e));
        }
    }
    if (r->flags & WJ_IF_MATCH)
        json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", "If-Match", "in", "header",
                                                "required", 1, "schema", "type", "string"));
    if (strcmp(r->method, "POST") == 0)
        json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", "Idempotency-Key", "in", "header",
                                                "required", 0, "schema", "type", "string"));
    json_object_set_new(op, "parameters", params);
    if (r->body) {
        char ref[200];
        snprintf(ref, sizeof ref, "#/components/schemas/%s", r->body->name);
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:{s:s}}}}", "required", 1, "content", "application/json", "schema",
                                      "$ref", ref));
    }
    if (r->flags & WJ_RAW_BODY)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:{s:s}}}}", "required", 1, "content", "text/csv", "schema", "type",
                                      "string"));
    json_t *resp = json_object();
    char code[8];
    snprintf(code, sizeof code, "%d", r->success ? r->success : 200);
    json_object_set_new(resp, code, json_pack("{s:s}", "description", "success"));
    json_object_set_new(resp, "400", error_response("malformed_json, invalid_type, invalid_parameter"));
    if (r->scope != WJ_SCOPE_PUBLIC) {
        json_object_set_new(resp, "401", error_response("unauthenticated"));
        json_object_set_new(resp, "403", error_response("forbidden"));
    }
    if (r->scope == WJ_SCOPE_TARGET || strchr(r->path, '{'))
        json_object_set_new(resp, "404", error_response("not_found"));
    if (r->flags & WJ_IF_MATCH) {
        json_object_set_new(resp, "412", error_response("stale_version"));
        json_object_set_new(resp, "428", error_response("precondition_required"));
    }
    if (r->body || (r->flags & WJ_RAW_BODY)) {
        json_object_set_new(resp, "413", error_response("payload_too_large"));
        json_object_set_new(resp, "415", error_response("unsupported_media_type"));
        json_object_set_new(resp, "422", error_response("missing_field, invalid_value, unknown_reference"));
    }
    if (strcmp(r->method, "GET") != 0)
        json_object_set_new(resp, "409", error_response("conflict"));
    json_object_set_new(op, "responses", resp);
    return op;
}

static void add_schema_components(json_t *schemas, const wj_schema *s)
{
    if (s && !json_object_get(schemas, s->name))
        json_object_set_new(schemas, s->name, object_schema(s));
}

json_t *wj_openapi_document(void)
{
    wj_router_init();
    json_t *paths = json_object(), *schemas = json_object();
    for (int i = 0; i < wj_router_count(); i++) {
        const wj_module *m;
        const wj_route *r = wj_router_at(i, &m);
        json_t *item = json_object_get(paths, r->path);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, r->path, item);
        }
        char method[16];
        size_t k = 0;
        for (; r->method[k] && k < sizeof method - 1; k++)
            method[k] = (char)(r->method[k] | 0x20);
        method[k] = '\0';
        json_object_set_new(item, method, operation(r, m));
        add_schema_components(schemas, r->body);
    }
    json_object_set_new(
        schemas, "Error",
        json_pack("{s:s, s:{s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s, s:b}, s:{s:s}}}}}", "type", "object", "properties",
                  "error", "type", "object", "properties", "code", "type", "string", "message", "type", "string",
                  "field", "type", "string", "nullable", 1, "details", "type", "object"));
    return json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:o, s:{s:{s:s, s:s}}}, s:[{s:[]}]}", "openapi", "3.0.3",
                     "info", "title", "Weijian API", "version", "1", "description",
                     "Regional health-service platform. Generated from the route tables.", "paths", paths,
                     "components", "schemas", schemas, "securitySchemes", "bearer", "type", "http", "scheme",
                     "bearer", "security", "bearer");
}
