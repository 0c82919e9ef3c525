// app.js — the console's entry point: startup (language, code labels, demo flag, session),
// the shell (top bar, menu from GET /api/v1/menu, demo banner) and the client-side router.
// Each page is a module under pages/ exporting `render(ctx)`; it may return a cleanup function.
import * as api from './api.js';
import { getLang, loadLabels, roleName, setLang, t } from './i18n.js';
import { clear, errorBlock, h, toast } from './ui.js';

/* path pattern → page module, the permission it needs, and the menu module it belongs to. */
const routes = [
  { re: /^\/login$/, page: 'login', public: true },
  { re: /^\/areas(?:\/(\d{12}))?$/, page: 'areas', perm: 'area.read', module: 'areas' },
  { re: /^\/facilities$/, page: 'facilities', perm: 'facility.read', module: 'facilities' },
  { re: /^\/facilities\/map$/, page: 'facility-map', perm: 'facility.read', module: 'facilities' },
  { re: /^\/facilities\/new$/, page: 'facility-form', perm: 'facility.create', module: 'facilities' },
  { re: /^\/facilities\/(\d+)$/, page: 'facility', perm: 'facility.read', module: 'facilities' },
  { re: /^\/facilities\/(\d+)\/edit$/, page: 'facility-form', perm: 'facility.write', module: 'facilities' },
  { re: /^\/audit$/, page: 'audit', perm: 'audit.read', module: 'audit' },
  { re: /^\/persons$/, page: 'persons', perm: 'person.read', module: 'mpi' },
  { re: /^\/persons\/new$/, page: 'person-register', perm: 'person.register', module: 'mpi' },
  { re: /^\/persons\/(\d+)$/, page: 'person', perm: 'person.read', module: 'mpi' },
  { re: /^\/persons\/(\d+)\/edit$/, page: 'person-edit', perm: 'person.write', module: 'mpi' },
  { re: /^\/persons\/(\d+)\/audit$/, page: 'person-audit', perm: 'audit.read', module: 'mpi_break_glass' },
  { re: /^\/mpi\/reviews$/, page: 'mpi-reviews', perm: 'mpi.review', module: 'mpi' },
  { re: /^\/mpi\/reviews\/(\d+)$/, page: 'mpi-review', perm: 'mpi.review', module: 'mpi' },
  { re: /^\/mpi\/merge$/, page: 'mpi-merge', perm: 'mpi.merge', module: 'mpi' },
  { re: /^\/mpi\/break-glass$/, page: 'mpi-break-glass', perm: 'mpi.break_glass_log', module: 'mpi_break_glass' },
  { re: /^\/appointments\/start$/, page: 'appt-start', perm: 'schedule.read', module: 'appointments' },
  { re: /^\/appointments$/, page: 'appt-list', perm: 'appointment.read', module: 'appointments' },
  { re: /^\/appointments\/book$/, page: 'appt-book', perm: 'appointment.book', module: 'appointments' },
  { re: /^\/appointments\/sessions$/, page: 'appt-sessions', perm: 'schedule.read', module: 'appointments' },
  { re: /^\/appointments\/schedules$/, page: 'appt-schedules', perm: 'schedule.read', module: 'appointments' },
  { re: /^\/appointments\/schedules\/(new|\d+)$/, page: 'appt-schedules', perm: 'appointment.schedule', module: 'appointments' },
  { re: /^\/appointments\/leave$/, page: 'appt-leave', perm: 'appointment.leave', module: 'appointments' },
  { re: /^\/appointments\/stats$/, page: 'appt-stats', perm: 'appointment.stats', module: 'appointments' },
  { re: /^\/appointments\/notifications$/, page: 'appt-notifications', perm: 'notification.read', module: 'appointments' },
  { re: /^\/m\/([a-z_]+)$/, page: 'placeholder' },
];

