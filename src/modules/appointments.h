/* appointments.h — the appointments module's functions for other modules and the CLI
 * (they never read its tables). docs/appointments.md describes the rules and the API. */
#ifndef WJ_APPOINTMENTS_H
#define WJ_APPOINTMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/db.h"

/* The module's part of the demo city (appt_demo.c): doctors and schedules for the demo
 * hospitals' departments, two weeks of sessions, and bookings by demo residents. */
bool appt_demo(wj_conn *c);

/* One appointment as GET /api/v1/appointments/{id} answers it (without the person's
 * summary); NULL when there is none. For FHIR Appointment. */
json_t *appt_document(wj_conn *c, int64_t id);

#endif
