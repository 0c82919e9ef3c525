// mpi-common.js — shared by the master patient index pages (persons*, person*, mpi-*): the
// section tabs, labels of the index's codes (from the API's x-labels, else our own words),
// a person's one-line summary, dialogs holding a small form (errors beside their field),
// a reason dialog, a person finder (by name and birth date, never in the URL) and a
// facility picker for hospital cards.
import * as api from '../api.js';
import { codeLabel, fmtDate, getLang, has, t } from '../i18n.js';
import { clear, clearFormErrors, errorBlock, errorText, field, h, nextId, select, showFormError } from '../ui.js';

/* ---- tabs of the index ---- */

/** 人员查询 / 登记 / 疑似重复审核 / 合并 — the tabs the caller's permissions allow. */
export function mpiTabs(current, app) {
  const items = [
    ['search', '/persons', 'mpi.tab.search', 'person.read'],
    ['register', '/persons/new', 'mpi.tab.register', 'person.register'],
    ['reviews', '/mpi/reviews', 'mpi.tab.reviews', 'mpi.review'],
    ['merge', '/mpi/merge', 'mpi.tab.merge', 'mpi.merge'],
  ].filter(([, , , perm]) => app.hasPerm(perm));
  return h(
    'nav',
    { class: 'tabs', 'aria-label': t('mpi.title') },
    items.map(([id, path, key]) => h('a', { href: path, 'aria-current': current === id ? 'page' : null }, t(key))),
  );
}

/* ---- labels of codes ---- */


export const sexLabel = (c) => codeLabel(['personregistration.sex', 'person.sex'], 'mpi.sex', c);
export const identLabel = (c) => codeLabel(['personidentifier.type', 'personsearchidentifier.type'], 'mpi.ident', c);
export const relationLabel = (c) => codeLabel(['personfamilylink.relation'], 'mpi.rel', c);
export const attrLabel = (c) => codeLabel(['personattribute.type'], 'mpi.attr', c);
export const evidenceLabel = (c) => codeLabel(['personattribute.evidence_type'], 'mpi.evidence', c);
export const ruleLabel = (c) => (has(`mpi.rule.${c}`) ? t(`mpi.rule.${c}`) : c);
export const reviewStatusLabel = (c) => (has(`mpi.rstatus.${c}`) ? t(`mpi.rstatus.${c}`) : c);
export const fieldLabel = (c) => (has(`mpi.f.${c}`) ? t(`mpi.f.${c}`) : c);
export const levelLabel = (c) => (has(`mpi.level.${c}`) ? t(`mpi.level.${c}`) : c);

/** Identifier types in the order of the registration form. */
export const IDENT_TYPES = [
  'id_card',
  'id_card_15',
  'hospital_card',
  'insurance_card',
  'social_security_card',
  'passport',
  'foreigner_permit',
  'hmt_permit',
  'birth_certificate',
  'temporary',
];
export const SEXES = ['male', 'female', 'other', 'unknown'];
export const RELATIONS = ['guardian', 'ward', 'spouse', 'child', 'parent'];
export const ATTR_TYPES = ['military', 'disabled', 'pregnant'];
/** Which evidence proves which attribute (docs/mpi.md). */
export const EVIDENCE = {
  military: ['military_officer_card', 'veteran_card', 'soldier_card'],
  disabled: ['disability_card'],
  pregnant: ['maternal_handbook'],
};

/* ---- small formats ---- */

export function fmtScore(s) {
  if (s === null || s === undefined || Number.isNaN(Number(s))) return t('common.none');
  return Number(s).toFixed(2);
}

export function fmtWeight(w) {
  const n = Number(w);
  if (Number.isNaN(n)) return '';
  return `${n > 0 ? '+' : n < 0 ? '−' : '±'}${Math.abs(n).toFixed(2)}`;
}

/** A calendar date as given by the API (YYYY-MM-DD), written as Chinese users write it. */
export function fmtDay(d) {
  if (!d) return t('common.none');
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  if (!m) return d;
  return getLang() === 'zh' ? `${m[1]}年${+m[2]}月${+m[3]}日` : d;
}

export function ageText(p) {
  return p.age === null || p.age === undefined ? t('common.none') : t('mpi.age.n', { n: p.age });
}

