// person.js — 人员档案: one person (GET /api/v1/persons/{id}, an audited read): the header
// (name, sex, age, birth date, elderly), identifiers (add, remove), family links (add, end),
// verified attributes (add with evidence, revoke), the source records (which facility
// registered what, when; detach one), the link history, the persons merged into this one
// (撤销合并), and who read or changed the person (GET /api/v1/persons/{id}/audit). A person outside the caller's scope
// answers 404; clinicians and dispatchers may then open it through break-glass (紧急查阅)
// with a reason, read-only.
import * as api from '../api.js';
import { fmtDateTime, fmtPhone, t } from '../i18n.js';
import { clear, errorBlock, field, h, pageTitle, select, toast } from '../ui.js';
import {
  ATTR_TYPES,
  EVIDENCE,
  IDENT_TYPES,
  RELATIONS,
  ageText,
  attrLabel,
  evidenceLabel,
  facilityPicker,
  fmtDay,
  fmtScore,
  formDialog,
  identLabel,
  options,
  personFinder,
  personTags,
  reasonDialog,
  relationLabel,
  ruleLabel,
  sexLabel,
  userText,
} from './mpi-common.js';
import { auditTable } from './person-audit.js';

export async function render({ main, params, app, isCurrent }) {
  const id = params[0];
  let r;
  try {
    r = await api.getWithEtag(`/api/v1/persons/${id}`);
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 404 && app.hasPerm('person.break_glass') && isCurrent()) return breakGlassOffer(main, id, app, isCurrent);
    throw e;
  }
  if (!isCurrent()) return;
  // A merged id answers with the current person: show the current id in the address bar.
  if (r.data.id !== id && !r.data.resolved_from) r.data.resolved_from = id;
  if (r.data.id !== id) history.replaceState(null, '', `/persons/${r.data.id}`);
  draw(main, r.data, app, { breakGlass: false });
  await loadAudit(r.data.id, isCurrent);
}

/* ---- break-glass ---- */

