// mpi-review.js — one suspected duplicate side by side (GET /api/v1/mpi/reviews/{id}, an
// audited read): the new person and the candidate field by field, each compared field
// marked with the matcher's agreement level and weight (`explain`), the total score, and
// the decision with a reason (POST …/{id}): 合并 (the same person: the new person is merged
// into the candidate) or 不是同一人.
import * as api from '../api.js';
import { fmtDateTime, fmtPhone, t } from '../i18n.js';
import { clear, clearFormErrors, field, h, pageTitle, toast } from '../ui.js';
import { ageText, fieldLabel, fmtDay, fmtScore, fmtWeight, identLabel, levelLabel, localError, personCard, reviewStatusLabel, sexLabel, showMpiError, userText } from './mpi-common.js';

/* The rows of the comparison: label, how to show a person's value, the explain field. */
const ROWS = [
  ['mpi.name', (p) => h('span', {}, h('strong', {}, p.name), p.pinyin ? h('div', { class: 'fac-sub' }, p.pinyin) : null), 'name'],
  ['mpi.former', (p) => (p.former_names?.length ? p.former_names.join('、') : null), null],
  ['mpi.sex', (p) => sexLabel(p.sex), 'sex'],
  ['mpi.birth_date', (p) => (p.birth_date ? `${fmtDay(p.birth_date)} · ${ageText(p)}` : null), 'birth_date'],
  ['mpi.phone', (p) => (p.phones?.length ? p.phones.map(fmtPhone).join('，') : p.phone ? fmtPhone(p.phone) : null), 'phone'],
  ['mpi.address', (p) => p.address, 'address'],
  ['mpi.area', (p) => (p.area_code ? h('span', {}, p.area_name ?? '', ' ', h('span', { class: 'code muted' }, p.area_code)) : null), 'area_code'],
  ['mpi.ident.id_card', (p) => idList(p, (i) => i.type === 'id_card'), 'id_card'],
  ['mpi.ident.others', (p) => idList(p, (i) => i.type !== 'id_card'), null],
  ['mpi.records', (p) => (p.records?.length ? h('ul', { class: 'plain' }, p.records.map((r) => h('li', {}, r.facility_name ?? t('mpi.record.nofacility'), h('span', { class: 'muted small' }, ` · ${fmtDateTime(r.registered_at)}`)))) : null), null],
  ['fac.created', (p) => fmtDateTime(p.created_at), null],
];

function idList(p, pred) {
  const list = (p.identifiers ?? []).filter(pred);
  if (!list.length) return null;
  return h(
    'ul',
    { class: 'plain' },
    list.map((i) => h('li', {}, h('span', { class: 'ident-type' }, identLabel(i.type)), ' ', h('span', { class: 'code' }, i.value), i.issuer_name ? h('span', { class: 'muted small' }, ` · ${i.issuer_name}`) : null)),
  );
}

