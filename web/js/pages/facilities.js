// facilities.js — the facility list: filters (area subtree, level, type, capability, name,
// status) kept in the URL, a paged table (next_cursor), a small dashboard of the current
// filter (ECharts: facilities by type, stacked by level), and import/export when the server
// offers them.
import * as api from '../api.js';
import { codes, fmtNumber, fmtPhone, getLang, label, levelGrade, t } from '../i18n.js';
import { clear, echarts, errorBlock, errorText, field, h, pageTitle, pager, select, toast } from '../ui.js';

export const FILTERS = ['area', 'level', 'type', 'capability', 'q', 'active'];

/** The filter values of a query string (only those the list route takes). */
export function filtersOf(query) {
  const f = {};
  for (const k of FILTERS) if (query.get(k)) f[k] = query.get(k);
  return f;
}

/** List / map tabs, keeping the filters. */
export function tabs(current, filters) {
  const qs = new URLSearchParams(filters).toString();
  const tab = (id, path, text) => h('a', { href: path + (qs ? `?${qs}` : ''), 'aria-current': current === id ? 'page' : null }, text);
  return h('nav', { class: 'tabs', 'aria-label': t('fac.title') }, tab('list', '/facilities', t('common.list')), tab('map', '/facilities/map', t('common.map')));
}

/**
 * Area cascader: one select per level (市 → 区/县 → 街道/乡镇 → 社区/村), each loaded when
 * its parent is chosen. value() is the deepest chosen code ('' for all areas).
 */
export async function areaPicker(initial) {
  const box = h('div', { class: 'cascade', style: 'display:flex;gap:6px;flex-wrap:wrap' });
  let chain = [];
  if (initial) {
    try {
      const a = await api.get(`/api/v1/areas/${initial}`);
      chain = [...a.ancestors.map((x) => x.code), a.code];
    } catch {
      chain = [];
    }
  }
  const levels = [];
  async function addLevel(parent, chosen, depth) {
    const { items } = await api.getAll('/api/v1/areas', parent ? { parent } : {});
    if (!items.length) return;
    const s = select(
      items.map((a) => [a.code, a.name]),
      chosen ?? '',
      { 'aria-label': `${t('fac.area')} · ${label('area.level', items[0].level)}`, dataset: { depth } },
      depth === 0 ? t('fac.area.any') : t('common.all'),
    );
    s.style.flex = '1 1 120px';
    s.addEventListener('change', async () => {
      for (const x of levels.splice(depth + 1)) x.remove();
      const a = items.find((x) => x.code === s.value);
      if (a && a.children > 0) await addLevel(a.code, null, depth + 1);
    });
    levels.push(s);
    box.append(s);
    const a = items.find((x) => x.code === chosen);
    if (a && a.children > 0) await addLevel(a.code, chain[depth + 1] ?? null, depth + 1);
  }
  await addLevel(null, chain[0] ?? null, 0);
  return {
    el: box,
    value() {
      for (let i = levels.length - 1; i >= 0; i--) if (levels[i].value) return levels[i].value;
      return '';
    },
  };
}

