/* roads.h — the road network, read from an OpenStreetMap PBF extract with libreadosm.
 * Used to place the demo city on real roads, to draw the console map's background, and
 * (later issues) to compute travel times. Loaded once and kept in memory read-only. */
#ifndef WJ_ROADS_H
#define WJ_ROADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct roads_node {
    int64_t osm_id;
    double lat, lon;
} roads_node;

typedef struct roads_way {
    int64_t osm_id;
    char highway[24]; /* OSM highway class: primary, residential, track, … */
    char *name;       /* NULL when unnamed */
    size_t first, count; /* its nodes: roads.refs[first .. first+count) index roads.nodes */
} roads_way;

typedef struct roads {
    roads_node *nodes; /* nodes used by kept ways, sorted by osm_id */
    size_t nnodes;
    roads_way *ways;
    size_t nways;
    size_t *refs;
    size_t nrefs;
    double min_lat, min_lon, max_lat, max_lon;
} roads;

/* Reads the ways tagged highway=<a class vehicles or walkers use> and their nodes. NULL on
 * error, with the reason in err. */
roads *roads_load(const char *path, char *err, size_t errlen);
void roads_free(roads *r);

/* The road network the server and the demo use: $WEIJIAN_ROADS, else
 * data/osm/andorra.osm.pbf. Loaded on first use; NULL when it cannot be read. */
const roads *roads_default(void);
const char *roads_default_path(void);

#endif