function breakGlassOffer(main, id, app, isCurrent) {
  const open = h('button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'break-glass' }, t('mpi.bg.open'));
  open.addEventListener('click', async () => {
    const doc = await reasonDialog({
      title: t('mpi.bg.title'),
      intro: t('mpi.bg.intro'),
      okLabel: t('mpi.bg.confirm'),
      danger: true,
      minLength: 4,
      testid: 'break-glass-dialog',
      submit: async (reason) => (await api.request('POST', `/api/v1/persons/${id}/break-glass`, { body: { reason } })).data,
    });
    if (!doc || !isCurrent()) return;
    draw(main, doc, app, { breakGlass: true });
    document.getElementById('page-title')?.focus();
  });
  clear(
    main,
    crumbs(t('mpi.bg.title')),
    pageTitle(t('mpi.bg.title')),
    h(
      'section',
      { class: 'card card-danger' },
      h('p', {}, t('mpi.bg.outofscope')),
      h('p', { class: 'muted small' }, t('mpi.bg.recorded')),
      h('div', { class: 'form-actions', style: 'justify-content:flex-start' }, open, h('a', { class: 'btn', href: '/persons' }, t('common.back'))),
    ),
  );
}

/* ---- the page ---- */

function crumbs(current) {
  return h('nav', { class: 'breadcrumb', 'aria-label': t('mpi.title') }, h('ol', {}, h('li', {}, h('a', { href: '/persons' }, t('mpi.search.title'))), h('li', { 'aria-current': 'page' }, current)));
}

function draw(main, p, app, { breakGlass }) {
  const can = (perm) => !breakGlass && app.hasPerm(perm);
  const actions = [];
  if (can('person.write')) actions.push(h('a', { class: 'btn btn-primary', href: `/persons/${p.id}/edit` }, t('common.edit')));
  if (can('mpi.merge')) actions.push(h('a', { class: 'btn', href: `/mpi/merge?keep=${p.id}` }, t('mpi.merge.into')));
  if (app.hasPerm('audit.read') && !breakGlass) actions.push(h('a', { class: 'btn', href: `/persons/${p.id}/audit` }, t('mpi.audit')));
  const reload = () => app.rerender();

  clear(
    main,
    crumbs(p.name),
    breakGlass ? h('div', { class: 'notice notice-error', role: 'alert', 'data-testid': 'break-glass-banner' }, h('strong', {}, t('mpi.bg.banner')), ' ', t('mpi.bg.banner.text')) : null,
    p.resolved_from ? h('div', { class: 'notice notice-info', role: 'status', 'data-testid': 'resolved-from' }, t('mpi.resolved', { id: p.resolved_from })) : null,
    pageTitle(p.name, ...actions),
    h(
      'p',
      { class: 'person-head', 'data-testid': 'person-head' },
      h('span', { class: 'tag tag-grey' }, sexLabel(p.sex)),
      h('span', { class: 'tag tag-grey' }, ageText(p)),
      h('span', { class: 'tag tag-grey' }, fmtDay(p.birth_date)),
      personTags(p),
      p.pinyin ? h('span', { class: 'muted small' }, p.pinyin) : null,
    ),
    basic(p),
    identifiers(p, app, can, reload),
    family(p, app, can, reload),
    attributes(p, app, can, reload),
    records(p, app, can, reload),
    mergedFrom(p, app, can, reload),
    links(p, app),
    !breakGlass
      ? h('section', { class: 'card', 'aria-labelledby': 'audit-title' }, h('h2', { id: 'audit-title', class: 'card-head' }, t('mpi.audit')), h('div', { id: 'person-audit' }, h('p', { class: 'muted' }, t('app.loading'))))
      : null,
  );
}

async function loadAudit(id, isCurrent) {
  const box = document.getElementById('person-audit');
  if (!box) return;
  try {
    // The person's own access trail: staff in scope, and a resident for their own record.
    const page = await api.get(`/api/v1/persons/${id}/audit`, { limit: 20 });
    if (isCurrent()) clear(box, auditTable(page.items));
  } catch (e) {
    if (isCurrent()) clear(box, errorBlock(e));
  }
}

function prop(name, value, testid) {
  return h('div', { 'data-prop': testid ?? null }, h('dt', {}, name), h('dd', {}, value));
}

function section(id, title, sub, action, ...body) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': `${id}-title`, 'data-testid': `person-${id}` },
    h('div', { class: 'card-head' }, h('div', { class: 'card-title' }, h('h2', { id: `${id}-title` }, title), sub ? h('span', { class: 'card-sub' }, sub) : null), action ?? null),
    body,
  );
}

function table(testid, heads, rows, empty) {
  if (!rows.length) return h('p', { class: 'empty' }, empty ?? t('common.empty'));
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'table', 'data-testid': testid }, h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col', class: x === '' ? 'actions' : null }, x)))), h('tbody', {}, rows)),
  );
}

function basic(p) {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'basic-title' },
    h('h2', { id: 'basic-title', class: 'card-head' }, t('mpi.basic')),
    h(
      'dl',
      { class: 'props', 'data-testid': 'person-props' },
      prop(t('mpi.name'), p.name, 'name'),
      prop(t('mpi.pinyin'), p.pinyin ?? t('common.none')),
      prop(t('mpi.former'), p.former_names?.length ? p.former_names.join('、') : t('common.none')),
      prop(t('mpi.sex'), sexLabel(p.sex), 'sex'),
      prop(t('mpi.birth_date'), fmtDay(p.birth_date), 'birth_date'),
      prop(t('mpi.age'), ageText(p)),
      prop(t('mpi.phone'), p.phone ? fmtPhone(p.phone) : t('common.none'), 'phone'),
      prop(t('mpi.phones'), p.phones?.length ? p.phones.map(fmtPhone).join('，') : t('common.none')),
      prop(t('mpi.address'), p.address ?? t('common.none'), 'address'),
      prop(t('mpi.area'), p.area_code ? h('span', {}, h('a', { href: `/areas/${p.area_code}` }, p.area_name ?? p.area_code), ' ', h('span', { class: 'code muted' }, p.area_code)) : t('common.none')),
      prop(t('mpi.nationality'), p.nationality ?? t('common.none')),
      p.deceased_date ? prop(t('mpi.deceased_date'), fmtDay(p.deceased_date)) : null,
      prop(t('mpi.id'), h('span', { class: 'code' }, p.id)),
      prop(t('fac.version'), String(p.version)),
      prop(t('fac.created'), fmtDateTime(p.created_at)),
      prop(t('fac.updated'), fmtDateTime(p.updated_at)),
    ),
  );
}

