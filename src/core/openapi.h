/* openapi.h — the OpenAPI 3.0 document, generated from the route tables and schemas, so
 * the published API cannot drift from what the router serves. */
#ifndef WJ_OPENAPI_H
#define WJ_OPENAPI_H

#include <jansson.h>

json_t *wj_openapi_document(void);

#endif