/* Where each module's menu entry leads, and its icon (24×24 SVG paths). */
const modulePages = {
  areas: { path: '/areas', icon: 'M12 2a7 7 0 0 0-7 7c0 5 7 13 7 13s7-8 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z' },
  facilities: { path: '/facilities', icon: 'M4 21V5a2 2 0 0 1 2-2h12a2 2 0 0 1 2 2v16h-6v-4h-4v4H4zm7-14v2H9v2h2v2h2v-2h2V9h-2V7h-2z' },
  audit: { path: '/audit', icon: 'M9 2h6v2h3a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h3V2zm0 4v2h6V6H9zm-1 5v2h8v-2H8zm0 4v2h5v-2H8z' },
  mpi: { path: '/persons', icon: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-3.3 0-7 1.7-7 4v3h14v-3c0-2.3-3.7-4-7-4zm8-2a3 3 0 1 0 0-6v6zm1.5 2.2c1.5.8 2.5 2 2.5 3.8v3h2v-3c0-1.9-1.9-3.3-4.5-3.8z' },
  appointments: { path: '/appointments/start', icon: 'M7 2h2v2h6V2h2v2h2a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2V2zM5 9v11h14V9H5zm2 2h4v4H7v-4z' },
  mpi_break_glass: { path: '/mpi/break-glass', icon: 'M12 2 3 6v6c0 5 3.8 9.7 9 10 5.2-.3 9-5 9-10V6l-9-4zm-1 5h2v6h-2V7zm0 8h2v2h-2v-2z' },
};
const defaultIcon = 'M4 4h16v16H4z';

/* Menu entries of pages that no module's menu entry reaches: the auditors' break-glass log
 * (the index's menu entry is for holders of person.read). Shown when the caller holds the
 * permission and the server has the route. */
const extraMenu = [{ module: 'mpi_break_glass', perm: 'mpi.break_glass_log', route: ['GET', '/api/v1/mpi/break-glass'], title: 'mpi.bglog.title' }];

function menuItems() {
  const extra = extraMenu
    .filter((m) => app.hasPerm(m.perm) && app.hasRoute(...m.route) && !app.menu.some((x) => x.module === m.module))
    .map((m) => ({ module: m.module, title_zh: t(m.title), title_en: t(m.title) }));
  return [...app.menu, ...extra];
}

export const app = {
  me: null, // GET /api/v1/me
  menu: [], // GET /api/v1/menu items
  demo: false, // GET /api/v1/about
  openapi: null,
  hasPerm(p) {
    return !!this.me?.permissions?.includes(p);
  },
  /** Does the server have this route ("GET /api/v1/facilities/export")? Features by other
   * modules (import, export, the road network) appear when the server offers them. */
  hasRoute(method, path) {
    return !!this.openapi?.paths?.[path]?.[method.toLowerCase()];
  },
  navigate,
  rerender: render,
};

let cleanup = null;
let renderSeq = 0;

function svgIcon(d) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', d);
  p.setAttribute('fill', 'currentColor');
  svg.append(p);
  return svg;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

function match(pathname) {
  for (const r of routes) {
    const m = r.re.exec(pathname);
    if (m) return { route: r, params: m.slice(1) };
  }
  return null;
}

/* Where a login lands: the facility directory when the caller may see it, else the first
 * menu entry. */
function homePath() {
  if (app.menu.some((m) => m.module === 'facilities')) return modulePages.facilities.path;
  const items = menuItems();
  for (const m of items) if (modulePages[m.module]) return modulePages[m.module].path;
  return items.length ? `/m/${items[0].module}` : null;
}

// ---- the shell ----

function renderBanner() {
  const b = document.getElementById('demo-banner');
  b.hidden = !app.demo;
  if (app.demo) clear(b, h('strong', {}, t('demo.banner')), h('span', {}, t('demo.note')));
}

function langButton() {
  return h(
    'button',
    {
      type: 'button',
      class: 'btn btn-ghost lang-switch',
      lang: getLang() === 'zh' ? 'en' : 'zh-CN',
      'aria-label': t('app.lang.switch.label'),
      onclick: () => {
        setLang(getLang() === 'zh' ? 'en' : 'zh');
        render();
      },
    },
    t('app.lang.switch'),
  );
}

function renderTopbar(current) {
  const bar = document.getElementById('topbar');
  const user = app.me
    ? h(
        'div',
        { class: 'user', 'aria-label': t('app.account') },
        h('span', { class: 'user-avatar', 'aria-hidden': 'true' }, (app.me.display_name || app.me.username).slice(0, 1)),
        h(
          'span',
          { class: 'user-text' },
          h('span', { class: 'user-name' }, app.me.display_name || app.me.username),
          h('span', { class: 'user-role' }, [...new Set(app.me.grants.map((g) => roleName(g.role)))].join('、')),
        ),
      )
    : null;
  const logout = app.me
    ? h('button', { type: 'button', class: 'btn btn-ghost', onclick: doLogout, 'data-testid': 'logout' }, t('app.logout'))
    : null;
  clear(
    bar,
    h(
      'a',
      { href: app.me ? '/' : '/login', class: 'brand' },
      h('img', { src: '/img/logo.svg', alt: '', width: 32, height: 32 }),
      h('span', { class: 'brand-text' }, h('span', { class: 'brand-name' }, t('app.name')), h('span', { class: 'brand-org' }, t('app.org'))),
    ),
    h('div', { class: 'topbar-right' }, langButton(), user, logout),
  );
  const nav = document.getElementById('sidebar');
  nav.hidden = !app.me || current?.route?.public;
  nav.setAttribute('aria-label', t('app.menu'));
  const ul = h('ul', {});
  for (const m of menuItems()) {
    const page = modulePages[m.module];
    const path = page ? page.path : `/m/${m.module}`;
    const active = current?.route?.module === m.module || location.pathname === path;
    ul.append(
      h(
        'li',
        {},
        h(
          'a',
          { href: path, 'aria-current': active ? 'page' : null, class: active ? 'active' : null },
          svgIcon(page?.icon ?? defaultIcon),
          h('span', {}, getLang() === 'zh' ? m.title_zh : m.title_en),
        ),
      ),
    );
  }
  clear(
    nav,
    ul,
    h(
      'p',
      { class: 'sidebar-foot' },
      `${t('app.licences')}: `,
      h('a', { href: '/vendor/leaflet/LICENSE', target: '_blank' }, 'Leaflet'),
      ' · ',
      h('a', { href: '/vendor/echarts/LICENSE', target: '_blank' }, 'ECharts'),
    ),
  );
  document.querySelector('.skip-link').textContent = t('app.skip');
}

async function doLogout() {
  await api.logout().catch(() => {});
  app.me = null;
  app.menu = [];
  toast(getLang() === 'zh' ? '已退出登录' : 'Logged out');
  navigate('/login', { replace: true });
}

async function loadSession() {
  if (!api.hasCsrf()) return false;
  try {
    const [me, menu] = await Promise.all([api.get('/api/v1/me', undefined, { quiet401: true }), api.get('/api/v1/menu', undefined, { quiet401: true })]);
    app.me = me;
    app.menu = menu.items;
    return true;
  } catch (e) {
    if (e.status === 401) api.forgetSession();
    else throw e;
    return false;
  }
}

/** After a successful login: load the caller and the menu, then go where they were going. */
export async function afterLogin(next) {
  await loadSession();
  navigate(next && next.startsWith('/') && !next.startsWith('//') && next !== '/login' ? next : '/', { replace: true });
}

// ---- the router ----

async function render() {
  const seq = ++renderSeq;
  if (cleanup) {
    try {
      cleanup();
    } catch {
      /* a page's cleanup must not stop navigation */
    }
    cleanup = null;
  }
  const main = document.getElementById('main');
  let m = match(location.pathname);
  if (location.pathname === '/') {
    if (!app.me) return navigate('/login', { replace: true });
    const home = homePath();
    if (home) return navigate(home, { replace: true });
  }
  if (m && !m.route.public && !app.me) {
    const next = location.pathname + location.search;
    return navigate(`/login?next=${encodeURIComponent(next)}`, { replace: true });
  }
  if (m?.route.page === 'login' && app.me) return navigate('/', { replace: true });
  renderBanner();
  renderTopbar(m);
  document.body.classList.toggle('is-login', m?.route.page === 'login');
  clear(main);
  let pageName = m ? m.route.page : 'notfound';
  if (m?.route.perm && !app.hasPerm(m.route.perm)) pageName = 'forbidden';
  const ctx = {
    main,
    params: m?.params ?? [],
    query: new URLSearchParams(location.search),
    app,
    isCurrent: () => seq === renderSeq,
  };
  try {
    if (pageName === 'notfound' || pageName === 'forbidden') {
      simplePage(main, pageName);
    } else {
      const mod = await import(`./pages/${pageName}.js`);
      if (seq !== renderSeq) return;
      const c = await mod.render(ctx);
      if (seq !== renderSeq) {
        if (typeof c === 'function') c();
        return;
      }
      cleanup = typeof c === 'function' ? c : null;
    }
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof api.ApiError && e.status === 401) return;
    console.error(e);
    clear(main, errorBlock(e, () => render()));
  }
  const title = document.getElementById('page-title');
  document.title = `${title ? title.textContent + ' · ' : ''}${t('app.name')}`;
  if (title && document.activeElement === document.body) title.focus({ preventScroll: true });
}

