// appt-stats.js — 预约统计, for the commission (city-wide or its areas) and a facility's
// administrators (their own): fill rate and no-show rate per facility, the share of each
// booking channel and of each priority pool (ECharts, vendored), a table per facility and
// its CSV export (UTF-8 with BOM, so Excel opens the Chinese headers). Figures from GET
// /api/v1/appointments/stats?from=&to=&facility=.
import * as api from '../api.js';
import { fmtNumber, t } from '../i18n.js';
import { clear, echarts, errorBlock, field, h, pageTitle } from '../ui.js';
import { facilityPicker } from './mpi-common.js';
import { CHANNELS, POOLS, addDays, apptTabs, channelLabel, pct, poolLabel, today } from './appt-common.js';

const CHANNEL_COLORS = ['#0b6e69', '#3a9e8f', '#e3a33b', '#6c7bd0'];
const POOL_COLORS = ['#8fa3b8', '#d9824b', '#3f7f4f', '#7a5fb0', '#d45d8b'];

const isDate = (v) => /^\d{4}-\d{2}-\d{2}$/.test(v ?? '');

export async function render({ main, app, query, isCurrent }) {
  const to = isDate(query.get('to')) ? query.get('to') : addDays(today(), 14);
  const from = isDate(query.get('from')) ? query.get('from') : addDays(today(), -14);
  const fromIn = h('input', { type: 'date', value: from, name: 'from' });
  const toIn = h('input', { type: 'date', value: to, name: 'to' });
  const fac = facilityPicker(app, { 'aria-label': t('appt.facility') }, query.get('facility'), t('appt.facility.all'));
  const facField = field(t('appt.facility'), fac.select, { wide: true });
  facField.querySelector('label').after(fac.search);
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': t('appt.stats.title') },
    field(t('appt.stats.from'), fromIn),
    field(t('appt.stats.to'), toIn),
    facField,
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search')), h('a', { class: 'btn', href: '/appointments/stats' }, t('common.reset'))),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const qs = new URLSearchParams(Object.entries({ from: fromIn.value, to: toIn.value, facility: fac.value() }).filter(([, v]) => v)).toString();
    app.navigate(`/appointments/stats?${qs}`);
  });

  const csvBtn = h('button', { type: 'button', class: 'btn', 'data-testid': 'stats-csv', disabled: true }, t('appt.stats.csv'));
  const tiles = h('div', { class: 'stats', 'data-testid': 'stats-tiles' });
  const facChart = h('div', { class: 'chart', role: 'img', 'aria-label': t('appt.stats.by_facility'), 'data-testid': 'chart-facility' });
  const chChart = h('div', { class: 'chart', role: 'img', 'aria-label': t('appt.stats.by_channel'), 'data-testid': 'chart-channel', style: 'height:280px' });
  const poolChart = h('div', { class: 'chart', role: 'img', 'aria-label': t('appt.stats.by_pool'), 'data-testid': 'chart-pool', style: 'height:280px' });
  const tableBox = h('div', { class: 'table-wrap' });
  const card = (id, title, ...body) => h('section', { class: 'card', 'aria-labelledby': id }, h('div', { class: 'card-head' }, h('h2', { id }, title)), ...body);
  clear(
    main,
    pageTitle(t('appt.stats.title'), csvBtn),
    apptTabs('stats', app),
    h('section', { class: 'card' }, form, h('p', { class: 'muted small', style: 'margin:8px 0 0' }, t('appt.stats.hint'))),
    h('section', { class: 'card' }, tiles),
    card('fac-title', t('appt.stats.by_facility'), facChart),
    h('div', { class: 'grid-2' }, card('ch-title', t('appt.stats.by_channel'), chChart), card('pool-title', t('appt.stats.by_pool'), poolChart)),
    card('tab-title', t('appt.stats.table'), tableBox),
  );

  let data;
  try {
    data = await api.get('/api/v1/appointments/stats', { from, to, facility: query.get('facility') });
  } catch (e) {
    clear(tiles, errorBlock(e, () => app.rerender()));
    return;
  }
  if (!isCurrent()) return;
  const rows = data.facilities.filter((f) => f.places > 0 || f.taken > 0).sort((a, b) => b.places - a.places);
  const tot = data.total;
  const stat = (v, text, id) => h('div', { class: 'stat', 'data-testid': id }, h('b', {}, v), h('span', {}, text));
  clear(
    tiles,
    stat(fmtNumber(tot.places), t('appt.stats.places'), 'stat-places'),
    stat(fmtNumber(tot.taken), t('appt.stats.taken'), 'stat-taken'),
    stat(pct(tot.fill_rate), t('appt.stats.fill_rate'), 'stat-fill'),
    stat(pct(tot.no_show_rate), t('appt.stats.no_show_rate'), 'stat-noshow'),
    stat(fmtNumber(tot.cancelled), t('appt.stats.cancelled'), 'stat-cancelled'),
  );

  const cols = [
    [t('appt.facility'), (f) => f.name ?? f.facility_id],
    [t('appt.stats.places'), (f) => f.places],
    [t('appt.stats.taken'), (f) => f.taken],
    [t('appt.stats.fill_rate'), (f) => pct(f.fill_rate)],
    [t('appt.stats.attended'), (f) => f.attended],
    [t('appt.stats.no_show'), (f) => f.no_show],
    [t('appt.stats.no_show_rate'), (f) => pct(f.no_show_rate)],
    [t('appt.stats.cancelled'), (f) => f.cancelled],
    ...CHANNELS.map((c) => [channelLabel(c), (f) => f.channels?.[c] ?? 0]),
    ...POOLS.map((p) => [poolLabel(p), (f) => f.pools?.[p] ?? 0]),
  ];
  clear(
    tableBox,
    h(
      'table',
      { class: 'table', 'data-testid': 'stats-table' },
      h('thead', {}, h('tr', {}, cols.map(([c], i) => h('th', { scope: 'col', class: i ? 'num' : null }, c)))),
      h(
        'tbody',
        {},
        rows.length
          ? rows.map((f) => h('tr', { 'data-facility': f.facility_id }, cols.map(([, v], i) => h('td', { class: i ? 'num' : 'nowrap' }, i ? (typeof v(f) === 'number' ? fmtNumber(v(f)) : v(f)) : h('a', { href: `/facilities/${f.facility_id}` }, v(f))))))
          : h('tr', {}, h('td', { colspan: cols.length, class: 'empty' }, t('appt.stats.none'))),
      ),
    ),
  );
  csvBtn.disabled = false;
  csvBtn.addEventListener('click', () => downloadCsv(cols, [...rows, { ...tot, name: t('appt.grid.total') }], `appointments-${from}-${to}.csv`));

  // --- charts ---
  const charts = [];
  const onResize = () => charts.forEach((c) => c.resize());
  try {
    const E = await echarts();
    if (!isCurrent() || !facChart.isConnected) return;
    const font = getComputedStyle(document.body).fontFamily;
    const top = rows.slice(0, 20);
    facChart.style.height = `${Math.max(220, 80 + 34 * top.length)}px`;
    const fc = E.init(facChart, null, { renderer: 'canvas' });
    fc.setOption({
      aria: { enabled: true },
      animation: false,
      textStyle: { fontFamily: font },
      color: ['#0b6e69', '#d9824b'],
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
      legend: { top: 0, data: [t('appt.stats.fill_rate'), t('appt.stats.no_show_rate')] },
      grid: { left: 8, right: 32, top: 36, bottom: 4, containLabel: true },
      yAxis: { type: 'category', inverse: true, data: top.map((f) => f.name ?? f.facility_id), axisTick: { show: false } },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' }, splitLine: { lineStyle: { color: '#edf0f4' } } },
      series: [
        { name: t('appt.stats.fill_rate'), type: 'bar', barMaxWidth: 14, data: top.map((f) => (f.fill_rate === null ? null : +(f.fill_rate * 100).toFixed(1))) },
        { name: t('appt.stats.no_show_rate'), type: 'bar', barMaxWidth: 14, data: top.map((f) => (f.no_show_rate === null ? null : +(f.no_show_rate * 100).toFixed(1))) },
      ],
    });
    charts.push(fc);
    const pie = (box, colors, entries) => {
      const c = E.init(box, null, { renderer: 'canvas' });
      c.setOption({
        aria: { enabled: true },
        animation: false,
        textStyle: { fontFamily: font },
        color: colors,
        tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
        legend: { bottom: 0 },
        series: [{ type: 'pie', radius: ['38%', '66%'], center: ['50%', '45%'], label: { formatter: '{b}\n{d}%' }, data: entries }],
      });
      charts.push(c);
    };
    pie(chChart, CHANNEL_COLORS, CHANNELS.map((c) => ({ name: channelLabel(c), value: tot.channels?.[c] ?? 0 })));
    pie(poolChart, POOL_COLORS, POOLS.map((p) => ({ name: poolLabel(p), value: tot.pools?.[p] ?? 0 })));
    window.addEventListener('resize', onResize);
  } catch (e) {
    if (isCurrent()) clear(facChart, errorBlock(e));
  }
  return () => {
    window.removeEventListener('resize', onResize);
    charts.forEach((c) => c.dispose());
  };
}

/* A CSV of the table as shown (labels in the current language), with a BOM for Excel; cells
 * that a spreadsheet would read as formulas are quoted with a leading apostrophe. */
function downloadCsv(cols, rows, name) {
  const cell = (v) => {
    let s = v === null || v === undefined ? '' : String(v);
    // A number stays a number; anything else a spreadsheet could start a formula with is defused.
    if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?%?$/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [cols.map(([c]) => cell(c)).join(','), ...rows.map((f) => cols.map(([, v]) => cell(v(f))).join(','))];
  const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(a.href);
    a.remove();
  }, 1000);
}