/** Tags after a name: elderly, deceased. */
export function personTags(p) {
  return [
    p.elderly ? h('span', { class: 'tag tag-warn', 'data-testid': 'elderly' }, t('mpi.elderly')) : null,
    p.deceased_date ? h('span', { class: 'tag tag-grey' }, t('mpi.deceased')) : null,
  ];
}

/** 男 · 45 岁 · 1980年3月5日 */
export function personLine(p) {
  return [sexLabel(p.sex), ageText(p), fmtDay(p.birth_date)].filter(Boolean).join(' · ');
}

/** The (masked) identifiers of a list item, one tag each. */
export function identTags(list) {
  if (!list?.length) return h('span', { class: 'muted' }, t('common.none'));
  return h(
    'span',
    { class: 'ident-tags' },
    list.map((i) => h('span', { class: 'ident' }, h('span', { class: 'ident-type' }, identLabel(i.type)), ' ', h('span', { class: 'code' }, i.value))),
  );
}

/** A user id as a name where we know it (the caller), else the id. */
export function userText(id, app) {
  if (!id) return t('mpi.by.system');
  if (id === app.me?.id) return app.me.display_name || app.me.username;
  return h('span', { class: 'code' }, id);
}

/* ---- dialogs ---- */

/**
 * A modal dialog holding a form. `fields` are the form's controls (each with data-field =
 * the JSON path the API names); `submit()` does the request and resolves what the dialog
 * resolves; an ApiError is shown beside its field (or in the summary) and the dialog stays.
 * Resolves null when cancelled.
 */
export function formDialog({ title, intro, fields, okLabel, danger = false, schema = null, submit, wide = false, testid }) {
  return new Promise((resolve) => {
    const titleId = nextId('dlg');
    const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1' });
    const ok = h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary' }, okLabel);
    const cancel = h('button', { type: 'button', class: 'btn' }, t('common.cancel'));
    const form = h(
      'form',
      { novalidate: true },
      h('h2', { id: titleId, class: 'dialog-title' }, title),
      intro ? h('p', { class: 'dialog-intro' }, intro) : null,
      summary,
      h('div', { class: 'form-grid dialog-grid' }, fields),
      h('div', { class: 'dialog-actions' }, cancel, ok),
    );
    const dlg = h('dialog', { class: wide ? 'dialog dialog-wide' : 'dialog', 'aria-labelledby': titleId, 'data-testid': testid ?? null }, form);
    let result = null;
    cancel.addEventListener('click', () => dlg.close());
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearFormErrors(form);
      ok.disabled = true;
      try {
        result = await submit(form);
        dlg.close();
      } catch (e) {
        ok.disabled = false;
        if (e instanceof api.ApiError && (e.code === 'network' || e.status >= 500)) {
          clear(summary, errorText(e));
          summary.focus();
        } else if (e instanceof api.ApiError) showMpiError(form, e, schema);
        else {
          clear(summary, String(e.message ?? e));
          summary.focus();
        }
      }
    });
    dlg.addEventListener('close', () => {
      dlg.remove();
      resolve(result);
    });
    document.body.append(dlg);
    dlg.showModal();
    const first = form.querySelector('input:not([type=hidden]), select, textarea');
    (first ?? ok).focus();
  });
}

/** A dialog asking for a reason (a textarea named `reason`); submit(reason) does the request. */
export function reasonDialog({ title, intro, okLabel, danger = false, minLength = 2, hint, submit, testid }) {
  const reason = h('textarea', { 'data-field': 'reason', rows: 3, maxlength: 500, 'data-testid': 'reason' });
  return formDialog({
    title,
    intro,
    okLabel,
    danger,
    testid,
    fields: [field(t('mpi.reason'), reason, { required: true, wide: true, hint: hint ?? t('mpi.reason.hint', { n: minLength }) })],
    submit: async () => {
      const v = reason.value.trim();
      if (v.length < minLength) {
        throw localError('reason', t('mpi.reason.short', { n: minLength }));
      }
      return submit(v);
    },
  });
}

/* ---- errors in the index's words ---- */

/* The API's messages for the index are English sentences for developers; these say the
 * same to a registration clerk, in the console's language. [pattern, key, params(match)] */
