/* registry.c — the one table of modules. Adding a module is adding a line here (and its
 * migrations under db/migrations/); see docs/modules.md. */
#include "modules.h"

const wj_module *const wj_modules[] = {
    &wj_module_system, &wj_module_accounts, &wj_module_audit, &wj_module_areas, &wj_module_facilities, &wj_module_map, &wj_module_mpi, &wj_module_appointments, NULL,
};
