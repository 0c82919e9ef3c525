// person-register.js — 登记: POST /api/v1/persons. The server matches the record against
// the index and says what happened: a new person, linked to an existing one (by a shared
// identifier, or by score), or a new person sent to review with the suspected duplicates
// and their scores. Errors go beside the field the API names (`identifiers[0].value`).
import * as api from '../api.js';
import { t } from '../i18n.js';
import { clear, clearFormErrors, errorBlock, field, h, nextId, pageTitle, select } from '../ui.js';
import { areaPicker } from './facilities.js';
import { IDENT_TYPES, SEXES, facilityPicker, fmtScore, identLabel, mpiTabs, options, personLine, personTags, ruleLabel, sexLabel, showMpiError } from './mpi-common.js';

const SCHEMA = 'PersonRegistration';

export async function render({ main, app, isCurrent }) {
  const picker = await areaPicker(null);
  if (!isCurrent()) return;
  const input = (path, attrs = {}) => h('input', { type: 'text', id: nextId('in'), 'data-field': path, autocomplete: 'off', ...attrs });
  const name = input('name', { maxlength: 40 });
  const sex = select(options(SEXES, sexLabel), '', { 'data-field': 'sex' }, t('mpi.sex.fromid'));
  const birth = input('birth_date', { type: 'date' });
  const phone = input('phone', { type: 'tel', inputmode: 'tel' });
  const nationality = input('nationality', { maxlength: 3, class: 'code', placeholder: 'CHN' });
  const former = input('former_names', { placeholder: t('mpi.former.placeholder') });
  const address = input('address', { maxlength: 200 });
  const areaCode = input('area_code', { inputmode: 'numeric', maxlength: 12, class: 'code' });
  const areaName = h('p', { class: 'field-hint area-name', 'aria-live': 'polite' });
  async function lookupArea() {
    const v = areaCode.value.trim();
    if (!/^\d{12}$/.test(v)) return clear(areaName);
    try {
      const a = await api.get(`/api/v1/areas/${v}`);
      clear(areaName, [...a.ancestors.map((x) => x.name), a.name].join(' / '));
    } catch {
      clear(areaName);
    }
  }
  picker.el.addEventListener('change', () => {
    const v = picker.value();
    if (v) {
      areaCode.value = v;
      lookupArea();
    }
  });
  areaCode.addEventListener('change', lookupArea);

  // ---- identifiers: rows re-drawn on add/remove so paths stay identifiers[i]… ----
  let rows = [{ type: 'id_card', value: '', issuer: '' }];
  const idBox = h('div', { 'data-field': 'identifiers', tabindex: '-1', class: 'ident-list' });
  const pickers = [];
  function readRows() {
    rows = [...idBox.querySelectorAll('.ident-row')].map((el, i) => ({
      type: el.querySelector('[data-role=type]').value,
      value: el.querySelector('[data-role=value]').value,
      issuer: pickers[i]?.value() ?? '',
    }));
  }
  function drawRows(focusPath) {
    pickers.length = 0;
    clear(
      idBox,
      rows.map((r, i) => {
        const p = `identifiers[${i}]`;
        const n = t('mpi.ident.n', { n: i + 1 });
        const type = select(options(IDENT_TYPES, identLabel), r.type, { 'data-field': `${p}.type`, 'data-role': 'type', 'aria-label': `${n} · ${t('mpi.ident.type')}` });
        const value = input(`${p}.value`, { value: r.value, 'data-role': 'value', class: 'code', spellcheck: 'false', 'aria-label': `${n} · ${t('mpi.ident.value')}` });
        const fp = facilityPicker(app, { 'data-field': `${p}.issuer`, 'aria-label': `${n} · ${t('mpi.issuer')}` }, r.issuer || null);
        pickers.push(fp);
        const issuerBox = h('div', { class: 'field ident-issuer' }, fp.el);
        const sync = () => (issuerBox.hidden = type.value !== 'hospital_card');
        type.addEventListener('change', sync);
        sync();
        return h(
          'div',
          { class: 'ident-row', role: 'group', 'aria-label': n },
          h('div', { class: 'field' }, type),
          h('div', { class: 'field' }, value),
          issuerBox,
          h(
            'button',
            { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': t('mpi.ident.remove', { n: i + 1 }), title: t('mpi.ident.remove', { n: i + 1 }), onclick: () => edit(() => rows.splice(i, 1), 'identifiers') },
            '✕',
          ),
        );
      }),
      h(
        'button',
        { type: 'button', class: 'btn btn-small', onclick: () => edit(() => rows.push({ type: rows.length ? 'hospital_card' : 'id_card', value: '', issuer: '' }), `identifiers[${rows.length}].value`) },
        `＋ ${t('mpi.ident.add')}`,
      ),
    );
    if (focusPath) idBox.querySelector(`[data-field="${CSS.escape(focusPath)}"]`)?.focus();
  }
  function edit(change, focusPath) {
    readRows();
    change();
    drawRows(focusPath);
  }
  drawRows();

  const codeField = field(t('areas.code'), areaCode, { hint: t('mpi.area.hint') });
  codeField.append(areaName);
  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'register' }, t('mpi.register.submit'));
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'page-title', 'data-testid': 'register-form' },
    summary,
    h(
      'fieldset',
      {},
      h('legend', {}, t('mpi.basic')),
      h(
        'div',
        { class: 'form-grid' },
        field(t('mpi.name'), name, { required: true, hint: t('mpi.name.hint') }),
        field(t('mpi.sex'), sex, { hint: t('mpi.fromid.hint') }),
        field(t('mpi.birth_date'), birth, { hint: t('mpi.fromid.hint') }),
        field(t('mpi.phone'), phone, { hint: t('fac.phone.hint') }),
        field(t('mpi.nationality'), nationality, { hint: t('mpi.nationality.hint') }),
        field(t('mpi.former'), former),
      ),
    ),
    h('fieldset', {}, h('legend', {}, t('mpi.identifiers')), h('p', { class: 'field-hint', style: 'margin-top:0' }, t('mpi.ident.hint')), idBox),
    h(
      'fieldset',
      {},
      h('legend', {}, t('mpi.address.legend')),
      h(
        'div',
        { class: 'form-grid' },
        field(t('mpi.address'), address, { wide: true }),
        h('div', { class: 'field field-wide' }, h('span', { class: 'field-label', id: 'pick-label' }, t('mpi.area')), picker.el),
        codeField,
      ),
    ),
    h('div', { class: 'form-actions' }, h('a', { class: 'btn', href: '/persons' }, t('common.cancel')), save),
  );
  picker.el.setAttribute('role', 'group');
  picker.el.setAttribute('aria-labelledby', 'pick-label');

  const str = (v) => (String(v).trim() === '' ? null : String(v).trim());
  function gather() {
    readRows();
    const body = {
      name: str(name.value),
      sex: sex.value || null,
      birth_date: birth.value || null,
      phone: str(phone.value)?.replace(/[\s]/g, '') ?? null,
      nationality: str(nationality.value)?.toUpperCase() ?? null,
      address: str(address.value),
      area_code: str(areaCode.value),
      former_names: (former.value ?? '')
        .split(/[,，、;；]/)
        .map((x) => x.trim())
        .filter(Boolean),
      identifiers: rows
        .map((r) => ({ type: r.type, value: r.value.trim().replace(/\s/g, ''), issuer: r.type === 'hospital_card' ? r.issuer || null : null }))
        .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null))),
    };
    // An untouched identifier row (no number typed) is no identifier: drop it, keeping the
    // positions of the others as the form shows them (errors name identifiers[i]).
    const out = {};
    for (const [k, v] of Object.entries(body)) if (v !== null && !(Array.isArray(v) && v.length === 0)) out[k] = v;
    return out;
  }

  let lastKey = null;
  let lastBody = null;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    const body = gather();
    // Rows without a number: the last empty rows are dropped; an empty row before a filled
    // one is sent (the API names it) so that the paths match the form.
    if (body.identifiers) {
      while (body.identifiers.length && !body.identifiers[body.identifiers.length - 1].value) body.identifiers.pop();
      if (!body.identifiers.length) delete body.identifiers;
    }
    const text = JSON.stringify(body);
    if (text !== lastBody) {
      lastBody = text;
      lastKey = api.newIdempotencyKey();
    }
    save.disabled = true;
    try {
      const r = await api.request('POST', '/api/v1/persons', { body, headers: { 'Idempotency-Key': lastKey } });
      showResult(r.data);
    } catch (e) {
      save.disabled = false;
      if (e.code === 'network' || e.status >= 500) {
        clear(summary, errorBlock(e));
        summary.focus();
      } else showMpiError(form, e, SCHEMA);
    }
  });

  const resultBox = h('div', {});
  function showResult(d) {
    clear(main, pageTitle(t('mpi.register.title')), mpiTabs('register', app), resultCard(d, app, () => app.rerender()));
    document.getElementById('page-title')?.focus();
  }

  clear(main, pageTitle(t('mpi.register.title')), mpiTabs('register', app), resultBox, h('section', { class: 'card' }, form));
  name.focus();
}

