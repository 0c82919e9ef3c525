/* router.h — matches a method and path against every module's route table. */
#ifndef WJ_ROUTER_H
#define WJ_ROUTER_H

#include "module.h"

/* Builds the flat route index from wj_modules (once, at start). Aborts on a duplicate
 * (method, path) pair: two modules claiming one route is a programming error. */
void wj_router_init(void);
int wj_router_count(void);
const wj_route *wj_router_at(int i, const wj_module **mod);

typedef enum { WJ_MATCH_OK, WJ_MATCH_NO_PATH, WJ_MATCH_NO_METHOD } wj_match;

/* Matches; on success fills the route, its module, its index and the path parameters
 * (pointers into `buf`, a copy of the path the caller provides, of at least len+1 bytes). */
wj_match wj_router_match(const char *method, const char *path, char *buf, size_t buflen, const wj_route **route,
                         const wj_module **mod, int *index, const char *params[4], int *nparams);

#endif