export async function render({ main, query, app, isCurrent }) {
  const filters = filtersOf(query);
  const picker = await areaPicker(filters.area);
  if (!isCurrent()) return;

  // --- actions the caller may take (import/export appear when the server has them) ---
  const actions = [];
  const routePerm = (m, p) => app.openapi?.paths?.[p]?.[m]?.['x-permission'];
  if (app.hasRoute('POST', '/api/v1/facilities/import') && app.hasPerm(routePerm('post', '/api/v1/facilities/import'))) actions.push(importButton(app));
  if (app.hasRoute('GET', '/api/v1/facilities/export') && app.hasPerm(routePerm('get', '/api/v1/facilities/export'))) {
    const declared = new Set((app.openapi.paths['/api/v1/facilities/export'].get.parameters ?? []).map((p) => p.name));
    for (const [fmt, key] of [['csv', 'fac.export.csv'], ['xlsx', 'fac.export.xlsx']]) {
      const qs = new URLSearchParams({ format: fmt, header: getLang() === 'zh' ? 'zh' : 'en' });
      for (const [k, v] of Object.entries(filters)) if (declared.has(k)) qs.set(k, v);
      actions.push(h('a', { class: 'btn', href: `/api/v1/facilities/export?${qs}`, download: '' }, t(key)));
    }
  }
  if (app.hasPerm('facility.create')) actions.push(h('a', { class: 'btn btn-primary', href: '/facilities/new' }, `＋ ${t('fac.new')}`));

  // --- filters ---
  const level = select(codes('facility.level').map((c) => [c, label('facility.level', c)]), filters.level ?? '', { name: 'level' }, t('common.all'));
  const type = select(codes('facility.type').map((c) => [c, label('facility.type', c)]), filters.type ?? '', { name: 'type' }, t('common.all'));
  const cap = select(codes('facility.capabilities').map((c) => [c, label('facility.capabilities', c)]), filters.capability ?? '', { name: 'capability' }, t('common.all'));
  const status = select([['true', t('fac.active')], ['false', t('fac.inactive')], ['all', t('common.all')]], filters.active ?? 'true', { name: 'active' });
  const name = h('input', { type: 'search', name: 'q', value: filters.q ?? '', placeholder: t('fac.name.placeholder'), maxlength: 50 });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('fac.filters') },
    h('div', { class: 'field', style: 'grid-column:span 2' }, h('span', { class: 'field-label', id: 'area-label' }, t('fac.area')), picker.el),
    field(t('fac.level'), level),
    field(t('fac.type'), type),
    field(t('fac.capability'), cap),
    field(t('fac.name'), name),
    field(t('fac.status'), status),
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search')),
      h('a', { class: 'btn', href: '/facilities' }, t('common.reset')),
    ),
  );
  picker.el.setAttribute('role', 'group');
  picker.el.setAttribute('aria-labelledby', 'area-label');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = { area: picker.value(), level: level.value, type: type.value, capability: cap.value, q: name.value.trim(), active: status.value === 'true' ? '' : status.value };
    const qs = new URLSearchParams(Object.entries(f).filter(([, v]) => v)).toString();
    app.navigate(`/facilities${qs ? `?${qs}` : ''}`);
  });

  // --- results ---
  const tbody = h('tbody', {});
  const resultsNote = h('span', { class: 'card-sub' });
  const p = pager(async (cursor) => {
    try {
      const page = await api.get('/api/v1/facilities', { ...filters, limit: 20, cursor });
      clear(tbody, page.items.length ? page.items.map(row) : h('tr', {}, h('td', { colspan: 7, class: 'empty' }, t('fac.none'))));
      return page.next_cursor;
    } catch (e) {
      clear(tbody, h('tr', {}, h('td', { colspan: 7 }, errorBlock(e, () => p.reload()))));
      return null;
    }
  });
  const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': t('fac.chart.desc') });
  const stats = h('div', { class: 'stats' });
  clear(
    main,
    pageTitle(t('fac.title'), ...actions),
    tabs('list', filters),
    h('section', { class: 'card', 'aria-label': t('fac.filters') }, form),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'chart-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'chart-title' }, t('fac.chart.title')), h('span', { class: 'card-sub' }, t('fac.chart.desc'))),
      stats,
      chartBox,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'results-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'results-title' }, t('fac.results')), resultsNote),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table', 'data-testid': 'facility-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [t('fac.name'), t('fac.type'), t('fac.level'), t('fac.area'), t('fac.beds'), t('fac.phone'), t('fac.capabilities')].map((x, i) =>
                h('th', { scope: 'col', class: i === 4 ? 'num' : null }, x),
              ),
            ),
          ),
          tbody,
        ),
      ),
      p.el,
    ),
  );
  await p.reset();
  if (!isCurrent()) return;
  return dashboard(filters, stats, chartBox, resultsNote, isCurrent);
}

function row(f) {
  return h(
    'tr',
    {},
    h(
      'td',
      {},
      h('a', { class: 'fac-name', href: `/facilities/${f.id}` }, f.name),
      f.active ? null : h('span', { class: 'tag tag-danger', style: 'margin-left:6px' }, t('fac.inactive')),
      f.address ? h('div', { class: 'fac-sub' }, f.address) : null,
    ),
    h('td', {}, label('facility.type', f.type)),
    h('td', { class: 'nowrap' }, levelGrade(f.level, f.grade)),
    h('td', {}, f.area.name, h('div', { class: 'fac-sub code' }, f.area.code)),
    h('td', { class: 'num' }, f.beds === null ? t('common.none') : fmtNumber(f.beds)),
    h('td', { class: 'nowrap' }, fmtPhone(f.phone)),
    h('td', {}, f.capabilities.length ? f.capabilities.map((c) => h('span', { class: 'tag' }, label('facility.capabilities', c))) : h('span', { class: 'muted' }, t('common.none'))),
  );
}

/* Level colours, from the most to the least specialised. */
const LEVEL_COLORS = { tertiary: '#0b6e69', secondary: '#3a9e8f', primary: '#8fcfc1', unrated: '#c6ccd4' };

