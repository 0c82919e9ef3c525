// mpi-reviews.js — 疑似重复审核: the suspected duplicates in the caller's area (GET
// /api/v1/mpi/reviews, oldest first), open ones by default; each row shows the new person
// and the candidate as masked summaries with the score, and opens the comparison.
import * as api from '../api.js';
import { fmtDateTime, t } from '../i18n.js';
import { clear, errorBlock, field, h, pageTitle, pager, select } from '../ui.js';
import { fmtScore, identTags, mpiTabs, personLine, personTags, reviewStatusLabel } from './mpi-common.js';

const STATUSES = ['open', 'same', 'different', 'all'];

export async function render({ main, query, app }) {
  const status = STATUSES.includes(query.get('status')) ? query.get('status') : 'open';
  const statusSel = select(
    STATUSES.map((s) => [s, reviewStatusLabel(s)]),
    status,
    { name: 'status' },
  );
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('mpi.reviews.title') },
    field(t('mpi.review.status'), statusSel),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search'))),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    app.navigate(statusSel.value === 'open' ? '/mpi/reviews' : `/mpi/reviews?status=${statusSel.value}`);
  });
  const tbody = h('tbody', {});
  const p = pager(async (cursor) => {
    try {
      const page = await api.get('/api/v1/mpi/reviews', { status, limit: 20, cursor });
      clear(tbody, page.items.length ? page.items.map(row) : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, status === 'open' ? t('mpi.reviews.none') : t('common.empty'))));
      return page.next_cursor;
    } catch (e) {
      clear(tbody, h('tr', {}, h('td', { colspan: 6 }, errorBlock(e, () => p.reload()))));
      return null;
    }
  });
  clear(
    main,
    pageTitle(t('mpi.reviews.title')),
    mpiTabs('reviews', app),
    h('section', { class: 'card' }, form, h('p', { class: 'muted small', style: 'margin:8px 0 0' }, t('mpi.reviews.hint'))),
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', 'data-testid': 'review-table' },
          h(
            'thead',
            {},
            h('tr', {}, [t('mpi.review.at'), t('mpi.review.person'), t('mpi.review.candidate'), t('mpi.score'), t('mpi.review.status'), ''].map((x, i) => h('th', { scope: 'col', class: i === 3 ? 'num' : null }, x))),
          ),
          tbody,
        ),
      ),
      p.el,
    ),
  );
  await p.reset();
}

function who(p) {
  if (!p) return h('span', { class: 'muted' }, t('common.none'));
  return h(
    'div',
    {},
    h('strong', {}, p.name),
    ' ',
    personTags(p),
    h('div', { class: 'fac-sub' }, personLine(p)),
    h('div', { class: 'fac-sub' }, identTags(p.identifiers)),
  );
}

function row(v) {
  return h(
    'tr',
    { 'data-review': v.id },
    h('td', { class: 'nowrap' }, fmtDateTime(v.created_at)),
    h('td', {}, who(v.person)),
    h('td', {}, who(v.candidate)),
    h('td', { class: 'num' }, h('span', { class: 'score' }, fmtScore(v.score))),
    h('td', {}, h('span', { class: v.status === 'open' ? 'tag tag-warn' : v.status === 'same' ? 'tag' : 'tag tag-grey' }, reviewStatusLabel(v.status))),
    h('td', { class: 'actions' }, h('a', { class: 'btn btn-small btn-primary', href: `/mpi/reviews/${v.id}` }, v.status === 'open' ? t('mpi.review.compare') : t('common.details'))),
  );
}
