/* modules.h — every module value, for the registry (registry.c) and the CLI. */
#ifndef WJ_MODULES_H
#define WJ_MODULES_H

#include "../core/module.h"

extern const wj_module wj_module_system;
extern const wj_module wj_module_accounts;
extern const wj_module wj_module_audit;
extern const wj_module wj_module_areas;
extern const wj_module wj_module_facilities;
extern const wj_module wj_module_map;
extern const wj_module wj_module_mpi;
extern const wj_module wj_module_appointments;

#endif