/* What the registration did, plainly: a new person, linked (rule and score), or sent to
 * review with the suspected duplicates. */
function resultCard(d, app, again) {
  const p = d.person;
  const m = d.match ?? {};
  const kinds = { new: 'ok', linked: 'info', review: 'warn' };
  const head = {
    new: t('mpi.match.new'),
    linked: t('mpi.match.linked'),
    review: t('mpi.match.review'),
  }[m.status] ?? m.status;
  const detail = [];
  if (m.status === 'new') detail.push(h('p', {}, t('mpi.match.new.text')));
  if (m.status === 'linked')
    detail.push(
      h(
        'p',
        { 'data-testid': 'match-rule' },
        t('mpi.match.linked.text'),
        ' ',
        h('span', { class: 'tag' }, ruleLabel(m.rule)),
        m.score !== null && m.score !== undefined ? h('span', { class: 'tag tag-grey' }, `${t('mpi.score')} ${fmtScore(m.score)}`) : null,
      ),
    );
  if (m.status === 'review') detail.push(h('p', {}, t('mpi.match.review.text')));
  const cands = m.candidates ?? [];
  // A registration that joined a person outside the caller's scope answers with the
  // masked summary only (no records): the record itself is not theirs to open.
  const summaryOnly = !Array.isArray(p.records);
  return h(
    'section',
    { class: `card match match-${kinds[m.status] ?? 'info'}`, role: 'status', 'aria-labelledby': 'match-title', 'data-testid': 'match-result', 'data-status': m.status },
    h('h2', { id: 'match-title' }, head),
    detail,
    h(
      'div',
      { class: 'person-card' },
      h('div', { class: 'person-card-name' }, summaryOnly ? h('span', { 'data-testid': 'match-person-name' }, p.name) : h('a', { href: `/persons/${p.id}`, 'data-testid': 'match-person' }, p.name), ' ', personTags(p)),
      h('div', { class: 'muted small' }, personLine(p)),
      h('div', { class: 'code muted small' }, `${t('mpi.id')} ${p.id}`),
      summaryOnly ? h('p', { class: 'muted small', style: 'margin:6px 0 0' }, t('mpi.match.summaryonly')) : null,
    ),
    cands.length
      ? h(
          'div',
          { class: 'table-wrap', style: 'margin-top:12px' },
          h(
            'table',
            { class: 'table', 'data-testid': 'match-candidates' },
            h('caption', {}, m.status === 'review' ? t('mpi.match.cands.review') : t('mpi.match.cands')),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('mpi.id')), h('th', { scope: 'col', class: 'num' }, t('mpi.score')), h('th', { scope: 'col' }, ''))),
            h(
              'tbody',
              {},
              cands.map((c) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'code' }, h('a', { href: `/persons/${c.person_id}` }, c.person_id)),
                  h('td', { class: 'num' }, h('span', { class: 'score' }, fmtScore(c.score))),
                  h('td', {}, c.person_id === p.id ? h('span', { class: 'tag tag-grey' }, t('mpi.match.this')) : null),
                ),
              ),
            ),
          ),
        )
      : null,
    h(
      'div',
      { class: 'form-actions' },
      m.status === 'review' && m.review_id && app.hasPerm('mpi.review') ? h('a', { class: 'btn', href: `/mpi/reviews/${m.review_id}` }, t('mpi.review.open')) : null,
      h('button', { type: 'button', class: 'btn', onclick: again }, t('mpi.register.again')),
      summaryOnly ? null : h('a', { class: 'btn btn-primary', href: `/persons/${p.id}` }, t('mpi.person.open')),
    ),
  );
}