/* ---- identifiers ---- */

function identifiers(p, app, can, reload) {
  const add = can('person.write') ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => addIdentifier(p, app, reload) }, `＋ ${t('mpi.ident.add')}`) : null;
  const rows = (p.identifiers ?? []).map((i) =>
    h(
      'tr',
      {},
      h('td', {}, identLabel(i.type)),
      h('td', { class: 'code' }, i.value),
      h('td', {}, i.issuer_name ?? (i.issuer ? h('span', { class: 'code' }, i.issuer) : t('common.none'))),
      h('td', { class: 'nowrap' }, fmtDateTime(i.created_at)),
      h(
        'td',
        { class: 'actions' },
        can('person.write')
          ? h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => removeIdentifier(p, i, reload), 'aria-label': `${t('common.remove')} ${identLabel(i.type)}` }, t('common.remove'))
          : null,
      ),
    ),
  );
  return section('identifiers', t('mpi.identifiers'), null, add, table('identifiers-table', [t('mpi.ident.type'), t('mpi.ident.value'), t('mpi.issuer'), t('mpi.added'), ''], rows));
}

async function addIdentifier(p, app, reload) {
  const type = select(options(IDENT_TYPES, identLabel), 'hospital_card', { 'data-field': 'type' });
  const value = h('input', { type: 'text', 'data-field': 'value', class: 'code', autocomplete: 'off', spellcheck: 'false' });
  const issuer = facilityPicker(app, { 'data-field': 'issuer', 'aria-label': t('mpi.issuer') });
  const issuerField = field(t('mpi.issuer'), issuer.select, { wide: true });
  issuerField.querySelector('label').after(issuer.search);
  const sync = () => (issuerField.hidden = type.value !== 'hospital_card');
  type.addEventListener('change', sync);
  sync();
  const done = await formDialog({
    title: t('mpi.ident.add'),
    schema: 'PersonIdentifier',
    okLabel: t('common.add'),
    testid: 'identifier-dialog',
    fields: [field(t('mpi.ident.type'), type), field(t('mpi.ident.value'), value, { required: true }), issuerField],
    submit: async () => {
      const body = { type: type.value, value: value.value.trim().replace(/\s/g, '') };
      if (type.value === 'hospital_card') body.issuer = issuer.value() || undefined;
      return (await api.request('POST', `/api/v1/persons/${p.id}/identifiers`, { body })).data;
    },
  });
  if (done) {
    toast(t('mpi.ident.added'));
    reload();
  }
}

async function removeIdentifier(p, i, reload) {
  const ok = await formDialog({
    title: t('mpi.ident.remove.title'),
    intro: t('mpi.ident.remove.confirm', { type: identLabel(i.type), value: i.value }),
    okLabel: t('common.remove'),
    danger: true,
    fields: [],
    submit: async () => (await api.request('DELETE', `/api/v1/persons/${p.id}/identifiers/${i.id}`), true),
  });
  if (ok) {
    toast(t('mpi.ident.removed'));
    reload();
  }
}

/* ---- family ---- */

function family(p, app, can, reload) {
  const add = can('person.write') ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => addFamily(p, reload) }, `＋ ${t('mpi.family.add')}`) : null;
  const rows = (p.family ?? []).map((f) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `/persons/${f.person_id}` }, f.name)),
      h('td', {}, relationLabel(f.relation)),
      h('td', {}, f.manages ? h('span', { class: 'tag' }, t('mpi.family.manages.yes')) : h('span', { class: 'muted' }, t('common.no'))),
      h('td', { class: 'nowrap' }, fmtDateTime(f.created_at)),
      h(
        'td',
        { class: 'actions' },
        can('person.write') ? h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => endFamily(p, f, reload) }, t('mpi.family.end')) : null,
      ),
    ),
  );
  return section('family', t('mpi.family'), t('mpi.family.sub'), add, table('family-table', [t('mpi.name'), t('mpi.family.relation'), t('mpi.family.manages'), t('mpi.added'), ''], rows));
}

