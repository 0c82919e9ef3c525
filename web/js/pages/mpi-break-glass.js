// mpi-break-glass.js — 紧急查阅记录, for auditors (GET /api/v1/mpi/break-glass): every
// emergency read of a person outside the reader's scope, newest first, with the stated
// reason; each links to the person's audit trail.
import * as api from '../api.js';
import { fmtDateTime, shanghaiLocalToUtc, t } from '../i18n.js';
import { clear, clearFormErrors, errorBlock, field, h, pageTitle, pager, showFormError } from '../ui.js';

export async function render({ main, query, app }) {
  const f = {};
  for (const k of ['from', 'to']) if (query.get(k)) f[k] = query.get(k);
  const toLocal = (iso) => {
    if (!iso) return '';
    const d = new Date(new Date(iso).getTime() + 8 * 3600e3);
    return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 16);
  };
  const from = h('input', { type: 'datetime-local', value: toLocal(f.from), 'data-field': 'from' });
  const to = h('input', { type: 'datetime-local', value: toLocal(f.to), 'data-field': 'to' });
  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1', style: 'grid-column:1/-1' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('mpi.bglog.title'), novalidate: true },
    summary,
    field(t('audit.from'), from),
    field(t('audit.to'), to),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search')), h('a', { class: 'btn', href: '/mpi/break-glass' }, t('common.reset'))),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = { from: shanghaiLocalToUtc(from.value), to: shanghaiLocalToUtc(to.value) };
    const qs = new URLSearchParams(Object.entries(v).filter(([, x]) => x)).toString();
    app.navigate(`/mpi/break-glass${qs ? `?${qs}` : ''}`);
  });
  const tbody = h('tbody', {});
  const p = pager(async (cursor) => {
    try {
      const page = await api.get('/api/v1/mpi/break-glass', { ...f, limit: 30, cursor });
      clearFormErrors(form);
      clear(tbody, page.items.length ? page.items.map((x) => row(x, app)) : h('tr', {}, h('td', { colspan: 5, class: 'empty' }, t('common.empty'))));
      return page.next_cursor;
    } catch (e) {
      if (e.field) showFormError(form, e, null);
      clear(tbody, h('tr', {}, h('td', { colspan: 5 }, errorBlock(e))));
      return null;
    }
  });
  clear(
    main,
    pageTitle(t('mpi.bglog.title')),
    h('section', { class: 'card' }, form, h('p', { class: 'muted small', style: 'margin:8px 0 0' }, t('mpi.bglog.hint'))),
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', 'data-testid': 'break-glass-table' },
          h('caption', {}, t('audit.tz')),
          h('thead', {}, h('tr', {}, [t('audit.at'), t('mpi.bglog.person'), t('audit.user'), t('mpi.reason'), t('audit.ip')].map((x) => h('th', { scope: 'col' }, x)))),
          tbody,
        ),
      ),
      p.el,
    ),
  );
  await p.reset();
}

function row(x, app) {
  const trail = app.hasPerm('audit.read') ? h('a', { href: `/persons/${x.person_id}/audit` }, t('mpi.audit')) : null;
  return h(
    'tr',
    {},
    h('td', { class: 'nowrap' }, fmtDateTime(x.created_at, { seconds: true })),
    h('td', {}, x.person_name ?? t('common.none'), h('div', { class: 'fac-sub code' }, x.person_id), trail ? h('div', { class: 'fac-sub' }, trail) : null),
    h('td', {}, x.username ?? t('common.none'), x.user_id ? h('div', { class: 'fac-sub code' }, x.user_id) : null),
    h('td', {}, x.reason),
    h('td', { class: 'code nowrap' }, x.client_ip ?? t('common.none')),
  );
}
