/* web.h — static pages served beside the API (the console; its full form arrives with the
 * console issue). */
#ifndef WJ_WEB_H
#define WJ_WEB_H

#include <stdbool.h>

#include "module.h"

/* Answers GET requests for console paths; false when the path is not a page. */
bool wj_web_serve(wj_req *r);

#endif
