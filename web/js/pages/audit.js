// audit.js — the audit trail for auditors (GET /api/v1/audit): filters by user, record and
// time (entered in Beijing time, sent as UTC), newest first, paged.
import * as api from '../api.js';
import { fmtDateTime, getLang, has, shanghaiLocalToUtc, t } from '../i18n.js';
import { clear, errorBlock, field, h, pageTitle, pager, select, showFormError, clearFormErrors } from '../ui.js';

/* What a (method, route) did, in words; unknown ones show the route itself. */
const ACTIONS = {
  'POST /api/v1/auth/login': ['登录', 'Log in'],
  'POST /api/v1/auth/logout': ['退出登录', 'Log out'],
  'GET /api/v1/audit': ['查询审计日志', 'Search the audit log'],
  'POST /api/v1/areas': ['新增区划', 'Add an area'],
  'PATCH /api/v1/areas/{code}': ['修改区划', 'Change an area'],
  'POST /api/v1/facilities': ['新增医疗机构', 'Add a facility'],
  'PATCH /api/v1/facilities/{id}': ['修改医疗机构', 'Change a facility'],
  'DELETE /api/v1/facilities/{id}': ['停用医疗机构', 'Deactivate a facility'],
  'POST /api/v1/facilities/import': ['导入医疗机构', 'Import facilities'],
  'CLI weijian demo': ['加载演示数据（命令行）', 'Load the demo data (command line)'],
  'CLI weijian user add': ['添加用户（命令行）', 'Add a user (command line)'],
};

const FILTERS = ['username', 'user_id', 'resource_type', 'resource_id', 'from', 'to'];

export async function render({ main, query, app }) {
  const f = Object.fromEntries(FILTERS.filter((k) => query.get(k)).map((k) => [k, query.get(k)]));
  const toLocal = (iso) => {
    if (!iso) return '';
    const d = new Date(new Date(iso).getTime() + 8 * 3600e3);
    return Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 16);
  };
  const username = h('input', { type: 'text', value: f.username ?? '', 'data-field': 'username', autocomplete: 'off' });
  const userId = h('input', { type: 'text', value: f.user_id ?? '', 'data-field': 'user_id', inputmode: 'numeric', class: 'code' });
  const rtype = select(
    ['facility', 'area', 'user', 'demo'].map((x) => [x, t(`rt.${x}`)]),
    f.resource_type ?? '',
    { 'data-field': 'resource_type' },
    t('common.all'),
  );
  const rid = h('input', { type: 'text', value: f.resource_id ?? '', 'data-field': 'resource_id', inputmode: 'numeric', class: 'code' });
  const from = h('input', { type: 'datetime-local', value: toLocal(f.from), 'data-field': 'from' });
  const to = h('input', { type: 'datetime-local', value: toLocal(f.to), 'data-field': 'to' });
  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1', style: 'grid-column:1/-1' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('audit.title'), novalidate: true },
    summary,
    field(t('audit.username'), username),
    field(t('audit.user_id'), userId),
    field(t('audit.resource_type'), rtype),
    field(t('audit.resource_id'), rid),
    field(t('audit.from'), from),
    field(t('audit.to'), to),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search')), h('a', { class: 'btn', href: '/audit' }, t('common.reset'))),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = {
      username: username.value.trim(),
      user_id: userId.value.trim(),
      resource_type: rtype.value,
      resource_id: rid.value.trim(),
      from: shanghaiLocalToUtc(from.value),
      to: shanghaiLocalToUtc(to.value),
    };
    const qs = new URLSearchParams(Object.entries(v).filter(([, x]) => x)).toString();
    app.navigate(`/audit${qs ? `?${qs}` : ''}`);
  });

  const tbody = h('tbody', {});
  const p = pager(async (cursor) => {
    try {
      const page = await api.get('/api/v1/audit', { ...f, limit: 30, cursor });
      clearFormErrors(form);
      clear(tbody, page.items.length ? page.items.map(row) : h('tr', {}, h('td', { colspan: 6, class: 'empty' }, t('common.empty'))));
      return page.next_cursor;
    } catch (e) {
      if (e.code === 'invalid_parameter' && e.field) showFormError(form, e, null);
      clear(tbody, h('tr', {}, h('td', { colspan: 6 }, errorBlock(e))));
      return null;
    }
  });
  clear(
    main,
    pageTitle(t('audit.title')),
    h('section', { class: 'card' }, form),
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', 'data-testid': 'audit-table' },
          h('caption', {}, t('audit.tz')),
          h('thead', {}, h('tr', {}, [t('audit.at'), t('audit.user'), t('audit.action'), t('audit.resource'), t('audit.status'), t('audit.ip')].map((x) => h('th', { scope: 'col' }, x)))),
          tbody,
        ),
      ),
      p.el,
    ),
  );
  await p.reset();
}

function row(e) {
  const key = `${e.method} ${e.route}`;
  const words = ACTIONS[key]?.[getLang() === 'zh' ? 0 : 1];
  const ok = e.status === 0 || (e.status >= 200 && e.status < 400);
  const rt = e.resource_type ? (has(`rt.${e.resource_type}`) ? t(`rt.${e.resource_type}`) : e.resource_type) : null;
  return h(
    'tr',
    {},
    h('td', { class: 'nowrap' }, fmtDateTime(e.at, { seconds: true })),
    h('td', {}, e.username ?? t('common.none'), e.user_id ? h('div', { class: 'fac-sub code' }, e.user_id) : null),
    h('td', {}, words ?? key, words ? h('div', { class: 'fac-sub code' }, key) : null),
    h('td', {}, rt ?? t('common.none'), e.resource_id ? h('div', { class: 'fac-sub code' }, e.resource_id) : null),
    h('td', { class: 'nowrap' }, h('span', { class: ok ? 'tag tag-ok' : 'tag tag-danger' }, e.status === 0 ? (getLang() === 'zh' ? '成功' : 'done') : String(e.status))),
    h('td', { class: 'code nowrap' }, e.client_ip ?? t('common.none')),
  );
}
