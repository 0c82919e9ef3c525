// appt-common.js — shared by the appointments pages (预约诊疗): the tabs each role sees, the
// labels of the module's codes, the channel a caller books through, rule errors in words,
// dates in Asia/Shanghai, and the facility → department → doctor picker.
import * as api from '../api.js';
import { codeLabel, getLang, has, shanghaiParts, t } from '../i18n.js';
import { clear, errorText, field, h, select } from '../ui.js';
import { facilityPicker } from './mpi-common.js';

export const POOLS = ['general', 'elderly', 'military', 'disabled', 'pregnant'];
export const CHANNELS = ['online', 'phone', 'onsite', 'referral'];
export const PERIODS = ['morning', 'afternoon', 'evening'];

/** Is the caller a resident (a person grant and no other)? Residents see their own pages. */
export function isResident(app) {
  const g = app.me?.grants ?? [];
  return g.length > 0 && g.every((x) => x.role === 'resident');
}

/** The tabs of the module: each shown when the caller holds its permission. */
export function apptTabs(current, app) {
  const resident = isResident(app);
  const items = [
    ['mine', '/appointments', resident ? 'appt.tab.mine' : 'appt.tab.list', 'appointment.read'],
    ['book', '/appointments/book', 'appt.tab.book', 'appointment.book'],
    ['sessions', '/appointments/sessions', 'appt.tab.sessions', resident ? '-' : 'schedule.read'],
    ['schedules', '/appointments/schedules', 'appt.tab.schedules', 'appointment.schedule'],
    ['leave', '/appointments/leave', 'appt.tab.leave', 'appointment.leave'],
    ['stats', '/appointments/stats', 'appt.tab.stats', 'appointment.stats'],
    ['notifications', '/appointments/notifications', 'appt.tab.notifications', 'notification.read'],
  ].filter(([, , , perm]) => app.hasPerm(perm));
  return h(
    'nav',
    { class: 'tabs', 'aria-label': t('appt.title') },
    items.map(([id, path, key]) => h('a', { href: path, 'aria-current': current === id ? 'page' : null }, t(key))),
  );
}

/* ---- labels ---- */

const own = (prefix, c) => codeLabel([], prefix, c);
const api_ = (kind, prefix, c) => codeLabel([kind], prefix, c);
export const poolLabel = (c) => api_('appointmentbooking.pool', 'appt.pool', c);
export const feeLabel = (c) => api_('schedule.fee_class', 'appt.fee', c);
export const ownerLabel = (c) => api_('schedule.owner', 'appt.owner', c);
export const channelLabel = (c) => own('appt.channel', c);
export const periodLabel = (c) => own('appt.period', c);
export const statusLabel = (c) => own('appt.status', c);
export const wstatusLabel = (c) => own('appt.wstatus', c);
export const weekdayLabel = (c) => own('appt.weekday', c);
export const asLabel = (c) => own('appt.as', c);
export const notifyLabel = (c) => own('appt.notify', c);

export function statusTag(s) {
  const cls = { booked: 'tag tag-ok', attended: 'tag', cancelled: 'tag tag-grey', no_show: 'tag tag-danger', offered: 'tag tag-warn', expired: 'tag tag-grey' }[s] ?? 'tag';
  return h('span', { class: cls, 'data-status': s }, statusLabel(s));
}

/* Facility types whose clinicians refer patients up (the referral channel). */
const REFERRING = ['chc', 'chs', 'township_hc', 'village_clinic'];

/** The channel the server will most likely give this caller's bookings, for the hint only
 * (the server decides, per facility: docs/appointments.md "Channels come from the caller"). */
export async function callerChannel(app) {
  const grants = app.me?.grants ?? [];
  const roles = new Set(grants.map((g) => g.role));
  if (roles.has('facility_staff') || roles.has('facility_admin')) return 'onsite';
  const clinic = grants.find((g) => g.role === 'clinician' && g.facility_id);
  if (clinic) {
    try {
      const f = await api.get(`/api/v1/facilities/${clinic.facility_id}`);
      return REFERRING.includes(f.type) ? 'referral' : 'onsite';
    } catch {
      return 'onsite';
    }
  }
  if (roles.has('hotline_operator')) return 'phone';
  return 'online';
}

/** An API error in words: the booking rules by `details.rule`, else the usual text. */
export function apptErrorText(err) {
  const rule = err?.details?.rule;
  if (rule && has(`appt.rule.${rule}`)) {
    const d = { ...err.details };
    if (d.until) d.until = fmtDayTime(d.until);
    return t(`appt.rule.${rule}`, d);
  }
  return errorText(err);
}

/* ---- dates (Asia/Shanghai) ---- */