const MESSAGES = [
  [/not a valid ID number: not 18/, 'mpi.err.idcard.length'],
  [/not a valid ID number: only digits/, 'mpi.err.idcard.chars'],
  [/not a valid ID number: the birth date/, 'mpi.err.idcard.date'],
  [/not a valid ID number: the check character/, 'mpi.err.idcard.check'],
  [/not a valid ID number/, 'mpi.err.idcard'],
  [/^a \w+ is (\d+) to (\d+) letters or digits/, 'mpi.err.identlen', (m) => ({ min: m[1], max: m[2] })],
  [/ID number gives the birth date ([\d-]+)/, 'mpi.err.idcard.birth', (m) => ({ d: fmtDay(m[1]) })],
  [/ID number gives the sex (\w+)/, 'mpi.err.idcard.sex', (m) => ({ s: sexLabel(m[1]) })],
  [/ID number gives the (birth date|sex)/, 'mpi.err.idcard.person'],
  [/after today/, 'mpi.err.future'],
  [/needs its issuing facility/, 'mpi.err.issuer.missing'],
  [/only a hospital card has an issuer/, 'mpi.err.issuer.only'],
  [/no facility has id/, 'mpi.err.issuer.unknown'],
  [/is already of this type/, 'mpi.err.ident.dup'],
  [/already has this identifier/, 'mpi.err.ident.has'],
  [/belongs to another person/, 'mpi.err.ident.taken'],
  [/belongs to a person whose (\w+) differs/, 'mpi.err.ident.differs', (m) => ({ what: fieldLabel(m[1]) })],
  [/belong to two persons/, 'mpi.err.ident.two'],
  [/hold different ID numbers/, 'mpi.err.merge.ids'],
  [/merged into itself/, 'mpi.err.merge.self'],
  [/was merged into another/, 'mpi.err.merge.gone'],
  [/no such person in your scope/, 'mpi.err.noperson.scope'],
  [/no such person/, 'mpi.err.noperson'],
  [/not merged into another/, 'mpi.err.unmerge.none'],
  [/were moved since/, 'mpi.err.unmerge.moved'],
  [/already undone/, 'mpi.err.link.undone'],
  [/nothing to detach/, 'mpi.err.link.only'],
  [/already linked/, 'mpi.err.family.dup'],
  [/own relative/, 'mpi.err.family.self'],
  [/does not prove/, 'mpi.err.evidence'],
  [/valid_to is before valid_from/, 'mpi.err.validto'],
  [/already decided/, 'mpi.err.decided'],
  [/name has no letters/, 'mpi.err.name'],
  [/three-letter/, 'mpi.err.nationality'],
];

/** The index's message for an API error, or null when the console's general words fit. */
export function mpiErrorText(err) {
  const msg = err?.message ?? '';
  for (const [re, key, params] of MESSAGES) {
    const m = re.exec(msg);
    if (m) return t(key, params ? params(m) : {});
  }
  return null;
}

/** An error found before asking the server, shown like the API's (beside `field`). */
export function localError(field, text) {
  const e = new api.ApiError(422, { error: { code: 'invalid_value', field, message: text } });
  e.localText = text;
  return e;
}

/** showFormError, in the index's words where it has them. */
export function showMpiError(form, err, schema) {
  const took = showFormError(form, err, schema);
  const text = err?.localText ?? mpiErrorText(err);
  if (text) {
    const el = took ? form.querySelector('.field-error') : form.querySelector('.form-summary');
    if (el) el.textContent = text;
  }
  return took;
}

/* ---- person finder ---- */

/**
 * Find a person by name (and birth date) without putting either in a URL (POST
 * /persons/search), then pick one: onPick(item). Not a <form> (it lives inside forms).
 */
