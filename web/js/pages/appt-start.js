// appt-start.js — where the menu's 预约诊疗 entry lands, by what the caller does: a resident
// on their appointments, the commission on the statistics, a hotline operator on booking for
// a caller, the facilities' staff and everyone else on the session grid.
import { isResident } from './appt-common.js';

export async function render({ app }) {
  let to = '/appointments/sessions';
  const roles = new Set((app.me?.grants ?? []).map((g) => g.role));
  if (isResident(app)) to = '/appointments';
  else if (roles.has('commission_staff') || roles.has('commission_admin')) to = '/appointments/stats';
  else if (roles.has('hotline_operator')) to = '/appointments/book';
  app.navigate(to, { replace: true });
}
