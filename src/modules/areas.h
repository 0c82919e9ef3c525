/* areas.h — the areas module's functions for other modules (they never read its tables). */
#ifndef WJ_AREAS_H
#define WJ_AREAS_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/module.h"

typedef struct areas_ref {
    int64_t id;
    char code[16];
    char name[128];
    char level[16];
    char path[WJ_PATH_MAX];
} areas_ref;

/* Finds an area by its current division code, or by a former one (a code change keeps
 * old references working). False when no area ever had the code. */
bool areas_find_by_code(wj_conn *c, const char *code, areas_ref *out);
bool areas_find_by_id(wj_conn *c, int64_t id, areas_ref *out);
/* Sets an area's representative point (WGS-84). */
bool areas_set_location(wj_conn *c, int64_t id, double lat, double lon);
/* Its representative point; false when it has none. */
bool areas_location(wj_conn *c, int64_t id, double *lat, double *lon);
/* Adds an area (demo data, imports). parent_id 0 for a city. Returns the id, 0 on error. */
int64_t areas_insert(wj_conn *c, const char *code, const char *name, const char *level, int64_t parent_id,
                     int64_t by_user);
/* Loads the demo city's areas (演示数据). */
bool areas_demo(wj_conn *c);
/* Level codes and labels: city, district, street, community. */
extern const wj_enum areas_levels[];

#endif
