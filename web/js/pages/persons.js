// persons.js — 人员查询: find persons by name, birth date, phone or an identifier. Every
// search goes as POST /api/v1/persons/search, so names, phone and ID numbers never travel in
// a URL (nor sit in the browser history); the last search is kept in memory only, so the
// back button from a person returns to the same results. Results are masked as the API
// gives them.
import * as api from '../api.js';
import { fmtPhone, t } from '../i18n.js';
import { clear, clearFormErrors, errorBlock, field, h, pageTitle, select } from '../ui.js';
import { IDENT_TYPES, ageText, facilityPicker, fmtDay, identLabel, identTags, mpiTabs, options, personTags, sexLabel, showMpiError } from './mpi-common.js';

/* The last search of this tab and user (memory only: gone on reload, not shown to the next
 * user of the tab). */
let lastSearch = null;

export async function render({ main, app }) {
  let last = lastSearch?.user === app.me?.id ? lastSearch.body : null;
  const s = last ?? {};
  const name = h('input', { type: 'search', value: s.name ?? '', 'data-field': 'name', maxlength: 40, autocomplete: 'off', placeholder: t('mpi.name.placeholder') });
  const birth = h('input', { type: 'date', value: s.birth_date ?? '', 'data-field': 'birth_date' });
  const phone = h('input', { type: 'tel', value: s.phone ?? '', 'data-field': 'phone', autocomplete: 'off', inputmode: 'tel' });
  const itype = select(options(IDENT_TYPES, identLabel), s.identifier?.type ?? '', { 'data-field': 'identifier.type' }, t('mpi.ident.any'));
  const ivalue = h('input', { type: 'text', value: s.identifier?.value ?? '', 'data-field': 'identifier.value', autocomplete: 'off', class: 'code', spellcheck: 'false' });
  const issuer = facilityPicker(app, { 'data-field': 'identifier.issuer', 'aria-label': t('mpi.issuer') }, s.identifier?.issuer ?? null);
  const issuerField = field(t('mpi.issuer'), issuer.select, { wide: true });
  issuerField.querySelector('label').after(issuer.search);
  const showIssuer = () => (issuerField.hidden = itype.value !== 'hospital_card');
  itype.addEventListener('change', showIssuer);
  showIssuer();

  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1', style: 'grid-column:1/-1' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('mpi.search.title'), novalidate: true, 'data-testid': 'person-search' },
    summary,
    field(t('mpi.name'), name),
    field(t('mpi.birth_date'), birth),
    field(t('mpi.phone'), phone),
    field(t('mpi.ident.type'), itype),
    field(t('mpi.ident.value'), ivalue),
    issuerField,
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search')),
      h('button', { type: 'button', class: 'btn', onclick: () => ((lastSearch = null), app.rerender()) }, t('common.reset')),
    ),
  );
  const hint = h('p', { class: 'muted small', style: 'margin:8px 0 0' }, t('mpi.search.hint'));
  const tbody = h('tbody', {});
  const note = h('span', { class: 'card-sub', 'aria-live': 'polite' });
  const results = h(
    'section',
    { class: 'card', 'aria-labelledby': 'results-title' },
    h('div', { class: 'card-head' }, h('h2', { id: 'results-title' }, t('mpi.results')), note),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', 'data-testid': 'person-table' },
        h('thead', {}, h('tr', {}, [t('mpi.name'), t('mpi.sex'), t('mpi.birth_date'), t('mpi.phone'), t('mpi.identifiers'), t('mpi.area')].map((x) => h('th', { scope: 'col' }, x)))),
        tbody,
      ),
    ),
  );
  clear(tbody, h('tr', {}, h('td', { colspan: 6, class: 'empty' }, t('mpi.search.start'))));

  async function run(body) {
    clearFormErrors(form);
    clear(note);
    clear(tbody, h('tr', {}, h('td', { colspan: 6, class: 'empty' }, t('app.loading'))));
    try {
      const r = await api.request('POST', '/api/v1/persons/search', { body: { ...body, limit: 50 } });
      const items = r.data.items ?? [];
      // The search takes no cursor: past the first page, the criteria must narrow.
      clear(note, r.data.next_cursor ? t('mpi.search.more', { n: items.length }) : t('common.count', { n: items.length }));
      clear(tbody, items.length ? items.map(row) : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, t('mpi.search.none'))));
    } catch (e) {
      if (e.field && e.status < 500) showMpiError(form, e, 'PersonSearch');
      clear(tbody, h('tr', {}, h('td', { colspan: 6 }, errorBlock(e))));
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = {};
    if (name.value.trim()) body.name = name.value.trim();
    if (birth.value) body.birth_date = birth.value;
    if (phone.value.trim()) body.phone = phone.value.replace(/[\s-]/g, '');
    if (itype.value || ivalue.value.trim()) {
      body.identifier = { type: itype.value || 'id_card', value: ivalue.value.trim().replace(/\s/g, '') };
      if (body.identifier.type === 'hospital_card' && issuer.value()) body.identifier.issuer = issuer.value();
    }
    last = body;
    lastSearch = { user: app.me?.id, body };
    run(body);
  });

  const actions = [];
  // A resident's account is linked to their own person (a person grant).
  for (const pid of new Set((app.me?.grants ?? []).map((g) => g.person_id).filter(Boolean)))
    actions.push(h('a', { class: 'btn', href: `/persons/${pid}`, 'data-testid': 'my-record' }, t('mpi.mine')));
  if (app.hasPerm('person.register')) actions.push(h('a', { class: 'btn btn-primary', href: '/persons/new' }, `＋ ${t('mpi.register')}`));
  clear(
    main,
    pageTitle(t('mpi.search.title'), ...actions),
    mpiTabs('search', app),
    h('section', { class: 'card', 'aria-label': t('mpi.search.title') }, form, hint),
    results,
    app.hasPerm('person.break_glass') ? breakGlassCard(app) : null,
  );
  if (last) await run(last);
}

function row(p) {
  return h(
    'tr',
    {},
    h('td', {}, h('a', { class: 'fac-name', href: `/persons/${p.id}` }, p.name), ' ', personTags(p), h('div', { class: 'fac-sub' }, p.pinyin ?? '')),
    h('td', { class: 'nowrap' }, sexLabel(p.sex)),
    h('td', { class: 'nowrap' }, fmtDay(p.birth_date), h('div', { class: 'fac-sub' }, ageText(p))),
    h('td', { class: 'nowrap code' }, p.phone ? fmtPhone(p.phone) : t('common.none')),
    h('td', {}, identTags(p.identifiers)),
    h('td', {}, p.area_name ?? t('common.none'), p.area_code ? h('div', { class: 'fac-sub code' }, p.area_code) : null),
  );
}

/* Emergency staff open a person outside their scope by the person's number (from a call,
 * a case, a wristband): the person page then asks for the reason. */
function breakGlassCard(app) {
  const id = h('input', { type: 'text', inputmode: 'numeric', class: 'code', autocomplete: 'off', 'data-field': 'id' });
  const form = h(
    'form',
    { class: 'filters', novalidate: true },
    field(t('mpi.id'), id),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-danger' }, t('mpi.bg.open'))),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = id.value.trim();
    if (/^\d+$/.test(v)) app.navigate(`/persons/${v}`);
  });
  return h(
    'section',
    { class: 'card card-danger', 'aria-labelledby': 'bg-title' },
    h('div', { class: 'card-head' }, h('h2', { id: 'bg-title' }, t('mpi.bg.title')), h('span', { class: 'card-sub' }, t('mpi.bg.card'))),
    form,
  );
}
