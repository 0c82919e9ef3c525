/* test_router.c — route matching over the real module registry (wj_modules). */
#include <stdio.h>
#include <string.h>

#include "router.h"
#include "unit.h"
#include "util.h"

typedef struct {
    wj_match m;
    const wj_route *route;
    const wj_module *mod;
    int index, nparams;
    const char *params[4];
    char buf[512];
} match_result;

static match_result *match(match_result *res, const char *method, const char *path)
{
    memset(res, 0, sizeof *res);
    res->index = -1;
    res->m = wj_router_match(method, path, res->buf, sizeof res->buf, &res->route, &res->mod, &res->index,
                             res->params, &res->nparams);
    return res;
}

static int setup(void **state)
{
    (void)state;
    wj_router_init();
    return 0;
}

static void init_indexes_every_route(void **state)
{
    (void)state;
    int n = wj_router_count();
    int expected = 0;
    for (const wj_module *const *m = wj_modules; *m; m++)
        for (const wj_route *r = (*m)->routes; r && r->method; r++)
            expected++;
    assert_true(n > 0);
    assert_int_equal(n, expected);
    wj_router_init(); /* a second call changes nothing */
    assert_int_equal(wj_router_count(), n);
    const wj_module *mod = NULL;
    const wj_route *r0 = wj_router_at(0, &mod);
    assert_non_null(r0);
    assert_non_null(mod);
    assert_ptr_equal(r0, &wj_modules[0]->routes[0]);
}

static void list_route_matches(void **state)
{
    (void)state;
    match_result res;
    assert_int_equal(match(&res, "GET", "/api/v1/areas")->m, WJ_MATCH_OK);
    assert_string_equal(res.route->path, "/api/v1/areas");
    assert_string_equal(res.route->method, "GET");
    assert_string_equal(res.mod->name, "areas");
    assert_int_equal(res.nparams, 0);
    assert_true(res.route->flags & WJ_LIST);
    const wj_module *mod = NULL;
    assert_ptr_equal(wj_router_at(res.index, &mod), res.route);
    assert_ptr_equal(mod, res.mod);
    assert_int_equal(match(&res, "POST", "/api/v1/areas")->m, WJ_MATCH_OK);
    assert_string_equal(res.route->method, "POST");
    assert_non_null(res.route->body);
}

static void path_parameters(void **state)
{
    (void)state;
    match_result res;
    assert_int_equal(match(&res, "GET", "/api/v1/areas/370100000000")->m, WJ_MATCH_OK);
    assert_string_equal(res.route->path, "/api/v1/areas/{code}");
    assert_int_equal(res.nparams, 1);
    assert_string_equal(res.params[0], "370100000000");
    /* Parameters point into the caller's buffer, not into the path. */
    assert_true(res.params[0] >= res.buf && res.params[0] < res.buf + sizeof res.buf);
    assert_int_equal(match(&res, "PATCH", "/api/v1/areas/370100000000")->m, WJ_MATCH_OK);
    assert_string_equal(res.route->method, "PATCH");
    assert_string_equal(res.params[0], "370100000000");
    /* Any text is a parameter as far as the router goes; handlers check its format. */
    assert_int_equal(match(&res, "GET", "/api/v1/areas/not-a-code")->m, WJ_MATCH_OK);
    assert_string_equal(res.params[0], "not-a-code");
}

