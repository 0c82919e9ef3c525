// mpi.test.mjs — the master patient index console in a real browser (headless Chromium
// through playwright-core) against a fresh server with the demo city: a rejected
// registration (the API's error beside identifiers[0].value), a registration, a
// near-duplicate (traditional script, another hospital's card, another address) that the
// matcher sends to review, the review queue, the side-by-side comparison, "same person"
// (merge), the person page with two source records, an edit, a verified attribute,
// unmerge back to two persons, English, break-glass for a clinician outside their scope
// (and the auditors' log of it), and a resident's own record with the family she acts
// for. Screenshots: tests/browser/out/mpi-*.png.
//
//   WEIJIAN_BIN=build/test/weijian WEIJIAN_DEMO_RESIDENTS=300 node --test tests/browser/
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
let hospitals; // two general hospitals of the demo city: [{id, name}]

before(async () => {
  srv = await startServer();
  const token = await srv.login('admin');
  const r = await srv.req('GET', '/api/v1/facilities?type=general_hospital&area=370102000000&limit=2', { token });
  assert.equal(r.status, 200, r.text);
  hospitals = r.json.items.map((f) => ({ id: f.id, name: f.name }));
  assert.equal(hospitals.length, 2, 'two hospitals in 历下区');
  // Rejected requests the test provokes (422 registration, 404 out of scope) are logged
  // by Chromium as failed resource loads; anything else at error level is a bug.
  browser = await openBrowser(srv.base, { consoleStatuses: [401, 404, 422] });
  ({ page, shot, noProblems } = browser);
  page.on('request', (r) => {
    // Names, phones and ID numbers never go in a URL.
    const u = decodeURIComponent(r.url());
    if (/張建華|张建华|13912345678|A1001|B2002/.test(u)) browser.problems.push(`personal data in a URL: ${u}`);
  });
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

async function login(username) {
  await page.goto(`${srv.base}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill('weijian-demo');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/* Chooses a hospital card's issuing facility in a picker: search by name, pick the option. */
async function chooseIssuer(scope, dataField, name) {
  const sel = scope.locator(`select[data-field="${dataField}"]`);
  const search = sel.locator('xpath=..').locator('input[type=search]');
  await search.fill(name);
  await sel.locator('option', { hasText: name }).first().waitFor({ state: 'attached' });
  await sel.selectOption({ label: name });
}

let firstId;
let secondId;

test('the index is in the menu; the search page', STEP, async () => {
  await login('admin');
  const nav = page.getByRole('navigation', { name: '主菜单' });
  await nav.getByRole('link', { name: '居民主索引' }).click();
  await page.waitForURL(/\/persons$/);
  await page.getByRole('heading', { name: '人员查询', level: 1 }).waitFor();
  const tabs = page.getByRole('navigation', { name: '居民主索引' });
  for (const x of ['人员查询', '登记', '疑似重复审核', '合并档案']) await tabs.getByRole('link', { name: x }).waitFor();
  noProblems('search page');
});

test('a registration rejected beside identifiers[0].value, then registered: a new person', STEP, async () => {
  await page.getByRole('navigation', { name: '居民主索引' }).getByRole('link', { name: '登记' }).click();
  await page.waitForURL(/\/persons\/new$/);
  const form = page.getByTestId('register-form');
  await form.getByLabel('姓名').fill('张建华');
  await form.getByLabel('性别').selectOption('male');
  await form.getByLabel('出生日期').fill('1956-03-12');
  await form.getByLabel('手机号').fill('13912345678');
  await form.getByLabel('住址', { exact: true }).fill('解放路12号3单元');
  await form.locator('[data-field="area_code"]').fill('370102001001');
  // An ID number with a wrong check character.
  await form.locator('[data-field="identifiers[0].type"]').selectOption('id_card');
  await form.locator('[data-field="identifiers[0].value"]').fill('370102195603121230');
  await page.getByTestId('register').click();
  const err = form.locator('.field.has-error .field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /校验位/, 'the reason, in Chinese');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.field), 'identifiers[0].value', 'focus on the rejected identifier');
  assert.equal(await form.locator('[data-field="identifiers[0].value"]').getAttribute('aria-invalid'), 'true');
  await shot('mpi-01-register-rejected', { fullPage: false });

  // A hospital card of the first hospital instead.
  await form.locator('[data-field="identifiers[0].type"]').selectOption('hospital_card');
  await form.locator('[data-field="identifiers[0].value"]').fill('A1001');
  await chooseIssuer(form, 'identifiers[0].issuer', hospitals[0].name);
  await page.getByTestId('register').click();
  const result = page.getByTestId('match-result');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-status'), 'new');
  await result.getByText('已建立新档案').waitFor();
  firstId = (await page.getByTestId('match-person').getAttribute('href')).split('/').pop();
  await result.getByText('老年人').waitFor(); // born 1956
  await shot('mpi-02-registered-new');
  noProblems('register');
});

test('a near-duplicate (traditional script, another card and address) goes to review', STEP, async () => {
  await page.getByRole('button', { name: '继续登记' }).click();
  const form = page.getByTestId('register-form');
  await form.getByLabel('姓名').fill('張建華');
  await form.getByLabel('性别').selectOption('male');
  await form.getByLabel('出生日期').fill('1956-03-12');
  await form.getByLabel('住址', { exact: true }).fill('经十路88号');
  await form.locator('[data-field="area_code"]').fill('370102001001');
  await form.locator('[data-field="identifiers[0].type"]').selectOption('hospital_card');
  await form.locator('[data-field="identifiers[0].value"]').fill('B2002');
  await chooseIssuer(form, 'identifiers[0].issuer', hospitals[1].name);
  await page.getByTestId('register').click();
  const result = page.getByTestId('match-result');
  await result.waitFor();
  assert.equal(await result.getAttribute('data-status'), 'review', `match: ${await result.textContent()}`);
  await result.getByText('已建档，送疑似重复审核').waitFor();
  secondId = (await page.getByTestId('match-person').getAttribute('href')).split('/').pop();
  const cands = page.getByTestId('match-candidates');
  await cands.getByRole('link', { name: firstId }).waitFor();
  assert.match(await cands.locator('.score').first().textContent(), /^\d+\.\d\d$/);
  await shot('mpi-03-registered-review');
  noProblems('near-duplicate');
});

test('the review queue, the comparison, and "same person" merges', STEP, async () => {
  await page.getByRole('link', { name: '去审核' }).waitFor();
  await page.getByRole('navigation', { name: '居民主索引' }).getByRole('link', { name: '疑似重复审核' }).click();
  await page.waitForURL(/\/mpi\/reviews$/);
  const table = page.getByTestId('review-table');
  const row = table.locator('tbody tr', { hasText: '張建華' });
  await row.waitFor();
  await row.getByText('张建华').waitFor();
  // Masked as the API gives them: the list never shows the card numbers in full.
  assert.doesNotMatch(await table.textContent(), /A1001|B2002|13912345678/);
  await shot('mpi-04-review-queue');
  await row.getByRole('link', { name: '比对' }).click();
  await page.waitForURL(/\/mpi\/reviews\/\d+$/);
  const cmp = page.getByTestId('compare-table');
  await cmp.waitFor();
  // Per-field agreement from `explain`: the name (simplified form) and birth date agree.
  const nameRow = cmp.locator('tr[data-field="name"]');
  assert.match(await nameRow.getAttribute('class'), /cmp-agree/);
  assert.match(await nameRow.textContent(), /張建華/);
  assert.match(await nameRow.textContent(), /张建华/);
  assert.match(await cmp.locator('tr[data-field="birth_date"]').getAttribute('class'), /cmp-agree/);
  assert.match(await page.getByTestId('review-score').textContent(), /\d+\.\d\d/);
  await shot('mpi-05-review-compare');

  // A decision needs a reason.
  await page.getByTestId('decide-same').click();
  await page.locator('.field.has-error .field-error').waitFor();
  await page.getByTestId('decision-reason').fill('核对两院就诊卡登记信息及住址变更，为同一人');
  await page.getByTestId('decide-same').click();
  await page.waitForURL(new RegExp(`/persons/${firstId}$`));
  await page.getByText('已合并到').waitFor();
  noProblems('review');
});

test('the person page: two source records, merged_from, link history', STEP, async () => {
  const records = page.getByTestId('records-table');
  await records.waitFor();
  assert.equal(await records.locator('tbody tr').count(), 2, 'two source records');
  assert.match(await records.textContent(), /張建華/);
  assert.match(await records.textContent(), /合并/);
  const merged = page.getByTestId('merged-table');
  await merged.getByText('張建華').waitFor();
  const links = page.getByTestId('links-table');
  assert.ok((await links.locator('tbody tr').count()) >= 3, 'new, new, merge (and the undone one)');
  await links.getByText('已撤销').first().waitFor();
  const head = page.getByTestId('person-head');
  await head.getByText('老年人').waitFor();
  await head.getByText(/\d+ 岁/).waitFor();
  // Both cards, with their issuers.
  const ids = page.getByTestId('identifiers-table');
  await ids.getByText(hospitals[0].name).waitFor();
  await ids.getByText(hospitals[1].name).waitFor();
  await shot('mpi-06-person-merged');
  noProblems('person page');
});

test('edit the person (If-Match); record a verified attribute', STEP, async () => {
  await page.getByRole('link', { name: '编辑' }).click();
  await page.waitForURL(/\/edit$/);
  await page.getByLabel('住址', { exact: true }).fill('经十路88号2单元');
  await page.getByTestId('save').click();
  await page.waitForURL(new RegExp(`/persons/${firstId}$`));
  await page.locator('[data-prop=address] dd').getByText('经十路88号2单元').waitFor();

  await page.getByRole('button', { name: '登记核验身份' }).click();
  const dlg = page.getByTestId('attribute-dialog');
  await dlg.getByLabel('身份类别').selectOption('military');
  await dlg.getByLabel('核验证件').selectOption('veteran_card');
  // valid_to before valid_from: the API's error beside valid_to.
  await dlg.getByLabel('有效期起').fill('2020-01-01');
  await dlg.getByLabel('有效期止').fill('2019-01-01');
  await dlg.getByRole('button', { name: '添加' }).click();
  await dlg.locator('.field.has-error [data-field="valid_to"]').waitFor();
  assert.match(await dlg.locator('.field-error').textContent(), /有效期止不能早于有效期起/);
  await shot('mpi-06b-attribute-rejected', { fullPage: false });
  await dlg.getByLabel('有效期止').fill('');
  await dlg.getByRole('button', { name: '添加' }).click();
  await dlg.waitFor({ state: 'detached' });
  const attrs = page.getByTestId('attributes-table');
  await attrs.getByText('退役军人证').waitFor();
  await attrs.getByText('有效', { exact: true }).waitFor();
  noProblems('edit');
});

test('unmerge: two persons again', STEP, async () => {
  await page.getByTestId('unmerge').click();
  const dlg = page.getByTestId('unmerge-dialog');
  await dlg.getByTestId('reason').fill('审核有误，两院登记为不同人');
  await dlg.getByRole('button', { name: '撤销合并' }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.getByText('已撤销合并').waitFor();
  const records = page.getByTestId('records-table');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=records-table] tbody tr').length === 1);
  assert.doesNotMatch(await records.textContent(), /張建華/);
  assert.equal(await page.getByTestId('merged-table').count(), 0, 'nothing merged into it any more');
  await shot('mpi-07-unmerged');

  // The search finds both persons again (the traditional name matches the simplified search).
  await page.getByRole('navigation', { name: '居民主索引' }).getByRole('link', { name: '人员查询' }).click();
  await page.waitForURL(/\/persons$/);
  await page.getByTestId('person-search').getByLabel('姓名').fill('张建华');
  await page.getByTestId('person-search').getByLabel('出生日期').fill('1956-03-12');
  await page.getByRole('button', { name: '查询' }).click();
  const table = page.getByTestId('person-table');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=person-table] tbody tr a').length === 2);
  await table.getByRole('link', { name: '张建华' }).waitFor();
  await table.getByRole('link', { name: '張建華' }).waitFor();
  assert.doesNotMatch(await table.textContent(), /13912345678/, 'phone masked');
  assert.equal(new URL(page.url()).search, '', 'the search is not in the URL');
  await shot('mpi-08-search-two');

  // The second person is whole again: its own record and card.
  await table.getByRole('link', { name: '張建華' }).click();
  await page.waitForURL(new RegExp(`/persons/${secondId}$`));
  await page.getByTestId('records-table').getByText('经十路88号').waitFor();
  await page.getByTestId('identifiers-table').getByText(hospitals[1].name).waitFor();
  noProblems('unmerge');
});

test('English; a tablet screen', STEP, async () => {
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByTestId('records-table').waitFor();
  await page.getByRole('heading', { name: 'Source records' }).waitFor();
  await page.getByRole('heading', { name: 'Link history' }).waitFor();
  await shot('mpi-09-person-english');
  await page.getByRole('button', { name: '中文' }).click();
  await page.getByRole('heading', { name: '来源记录' }).waitFor();
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto(`${srv.base}/mpi/reviews?status=all`);
  await page.getByTestId('review-table').locator('tbody tr').first().waitFor();
  await page.getByTestId('review-table').getByText('同一人（已合并）').waitFor();
  await shot('mpi-10-reviews-tablet');
  await page.setViewportSize({ width: 1366, height: 900 });
  noProblems('english');
});

test('break-glass: a clinician opens a person outside their scope with a reason', STEP, async () => {
  await page.getByTestId('logout').click();
  await page.waitForURL(/\/login/);
  await login('doctor');
  await page.goto(`${srv.base}/persons/${firstId}`);
  const open = page.getByTestId('break-glass');
  await open.waitFor();
  await shot('mpi-11-out-of-scope');
  await open.click();
  const dlg = page.getByTestId('break-glass-dialog');
  await dlg.getByTestId('reason').fill('急');
  await dlg.getByRole('button', { name: '确认查阅' }).click();
  await dlg.locator('.field-error').waitFor(); // at least 4 characters
  await dlg.getByTestId('reason').fill('急诊抢救，患者意识不清，需查既往就诊记录');
  await dlg.getByRole('button', { name: '确认查阅' }).click();
  await page.getByTestId('break-glass-banner').waitFor();
  await page.getByRole('heading', { name: '张建华', level: 1 }).waitFor();
  assert.equal(await page.getByRole('link', { name: '编辑' }).count(), 0, 'read-only');
  await shot('mpi-12-break-glass');
  noProblems('break-glass');

  // Auditors see it in the break-glass log, with the person's audit trail.
  await page.getByTestId('logout').click();
  await page.waitForURL(/\/login/);
  await login('auditor');
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '紧急查阅记录' }).click();
  await page.waitForURL(/\/mpi\/break-glass$/);
  const log = page.getByTestId('break-glass-table');
  await log.getByText('急诊抢救，患者意识不清，需查既往就诊记录').waitFor();
  await log.getByRole('link', { name: '审计记录' }).first().click();
  await page.waitForURL(new RegExp(`/persons/${firstId}/audit$`));
  const trail = page.getByTestId('person-audit-table');
  await trail.getByText('紧急查阅').first().waitFor();
  await trail.getByText('修改档案').first().waitFor();
  await trail.getByText('审核疑似重复').first().waitFor(); // both persons of a review are its subjects
  await trail.getByRole('columnheader', { name: '客户端地址' }).waitFor(); // auditors see where from
  await trail.getByText('127.0.0.1').first().waitFor();
  await shot('mpi-13-audit-trail');
  noProblems('auditor');
});

test('a resident opens their own record and the family they act for', STEP, async (t) => {
  const token = await srv.login('resident');
  const pid = (await srv.req('GET', '/api/v1/me', { token })).json.grants.find((g) => g.person_id)?.person_id;
  if (!pid || (await srv.req('GET', `/api/v1/persons/${pid}`, { token })).status !== 200) {
    t.skip("this demo has no person for the resident's account");
    return;
  }
  await page.getByTestId('logout').click();
  await page.waitForURL(/\/login/);
  await login('resident');
  await page.goto(`${srv.base}/persons`);
  await page.getByTestId('my-record').click();
  await page.waitForURL(/\/persons\/\d+$/);
  await page.getByRole('heading', { name: '吴小红', level: 1 }).waitFor();
  // Her own record's trail (her reads above): who and when, without a column of addresses
  // this trail does not carry.
  const trail = page.getByTestId('person-audit-table');
  await trail.waitFor();
  assert.deepEqual(await trail.getByRole('columnheader').allTextContents(), ['时间', '用户', '操作', '结果']);
  await trail.getByText('查看档案').first().waitFor(); // her read of her own record, in words
  const family = page.getByTestId('family-table');
  await family.waitFor();
  assert.ok((await family.getByText('可代办').count()) >= 2, 'the child and the mother she manages');
  assert.equal(await page.getByRole('button', { name: '登记核验身份' }).count(), 0, 'residents do not verify attributes');
  await shot('mpi-14-resident');
  await family.locator('tbody tr a').first().click();
  await page.getByTestId('person-head').waitFor();
  await page.getByTestId('records-table').waitFor();
  noProblems('resident');
});
