/* appt_fhir.h — the FHIR R4 routes of the appointments module (appt_fhir.c): handlers
 * and query parameters for the rows of its route table in appointments.c. */
#ifndef WJ_APPT_FHIR_H
#define WJ_APPT_FHIR_H

#include "../core/module.h"

extern const wj_param appt_fhir_schedule_query[], appt_fhir_slot_query[], appt_fhir_appointment_query[];

void appt_fhir_schedule_read(wj_req *r);
void appt_fhir_schedule_search(wj_req *r);
void appt_fhir_slot_read(wj_req *r);
void appt_fhir_slot_search(wj_req *r);
void appt_fhir_appointment_read(wj_req *r);
void appt_fhir_appointment_search(wj_req *r);

#endif