static void wrong_method_and_path(void **state)
{
    (void)state;
    match_result res;
    assert_int_equal(match(&res, "DELETE", "/api/v1/areas")->m, WJ_MATCH_NO_METHOD);
    assert_int_equal(match(&res, "PUT", "/api/v1/areas/370100000000")->m, WJ_MATCH_NO_METHOD);
    assert_int_equal(match(&res, "get", "/api/v1/areas")->m, WJ_MATCH_NO_METHOD);
    assert_int_equal(match(&res, "GET", "/api/v1/nope")->m, WJ_MATCH_NO_PATH);
    assert_int_equal(match(&res, "GET", "/api/v1/areas/")->m, WJ_MATCH_NO_PATH);          /* trailing slash */
    assert_int_equal(match(&res, "GET", "/api/v1/areas/370100000000/")->m, WJ_MATCH_NO_PATH);
    assert_int_equal(match(&res, "GET", "/api/v1/areas/370100000000/x")->m, WJ_MATCH_NO_PATH);
    assert_int_equal(match(&res, "GET", "/api/v1//areas")->m, WJ_MATCH_NO_PATH);
    assert_int_equal(match(&res, "GET", "/api/v1/AREAS")->m, WJ_MATCH_NO_PATH);
    assert_int_equal(match(&res, "GET", "/api/v1")->m, WJ_MATCH_NO_PATH);
    assert_int_equal(match(&res, "GET", "/")->m, WJ_MATCH_NO_PATH);
    assert_int_equal(match(&res, "GET", "")->m, WJ_MATCH_NO_PATH);
    assert_int_equal(match(&res, "GET", "api/v1/areas")->m, WJ_MATCH_NO_PATH);
    assert_int_equal(match(&res, "GET", "//api/v1/areas")->m, WJ_MATCH_NO_PATH);
    assert_null(res.route);
}

static void overlong_paths(void **state)
{
    (void)state;
    /* Longer than the caller's buffer. */
    char path[1024] = "/api/v1/areas/";
    memset(path + strlen(path), '7', sizeof path - strlen(path) - 1);
    path[sizeof path - 1] = '\0';
    match_result res;
    assert_int_equal(match(&res, "GET", path)->m, WJ_MATCH_NO_PATH);
    /* Exactly fits: the buffer needs len + 1 bytes. */
    char small[32];
    const wj_route *route = NULL;
    const wj_module *mod = NULL;
    const char *params[4];
    int index = -1, np = 0;
    assert_int_equal(wj_router_match("GET", "/api/v1/areas", small, 14, &route, &mod, &index, params, &np),
                     WJ_MATCH_OK);
    assert_int_equal(wj_router_match("GET", "/api/v1/areas", small, 13, &route, &mod, &index, params, &np),
                     WJ_MATCH_NO_PATH);
    /* Many segments. */
    char deep[512] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "/a");
    assert_int_equal(match(&res, "GET", deep)->m, WJ_MATCH_NO_PATH);
    strcpy(deep, "/api/v1/areas");
    for (int i = 0; i < 20; i++)
        strcat(deep, "/7");
    assert_int_equal(match(&res, "GET", deep)->m, WJ_MATCH_NO_PATH);
}

/* Every registered route matches a concrete path made from its own template. */
static void every_route_matches_itself(void **state)
{
    (void)state;
    for (int i = 0; i < wj_router_count(); i++) {
        const wj_module *mod;
        const wj_route *rt = wj_router_at(i, &mod);
        char path[256] = "";
        int nparams = 0;
        for (const char *t = rt->path; *t;) {
            if (*t == '{') {
                const char *close = strchr(t, '}');
                assert_non_null(close);
                strcat(path, "123456789");
                nparams++;
                t = close + 1;
            } else {
                strncat(path, t, 1);
                t++;
            }
        }
        match_result res;
        if (match(&res, rt->method, path)->m != WJ_MATCH_OK)
            fail_msg("%s %s (as %s) does not match", rt->method, rt->path, path);
        /* A literal route of the same method may win over a parameter ("export" over {id}),
         * never the other way round. */
        assert_true(res.nparams <= nparams);
        if (res.nparams == nparams && res.route != rt)
            fail_msg("%s %s matched %s instead", rt->method, path, res.route->path);
        for (int k = 0; k < res.nparams; k++)
            assert_string_equal(res.params[k], "123456789");
    }
}

int run_router_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_indexes_every_route), cmocka_unit_test(list_route_matches),
        cmocka_unit_test(path_parameters),          cmocka_unit_test(wrong_method_and_path),
        cmocka_unit_test(overlong_paths),           cmocka_unit_test(every_route_matches_itself),
    };
    return cmocka_run_group_tests_name("router", tests, setup, NULL);
}
