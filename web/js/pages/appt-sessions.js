// appt-sessions.js — 号源一览: the sessions of a facility (a department, when chosen) on one
// day, each as a grid of its buckets (priority pool × channel) with booked / capacity, so
// the desk and the facility's administrators see at a glance where places are left. The
// sessions come from GET /api/v1/slots, their buckets from GET /api/v1/sessions/{id} (as
// they stand now: release-back included).
import * as api from '../api.js';
import { t } from '../i18n.js';
import { clear, errorBlock, field, h, pageTitle } from '../ui.js';
import {
  CHANNELS,
  POOLS,
  addDays,
  apptTabs,
  channelLabel,
  feeLabel,
  fillCell,
  fmtDayTime,
  fmtDayW,
  fmtTime,
  periodLabel,
  placePicker,
  poolLabel,
  today,
} from './appt-common.js';

export async function render({ main, app, query, isCurrent }) {
  const date = h('input', { type: 'date', value: /^\d{4}-\d{2}-\d{2}$/.test(query.get('date') ?? '') ? query.get('date') : addDays(today(), 1), 'data-field': 'date' });
  const where = placePicker(app, { initial: { facility: query.get('facility'), department: query.get('department') }, doctors: false });
  const prev = h('button', { type: 'button', class: 'btn', 'aria-label': '‹', onclick: () => ((date.value = addDays(date.value || today(), -1)), load()) }, '‹');
  const next = h('button', { type: 'button', class: 'btn', 'aria-label': '›', onclick: () => ((date.value = addDays(date.value || today(), 1)), load()) }, '›');
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('appt.grid.title'), 'data-testid': 'grid-filters' },
    ...where.fields.filter(Boolean),
    field(t('appt.date'), date),
    h('div', { class: 'filter-actions' }, prev, next, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search'))),
  );
  const out = h('div', { class: 'appt-grid', 'data-testid': 'session-grid', 'aria-live': 'polite' });
  const note = h('span', { class: 'card-sub' });
  let seq = 0;

  async function load() {
    const n = ++seq;
    const facility = where.facility();
    if (!facility) {
      clear(out, h('p', { class: 'empty' }, t('appt.choose.facility')));
      return;
    }
    clear(out, h('p', { class: 'muted' }, t('app.loading')));
    clear(note);
    try {
      const { items } = await api.getAll('/api/v1/slots', { facility, department: where.department(), date: date.value || today() }, 500);
      const full = await Promise.all(items.map((s) => api.get(`/api/v1/sessions/${s.session_id}`)));
      if (n !== seq || !isCurrent()) return;
      const places = full.reduce((a, s) => a + s.buckets.reduce((b, k) => b + k.capacity, 0), 0);
      const booked = full.reduce((a, s) => a + s.buckets.reduce((b, k) => b + k.booked, 0), 0);
      clear(note, `${fmtDayW(date.value || today())} · ${t('appt.grid.sessions', { n: full.length })} · ${t('appt.booked')} ${booked} / ${t('appt.capacity')} ${places}`);
      clear(out, full.length ? full.map(sessionBlock) : h('p', { class: 'empty' }, t('appt.grid.none')));
    } catch (e) {
      if (n === seq) clear(out, errorBlock(e, load));
    }
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    load();
  });

  clear(
    main,
    pageTitle(t('appt.grid.title')),
    apptTabs('sessions', app),
    h('section', { class: 'card' }, form, h('p', { class: 'muted small', style: 'margin:8px 0 0' }, t('appt.grid.hint'))),
    h('section', { class: 'card', 'aria-labelledby': 'grid-title' }, h('div', { class: 'card-head' }, h('h2', { id: 'grid-title' }, t('appt.grid.title')), note), out),
  );
  await where.ready;
  if (isCurrent()) await load();
}

function sessionBlock(s) {
  const cell = (pool, ch) => s.buckets.find((b) => b.pool === pool && b.channel === ch);
  const pools = POOLS.filter((p) => s.buckets.some((b) => b.pool === p && (b.capacity > 0 || b.booked > 0)));
  const sum = (list, k) => list.reduce((a, b) => a + (b?.[k] ?? 0), 0);
  const cancelled = s.status !== 'open';
  return h(
    'article',
    { class: `appt-session${cancelled ? ' is-cancelled' : ''}`, 'data-session': s.session_id, 'aria-label': `${s.department?.name ?? ''} ${s.doctor?.name ?? ''} ${periodLabel(s.period)}` },
    h(
      'header',
      {},
      h('strong', {}, `${periodLabel(s.period)} ${fmtTime(s.start)}–${fmtTime(s.end)}`),
      ' ',
      h('span', {}, s.department?.name ?? ''),
      s.doctor ? h('span', {}, ` · ${s.doctor.name}`) : null,
      ' ',
      h('span', { class: 'tag' }, feeLabel(s.fee_class)),
      cancelled ? h('span', { class: 'tag tag-grey' }, t('appt.session.cancelled')) : null,
      h('span', { class: 'fac-sub' }, ` ${t('appt.grid.release', { t: fmtDayTime(s.release_at) })} · ${t('appt.grid.releaseback', { t: fmtDayTime(s.release_back_at) })}`),
    ),
    h(
      'table',
      { class: 'table appt-buckets' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, `${t('appt.pool')} \\ ${t('appt.channel')}`), CHANNELS.map((c) => h('th', { scope: 'col', class: 'num' }, channelLabel(c))), h('th', { scope: 'col', class: 'num' }, t('appt.grid.total')))),
      h(
        'tbody',
        {},
        pools.map((p) => {
          const row = CHANNELS.map((c) => cell(p, c));
          return h(
            'tr',
            { 'data-pool': p },
            h('th', { scope: 'row' }, poolLabel(p)),
            row.map((b, i) => h('td', { class: 'num', 'data-channel': CHANNELS[i] }, b ? fillCell(b.booked, b.capacity) : h('span', { class: 'muted' }, '·'))),
            h('td', { class: 'num' }, fillCell(sum(row, 'booked'), sum(row, 'capacity'))),
          );
        }),
        h(
          'tr',
          { class: 'appt-total' },
          h('th', { scope: 'row' }, t('appt.grid.total')),
          CHANNELS.map((c) => {
            const col = s.buckets.filter((b) => b.channel === c);
            return h('td', { class: 'num' }, fillCell(sum(col, 'booked'), sum(col, 'capacity')));
          }),
          h('td', { class: 'num', 'data-testid': 'session-total' }, fillCell(sum(s.buckets, 'booked'), sum(s.buckets, 'capacity'))),
        ),
      ),
    ),
  );
}
