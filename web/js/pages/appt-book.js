// appt-book.js — 预约挂号: find a department or a doctor of a facility, see the places left
// per pool for the caller's own channel (GET /api/v1/slots), and book one (POST
// /api/v1/appointments with an Idempotency-Key), or join the session's waiting list when
// it is full. A resident books for themself or a family member they manage; a hotline
// operator, the registration desk or a clinician first finds the caller in the person index
// (POST /api/v1/persons/search) and books on their behalf. The channel is never chosen
// here: the server derives it from the caller's role.
import * as api from '../api.js';
import { t } from '../i18n.js';
import { clear, errorBlock, field, h, pageTitle, select, toast } from '../ui.js';
import { personFinder, personLine } from './mpi-common.js';
import {
  addDays,
  apptErrorText,
  apptTabs,
  callerChannel,
  channelLabel,
  feeLabel,
  fmtDayW,
  fmtTime,
  isResident,
  periodLabel,
  placePicker,
  poolLabel,
  today,
} from './appt-common.js';

export async function render({ main, app, query, isCurrent }) {
  const resident = isResident(app);
  const channel = await callerChannel(app);
  if (!isCurrent()) return;
  let person = null; // {id, name, line}

  // --- who the booking is for ---
  let whoCard;
  const chosen = h('div', { 'data-testid': 'appt-person', 'aria-live': 'polite' });
  if (resident) {
    const mine = [];
    for (const pid of new Set((app.me.grants ?? []).map((g) => g.person_id).filter(Boolean))) {
      try {
        const p = await api.get(`/api/v1/persons/${pid}`);
        mine.push({ id: p.id, name: p.name, self: true });
        for (const f of p.family ?? []) if (f.manages) mine.push({ id: f.person_id, name: f.name });
      } catch {
        mine.push({ id: pid, name: t('appt.for.self'), self: true });
      }
    }
    if (!isCurrent()) return;
    const sel = select(
      mine.map((p) => [p.id, p.self ? `${p.name}（${t('appt.for.self')}）` : p.name]),
      mine[0]?.id ?? '',
      { 'data-field': 'person_id', 'data-testid': 'appt-for' },
    );
    const pick = () => {
      const p = mine.find((x) => x.id === sel.value);
      person = p ? { id: p.id, name: p.name } : null;
    };
    sel.addEventListener('change', pick);
    pick();
    whoCard = h('section', { class: 'card' }, h('div', { class: 'filters' }, field(t('appt.for'), sel)));
  } else {
    const showChosen = () =>
      clear(
        chosen,
        person
          ? h(
              'p',
              { class: 'notice notice-info' },
              `${t('appt.onbehalf.person')}：`,
              h('strong', { 'data-testid': 'appt-person-name' }, person.name),
              ' ',
              h('span', { class: 'muted small' }, person.line),
              ' ',
              h('button', { type: 'button', class: 'btn btn-small', onclick: () => ((person = null), showChosen(), finder.hidden = false) }, t('appt.onbehalf.change')),
            )
          : null,
      );
    const finder = personFinder(
      (p) => {
        person = { id: p.id, name: p.name, line: personLine(p) };
        finder.hidden = true;
        showChosen();
      },
      { label: t('appt.onbehalf.person') },
    );
    whoCard = h(
      'section',
      { class: 'card', 'aria-labelledby': 'who-title', 'data-testid': 'appt-onbehalf' },
      h('div', { class: 'card-head' }, h('h2', { id: 'who-title' }, t('appt.onbehalf'))),
      h('p', { class: 'muted small' }, t('appt.onbehalf.hint', { c: channelLabel(channel) })),
      finder,
      chosen,
    );
  }

  // --- where and when ---
  const date = h('input', { type: 'date', value: query.get('date') || addDays(today(), 1), 'data-field': 'date' });
  const days = select([1, 3, 7, 14].map((n) => [String(n), String(n)]), query.get('days') || '7', { 'data-field': 'days' });
  const where = placePicker(app, { initial: { facility: query.get('facility'), department: query.get('department'), doctor: query.get('doctor') } });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('appt.find'), 'data-testid': 'appt-find' },
    ...where.fields.filter(Boolean),
    field(t('appt.date'), date),
    field(t('appt.days'), days),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('appt.find'))),
  );
  const out = h('div', { 'aria-live': 'polite' });
  const note = h('span', { class: 'card-sub' }, t('appt.slots.channel', { c: channelLabel(channel) }));
  const result = h('div', { 'aria-live': 'polite', 'data-testid': 'appt-result' });

  async function find() {
    const q = { facility: where.facility(), department: where.department(), doctor: where.doctor(), date: date.value || today(), days: days.value };
    if (!q.facility) {
      clear(out, h('p', { class: 'empty' }, t('appt.choose.facility')));
      return;
    }
    clear(out, h('p', { class: 'muted' }, t('app.loading')));
    try {
      const { items } = await api.getAll('/api/v1/slots', q, 500);
      // The server answers for the caller's own channel: say which.
      if (items[0]?.channel) clear(note, t('appt.slots.channel', { c: channelLabel(items[0].channel) }));
      clear(out, items.length ? sessionList(items) : h('p', { class: 'empty' }, t('appt.slots.none')));
    } catch (e) {
      clear(out, errorBlock(e, find));
    }
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clear(result);
    find();
  });

  function sessionList(items) {
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', 'data-testid': 'slot-table' },
        h('thead', {}, h('tr', {}, [t('appt.date'), t('appt.department'), t('appt.doctor'), t('appt.fee_class'), t('appt.available'), ''].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, items.map(sessionRow)),
      ),
    );
  }

  function sessionRow(s) {
    const pools = s.pools.filter((p) => p.capacity > 0);
    const left = pools.reduce((a, p) => a + p.available, 0);
    const cancelled = s.status !== 'open';
    const buttons = cancelled
      ? [h('span', { class: 'tag tag-grey' }, t('appt.session.cancelled'))]
      : left > 0
        ? pools
            .filter((p) => p.available > 0)
            .map((p) => h('button', { type: 'button', class: p.pool === 'general' ? 'btn btn-small btn-primary' : 'btn btn-small', 'data-pool': p.pool, onclick: () => book(s, p.pool) }, t('appt.book.as', { pool: poolLabel(p.pool) })))
        : [h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'appt-wait', onclick: () => wait(s) }, t('appt.wait'))];
    return h(
      'tr',
      { 'data-session': s.session_id },
      h('td', { class: 'nowrap' }, fmtDayW(s.date), ' ', periodLabel(s.period), h('div', { class: 'fac-sub' }, `${fmtTime(s.start)}–${fmtTime(s.end)}`)),
      h('td', {}, s.department?.name ?? t('common.none')),
      h('td', {}, s.doctor?.name ?? h('span', { class: 'muted' }, t('common.none'))),
      h('td', { class: 'nowrap' }, feeLabel(s.fee_class)),
      h('td', {}, pools.length ? pools.map((p) => h('span', { class: p.available ? 'tag tag-ok' : 'tag tag-grey', style: 'margin-right:4px' }, `${poolLabel(p.pool)} ${p.available}`)) : h('span', { class: 'muted' }, '0')),
      h('td', { class: 'actions' }, buttons),
    );
  }

  async function book(s, pool) {
    if (!person) {
      toast(t('appt.onbehalf.need'), 'error');
      return;
    }
    try {
      const r = await api.request('POST', '/api/v1/appointments', {
        body: { session_id: s.session_id, person_id: person.id, pool },
        headers: { 'Idempotency-Key': api.newIdempotencyKey() },
      });
      const a = r.data;
      const text = t('appt.booked.ok', { date: fmtDayW(a.date), period: periodLabel(a.period), n: a.slot + 1, time: `${fmtTime(a.slot_start)}–${fmtTime(a.slot_end)}` });
      toast(text);
      clear(
        result,
        h(
          'div',
          { class: 'notice notice-info', role: 'status', 'data-testid': 'appt-booked', 'data-id': a.id, 'data-channel': a.channel },
          h('strong', {}, text),
          ' · ',
          `${a.department?.name ?? ''} ${a.doctor?.name ?? ''} · ${person.name} · ${poolLabel(a.pool)} · ${channelLabel(a.channel)} `,
          h('a', { href: '/appointments' }, resident ? t('appt.tab.mine') : t('appt.tab.list')),
        ),
      );
      await find();
    } catch (e) {
      clear(result, h('div', { class: 'notice notice-error', role: 'alert', 'data-testid': 'appt-error' }, apptErrorText(e)));
    }
  }

  async function wait(s) {
    if (!person) {
      toast(t('appt.onbehalf.need'), 'error');
      return;
    }
    try {
      const r = await api.request('POST', '/api/v1/waitlist', { body: { session_id: s.session_id, person_id: person.id } });
      clear(result, h('div', { class: 'notice notice-info', role: 'status', 'data-testid': 'appt-waiting' }, t('appt.wait.ok', { n: r.data.position ?? '?' })));
    } catch (e) {
      clear(result, h('div', { class: 'notice notice-error', role: 'alert', 'data-testid': 'appt-error' }, apptErrorText(e)));
    }
  }

  clear(
    main,
    pageTitle(t('appt.tab.book')),
    apptTabs('book', app),
    whoCard,
    h('section', { class: 'card', 'aria-label': t('appt.find') }, form, h('p', { class: 'muted small', style: 'margin:8px 0 0' }, t('appt.find.hint'))),
    result,
    h('section', { class: 'card', 'aria-labelledby': 'slots-title' }, h('div', { class: 'card-head' }, h('h2', { id: 'slots-title' }, t('appt.slots')), note), out),
  );
  await where.ready;
  if (!isCurrent()) return;
  if (where.facility()) await find();
  else clear(out, h('p', { class: 'empty' }, t('appt.choose.facility')));
}
