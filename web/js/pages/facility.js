// facility.js — one facility: its document (GET /api/v1/facilities/{id}), campuses and
// departments, the versions it went through (GET …/history, with the fields each changed),
// and the actions the caller's grants allow (edit, deactivate).
import * as api from '../api.js';
import { fmtDateTime, fmtNumber, fmtPhone, label, levelGrade, t } from '../i18n.js';
import { clear, confirmDialog, errorBlock, errorText, h, pageTitle, toast } from '../ui.js';

/* Field → label key, for the change history. */
const FIELD_LABELS = {
  name: 'fac.name',
  level: 'fac.level',
  grade: 'fac.grade',
  type: 'fac.type',
  area: 'fac.area',
  address: 'fac.address',
  lat: 'fac.lat',
  lon: 'fac.lon',
  beds: 'fac.beds',
  phone: 'fac.phone',
  campuses: 'fac.campuses',
  capabilities: 'fac.capabilities',
  active: 'fac.status',
};

export async function render({ main, params, app, isCurrent }) {
  const id = params[0];
  const f = await api.get(`/api/v1/facilities/${id}`);
  if (!isCurrent()) return;
  const actions = [];
  if (f.lat !== null) actions.push(h('a', { class: 'btn', href: `/facilities/map?focus=${f.id}` }, t('fac.onmap')));
  if (app.hasPerm('facility.write')) actions.push(h('a', { class: 'btn btn-primary', href: `/facilities/${f.id}/edit` }, t('common.edit')));
  if (f.active && app.hasPerm('facility.deactivate'))
    actions.push(h('button', { type: 'button', class: 'btn btn-danger', onclick: () => deactivate(f, app) }, t('fac.deactivate')));

  const history = h('div', {}, h('p', { class: 'muted' }, t('app.loading')));
  clear(
    main,
    h('nav', { class: 'breadcrumb', 'aria-label': t('fac.title') }, h('ol', {}, h('li', {}, h('a', { href: '/facilities' }, t('fac.title'))), h('li', { 'aria-current': 'page' }, f.name))),
    pageTitle(f.name, ...actions),
    h(
      'p',
      { style: 'margin:-8px 0 14px' },
      h('span', { class: f.active ? 'tag tag-ok' : 'tag tag-danger' }, f.active ? t('fac.active') : t('fac.inactive')),
      h('span', { class: 'tag tag-grey' }, label('facility.type', f.type)),
      h('span', { class: 'tag tag-grey' }, levelGrade(f.level, f.grade)),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'basic-title' },
      h('h2', { id: 'basic-title', class: 'card-head' }, t('fac.basic')),
      h(
        'dl',
        { class: 'props', 'data-testid': 'facility-props' },
        prop(t('fac.type'), label('facility.type', f.type)),
        prop(t('fac.level'), levelGrade(f.level, f.grade)),
        prop(t('fac.area'), h('span', {}, h('a', { href: `/areas/${f.area.code}` }, f.area.name), ' ', h('span', { class: 'code muted' }, f.area.code))),
        prop(t('fac.address'), f.address ?? t('common.none')),
        prop(t('fac.location'), f.lat === null ? t('common.none') : h('span', { class: 'code' }, `${f.lat}, ${f.lon}`)),
        prop(t('fac.beds'), f.beds === null ? t('common.none') : t('unit.beds', { n: fmtNumber(f.beds) }), 'beds'),
        prop(t('fac.phone'), fmtPhone(f.phone)),
        prop(
          t('fac.capabilities'),
          f.capabilities.length ? h('span', {}, f.capabilities.map((c) => h('span', { class: 'tag' }, label('facility.capabilities', c)))) : t('common.none'),
        ),
        prop(t('fac.version'), String(f.version)),
        prop(t('fac.created'), fmtDateTime(f.created_at)),
        prop(t('fac.updated'), fmtDateTime(f.updated_at)),
      ),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'campus-title' }, h('h2', { id: 'campus-title', class: 'card-head' }, t('fac.campuses')), campuses(f)),
    h('section', { class: 'card', 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title', class: 'card-head' }, t('fac.history')), history),
  );
  try {
    const page = await api.get(`/api/v1/facilities/${id}/history`, { limit: 20 });
    if (isCurrent()) clear(history, historyTable(page.items, app));
  } catch (e) {
    clear(history, errorBlock(e));
  }
}

function prop(name, value, testid) {
  return h('div', { 'data-prop': testid ?? null }, h('dt', {}, name), h('dd', {}, value));
}

function campuses(f) {
  if (!f.campuses.length) return h('p', { class: 'empty' }, t('fac.nocampus'));
  return h(
    'div',
    { class: 'grid-2' },
    f.campuses.map((c) =>
      h(
        'div',
        { class: 'campus card', style: 'margin:0' },
        h('h3', {}, c.name),
        h('p', { class: 'fac-sub' }, [c.address, c.lat !== null ? `${c.lat}, ${c.lon}` : null].filter(Boolean).join(' · ') || t('common.none')),
        c.departments.length
          ? h(
              'table',
              { class: 'table' },
              h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('fac.dept.name')), h('th', { scope: 'col' }, t('fac.dept.code')))),
              h('tbody', {}, c.departments.map((d) => h('tr', {}, h('td', {}, d.name), h('td', { class: 'code' }, d.code ?? t('common.none'))))),
            )
          : h('p', { class: 'muted small' }, t('common.empty')),
      ),
    ),
  );
}

function historyTable(items, app) {
  if (!items.length) return h('p', { class: 'empty' }, t('common.empty'));
  // Items are newest first; each is compared with the one after it (its predecessor).
  const rows = items.map((v, i) => {
    const prev = items[i + 1]?.document;
    let changes;
    if (v.version === 1) changes = t('fac.history.created');
    else if (!prev) changes = t('common.none');
    else {
      const keys = Object.keys(FIELD_LABELS).filter((k) => JSON.stringify(v.document[k]) !== JSON.stringify(prev[k]));
      changes = keys.length ? keys.map((k) => h('span', { class: 'tag tag-grey' }, t(FIELD_LABELS[k]))) : t('common.none');
    }
    const by = v.changed_by === null ? t('fac.history.system') : v.changed_by === app.me.id ? app.me.display_name : h('span', { class: 'code' }, v.changed_by);
    return h('tr', {}, h('td', { class: 'num' }, `v${v.version}`), h('td', { class: 'nowrap' }, fmtDateTime(v.changed_at)), h('td', {}, by), h('td', {}, changes));
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'num' }, t('fac.version')), h('th', { scope: 'col' }, t('audit.at')), h('th', { scope: 'col' }, t('fac.history.by')), h('th', { scope: 'col' }, t('fac.history.changes')))),
      h('tbody', {}, rows),
    ),
  );
}

async function deactivate(f, app) {
  if (!(await confirmDialog(t('fac.deactivate.confirm', { name: f.name }), t('fac.deactivate'), { danger: true }))) return;
  try {
    await api.request('DELETE', `/api/v1/facilities/${f.id}`);
    toast(t('fac.deactivated', { name: f.name }));
    app.rerender();
  } catch (e) {
    toast(errorText(e), 'error');
  }
}
