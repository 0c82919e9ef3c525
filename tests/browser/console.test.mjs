// console.test.mjs — the console in a real browser (headless Chromium through playwright-core)
// against a fresh server with the demo city: log in, filter facilities, open one, a rejected
// edit (the API's error beside its field), a successful edit, the facility on the map and the
// nearest-facility search, the audit page, English, log out. Also the static serving itself
// (ETag/304, gzip, security headers, client-side routes). Screenshots: tests/browser/out/.
//
//   WEIJIAN_BIN=build/test/weijian node --test tests/browser/
//
// CHROMIUM overrides the browser (default /usr/bin/chromium).
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startServer, test } from '../api/harness.mjs';
import { openBrowser } from './browser.mjs';

const STEP = { timeout: 60000 };

let srv;
let browser;
let page;
let shot;
let noProblems;

before(async () => {
  srv = await startServer();
  // A rejected request (the edit with beds = -5, a 404 for the road network) is logged by
  // Chromium as a failed resource load; anything else at error level is a bug.
  browser = await openBrowser(srv.base, { consoleStatuses: [401, 404, 422] });
  ({ page, shot, noProblems } = browser);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('static serving: index for console routes, ETag and 304, gzip, security headers', STEP, async () => {
  for (const p of ['/', '/facilities', '/areas/370100000000', '/facilities/123/edit']) {
    const r = await srv.req('GET', p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers['content-type'], /^text\/html/, p);
    assert.match(r.text, /<script type="module" src="\/js\/app.js">/, p);
    assert.match(r.headers['content-security-policy'], /default-src 'self'/, p);
    assert.equal(r.headers['x-frame-options'], 'DENY', p);
    assert.equal(r.headers['referrer-policy'], 'no-referrer', p);
    assert.match(r.headers.etag, /^"[0-9a-f]{20}"$/, p);
  }
  const js = await srv.req('GET', '/js/app.js');
  assert.equal(js.status, 200);
  assert.match(js.headers['content-type'], /^text\/javascript/);
  assert.equal(js.headers['cache-control'], 'no-cache');
  const again = await srv.req('GET', '/js/app.js', { headers: { 'If-None-Match': js.headers.etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  const head = await srv.req('HEAD', '/vendor/leaflet/leaflet.js');
  assert.equal(head.status, 200);
  assert.ok(Number(head.headers['content-length']) > 100000, 'leaflet.js is vendored whole');
  const gz = await srv.req('GET', '/vendor/echarts/echarts.min.js', { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.match(gz.headers.etag, /-gz"$/);
  assert.equal(gz.headers.vary, 'Accept-Encoding');
  const png = await srv.req('GET', '/vendor/leaflet/images/marker-icon.png');
  assert.equal(png.headers['content-type'], 'image/png');
  for (const p of ['/js/missing.js', '/vendor/nothing.css', '/favicon.ico', '/api/v1/nothing', '/healthz/x']) {
    const r = await srv.req('GET', p);
    assert.equal(r.status, 404, p);
    assert.equal(r.json?.error?.code, 'not_found', p);
  }
  const post = await srv.req('POST', '/facilities', { body: {} });
  assert.equal(post.status, 404, 'pages answer GET and HEAD only');
  const about = await srv.req('GET', '/api/v1/about');
  assert.deepEqual(about.json, { name: 'Weijian', demo: true });
});

test('log in as the commission administrator', STEP, async () => {
  await page.goto(`${srv.base}/`);
  await page.waitForURL(/\/login/);
  await page.getByText('演示数据 / demo data').waitFor();
  await page.getByRole('heading', { name: '登录' }).waitFor();
  await shot('01-login');
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel('密码').fill('wrong-password');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText('用户名或密码错误').waitFor();
  await page.getByLabel('密码').fill('weijian-demo');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(/\/facilities$/);
  await page.getByRole('heading', { name: '医疗机构', level: 1 }).waitFor();
  // The menu comes from the registry and the grants: no audit entry for an administrator.
  const nav = page.getByRole('navigation', { name: '主菜单' });
  await nav.getByRole('link', { name: '医疗机构' }).waitFor();
  await nav.getByRole('link', { name: '行政区划' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: '审计日志' }).count(), 0);
  await page.getByText('王建国').waitFor();
  // The session is the HttpOnly cookie: script cannot read it.
  assert.equal(await page.evaluate(() => document.cookie.includes('wj_session')), false);
  noProblems('login');
});

let facilityUrl;

test('filter the facility list and open one', STEP, async () => {
  await page.locator('canvas').first().waitFor(); // the ECharts dashboard
  await page.getByLabel('机构类别', { exact: true }).selectOption('general_hospital');
  await page.getByLabel('级别', { exact: true }).selectOption('tertiary');
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(/type=general_hospital/);
  const table = page.getByTestId('facility-table');
  await table.locator('tbody tr').first().waitFor();
  const types = await table.locator('tbody tr td:nth-child(2)').allTextContents();
  assert.ok(types.length > 0, 'some tertiary general hospitals');
  assert.ok(types.every((x) => x === '综合医院'), `types: ${types}`);
  const levels = await table.locator('tbody tr td:nth-child(3)').allTextContents();
  assert.ok(levels.every((x) => x.startsWith('三级')), `levels: ${levels}`);
  await page.locator('canvas').first().waitFor();
  await page.waitForTimeout(300);
  await shot('02-facilities-filtered');
  const first = table.locator('tbody tr a.fac-name').first();
  const name = await first.textContent();
  await first.click();
  await page.waitForURL(/\/facilities\/\d+$/);
  facilityUrl = page.url();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
  await page.getByText('变更记录').waitFor();
  await shot('03-facility');
  noProblems('filter and open');
});

test('a rejected edit shows the API error beside its field', STEP, async () => {
  await page.getByRole('link', { name: '编辑' }).click();
  await page.waitForURL(/\/edit$/);
  const beds = page.getByLabel('编制床位');
  await beds.fill('-5');
  await page.getByTestId('save').click();
  const err = page.locator('.field.has-error .field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /0 至 50000/);
  assert.equal(await beds.getAttribute('aria-invalid'), 'true');
  assert.ok((await beds.getAttribute('aria-describedby')).includes(await err.getAttribute('id')), 'the message describes the input');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.field), 'beds', 'focus moves to the field');
  assert.match(page.url(), /\/edit$/, 'still on the form');
  await shot('04-edit-rejected', { fullPage: false });

  // A nested path: a new campus whose department has no name.
  await beds.fill('');
  const n = await page.locator('fieldset.campus').count();
  await page.getByRole('button', { name: '添加院区' }).click();
  await page.locator(`[data-field="campuses[${n}].name"]`).fill('测试院区');
  await page.locator('fieldset.campus').nth(n).getByRole('button', { name: '添加科室' }).click();
  await page.locator(`[data-field="campuses[${n}].departments[0].code"]`).fill('03.04');
  await page.getByTestId('save').click();
  const deptErr = page.locator('.field.has-error .field-error');
  await deptErr.waitFor();
  assert.equal(await page.evaluate(() => document.querySelector('[aria-invalid=true]')?.dataset.field), `campuses[${n}].departments[0].name`);
  assert.match(await deptErr.textContent(), /必填/);
  await shot('04b-edit-rejected-nested', { fullPage: false });
  noProblems('rejected edit');
});

test('a successful edit', STEP, async () => {
  await page.locator('[aria-invalid=true]').fill('心血管内科');
  await page.getByLabel('编制床位').fill('1234');
  await page.getByTestId('save').click();
  await page.waitForURL(facilityUrl);
  await page.getByText(/已保存/).waitFor();
  const beds = page.locator('[data-prop=beds] dd');
  assert.match(await beds.textContent(), /1,?234 张/);
  await page.getByRole('heading', { name: '测试院区' }).waitFor();
  // The new version is in the history, naming what changed.
  const history = page.locator('section', { has: page.getByRole('heading', { name: '变更记录' }) });
  await history.getByText('编制床位').first().waitFor();
  // Dates in Beijing time, as Chinese users write them.
  assert.match(await page.locator('dl.props').textContent(), /\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
  await shot('05-edit-saved');
  noProblems('edit');
});

test('import and export buttons call the server (when it offers them)', STEP, async (t) => {
  const doc = (await srv.req('GET', '/api/v1/openapi.json')).json;
  if (!doc.paths['/api/v1/facilities/import'] || !doc.paths['/api/v1/facilities/export']) {
    t.skip('this server has no import/export routes');
    return;
  }
  const back = page.url();
  await page.goto(`${srv.base}/facilities`);
  const csv = page.getByRole('link', { name: '导出 CSV' });
  const href = await csv.getAttribute('href');
  assert.match(href, /^\/api\/v1\/facilities\/export\?format=csv&header=zh/);
  const got = await page.evaluate((u) => fetch(u).then(async (r) => [r.status, r.headers.get('Content-Type'), (await r.text()).slice(0, 40)]), href);
  assert.equal(got[0], 200);
  assert.match(got[1], /text\/csv/);
  assert.match(got[2], /名称/);
  assert.match(await page.getByRole('link', { name: '导出 Excel' }).getAttribute('href'), /format=xlsx/);

  // One good row and one with an unknown area: nothing is written, the dialog says why and
  // offers to import the good row alone.
  const file = 'name,level,type,area_code\n浏览器测试卫生室,unrated,village_clinic,370102001001\n坏行卫生室,unrated,village_clinic,370199999999\n';
  await page.locator('input[type=file]').setInputFiles({ name: '机构.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
  const dialog = page.getByRole('dialog');
  await dialog.getByText('导入未执行').waitFor();
  await dialog.getByText('没有这个区划代码').or(dialog.getByText('所引用的记录不存在')).waitFor();
  await shot('05b-import-rejected', { fullPage: false });
  await dialog.getByRole('button', { name: /跳过这些行/ }).click();
  await page.getByRole('dialog').getByText('导入完成').waitFor();
  await page.getByRole('dialog').getByRole('button', { name: '关闭' }).click();
  await page.goto(`${srv.base}/facilities?q=${encodeURIComponent('浏览器测试卫生室')}`);
  await page.getByTestId('facility-table').getByRole('link', { name: '浏览器测试卫生室' }).waitFor();
  await page.goto(`${srv.base}/facilities?q=${encodeURIComponent('坏行卫生室')}`);
  await page.getByTestId('facility-table').getByText('没有符合条件的机构').waitFor();
  await page.goto(back);
  noProblems('import and export');
});

test('the facility on the map; nearest facilities to a clicked point', STEP, async () => {
  const name = await page.getByRole('heading', { level: 1 }).textContent();
  await page.getByRole('link', { name: '在地图上查看' }).click();
  await page.waitForURL(/\/facilities\/map\?focus=/);
  await page.locator('.leaflet-marker-icon').first().waitFor();
  assert.ok((await page.locator('.leaflet-marker-icon').count()) > 5, 'facility markers');
  const popup = page.locator('.leaflet-popup-content');
  await popup.waitFor();
  assert.equal(await popup.locator('a').textContent(), name);
  const roads = await srv.req('GET', '/api/v1/map/roads', { token: await srv.login('admin') });
  if (roads.status === 200) await page.locator('.leaflet-roads-pane canvas').waitFor();
  else assert.equal(roads.status, 404);
  await page.waitForTimeout(600); // the popup's auto-pan settles: Leaflet ignores clicks while the map moves
  // Click the map itself near its centre (not a marker, the popup or a control).
  const point = await page.evaluate(() => {
    const box = document.querySelector('[data-testid=map]').getBoundingClientRect();
    const cx = box.left + box.width / 2;
    const cy = box.top + box.height / 2;
    for (let r = 0; r < Math.min(box.width, box.height) / 2 - 20; r += 7)
      for (let a = 0; a < 360; a += 30) {
        const x = cx + r * Math.cos((a * Math.PI) / 180);
        const y = cy + r * Math.sin((a * Math.PI) / 180);
        const el = document.elementFromPoint(x, y);
        if (el?.closest('.leaflet-container') && !el.closest('.leaflet-marker-icon, .leaflet-popup, .leaflet-control'))
          return { x, y };
      }
    return null;
  });
  assert.ok(point, 'an empty spot on the map');
  await page.mouse.click(point.x, point.y);
  const near = page.getByTestId('near-results');
  try {
    await near.locator('li').first().waitFor();
  } catch (e) {
    await shot('06-map-FAILED');
    throw new Error(`${e.message}\nclicked at ${JSON.stringify(point)}; results: ${await near.textContent()}`);
  }
  assert.match(await near.locator('li .dist').first().textContent(), /公里/);
  await page.waitForTimeout(300);
  await shot('06-map');
  noProblems('map');
});

test('areas: tree and code history', STEP, async () => {
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '行政区划' }).click();
  await page.waitForURL(/\/areas$/);
  const tree = page.getByRole('tree');
  await tree.getByRole('treeitem').first().waitFor();
  // Keyboard: focus the first item, open it, go down, open the details.
  await tree.getByRole('treeitem').first().focus();
  await page.keyboard.press('ArrowRight');
  await tree.getByRole('treeitem', { level: 2 }).first().waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/areas\/\d{12}$/);
  await page.getByRole('heading', { name: '代码沿革' }).waitFor();
  await shot('07-areas');
  noProblems('areas');
});

test('English, then log out', STEP, async () => {
  await page.goto(`${srv.base}/facilities`);
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { name: 'Facilities', level: 1 }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Areas' }).waitFor();
  await page.getByText('演示数据 / demo data').waitFor();
  await page.locator('tbody tr').first().waitFor();
  await page.locator('canvas').first().waitFor();
  await page.waitForTimeout(300);
  await shot('08-english');
  await page.getByRole('button', { name: '中文' }).click();
  await page.getByRole('heading', { name: '医疗机构', level: 1 }).waitFor();
  await page.getByTestId('logout').click();
  await page.waitForURL(/\/login$/);
  const me = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status));
  assert.equal(me, 401, 'the session ends on the server');
  await page.goto(`${srv.base}/facilities`);
  await page.waitForURL(/\/login\?next=/);
  await shot('09-logged-out');
  noProblems('logout');
});

test('auditors search the audit trail; a tablet screen', STEP, async () => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.getByLabel('用户名').fill('auditor');
  await page.getByLabel('密码').fill('weijian-demo');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(/\/facilities/); // `next` brings them back where they were
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '审计日志' }).click();
  await page.waitForURL(/\/audit$/);
  const table = page.getByTestId('audit-table');
  await table.locator('tbody tr').first().waitFor();
  await page.getByLabel('用户名').fill('admin');
  await page.getByRole('button', { name: '查询' }).click();
  await page.waitForURL(/username=admin/);
  await table.getByText('修改医疗机构').first().waitFor();
  const users = await table.locator('tbody tr td:nth-child(2)').allTextContents();
  assert.ok(users.every((u) => u.startsWith('admin')), `users: ${users}`);
  await shot('10-audit-tablet');
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.goto(`${srv.base}/facilities/map`);
  await page.locator('.leaflet-marker-icon').first().waitFor();
  await shot('11-map-tablet-portrait');
  noProblems('audit');
});