async function dashboard(filters, stats, box, note, isCurrent) {
  let chart = null;
  const onResize = () => chart?.resize();
  try {
    const { items, truncated } = await api.getAll('/api/v1/facilities', filters, 2000);
    if (!isCurrent()) return;
    const beds = items.reduce((s, f) => s + (f.beds ?? 0), 0);
    const tertiary = items.filter((f) => f.level === 'tertiary').length;
    const centres = items.filter((f) => f.capabilities.length).length;
    clear(note, t('common.count', { n: items.length }) + (truncated ? ` · ${t('fac.chart.truncated', { n: items.length })}` : ''));
    const stat = (n, text) => h('div', { class: 'stat' }, h('b', {}, fmtNumber(n)), h('span', {}, text));
    const zh = getLang() === 'zh';
    clear(
      stats,
      stat(items.length, zh ? '机构总数' : 'facilities'),
      stat(tertiary, zh ? '三级机构' : 'tertiary'),
      stat(beds, zh ? '编制床位合计' : 'approved beds'),
      stat(centres, zh ? '有中心建设的机构' : 'with designated centres'),
    );
    const types = codes('facility.type').filter((c) => items.some((f) => f.type === c));
    const levels = codes('facility.level');
    const E = await echarts();
    if (!isCurrent() || !box.isConnected) return;
    // Horizontal bars: type names (long in English) read along the axis, one row per type.
    box.style.height = `${Math.max(200, 70 + 30 * types.length)}px`;
    chart = E.init(box, null, { renderer: 'canvas' });
    chart.setOption({
      aria: { enabled: true },
      animation: false,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      color: levels.map((l) => LEVEL_COLORS[l] ?? '#999'),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0, data: levels.map((l) => label('facility.level', l)) },
      grid: { left: 8, right: 24, top: 36, bottom: 4, containLabel: true },
      yAxis: { type: 'category', inverse: true, data: types.map((c) => label('facility.type', c)), axisTick: { show: false } },
      xAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#edf0f4' } } },
      series: levels.map((l) => ({
        name: label('facility.level', l),
        type: 'bar',
        stack: 'level',
        barMaxWidth: 20,
        data: types.map((c) => items.filter((f) => f.type === c && f.level === l).length),
      })),
    });
    window.addEventListener('resize', onResize);
  } catch (e) {
    if (isCurrent()) clear(box, errorBlock(e));
  }
  return () => {
    window.removeEventListener('resize', onResize);
    chart?.dispose();
  };
}

/* CSV upload (POST /api/v1/facilities/import): all or nothing; when rows are rejected the
 * dialog lists them (line, column, why) and offers to write the others. */
function importButton(app) {
  const input = h('input', { type: 'file', accept: '.csv,text/csv', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' });
  async function upload(file, skip) {
    try {
      const r = await api.request('POST', '/api/v1/facilities/import', {
        raw: file,
        query: skip ? { skip_bad_rows: 'true' } : {},
        headers: { 'Content-Type': 'text/csv', 'Idempotency-Key': api.newIdempotencyKey() },
      });
      const d = r.data ?? {};
      if (d.rejected?.length) await importReport(d, null);
      else toast(t('fac.import.done', { n: d.written ?? 0 }));
      app.rerender();
    } catch (e) {
      const d = e.details ?? {};
      if (Array.isArray(d.rejected) && d.rejected.length && (await importReport(d, e))) return upload(file, true);
      if (!Array.isArray(d.rejected) || !d.rejected.length) toast(errorText(e), 'error');
    }
  }
  input.addEventListener('change', () => {
    const file = input.files[0];
    input.value = '';
    if (file) upload(file, false);
  });
  return h('span', {}, input, h('button', { type: 'button', class: 'btn', onclick: () => input.click() }, t('fac.import')));
}

/* The rejected rows of an import. With `err` (nothing written) the dialog offers to write
 * the good rows; resolves true when the user asks for that. */
function importReport(d, err) {
  return new Promise((resolve) => {
    const good = (d.rows ?? 0) - d.rejected.length;
    const dlg = h(
      'dialog',
      { class: 'dialog dialog-wide', 'aria-labelledby': 'imp-title' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'imp-title', style: 'margin-bottom:8px' }, err ? t('fac.import.none') : t('fac.import.done', { n: d.written ?? 0 })),
        h('p', {}, t('fac.import.summary', { rows: d.rows ?? 0, bad: d.rejected.length })),
        h(
          'div',
          { class: 'table-wrap', style: 'max-height:50vh' },
          h(
            'table',
            { class: 'table' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'num' }, t('fac.import.line')), h('th', { scope: 'col' }, t('fac.import.column')), h('th', { scope: 'col' }, t('fac.import.reason')))),
            h(
              'tbody',
              {},
              d.rejected.map((x) =>
                h('tr', {}, h('td', { class: 'num' }, String(x.line ?? '')), h('td', {}, x.column ?? t('common.none')), h('td', {}, t(`err.${x.code}`), h('div', { class: 'fac-sub' }, x.reason ?? ''))),
              ),
            ),
          ),
        ),
        h(
          'div',
          { class: 'dialog-actions', style: 'margin-top:14px' },
          h('button', { type: 'submit', value: 'close', class: 'btn' }, t('common.close')),
          err && good > 0 ? h('button', { type: 'submit', value: 'skip', class: 'btn btn-primary' }, t('fac.import.skip', { n: good })) : null,
        ),
      ),
    );
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'skip');
      dlg.remove();
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}