export async function render({ main, params, app }) {
  const v = await api.get(`/api/v1/mpi/reviews/${params[0]}`);
  const explain = new Map((v.explain ?? []).map((x) => [x.field, x]));
  const maxW = Math.max(1, ...(v.explain ?? []).map((x) => Math.abs(Number(x.weight) || 0)));
  const a = v.person;
  const b = v.candidate;

  const rows = ROWS.map(([key, show, ef]) => {
    const x = ef ? explain.get(ef) : null;
    const w = x ? Number(x.weight) : null;
    const cls = x ? (w > 0 ? 'agree' : w < 0 ? 'disagree' : 'neutral') : null;
    const cellA = show(a) ?? h('span', { class: 'muted' }, t('common.none'));
    const cellB = show(b) ?? h('span', { class: 'muted' }, t('common.none'));
    return h(
      'tr',
      { class: cls ? `cmp-${cls}` : null, 'data-field': ef ?? null },
      h('th', { scope: 'row' }, t(key)),
      h('td', {}, cellA),
      h('td', {}, cellB),
      h(
        'td',
        { class: 'cmp-agree-cell' },
        x
          ? h(
              'div',
              { class: 'cmp-level' },
              h('span', { class: `tag ${w > 0 ? 'tag-ok' : w < 0 ? 'tag-danger' : 'tag-grey'}` }, levelLabel(x.level)),
              h('span', { class: 'weight', title: t('mpi.weight') }, fmtWeight(w)),
              h('span', { class: 'wbar', 'aria-hidden': 'true' }, h('span', { class: w >= 0 ? 'wbar-pos' : 'wbar-neg', style: `width:${Math.round((Math.abs(w) / maxW) * 100)}%` })),
            )
          : h('span', { class: 'muted small' }, t('mpi.cmp.notcompared')),
      ),
    );
  });
  // Explain entries for fields the table has no row for (a newer matcher): listed below.
  const known = new Set(ROWS.map((r) => r[2]).filter(Boolean));
  const extra = (v.explain ?? []).filter((x) => !known.has(x.field));

  const open = v.status === 'open';
  const cmp = h(
    'section',
    { class: 'card', 'aria-labelledby': 'cmp-title' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { id: 'cmp-title' }, t('mpi.cmp.title')),
      h('div', { class: 'score-box', 'data-testid': 'review-score' }, h('span', {}, t('mpi.score')), h('b', {}, fmtScore(v.score))),
    ),
    h('div', { class: 'grid-2 cmp-cards' }, personCard(a, { title: t('mpi.review.person'), testid: 'cmp-person' }), personCard(b, { title: t('mpi.review.candidate'), testid: 'cmp-candidate' })),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table cmp-table', 'data-testid': 'compare-table' },
        h('caption', {}, t('mpi.cmp.caption')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('mpi.cmp.field')), h('th', { scope: 'col' }, t('mpi.review.person')), h('th', { scope: 'col' }, t('mpi.review.candidate')), h('th', { scope: 'col' }, t('mpi.cmp.agreement')))),
        h('tbody', {}, rows),
        extra.length
          ? h(
              'tfoot',
              {},
              extra.map((x) => h('tr', {}, h('th', { scope: 'row' }, fieldLabel(x.field)), h('td', { colspan: 2 }, ''), h('td', {}, h('span', { class: 'tag tag-grey' }, levelLabel(x.level)), ' ', fmtWeight(x.weight)))),
            )
          : null,
      ),
    ),
    h('p', { class: 'muted small', style: 'margin:10px 0 0' }, t('mpi.cmp.legend')),
  );

  clear(
    main,
    h('nav', { class: 'breadcrumb', 'aria-label': t('mpi.title') }, h('ol', {}, h('li', {}, h('a', { href: '/mpi/reviews' }, t('mpi.reviews.title'))), h('li', { 'aria-current': 'page' }, `${a.name} / ${b.name}`))),
    pageTitle(t('mpi.review.title')),
    h('p', { style: 'margin:-8px 0 14px' }, h('span', { class: open ? 'tag tag-warn' : 'tag tag-grey', 'data-testid': 'review-status' }, reviewStatusLabel(v.status)), h('span', { class: 'muted small' }, `${t('mpi.review.at')} ${fmtDateTime(v.created_at)}`)),
    v.already_same && open ? h('div', { class: 'notice notice-info', role: 'status' }, t('mpi.review.already')) : null,
    cmp,
    open && app.hasPerm('mpi.review') ? decision(v, app) : decided(v, app),
  );
}

function decision(v, app) {
  const reason = h('textarea', { 'data-field': 'reason', rows: 3, maxlength: 500, 'data-testid': 'decision-reason' });
  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1' });
  const same = h('button', { type: 'submit', value: 'same', class: 'btn btn-primary', 'data-testid': 'decide-same' }, t('mpi.decide.same'));
  const diff = h('button', { type: 'submit', value: 'different', class: 'btn', 'data-testid': 'decide-different' }, t('mpi.decide.different'));
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'decide-title', 'data-testid': 'decision-form' },
    h('h2', { id: 'decide-title', class: 'card-head' }, t('mpi.decide.title')),
    h('p', { class: 'muted' }, t('mpi.decide.text', { a: v.person.name, b: v.candidate.name })),
    summary,
    h('div', { class: 'form-grid' }, field(t('mpi.reason'), reason, { required: true, wide: true, hint: t('mpi.decide.reason.hint') })),
    h('div', { class: 'decision-actions' }, diff, same),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    const choice = ev.submitter?.value === 'different' ? 'different' : 'same';
    const text = reason.value.trim();
    if (text.length < 2) {
      showMpiError(form, localError('reason', t('mpi.reason.short', { n: 2 })), null);
      return;
    }
    same.disabled = diff.disabled = true;
    try {
      await api.request('POST', `/api/v1/mpi/reviews/${v.id}`, { body: { decision: choice, reason: text } });
      if (choice === 'same') {
        toast(t('mpi.decided.same', { name: v.candidate.name }));
        app.navigate(`/persons/${v.candidate.id}`);
      } else {
        toast(t('mpi.decided.different'));
        app.navigate('/mpi/reviews');
      }
    } catch (e) {
      same.disabled = diff.disabled = false;
      showMpiError(form, e, 'ReviewDecision');
    }
  });
  return h('section', { class: 'card' }, form);
}

function decided(v, app) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'decided-title' },
    h('h2', { id: 'decided-title', class: 'card-head' }, t('mpi.decided.title')),
    h(
      'dl',
      { class: 'props' },
      h('div', {}, h('dt', {}, t('mpi.review.status')), h('dd', {}, reviewStatusLabel(v.status))),
      h('div', {}, h('dt', {}, t('mpi.decided.at')), h('dd', {}, fmtDateTime(v.decided_at))),
      h('div', {}, h('dt', {}, t('mpi.by')), h('dd', {}, v.decided_by ? userText(v.decided_by, app) : t('common.none'))),
      h('div', {}, h('dt', {}, t('mpi.reason')), h('dd', {}, v.reason ?? t('common.none'))),
    ),
    v.status === 'same' ? h('p', { class: 'muted small', style: 'margin:10px 0 0' }, t('mpi.decided.same.hint')) : null,
  );
}
