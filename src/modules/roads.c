/* roads.c — see roads.h. A PBF extract lists nodes before ways (sorted Type_then_ID), so
 * one pass keeps every node, then keeps the ways with a road class and the nodes they use. */
#include "roads.h"

#include <pthread.h>
#include <readosm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"

typedef struct loader {
    roads_node *all;
    size_t nall, capall;
    roads_way *ways;
    size_t nways, capways;
    int64_t *wayrefs; /* osm node ids of kept ways, resolved after the pass */
    size_t nrefs, caprefs;
    bool unsorted;
} loader;

/* Classes kept: what a car, an ambulance or a walker can use to reach a facility. */
static const char *const classes[] = {
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential", "living_street",
    "service", "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link", "track",
    "road", "pedestrian", "footway", "path", "steps", NULL,
};

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap * 2 : 1024;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * size);
    if (!q)
        abort();
    *cap = c;
    return q;
}

static int on_node(const void *user, const readosm_node *n)
{
    loader *l = (loader *)user;
    if (l->nall && n->id < l->all[l->nall - 1].osm_id)
        l->unsorted = true;
    l->all = grow(l->all, &l->capall, l->nall + 1, sizeof *l->all);
    l->all[l->nall++] = (roads_node){n->id, n->latitude, n->longitude};
    return READOSM_OK;
}

static int on_way(const void *user, const readosm_way *w)
{
    loader *l = (loader *)user;
    const char *hw = NULL, *name = NULL;
    for (int i = 0; i < w->tag_count; i++) {
        if (strcmp(w->tags[i].key, "highway") == 0)
            hw = w->tags[i].value;
        else if (strcmp(w->tags[i].key, "name") == 0)
            name = w->tags[i].value;
    }
    bool keep = false;
    for (const char *const *c = classes; hw && *c && !keep; c++)
        keep = strcmp(*c, hw) == 0;
    if (!keep || w->node_ref_count < 2)
        return READOSM_OK;
    l->ways = grow(l->ways, &l->capways, l->nways + 1, sizeof *l->ways);
    roads_way *rw = &l->ways[l->nways++];
    memset(rw, 0, sizeof *rw);
    rw->osm_id = w->id;
    snprintf(rw->highway, sizeof rw->highway, "%s", hw);
    rw->name = name ? wj_xstrdup(name) : NULL;
    rw->first = l->nrefs;
    rw->count = (size_t)w->node_ref_count;
    l->wayrefs = grow(l->wayrefs, &l->caprefs, l->nrefs + rw->count, sizeof *l->wayrefs);
    for (int i = 0; i < w->node_ref_count; i++)
        l->wayrefs[l->nrefs++] = w->node_refs[i];
    return READOSM_OK;
}

static int cmp_node(const void *a, const void *b)
{
    int64_t x = ((const roads_node *)a)->osm_id, y = ((const roads_node *)b)->osm_id;
    return (x > y) - (x < y);
}

static long find(const roads_node *nodes, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (nodes[mid].osm_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && nodes[lo].osm_id == id ? (long)lo : -1;
}

roads *roads_load(const char *path, char *err, size_t errlen)
{
    const void *h = NULL;
    if (readosm_open(path, &h) != READOSM_OK) {
        snprintf(err, errlen, "cannot open %s as OpenStreetMap data", path);
        readosm_close(h);
        return NULL;
    }
    loader l = {0};
    int rc = readosm_parse(h, &l, on_node, on_way, NULL);
    readosm_close(h);
    roads *r = wj_xcalloc(1, sizeof *r);
    r->ways = l.ways;
    r->nways = l.nways;
    if (rc != READOSM_OK) {
        snprintf(err, errlen, "cannot read %s (readosm error %d)", path, rc);
        free(l.all);
        free(l.wayrefs);
        roads_free(r);
        return NULL;
    }
    if (l.unsorted)
        qsort(l.all, l.nall, sizeof *l.all, cmp_node);
    /* Keep only the nodes the kept ways use, in id order, and point the refs at them. */
    bool *used = wj_xcalloc(l.nall, sizeof *used);
    long *at = wj_xmalloc((l.nrefs ? l.nrefs : 1) * sizeof *at);
    for (size_t i = 0; i < l.nrefs; i++) {
        at[i] = find(l.all, l.nall, l.wayrefs[i]);
        if (at[i] >= 0)
            used[at[i]] = true;
    }
    size_t *newpos = wj_xmalloc((l.nall ? l.nall : 1) * sizeof *newpos);
    r->nodes = wj_xmalloc((l.nall ? l.nall : 1) * sizeof *r->nodes);
    r->min_lat = r->min_lon = 1e9;
    r->max_lat = r->max_lon = -1e9;
    for (size_t i = 0; i < l.nall; i++) {
        if (!used[i])
            continue;
        newpos[i] = r->nnodes;
        roads_node n = l.all[i];
        r->nodes[r->nnodes++] = n;
        if (n.lat < r->min_lat) r->min_lat = n.lat;
        if (n.lat > r->max_lat) r->max_lat = n.lat;
        if (n.lon < r->min_lon) r->min_lon = n.lon;
        if (n.lon > r->max_lon) r->max_lon = n.lon;
    }
    /* A way loses the refs to nodes missing from the extract (cut at its border). */
    r->refs = wj_xmalloc((l.nrefs ? l.nrefs : 1) * sizeof *r->refs);
    for (size_t w = 0; w < r->nways; w++) {
        roads_way *rw = &r->ways[w];
        size_t first = r->nrefs;
        for (size_t i = rw->first; i < rw->first + rw->count; i++)
            if (at[i] >= 0)
                r->refs[r->nrefs++] = newpos[at[i]];
        rw->first = first;
        rw->count = r->nrefs - first;
    }
    free(used);
    free(at);
    free(newpos);
    free(l.all);
    free(l.wayrefs);
    if (r->nnodes == 0) {
        snprintf(err, errlen, "%s holds no roads", path);
        roads_free(r);
        return NULL;
    }
    return r;
}

void roads_free(roads *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nways; i++)
        free(r->ways[i].name);
    free(r->ways);
    free(r->nodes);
    free(r->refs);
    free(r);
}

static roads *shared;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

const char *roads_default_path(void)
{
    const char *env = getenv("WEIJIAN_ROADS");
    return env && *env ? env : "data/osm/andorra.osm.pbf";
}

static void shared_load(void)
{
    char err[256];
    shared = roads_load(roads_default_path(), err, sizeof err);
    if (!shared)
        fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"no road network\",\"why\":\"%s\"}\n", err);
}

const roads *roads_default(void)
{
    pthread_once(&shared_once, shared_load);
    return shared;
}