export function personFinder(onPick, { label: labelText } = {}) {
  const name = h('input', { type: 'search', autocomplete: 'off', maxlength: 40 });
  const birth = h('input', { type: 'date' });
  const out = h('div', { class: 'finder-results', 'aria-live': 'polite' });
  const go = h('button', { type: 'button', class: 'btn btn-small' }, t('common.search'));
  async function run() {
    const body = {};
    if (name.value.trim()) body.name = name.value.trim();
    if (birth.value) body.birth_date = birth.value;
    if (!body.name) {
      clear(out, h('p', { class: 'muted small' }, t('mpi.finder.need')));
      return;
    }
    clear(out, h('p', { class: 'muted small' }, t('app.loading')));
    try {
      const r = await api.request('POST', '/api/v1/persons/search', { body: { ...body, limit: 10 } });
      const items = r.data.items ?? [];
      clear(
        out,
        items.length
          ? h(
              'ul',
              { class: 'finder-list' },
              items.map((p) =>
                h(
                  'li',
                  {},
                  h('span', {}, h('strong', {}, p.name), ' ', h('span', { class: 'muted small' }, personLine(p)), ' ', h('span', { class: 'code muted small' }, p.id)),
                  h('button', { type: 'button', class: 'btn btn-small', onclick: () => onPick(p) }, t('mpi.finder.pick')),
                ),
              ),
            )
          : h('p', { class: 'muted small' }, t('mpi.search.none')),
      );
    } catch (e) {
      clear(out, errorBlock(e));
    }
  }
  go.addEventListener('click', run);
  for (const el of [name, birth])
    el.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        run();
      }
    });
  name.setAttribute('aria-label', `${labelText ?? t('mpi.finder')} · ${t('mpi.name')}`);
  birth.setAttribute('aria-label', `${labelText ?? t('mpi.finder')} · ${t('mpi.birth_date')}`);
  name.placeholder = t('mpi.name');
  return h(
    'div',
    { class: 'finder field-wide', role: 'group', 'aria-label': labelText ?? t('mpi.finder') },
    h('span', { class: 'field-label' }, labelText ?? t('mpi.finder')),
    h('div', { class: 'finder-row' }, name, birth, go),
    out,
  );
}

/* ---- facility picker (hospital card issuer) ---- */

/**
 * A select of facilities for a hospital card's issuer: the caller's own facilities first,
 * and a name search that fills it. `attrs` go on the select (data-field, aria-label);
 * `empty` labels the no-choice option (default: choose an issuer).
 */
export function facilityPicker(app, attrs = {}, initial = null, empty = null) {
  const sel = h('select', { ...attrs });
  const q = h('input', { type: 'search', placeholder: t('mpi.issuer.search'), 'aria-label': t('mpi.issuer.search'), autocomplete: 'off' });
  const own = [...new Set((app.me?.grants ?? []).map((g) => g.facility_id).filter(Boolean))];
  const known = new Map();
  function fill(list, keep) {
    const v = keep ?? sel.value;
    clear(sel, h('option', { value: '' }, empty ?? t('mpi.issuer.choose')), list.map(([id, name]) => h('option', { value: id }, name)));
    if (v && list.some(([id]) => id === v)) sel.value = v;
    else if (list.length === 1 || (list.length && own.includes(list[0][0]))) sel.value = list[0][0];
  }
  async function loadOwn() {
    const list = [];
    for (const id of own) {
      try {
        const f = await api.get(`/api/v1/facilities/${id}`);
        known.set(id, f.name);
        list.push([id, f.name]);
      } catch {
        /* not readable: skip */
      }
    }
    if (initial && !own.includes(initial)) {
      try {
        const f = await api.get(`/api/v1/facilities/${initial}`);
        list.push([initial, f.name]);
      } catch {
        /* ignore */
      }
    }
    if (!q.value.trim()) fill(list, initial);
  }
  let timer = null;
  let seq = 0;
  async function search() {
    const text = q.value.trim();
    const n = ++seq;
    if (!text) return loadOwn();
    try {
      const page = await api.get('/api/v1/facilities', { q: text, limit: 20 });
      if (n !== seq) return;
      fill(page.items.map((f) => [f.id, f.name]));
    } catch {
      /* keep the list */
    }
  }
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  q.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      clearTimeout(timer);
      search();
    }
  });
  fill([]);
  const ready = loadOwn();
  return { select: sel, search: q, el: h('div', { class: 'issuer-picker' }, q, sel), ready, value: () => sel.value };
}

/* ---- a person's summary card (merge page, review page) ---- */

export function personCard(p, { title, testid } = {}) {
  return h(
    'div',
    { class: 'person-card', 'data-testid': testid ?? null },
    title ? h('div', { class: 'person-card-title' }, title) : null,
    h('div', { class: 'person-card-name' }, h('a', { href: `/persons/${p.id}` }, p.name), ' ', personTags(p)),
    h('div', { class: 'muted small' }, personLine(p)),
    h('div', { class: 'code muted small' }, `${t('mpi.id')} ${p.id}`),
  );
}

/** Options of codes with labels, for select(). */
export function options(codes, labelOf) {
  return codes.map((c) => [c, labelOf(c)]);
}

export { fmtDate, select };
