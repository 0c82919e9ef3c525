/* map.c — module "map": what the console's maps draw beneath facilities. Today the road
 * network (no external tiles: the map works offline and on closed networks). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/module.h"
#include "../core/util.h"
#include "modules.h"
#include "roads.h"

/* The whole network as one GeoJSON FeatureCollection, built once: coordinates rounded to
 * 1e-5 degrees (about a metre), each way a LineString with its class and name. */
static char *geojson;
static size_t geojson_len;
static char geojson_etag[72];
static pthread_once_t geojson_once = PTHREAD_ONCE_INIT;

static void build_geojson(void)
{
    const roads *r = roads_default();
    if (!r)
        return;
    wj_buf b = {0};
    wj_buf_printf(&b, "{\"type\":\"FeatureCollection\",\"bbox\":[%.5f,%.5f,%.5f,%.5f],"
                      "\"attribution\":\"© OpenStreetMap contributors (ODbL)\",\"features\":[",
                  r->min_lon, r->min_lat, r->max_lon, r->max_lat);
    for (size_t w = 0; w < r->nways; w++) {
        const roads_way *rw = &r->ways[w];
        if (rw->count < 2)
            continue;
        json_t *props = json_pack("{s:s, s:o}", "highway", rw->highway, "name",
                                  rw->name ? json_string(rw->name) : json_null());
        char *ptext = json_dumps(props, JSON_COMPACT);
        json_decref(props);
        wj_buf_printf(&b, "%s{\"type\":\"Feature\",\"properties\":%s,\"geometry\":{\"type\":\"LineString\","
                          "\"coordinates\":[",
                      b.data[b.len - 1] == '[' ? "" : ",", ptext ? ptext : "{}");
        free(ptext);
        for (size_t i = 0; i < rw->count; i++) {
            const roads_node *n = &r->nodes[r->refs[rw->first + i]];
            wj_buf_printf(&b, "%s[%.5f,%.5f]", i ? "," : "", n->lon, n->lat);
        }
        wj_buf_puts(&b, "]}}");
    }
    wj_buf_puts(&b, "]}");
    char h[65];
    wj_sha256_hex(b.data, b.len, h);
    snprintf(geojson_etag, sizeof geojson_etag, "\"%.32s\"", h);
    geojson = b.data;
    geojson_len = b.len;
}

static void roads_geojson(wj_req *r)
{
    pthread_once(&geojson_once, build_geojson);
    if (!geojson) {
        wj_fail(r, 404, "not_found", NULL, "no road network is configured (WEIJIAN_ROADS)");
        return;
    }
    snprintf(r->etag, sizeof r->etag, "%s", geojson_etag);
    const char *inm = r->header(r, "If-None-Match");
    if (inm && strcmp(inm, geojson_etag) == 0) {
        wj_reply_raw(r, 304, "application/geo+json", wj_xstrdup(""), 0);
        return;
    }
    wj_reply_raw(r, 200, "application/geo+json", wj_xstrndup(geojson, geojson_len), geojson_len);
}

static const wj_permission perms[] = {
    {"map.read", WJ_ROLES_ALL, "see map backgrounds (road network)"},
    {0},
};

static const wj_route routes[] = {
    {"GET", "/api/v1/map/roads", roads_geojson, "map.read", WJ_SCOPE_ANY,
     .summary = "The road network as GeoJSON LineStrings (OpenStreetMap, ODbL), for map backgrounds",
     .success = 200},
    {0},
};

const wj_module wj_module_map = {
    .name = "map",
    .title_zh = "地图",
    .title_en = "Map",
    .routes = routes,
    .perms = perms,
};
