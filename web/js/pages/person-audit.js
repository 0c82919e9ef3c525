// person-audit.js — a person's audit trail (GET /api/v1/audit?resource_type=person&
// resource_id=…), for auditors: who read or changed the person, when, from where. Auditors
// hold no person.read, so this page names the person by number only; it is reached from
// the break-glass log (and from the person page for callers who hold both permissions).
import * as api from '../api.js';
import { fmtDateTime, getLang, t } from '../i18n.js';
import { clear, errorBlock, h, pageTitle, pager } from '../ui.js';

/* What a (method, route) of the index did, in words. */
const ACTIONS = {
  'POST /api/v1/persons': ['登记', 'Register'],
  'GET /api/v1/persons': ['查询人员', 'Search persons'],
  'POST /api/v1/persons/search': ['查询人员', 'Search persons'],
  'GET /api/v1/persons/{id}': ['查看档案', 'Open the record'],
  'GET /api/v1/persons/{id}/audit': ['查看审计记录', 'Read the audit trail'],
  'PATCH /api/v1/persons/{id}': ['修改档案', 'Edit the record'],
  'POST /api/v1/persons/{id}/identifiers': ['添加证件', 'Add an identifier'],
  'DELETE /api/v1/persons/{id}/identifiers/{iid}': ['删除证件', 'Remove an identifier'],
  'POST /api/v1/persons/{id}/attributes': ['登记核验身份', 'Record a verified attribute'],
  'DELETE /api/v1/persons/{id}/attributes/{aid}': ['撤销核验身份', 'Revoke a verified attribute'],
  'POST /api/v1/persons/{id}/family': ['添加家庭关系', 'Link a family member'],
  'DELETE /api/v1/persons/{id}/family/{fid}': ['解除家庭关系', 'End a family link'],
  'POST /api/v1/persons/{id}/break-glass': ['紧急查阅', 'Break-glass read'],
  'GET /api/v1/mpi/reviews': ['查看审核列表', 'List reviews'],
  'GET /api/v1/mpi/reviews/{id}': ['比对疑似重复', 'Compare a suspected duplicate'],
  'POST /api/v1/mpi/reviews/{id}': ['审核疑似重复', 'Decide a suspected duplicate'],
  'POST /api/v1/mpi/merge': ['合并档案', 'Merge persons'],
  'POST /api/v1/mpi/unmerge': ['撤销合并', 'Unmerge'],
  'POST /api/v1/persons/import': ['批量导入', 'Import persons'],
};

export function actionWords(method, route) {
  const w = ACTIONS[`${method} ${route}`];
  return w ? w[getLang() === 'zh' ? 0 : 1] : null;
}

/** The audit events as a table (newest first, as the API gives them). The client address
 * is a column only when the events carry it: auditors' GET /api/v1/audit does, the person
 * page's own trail (staff in scope, the resident) does not. */
export function auditTable(items) {
  if (!items.length) return h('p', { class: 'empty' }, t('common.empty'));
  const withIp = items.some((e) => 'client_ip' in e);
  const heads = [t('audit.at'), t('audit.user'), t('audit.action'), t('audit.status'), ...(withIp ? [t('audit.ip')] : [])];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table', 'data-testid': 'person-audit-table' },
      h('caption', {}, t('audit.tz')),
      h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, items.map((e) => row(e, withIp))),
    ),
  );
}

function row(e, withIp) {
  const words = actionWords(e.method, e.route);
  const ok = e.status === 0 || (e.status >= 200 && e.status < 400);
  return h(
    'tr',
    {},
    h('td', { class: 'nowrap' }, fmtDateTime(e.at, { seconds: true })),
    h('td', {}, e.username ?? t('common.none'), e.user_id ? h('div', { class: 'fac-sub code' }, e.user_id) : null),
    h('td', {}, words ?? `${e.method} ${e.route}`, words ? h('div', { class: 'fac-sub code' }, `${e.method} ${e.route}`) : null),
    h('td', { class: 'nowrap' }, h('span', { class: ok ? 'tag tag-ok' : 'tag tag-danger' }, e.status === 0 ? t('mpi.audit.done') : String(e.status))),
    withIp ? h('td', { class: 'code nowrap' }, e.client_ip ?? t('common.none')) : null,
  );
}

export async function render({ main, params }) {
  const id = params[0];
  const box = h('div', {});
  const p = pager(async (cursor) => {
    try {
      const page = await api.get('/api/v1/audit', { resource_type: 'person', resource_id: id, limit: 30, cursor });
      clear(box, auditTable(page.items));
      return page.next_cursor;
    } catch (e) {
      clear(box, errorBlock(e, () => p.reload()));
      return null;
    }
  });
  clear(
    main,
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': t('mpi.title') },
      h('ol', {}, h('li', {}, h('a', { href: '/mpi/break-glass' }, t('mpi.bglog.title'))), h('li', { 'aria-current': 'page' }, t('mpi.audit'))),
    ),
    pageTitle(t('mpi.audit.title', { id })),
    h('section', { class: 'card' }, box, p.el),
  );
  await p.reset();
}
