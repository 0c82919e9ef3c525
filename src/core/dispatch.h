/* dispatch.h — the request pipeline every route goes through, in the order the API
 * promises: authentication, permission, target scope, precondition (If-Match), query and
 * body validation, idempotency, the handler; then audit, metrics and the request log. */
#ifndef WJ_DISPATCH_H
#define WJ_DISPATCH_H

#include "audit.h"
#include "module.h"

/* Runs a matched request to its reply. The HTTP layer has filled the input fields. When
 * the handler left a group-commit job (r->job), the request is not finished yet: the HTTP
 * layer hands it to wj_commitq_submit, which finishes it after the commit. */
void wj_dispatch(wj_req *r, int route_index);
/* Finishes a request: rolls back what is open, audits what was not audited in its
 * transaction, releases the connection, records metrics and the request log. */
void wj_dispatch_finish(wj_req *r);
/* Releases what the request holds (connection, JSON, headers). */
void wj_req_cleanup(wj_req *r);
/* Fills an audit event describing this request. */
void wj_dispatch_audit_event(const wj_req *r, wj_audit_event *ev);

/* A write's bookkeeping in its open transaction, before the commit (wj_write_commit, and
 * each job of a group commit): its audit rows and its Idempotency-Key record. */
typedef enum {
    WJ_RECORD_OK,
    WJ_RECORD_FAILED,    /* answered 500 */
    WJ_RECORD_DUPLICATE, /* a request with the same key committed first: replay its answer */
} wj_record_status;
wj_record_status wj_write_record(wj_req *r);

#endif
