/* facilities.h — the facilities module's functions for other modules and the CLI. */
#ifndef WJ_FACILITIES_H
#define WJ_FACILITIES_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/module.h"

/* Name of the demo hospital that the demo's facility accounts are scoped to. */
#define FACILITIES_DEMO_HOSPITAL "济南市第一人民医院"

/* True when a facility with this id exists (active or not). */
bool facilities_exists(wj_conn *c, int64_t id);
/* Id of the facility with exactly this name, 0 when none. */
int64_t facilities_id_by_name(wj_conn *c, const char *name);
/* Loads the demo city's facilities (演示数据); areas must be loaded first. */
bool facilities_demo(wj_conn *c);

#endif