async function addFamily(p, reload) {
  const pid = h('input', { type: 'text', 'data-field': 'person_id', class: 'code', inputmode: 'numeric', autocomplete: 'off' });
  const picked = h('p', { class: 'field-hint', 'aria-live': 'polite' });
  const finder = personFinder(
    (x) => {
      pid.value = x.id;
      clear(picked, `${x.name} · ${sexLabel(x.sex)} · ${fmtDay(x.birth_date)}`);
    },
    { label: t('mpi.finder') },
  );
  const rel = select(options(RELATIONS, relationLabel), '', { 'data-field': 'relation' }, '—');
  const manages = h('input', { type: 'checkbox', 'data-field': 'manages' });
  const pidField = field(t('mpi.family.person'), pid, { required: true });
  pidField.append(picked);
  const done = await formDialog({
    title: t('mpi.family.add'),
    schema: 'PersonFamilyLink',
    okLabel: t('common.add'),
    wide: true,
    testid: 'family-dialog',
    fields: [
      finder,
      pidField,
      field(t('mpi.family.relation'), rel, { required: true, hint: t('mpi.family.relation.hint', { name: p.name }) }),
      h('div', { class: 'field field-wide' }, h('label', { class: 'check' }, manages, t('mpi.family.manages.label', { name: p.name }))),
    ],
    submit: async () => {
      const body = { person_id: pid.value.trim(), relation: rel.value || undefined, manages: manages.checked };
      return (await api.request('POST', `/api/v1/persons/${p.id}/family`, { body })).data;
    },
  });
  if (done) {
    toast(t('mpi.family.added'));
    reload();
  }
}

async function endFamily(p, f, reload) {
  const ok = await formDialog({
    title: t('mpi.family.end'),
    intro: t('mpi.family.end.confirm', { name: f.name, rel: relationLabel(f.relation) }),
    okLabel: t('mpi.family.end'),
    danger: true,
    fields: [],
    submit: async () => (await api.request('DELETE', `/api/v1/persons/${p.id}/family/${f.id}`), true),
  });
  if (ok) {
    toast(t('mpi.family.ended'));
    reload();
  }
}

/* ---- verified attributes ---- */

function attributes(p, app, can, reload) {
  const add = can('person.verify') ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => addAttribute(p, reload) }, `＋ ${t('mpi.attr.add')}`) : null;
  const rows = (p.attributes ?? []).map((a) =>
    h(
      'tr',
      {},
      h('td', {}, attrLabel(a.type)),
      h('td', {}, evidenceLabel(a.evidence_type), a.evidence_number ? h('div', { class: 'fac-sub code' }, a.evidence_number) : null),
      h('td', { class: 'nowrap' }, fmtDay(a.valid_from), ' – ', a.valid_to ? fmtDay(a.valid_to) : t('mpi.attr.noend')),
      h('td', {}, a.valid_now ? h('span', { class: 'tag tag-ok' }, t('mpi.attr.valid')) : h('span', { class: 'tag tag-grey' }, t('mpi.attr.notvalid'))),
      h('td', { class: 'nowrap' }, fmtDateTime(a.created_at)),
      h(
        'td',
        { class: 'actions' },
        can('person.verify') ? h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => revokeAttribute(p, a, reload) }, t('mpi.attr.revoke')) : null,
      ),
    ),
  );
  return section(
    'attributes',
    t('mpi.attrs'),
    t('mpi.attrs.sub'),
    add,
    table('attributes-table', [t('mpi.attr.type'), t('mpi.attr.evidence'), t('mpi.attr.valid.range'), t('mpi.attr.now'), t('mpi.attr.verified'), ''], rows),
  );
}