function simplePage(main, kind) {
  const title = kind === 'forbidden' ? t('err.forbidden') : t('common.notfound');
  const text = kind === 'forbidden' ? t('common.forbidden') : t('common.notfound.text');
  clear(
    main,
    h(
      'section',
      { class: 'card empty-page' },
      h('h1', { tabindex: '-1', id: 'page-title' }, title),
      h('p', {}, text),
      h('a', { href: '/', class: 'btn btn-primary' }, t('common.home')),
    ),
  );
}

// Same-origin links navigate inside the console (except the API, downloads and new tabs).
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || /^\/(api|vendor|healthz|metrics)\b/.test(url.pathname)) return;
  ev.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search + url.hash);
});
window.addEventListener('popstate', () => render());

api.setUnauthenticatedHandler(() => {
  if (!app.me) return;
  app.me = null;
  app.menu = [];
  api.forgetSession();
  toast(t('login.expired'), 'error');
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
});

async function start() {
  setLang(getLang());
  const [about, openapi] = await Promise.all([
    api.get('/api/v1/about').catch(() => ({ demo: false })),
    api.get('/api/v1/openapi.json').catch(() => null),
  ]);
  app.demo = !!about?.demo;
  app.openapi = openapi;
  await loadLabels(openapi);
  await loadSession().catch(() => false);
  document.getElementById('boot')?.remove();
  await render();
}

start();
