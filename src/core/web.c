/* web.c — see web.h. Until the console lands, "/" is a bilingual landing page that says what
 * runs here and where the API and its description are. */
#include "web.h"

#include <string.h>

#include "util.h"

static const char landing[] =
    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    "<title>卫健服务平台 Weijian</title><style>body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;"
    "max-width:42rem;margin:3rem auto;padding:0 1rem;line-height:1.6;color:#1f2937}code{background:#f3f4f6;"
    "padding:.1rem .3rem;border-radius:.2rem}h1{color:#0f766e}</style></head><body>"
    "<h1>卫健服务平台 · Weijian</h1>"
    "<p>区域卫生健康服务平台正在运行。接口位于 <code>/api/v1/</code>，接口说明见 "
    "<a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>。</p>"
    "<p lang=\"en\">The regional health-service platform is running. The API is under "
    "<code>/api/v1/</code>; its description is at <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>. "
    "Log in with <code>POST /api/v1/auth/login</code>.</p>"
    "<p><a href=\"/healthz\">/healthz</a> · <a href=\"/metrics\">/metrics</a></p></body></html>";

bool wj_web_serve(wj_req *r)
{
    if (strcmp(r->method, "GET") != 0 || (strcmp(r->path, "/") != 0 && strcmp(r->path, "/index.html") != 0))
        return false;
    r->out_raw = wj_xstrdup(landing);
    r->out_raw_len = sizeof landing - 1;
    r->out_type = "text/html; charset=utf-8";
    r->status = 200;
    return true;
}