async function addAttribute(p, reload) {
  const type = select(options(ATTR_TYPES, attrLabel), '', { 'data-field': 'type' }, '—');
  const ev = select([], '', { 'data-field': 'evidence_type' }, '—');
  const syncEvidence = () => {
    clear(ev, h('option', { value: '' }, '—'), (EVIDENCE[type.value] ?? []).map((c) => h('option', { value: c }, evidenceLabel(c))));
    if ((EVIDENCE[type.value] ?? []).length === 1) ev.value = EVIDENCE[type.value][0];
  };
  type.addEventListener('change', syncEvidence);
  const num = h('input', { type: 'text', 'data-field': 'evidence_number', class: 'code', maxlength: 40, autocomplete: 'off' });
  const from = h('input', { type: 'date', 'data-field': 'valid_from' });
  const to = h('input', { type: 'date', 'data-field': 'valid_to' });
  const done = await formDialog({
    title: t('mpi.attr.add'),
    intro: t('mpi.attr.intro'),
    schema: 'PersonAttribute',
    okLabel: t('common.add'),
    testid: 'attribute-dialog',
    fields: [
      field(t('mpi.attr.type'), type, { required: true }),
      field(t('mpi.attr.evidence'), ev, { required: true }),
      field(t('mpi.attr.number'), num),
      field(t('mpi.attr.from'), from, { required: true }),
      field(t('mpi.attr.to'), to, { hint: t('mpi.attr.to.hint') }),
    ],
    submit: async () => {
      const body = { type: type.value || undefined, evidence_type: ev.value || undefined, valid_from: from.value || undefined };
      if (num.value.trim()) body.evidence_number = num.value.trim();
      if (to.value) body.valid_to = to.value;
      return (await api.request('POST', `/api/v1/persons/${p.id}/attributes`, { body })).data;
    },
  });
  if (done) {
    toast(t('mpi.attr.added'));
    reload();
  }
}

async function revokeAttribute(p, a, reload) {
  const ok = await formDialog({
    title: t('mpi.attr.revoke'),
    intro: t('mpi.attr.revoke.confirm', { type: attrLabel(a.type) }),
    okLabel: t('mpi.attr.revoke'),
    danger: true,
    fields: [],
    submit: async () => (await api.request('DELETE', `/api/v1/persons/${p.id}/attributes/${a.id}`), true),
  });
  if (ok) {
    toast(t('mpi.attr.revoked'));
    reload();
  }
}

/* ---- source records and links ---- */

function recordSummary(d) {
  const parts = [d.name, d.sex ? sexLabel(d.sex) : null, d.birth_date ? fmtDay(d.birth_date) : null, d.phone ? fmtPhone(d.phone) : null].filter(Boolean);
  return h(
    'div',
    {},
    h('div', {}, parts.join(' · ')),
    d.address ? h('div', { class: 'fac-sub' }, d.address) : null,
    d.identifiers?.length ? h('div', { class: 'fac-sub' }, d.identifiers.map((i) => identLabel(i.type)).join('、')) : null,
  );
}

function linkCell(l) {
  if (!l) return t('common.none');
  return h('span', {}, h('span', { class: 'tag' }, ruleLabel(l.rule)), l.score !== null && l.score !== undefined ? h('span', { class: 'score small' }, fmtScore(l.score)) : null);
}

function records(p, app, can, reload) {
  const list = p.records ?? [];
  const rows = list.map((r) =>
    h(
      'tr',
      { 'data-record': r.id },
      h('td', {}, h('span', { class: 'muted small' }, t('mpi.record.no', { n: list.indexOf(r) + 1 })), ' ', r.facility_name ?? h('span', { class: 'muted' }, t('mpi.record.nofacility'))),
      h('td', { class: 'nowrap' }, fmtDateTime(r.registered_at)),
      h('td', {}, recordSummary(r.data ?? {})),
      h('td', {}, linkCell(r.link)),
      h(
        'td',
        { class: 'actions' },
        can('mpi.merge') && list.length > 1 && r.link
          ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => detach(p, r, reload), title: t('mpi.record.detach.hint') }, t('mpi.record.detach'))
          : null,
      ),
    ),
  );
  return section('records', t('mpi.records'), t('mpi.records.n', { n: list.length }), null, table('records-table', [t('mpi.record.facility'), t('mpi.record.at'), t('mpi.record.data'), t('mpi.record.link'), ''], rows));
}

