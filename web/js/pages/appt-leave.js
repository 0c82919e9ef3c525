// appt-leave.js — 停诊登记: a doctor's (or a clinic's) leave. Choose the schedule, the days
// and optionally the periods, and the reason; "preview" lists the sessions those days hold
// and the patients booked in them (GET /api/v1/slots, GET /api/v1/appointments?session=);
// recording it (POST /api/v1/schedules/{id}/leave) cancels those sessions and bookings and
// notifies each patient, and the page shows what it cancelled. A clinician sees their own
// schedules; the facility's staff all of its schedules.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { clear, confirmDialog, errorBlock, field, h, pageTitle, select, showFormError, toast } from '../ui.js';
import { facilityPicker } from './mpi-common.js';
import { PERIODS, apptTabs, fmtDayW, fmtTime, periodLabel, poolLabel, statusTag, channelLabel } from './appt-common.js';

export async function render({ main, app, isCurrent }) {
  const clinicianOnly = (app.me?.grants ?? []).every((g) => g.role === 'clinician');
  const fac = facilityPicker(app, { 'aria-label': t('appt.facility') }, null, t('appt.choose.facility'));
  const facField = field(t('appt.facility'), fac.select, { wide: true });
  facField.querySelector('label').after(fac.search);
  const sched = select([], '', { 'data-field': 'schedule', 'data-testid': 'leave-schedule' }, '—');
  const dates = h('input', { type: 'text', 'data-field': 'dates', placeholder: 'YYYY-MM-DD', autocomplete: 'off', class: 'code' });
  const periodBoxes = PERIODS.map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: p }), ' ', periodLabel(p)));
  const reason = h('input', { type: 'text', 'data-field': 'reason', maxlength: 200 });
  let schedules = [];

  async function loadSchedules() {
    const id = fac.value();
    schedules = [];
    if (id) {
      try {
        schedules = (await api.getAll('/api/v1/schedules', clinicianOnly ? { facility: id, doctor: app.me.id } : { facility: id }, 1000)).items;
      } catch {
        schedules = [];
      }
    }
    clear(sched, h('option', { value: '' }, '—'), schedules.map((s) => h('option', { value: s.id }, `${s.name}${s.department ? ` · ${s.department.name}` : ''}`)));
  }
  fac.select.addEventListener('change', loadSchedules);

  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1' });
  const preview = h('div', { 'aria-live': 'polite', 'data-testid': 'leave-preview' });
  const form = h(
    'form',
    { class: 'form-grid', novalidate: true, 'data-testid': 'leave-form' },
    summary,
    facField,
    field(t('appt.leave.schedule'), sched, { required: true }),
    field(t('appt.leave.dates'), dates, { required: true, hint: t('appt.leave.dates.hint') }),
    h('div', { class: 'field', role: 'group', 'aria-label': t('appt.leave.periods'), 'data-field': 'periods' }, h('span', { class: 'field-label' }, t('appt.leave.periods')), h('div', { class: 'checks' }, periodBoxes)),
    field(t('appt.leave.reason'), reason, { required: true, wide: true }),
    h(
      'div',
      { class: 'form-actions', style: 'grid-column:1/-1' },
      h('button', { type: 'button', class: 'btn', 'data-testid': 'leave-preview-btn', onclick: () => showPreview() }, t('appt.leave.preview')),
      h('button', { type: 'submit', class: 'btn btn-danger', 'data-testid': 'leave-submit' }, t('appt.leave.submit')),
    ),
  );
  const dayList = () => dates.value.split(/[\s,，、]+/).map((x) => x.trim()).filter(Boolean);
  const periods = () => periodBoxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value);

  async function showPreview() {
    const s = schedules.find((x) => x.id === sched.value);
    if (!s || !dayList().length) return clear(preview);
    clear(preview, h('p', { class: 'muted' }, t('app.loading')));
    try {
      const sessions = [];
      for (const d of dayList()) {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) continue;
        const q = { facility: s.facility_id, date: d };
        if (s.department) q.department = s.department.id;
        const { items } = await api.getAll('/api/v1/slots', q, 500);
        sessions.push(...items.filter((x) => x.schedule_id === s.id && (!periods().length || periods().includes(x.period))));
      }
      const appts = [];
      for (const x of sessions) appts.push(...(await api.getAll('/api/v1/appointments', { session: x.session_id, status: 'booked' }, 500)).items);
      clear(preview, sessionTable(sessions.map((x) => ({ id: x.session_id, date: x.date, period: x.period, start: x.start }))), apptTable(appts));
    } catch (e) {
      clear(preview, errorBlock(e, showPreview));
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const s = schedules.find((x) => x.id === sched.value);
    if (!s) {
      clear(summary, t('err.missing_field'));
      sched.focus();
      return;
    }
    if (!(await confirmDialog(t('appt.leave.confirm'), t('appt.leave.submit'), { danger: true }))) return;
    const body = { dates: dayList(), reason: reason.value.trim() };
    if (periods().length) body.periods = periods();
    try {
      const r = await api.request('POST', `/api/v1/schedules/${s.id}/leave`, { body });
      toast(t('appt.leave.done', { s: r.data.sessions.length, a: r.data.appointments.length }));
      clear(
        preview,
        h('div', { class: 'notice notice-info', role: 'status', 'data-testid': 'leave-done' }, t('appt.leave.done', { s: r.data.sessions.length, a: r.data.appointments.length })),
        sessionTable(r.data.sessions),
        apptTable(r.data.appointments),
      );
    } catch (e) {
      showFormError(form, e, 'ScheduleLeave');
    }
  });

  clear(
    main,
    pageTitle(t('appt.leave.title')),
    apptTabs('leave', app),
    h('section', { class: 'card' }, form),
    h('section', { class: 'card', 'aria-labelledby': 'aff-title' }, h('div', { class: 'card-head' }, h('h2', { id: 'aff-title' }, t('appt.leave.affected'))), preview),
  );
  await fac.ready;
  if (isCurrent()) await loadSchedules();
}

function sessionTable(list) {
  return h(
    'div',
    {},
    h('h3', { class: 'field-label' }, `${t('appt.leave.sessions')}（${list.length}）`),
    list.length ? h('p', {}, list.map((x) => h('span', { class: 'tag', style: 'margin-right:4px' }, `${fmtDayW(x.date)} ${periodLabel(x.period)}${x.start ? ` ${fmtTime(x.start)}` : ''}`))) : h('p', { class: 'muted' }, t('common.empty')),
  );
}

function apptTable(list) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', 'data-testid': 'leave-appointments' },
      h('thead', {}, h('tr', {}, [t('appt.time'), t('appt.person'), t('appt.pool'), t('appt.channel'), t('appt.status')].map((x) => h('th', { scope: 'col' }, x)))),
      h(
        'tbody',
        {},
        list.length
          ? list.map((a) =>
              h(
                'tr',
                {},
                h('td', { class: 'nowrap' }, `${fmtDayW(a.date)} ${periodLabel(a.period)} ${fmtTime(a.slot_start)}`),
                h('td', {}, a.person?.name ?? h('span', { class: 'code' }, a.person_id), a.person?.phone ? h('div', { class: 'fac-sub code' }, a.person.phone) : null),
                h('td', {}, poolLabel(a.pool)),
                h('td', {}, channelLabel(a.channel)),
                h('td', {}, statusTag(a.status)),
              ),
            )
          : h('tr', {}, h('td', { colspan: 5, class: 'empty' }, t('common.empty'))),
      ),
    ),
  );
}