/* YYYY-MM-DD of an instant, Beijing time. */
function dayOf(iso) {
  const p = shanghaiParts(iso);
  return p ? `${p.year}-${p.month}-${p.day}` : '';
}

export function today() {
  return dayOf(new Date().toISOString());
}
export function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
export function fmtTime(iso) {
  const p = iso && shanghaiParts(iso);
  return p ? `${p.hour}:${p.minute}` : '';
}
/** 11月26日 周四 / 2026-11-26 Thu */
export function fmtDayW(date) {
  const d = new Date(`${date}T00:00:00Z`);
  const wd = ((d.getUTCDay() + 6) % 7) + 1;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  return getLang() === 'zh' ? `${+m[2]}月${+m[3]}日 ${weekdayLabel(wd)}` : `${date} ${weekdayLabel(wd)}`;
}
export function fmtDayTime(iso) {
  return iso ? `${fmtDayW(dayOf(iso))} ${fmtTime(iso)}` : '';
}

/* ---- facility → department → doctor ---- */

/**
 * Pickers for where to look: a facility (name search; the caller's own first), its
 * departments (all campuses) and the doctors of its schedules. onChange() after each choice.
 * { el, ready, facility(), department(), doctor(), departments (list of {id,name,campus}) }.
 */
export function placePicker(app, { initial = {}, doctors = true, onChange = () => {} } = {}) {
  const fac = facilityPicker(app, { 'data-field': 'facility', 'aria-label': t('appt.facility') }, initial.facility ?? null, t('appt.choose.facility'));
  fac.search.placeholder = t('appt.choose.facility');
  fac.search.setAttribute('aria-label', `${t('appt.facility')} · ${t('common.search')}`);
  const dept = select([], '', { 'data-field': 'department' }, t('appt.department.any'));
  const doc = select([], '', { 'data-field': 'doctor' }, t('appt.doctor.any'));
  const state = { departments: [], doctors: [] };
  let seq = 0;
  async function loadFacility(keepDept, keepDoc) {
    const id = fac.value();
    const n = ++seq;
    state.departments = [];
    state.doctors = [];
    if (id) {
      try {
        const [f, sch] = await Promise.all([api.get(`/api/v1/facilities/${id}`), doctors ? api.getAll('/api/v1/schedules', { facility: id }, 500) : { items: [] }]);
        if (n !== seq) return;
        for (const c of f.campuses ?? []) for (const d of c.departments ?? []) state.departments.push({ id: d.id, name: d.name, campus: c.name, campus_id: c.id });
        const seen = new Map();
        for (const s of sch.items) for (const d of s.doctors ?? []) if (!seen.has(d.id)) seen.set(d.id, { ...d, department: s.department?.name });
        state.doctors = [...seen.values()];
      } catch {
        /* an unreadable facility: nothing to choose */
      }
    }
    if (n !== seq) return;
    const multi = new Set(state.departments.map((d) => d.campus)).size > 1;
    clear(dept, h('option', { value: '' }, t('appt.department.any')), state.departments.map((d) => h('option', { value: d.id }, multi ? `${d.name}（${d.campus}）` : d.name)));
    clear(doc, h('option', { value: '' }, t('appt.doctor.any')), state.doctors.map((d) => h('option', { value: d.id }, d.department ? `${d.name} · ${d.department}` : d.name)));
    if (keepDept && state.departments.some((d) => d.id === keepDept)) dept.value = keepDept;
    if (keepDoc && state.doctors.some((d) => d.id === keepDoc)) doc.value = keepDoc;
    onChange();
  }
  fac.select.addEventListener('change', () => loadFacility());
  dept.addEventListener('change', () => onChange());
  doc.addEventListener('change', () => onChange());
  const facField = field(t('appt.facility'), fac.select, { wide: true });
  facField.querySelector('label').after(fac.search);
  const ready = fac.ready.then(() => loadFacility(initial.department, initial.doctor));
  return {
    fields: [facField, field(t('appt.department'), dept), doctors ? field(t('appt.doctor'), doc) : null],
    ready,
    state,
    facility: () => fac.value(),
    department: () => dept.value,
    doctor: () => (doctors ? doc.value : ''),
    setFacility: async (id) => {
      fac.select.value = id;
      await loadFacility();
    },
  };
}

/** A fill bar: booked of capacity, as a coloured meter with the numbers. */
export function fillCell(booked, capacity) {
  if (!capacity) return h('span', { class: 'muted' }, booked ? String(booked) : '·');
  const r = Math.min(1, booked / capacity);
  return h(
    'span',
    { class: `appt-fill${r >= 1 ? ' is-full' : ''}`, style: `--fill:${Math.round(r * 100)}%`, title: `${t('appt.booked')} ${booked} / ${t('appt.capacity')} ${capacity}` },
    `${booked}/${capacity}`,
  );
}

export function pct(x) {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
}
