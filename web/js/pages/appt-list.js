// appt-list.js — 我的预约 / 预约记录: the appointments in the caller's scope (GET
// /api/v1/appointments, newest first; a resident's own and their family's; staff may
// narrow it to one patient found in the person index, which is how a hotline operator
// sees a caller's appointments: without it they see the bookings they made), with cancel
// before the cutoff, attendance and no-show for the facility, and the waiting-list entries
// with the offers to accept or decline (POST /api/v1/waitlist/{id}/accept, DELETE).
import * as api from '../api.js';
import { t } from '../i18n.js';
import { clear, confirmDialog, errorBlock, field, h, pageTitle, pager, select, toast } from '../ui.js';
import { personFinder } from './mpi-common.js';
import {
  apptErrorText,
  apptTabs,
  asLabel,
  channelLabel,
  fmtDayTime,
  fmtDayW,
  fmtTime,
  isResident,
  periodLabel,
  poolLabel,
  statusTag,
  wstatusLabel,
} from './appt-common.js';

const STATUSES = ['booked', 'attended', 'no_show', 'cancelled', 'offered', 'expired'];

export async function render({ main, app, query }) {
  const resident = isResident(app);
  const status = STATUSES.includes(query.get('status')) ? query.get('status') : '';
  const date = /^\d{4}-\d{2}-\d{2}$/.test(query.get('date') ?? '') ? query.get('date') : '';
  // One patient (an opaque id: never a name or an ID number in the URL).
  const person = resident ? '' : /^\d{1,20}$/.test(query.get('person') ?? '') ? query.get('person') : '';
  const link = (over) => {
    const qs = new URLSearchParams(Object.entries({ date, status, person, ...over }).filter(([, v]) => v)).toString();
    return `/appointments${qs ? `?${qs}` : ''}`;
  };
  const statusSel = select(STATUSES.map((s) => [s, t(`appt.status.${s}`)]), status, { name: 'status' }, t('common.all'));
  const dateIn = h('input', { type: 'date', name: 'date', value: date });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('appt.tab.list') },
    field(t('appt.date'), dateIn),
    field(t('appt.status'), statusSel),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search'))),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    app.navigate(link({ date: dateIn.value, status: statusSel.value }));
  });
  // --- one patient (staff) ---
  const who = h('div', { 'data-testid': 'appt-patient' });
  if (!resident) {
    const finder = personFinder((pp) => app.navigate(link({ person: pp.id })), { label: t('appt.onbehalf.person') });
    if (person) {
      clear(
        who,
        h(
          'p',
          { class: 'notice notice-info' },
          `${t('appt.list.patient')}：`,
          h('strong', { 'data-testid': 'appt-patient-name' }, '…'),
          ' ',
          h('a', { class: 'btn btn-small', href: link({ person: '' }) }, t('appt.list.patient.clear')),
        ),
      );
    } else {
      clear(who, h('p', { class: 'muted small' }, t('appt.list.patient.hint')), finder);
    }
  }
  const marks = app.hasPerm('appointment.attendance');
  const cols = [t('appt.time'), t('appt.department'), t('appt.person'), t('appt.pool'), t('appt.channel'), t('appt.status'), ''];
  const tbody = h('tbody', {});
  const p = pager(async (cursor) => {
    try {
      const page = await api.get('/api/v1/appointments', { status, date, person, limit: 20, cursor });
      const named = who.querySelector('[data-testid="appt-patient-name"]');
      if (named && page.items[0]?.person) named.textContent = page.items[0].person.name;
      clear(tbody, page.items.length ? page.items.map(row) : h('tr', {}, h('td', { colspan: cols.length, class: 'empty' }, resident && !status && !date ? t('appt.mine.none') : t('appt.list.none'))));
      return page.next_cursor;
    } catch (e) {
      clear(tbody, h('tr', {}, h('td', { colspan: cols.length }, errorBlock(e, () => p.reload()))));
      return null;
    }
  });

  function row(a) {
    const acts = [];
    if (a.status === 'booked' && app.hasPerm('appointment.book'))
      acts.push(h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'appt-cancel', onclick: () => cancel(a) }, t('appt.cancel')));
    if (a.status === 'booked' && marks && !resident) {
      acts.push(h('button', { type: 'button', class: 'btn btn-small', onclick: () => mark(a, 'attended') }, t('appt.attended')));
      acts.push(h('button', { type: 'button', class: 'btn btn-small', onclick: () => mark(a, 'no-show') }, t('appt.no_show')));
    }
    return h(
      'tr',
      { 'data-appointment': a.id },
      h('td', { class: 'nowrap' }, fmtDayW(a.date), ' ', periodLabel(a.period), h('div', { class: 'fac-sub' }, `${t('appt.slot.n', { n: a.slot + 1 })} · ${fmtTime(a.slot_start)}–${fmtTime(a.slot_end)}`)),
      h('td', {}, a.department?.name ?? '', a.doctor ? h('div', { class: 'fac-sub' }, a.doctor.name) : null),
      h('td', {}, a.person?.name ?? h('span', { class: 'code' }, a.person_id), a.person?.phone ? h('div', { class: 'fac-sub code' }, a.person.phone) : null),
      h('td', {}, poolLabel(a.pool)),
      h('td', {}, channelLabel(a.channel), h('div', { class: 'fac-sub' }, asLabel(a.booked_as))),
      h('td', {}, statusTag(a.status), a.status === 'offered' && a.offer_expires_at ? h('div', { class: 'fac-sub' }, t('appt.offer.until', { t: fmtDayTime(a.offer_expires_at) })) : null),
      h('td', { class: 'actions' }, acts),
    );
  }

  async function cancel(a) {
    const ok = await confirmDialog(t('appt.cancel.confirm', { date: fmtDayW(a.date), period: periodLabel(a.period), dept: a.department?.name ?? '' }), t('appt.cancel'), { danger: true });
    if (!ok) return;
    try {
      await api.request('POST', `/api/v1/appointments/${a.id}/cancel`, { body: {} });
      toast(t('appt.cancel.ok'));
      await p.reload();
      await loadWaits();
    } catch (e) {
      toast(apptErrorText(e), 'error');
    }
  }

  async function mark(a, what) {
    try {
      await api.request('POST', `/api/v1/appointments/${a.id}/${what}`);
      toast(t('appt.marked'));
      await p.reload();
    } catch (e) {
      toast(apptErrorText(e), 'error');
    }
  }

  // --- the waiting list ---
  const waits = h('div', { 'aria-live': 'polite' });
  async function loadWaits() {
    try {
      const page = await api.get('/api/v1/waitlist', { person, limit: 50 });
      const live = page.items.filter((w) => w.status === 'waiting' || w.status === 'offered');
      const sessions = new Map();
      await Promise.all(
        [...new Set(live.map((w) => w.session_id))].map(async (id) => {
          try {
            sessions.set(id, await api.get(`/api/v1/sessions/${id}`));
          } catch {
            /* gone from view */
          }
        }),
      );
      clear(
        waits,
        live.length
          ? h(
              'ul',
              { class: 'finder-list', 'data-testid': 'waitlist' },
              live.map((w) => {
                const s = sessions.get(w.session_id);
                return h(
                  'li',
                  { 'data-wait': w.id, 'data-status': w.status },
                  h(
                    'span',
                    {},
                    s ? `${fmtDayW(s.date)} ${periodLabel(s.period)} · ${s.department?.name ?? ''} ${s.doctor?.name ?? ''}` : w.session_id,
                    ' ',
                    h('span', { class: w.status === 'offered' ? 'tag tag-warn' : 'tag' }, wstatusLabel(w.status)),
                    w.status === 'waiting' && w.position ? h('span', { class: 'muted small' }, ` ${t('appt.waitlist.position', { n: w.position })}`) : null,
                    ' ',
                    h('span', { class: 'muted small' }, w.pools.map(poolLabel).join('、')),
                  ),
                  h(
                    'span',
                    {},
                    w.status === 'offered' ? h('button', { type: 'button', class: 'btn btn-small btn-primary', onclick: () => accept(w) }, t('appt.waitlist.accept')) : null,
                    ' ',
                    h('button', { type: 'button', class: 'btn btn-small', onclick: () => leave(w) }, t('appt.waitlist.decline')),
                  ),
                );
              }),
            )
          : h('p', { class: 'muted' }, t('appt.waitlist.none')),
      );
    } catch (e) {
      clear(waits, errorBlock(e, loadWaits));
    }
  }
  async function accept(w) {
    try {
      await api.request('POST', `/api/v1/waitlist/${w.id}/accept`);
      toast(t('appt.waitlist.accepted'));
      await Promise.all([p.reload(), loadWaits()]);
    } catch (e) {
      toast(apptErrorText(e), 'error');
    }
  }
  async function leave(w) {
    try {
      await api.request('DELETE', `/api/v1/waitlist/${w.id}`);
      toast(t('appt.waitlist.left'));
      await loadWaits();
    } catch (e) {
      toast(apptErrorText(e), 'error');
    }
  }

  const actions = app.hasPerm('appointment.book') ? [h('a', { class: 'btn btn-primary', href: '/appointments/book' }, `＋ ${t('appt.tab.book')}`)] : [];
  clear(
    main,
    pageTitle(resident ? t('appt.tab.mine') : t('appt.tab.list'), ...actions),
    apptTabs('mine', app),
    h('section', { class: 'card' }, form, resident ? null : who),
    h(
      'section',
      { class: 'card' },
      h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'appt-table' }, h('thead', {}, h('tr', {}, cols.map((x) => h('th', { scope: 'col' }, x)))), tbody)),
      p.el,
    ),
    app.hasPerm('appointment.book') ? h('section', { class: 'card', 'aria-labelledby': 'wait-title' }, h('div', { class: 'card-head' }, h('h2', { id: 'wait-title' }, t('appt.waitlist'))), waits) : null,
  );
  await p.reset();
  if (app.hasPerm('appointment.book')) await loadWaits();
}
