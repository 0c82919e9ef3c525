/* dispatch.h — the request pipeline every route goes through, in the order the API
 * promises: authentication, permission, target scope, precondition (If-Match), query and
 * body validation, idempotency, the handler; then audit, metrics and the request log. */
#ifndef WJ_DISPATCH_H
#define WJ_DISPATCH_H

#include "audit.h"
#include "module.h"

/* Runs a matched request to its reply. The HTTP layer has filled the input fields. */
void wj_dispatch(wj_req *r, int route_index);
/* Releases what the request holds (connection, JSON, headers). */
void wj_req_cleanup(wj_req *r);
/* Fills an audit event describing this request. */
void wj_dispatch_audit_event(const wj_req *r, wj_audit_event *ev);

#endif