async function detach(p, r, reload) {
  const out = await reasonDialog({
    title: t('mpi.record.detach'),
    intro: t('mpi.record.detach.confirm', { facility: r.facility_name ?? t('mpi.record.nofacility'), at: fmtDateTime(r.registered_at) }),
    okLabel: t('mpi.record.detach'),
    danger: true,
    submit: async (reason) => (await api.request('POST', '/api/v1/mpi/unmerge', { body: { link_id: r.link.id, reason } })).data,
  });
  if (out) {
    toast(t('mpi.unmerged'));
    reload();
  }
}

function mergedFrom(p, app, can, reload) {
  const list = p.merged_from ?? [];
  if (!list.length) return null;
  const rows = list.map((m) =>
    h(
      'tr',
      {},
      h('td', {}, h('a', { href: `/persons/${m.person_id}` }, m.name ?? m.person_id), h('div', { class: 'fac-sub code' }, m.person_id)),
      h('td', { class: 'nowrap' }, fmtDateTime(m.created_at)),
      h('td', {}, userText(m.created_by, app)),
      h('td', {}, m.reason ?? t('common.none')),
      h(
        'td',
        { class: 'actions' },
        can('mpi.merge') ? h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'unmerge', onclick: () => unmerge(p, m, reload) }, t('mpi.unmerge')) : null,
      ),
    ),
  );
  return section('merged', t('mpi.merged_from'), t('mpi.merged_from.sub'), null, table('merged-table', [t('mpi.merged.person'), t('mpi.merged.at'), t('mpi.by'), t('mpi.reason'), ''], rows));
}

async function unmerge(p, m, reload) {
  const out = await reasonDialog({
    title: t('mpi.unmerge'),
    intro: t('mpi.unmerge.confirm', { name: m.name ?? m.person_id }),
    okLabel: t('mpi.unmerge'),
    danger: true,
    testid: 'unmerge-dialog',
    submit: async (reason) => (await api.request('POST', '/api/v1/mpi/unmerge', { body: { person: m.person_id, reason } })).data,
  });
  if (out) {
    toast(t('mpi.unmerged'));
    reload();
  }
}

function links(p, app) {
  const list = p.links ?? [];
  // Registrations now in this person are named by their place in 来源记录 (#1, #2…).
  const recNo = new Map((p.records ?? []).map((r, i) => [r.id, i + 1]));
  const rows = list.map((l) =>
    h(
      'tr',
      { class: l.undone_at ? 'undone' : null },
      h('td', { class: 'nowrap' }, fmtDateTime(l.created_at)),
      h('td', {}, recNo.has(l.record_id) ? h('span', { title: l.record_id }, t('mpi.record.no', { n: recNo.get(l.record_id) })) : h('span', { class: 'code small' }, l.record_id)),
      h('td', {}, h('span', { class: 'tag' }, ruleLabel(l.rule))),
      h('td', { class: 'num' }, l.score === null || l.score === undefined ? t('common.none') : fmtScore(l.score)),
      h('td', { class: 'nowrap' }, userText(l.created_by, app)),
      h('td', {}, l.person_id === p.id ? t('mpi.link.here') : h('a', { href: `/persons/${l.person_id}`, class: 'code small' }, l.person_id)),
      h('td', {}, l.undone_at ? h('span', {}, h('span', { class: 'tag tag-grey' }, t('mpi.link.undone')), ' ', fmtDateTime(l.undone_at), l.undone_by ? h('div', { class: 'fac-sub' }, userText(l.undone_by, app)) : null) : h('span', { class: 'tag tag-ok' }, t('mpi.link.live'))),
      h('td', {}, l.reason ?? ''),
    ),
  );
  return section(
    'links',
    t('mpi.links'),
    t('mpi.links.sub'),
    null,
    table('links-table', [t('mpi.link.at'), t('mpi.link.record'), t('mpi.link.rule'), t('mpi.score'), t('mpi.by'), t('mpi.link.person'), t('mpi.link.state'), t('mpi.reason')], rows),
  );
}

