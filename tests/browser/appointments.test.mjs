// appointments.test.mjs — the appointments console (预约诊疗) in a real browser (headless
// Chromium through playwright-core) against a fresh server with the demo city: a resident
// finds a department, books a place online and cancels it; a hotline operator finds a
// caller in the person index and books for them (the phone channel, from the role); the
// registration desk sees the session grid with each bucket's fill, creates a schedule and
// records a doctor's leave with the bookings it cancels; the commission's statistics with
// their charts and the CSV export; English. Screenshots: tests/browser/out/appt-*.png.
//
//   WEIJIAN_BIN=build/test/weijian WEIJIAN_DEMO_RESIDENTS=300 node --test tests/browser/appointments.test.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before } from 'node:test';
import { startServer, test } from '../api/harness.mjs';
import { openBrowser } from './browser.mjs';

const STEP = { timeout: 60000 };
const HOSPITAL = '济南市第一人民医院';

let srv;
let browser;
let ctx;
let page;
let shot;
let noProblems;
let hospital; // the demo hospital's id

const shanghaiDay = (offset = 0) => new Date(Date.now() + 8 * 3600e3 + offset * 86400e3).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer();
  const r = await srv.as('admin', 'GET', `/api/v1/facilities?q=${encodeURIComponent(HOSPITAL)}&limit=1`);
  assert.equal(r.status, 200, r.text);
  hospital = r.json.items[0].id;
  browser = await openBrowser(srv.base, { consoleStatuses: [401, 404, 409, 422], acceptDownloads: true });
  ({ ctx, page, shot, noProblems } = browser);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

async function login(username) {
  await ctx.clearCookies();
  await page.goto(`${srv.base}/login`);
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${srv.base}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill('weijian-demo');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

async function openModule() {
  await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '预约诊疗' }).click();
}

/* Chooses a facility in a picker (search by name, pick the option) and waits for its
 * departments. */
async function chooseFacility(name) {
  const sel = page.locator('select[data-field="facility"]');
  await sel.locator('xpath=..').locator('input[type=search]').fill(name);
  await sel.locator('option', { hasText: name }).first().waitFor({ state: 'attached' });
  await sel.selectOption({ label: name });
  await page.locator('select[data-field="department"] option').nth(1).waitFor({ state: 'attached' });
}

/* A released session at the hospital, at least two days on (before its release-back), whose
 * `channel` bucket of the general pool has room: { date, department, session }. */
async function openSession(user, channel, skipDepartments = []) {
  for (let d = 2; d <= 6; d++) {
    const r = await srv.as(user, 'GET', `/api/v1/slots?facility=${hospital}&date=${shanghaiDay(d)}&channel=${channel}&limit=200`);
    assert.equal(r.status, 200, r.text);
    const s = r.json.items.find((x) => x.status === 'open' && !skipDepartments.includes(x.department.id) && x.pools.some((p) => p.pool === 'general' && p.available > 0));
    if (s) return { date: s.date, department: s.department, session: s.session_id };
  }
  throw new Error(`no open ${channel} session`);
}

let residentBooking;

test('a resident finds a department, books a place online and cancels it', STEP, async () => {
  // Departments where the demo resident has nothing that day (one per day and department).
  const mine = await srv.as('resident', 'GET', '/api/v1/appointments?status=booked&limit=200');
  const target = await openSession('resident', 'online', mine.json.items.map((a) => a.department_id));
  await login('resident');
  await openModule();
  await page.waitForURL(/\/appointments$/);
  await page.getByRole('heading', { name: '我的预约', level: 1 }).waitFor();
  await page.getByRole('navigation', { name: '预约诊疗' }).getByRole('link', { name: '预约挂号' }).click();
  await page.waitForURL(/\/appointments\/book$/);
  assert.match(await page.getByTestId('appt-for').locator('option:checked').textContent(), /吴小红（本人）/);
  await chooseFacility(HOSPITAL);
  await page.locator('select[data-field="department"]').selectOption(target.department.id);
  await page.locator('input[data-field="date"]').fill(target.date);
  await page.locator('select[data-field="days"]').selectOption('1');
  await page.getByRole('button', { name: '查找号源' }).click();
  const row = page.locator(`tr[data-session="${target.session}"]`);
  await row.waitFor();
  await shot('appt-01-resident-slots');
  await row.locator('button[data-pool="general"]').click();
  const booked = page.getByTestId('appt-booked');
  await booked.waitFor();
  assert.match(await booked.textContent(), /预约成功/);
  assert.equal(await booked.getAttribute('data-channel'), 'online', 'a resident books online');
  residentBooking = await booked.getAttribute('data-id');
  const a = await srv.as('resident', 'GET', `/api/v1/appointments/${residentBooking}`);
  assert.equal(a.json.status, 'booked');
  assert.equal(a.json.session_id, target.session);
  await shot('appt-02-resident-booked', { fullPage: false });

  // My appointments: the new one, cancelled through the confirm dialog.
  await page.getByRole('navigation', { name: '预约诊疗' }).getByRole('link', { name: '我的预约' }).click();
  await page.waitForURL(/\/appointments$/);
  const mineRow = page.locator(`tr[data-appointment="${residentBooking}"]`);
  await mineRow.locator('[data-status="booked"]').waitFor();
  await mineRow.getByTestId('appt-cancel').click();
  await page.locator('dialog').getByRole('button', { name: '取消预约' }).click();
  await mineRow.locator('[data-status="cancelled"]').waitFor();
  const c = await srv.as('resident', 'GET', `/api/v1/appointments/${residentBooking}`);
  assert.equal(c.json.status, 'cancelled');
  await shot('appt-03-resident-cancelled');
  noProblems('resident books and cancels');
});

test('a resident joins a full session’s waiting list, is notified of a freed place and accepts it', STEP, async () => {
  // A clinic of one online place, three days on; the resident takes it, her son waits.
  const day = shanghaiDay(3);
  const weekday = ((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
  const fac = await srv.as('admin', 'GET', `/api/v1/facilities/${hospital}`);
  const derm = fac.json.campuses.flatMap((c) => c.departments).find((d) => d.name === '皮肤科');
  const sch = await srv.as('hospital_staff', 'POST', '/api/v1/schedules', {
    body: {
      owner: 'department',
      department_id: derm.id,
      name: '皮肤科 候补测试门诊',
      template: [{ weekday, period: 'evening', start: '18:00', end: '20:00', slot_minutes: 30, buckets: [{ pool: 'general', channel: 'online', places: 1 }, { pool: 'general', channel: 'onsite', places: 1 }] }],
    },
  });
  assert.equal(sch.status, 201, sch.text);
  const slots = await srv.as('resident', 'GET', `/api/v1/slots?department=${derm.id}&date=${day}`);
  const session = slots.json.items.find((x) => x.schedule_id === sch.json.id).session_id;
  const me = await srv.as('resident', 'GET', '/api/v1/me');
  const self = me.json.grants[0].person_id;
  const taken = await srv.as('resident', 'POST', '/api/v1/appointments', { body: { session_id: session, person_id: self } });
  assert.equal(taken.status, 201, taken.text);
  const son = (await srv.as('resident', 'GET', `/api/v1/persons/${self}`)).json.family.find((f) => f.manages && f.relation === 'child');

  await login('resident');
  await page.goto(`${srv.base}/appointments/book?facility=${hospital}&department=${derm.id}&date=${day}&days=1`);
  await page.getByTestId('appt-for').selectOption(son.person_id);
  const row = page.locator(`tr[data-session="${session}"]`);
  await row.waitFor();
  await row.getByTestId('appt-wait').click();
  await page.getByTestId('appt-waiting').waitFor();
  assert.match(await page.getByTestId('appt-waiting').textContent(), /已加入候补，当前排第 1 位/);

  // The place is freed: the son is offered it and told so.
  const cancel = await srv.as('resident', 'POST', `/api/v1/appointments/${taken.json.id}/cancel`, { body: {} });
  assert.equal(cancel.status, 200, cancel.text);
  await page.getByRole('navigation', { name: '预约诊疗' }).getByRole('link', { name: '消息通知' }).click();
  const note = page.getByTestId('notifications').locator('li[data-read="false"]', { hasText: '候补有号' }).first();
  await note.waitFor();
  await shot('appt-03b-notifications', { fullPage: false });
  await note.getByRole('button', { name: '标为已读' }).click();
  await page.getByTestId('notifications').locator('li[data-read="true"]', { hasText: '候补有号' }).first().waitFor();

  // Accepted on the appointments page: the son's place is booked.
  await page.getByRole('navigation', { name: '预约诊疗' }).getByRole('link', { name: '我的预约' }).click();
  const offer = page.getByTestId('waitlist').locator('li[data-status="offered"]');
  await offer.waitFor();
  await offer.getByRole('button', { name: '确认就诊' }).click();
  await page.getByTestId('appt-table').locator('tr', { hasText: '王子轩' }).locator('[data-status="booked"]').first().waitFor();
  const list = await srv.as('resident', 'GET', `/api/v1/appointments?session=${session}&status=booked`);
  assert.deepEqual(list.json.items.map((a) => a.person_id), [son.person_id]);
  noProblems('waiting list and notifications');
});

test('a hotline operator finds a caller in the person index and books for them by phone', STEP, async () => {
  // The caller is the finder's first 孙桂兰 (the demo books her into a released session
  // that depends on the hour): a department where she has nothing booked.
  const found = await srv.as('hotline', 'POST', '/api/v1/persons/search', { body: { name: '孙桂兰', limit: 10 } });
  assert.equal(found.status, 200, found.text);
  const hers = await srv.as('hotline', 'GET', `/api/v1/appointments?person=${found.json.items[0].id}&status=booked&limit=200`);
  assert.equal(hers.status, 200, hers.text);
  const target = await openSession('hotline', 'phone', hers.json.items.map((a) => a.department_id));
  await login('hotline');
  await openModule();
  await page.waitForURL(/\/appointments\/book$/);
  const who = page.getByTestId('appt-onbehalf');
  await who.getByText('电话预约').waitFor();
  await who.getByLabel('就诊人 · 姓名').fill('孙桂兰');
  await who.getByRole('button', { name: '查询' }).click();
  await who.locator('.finder-list li', { hasText: '孙桂兰' }).first().getByRole('button').click();
  await page.getByTestId('appt-person-name').waitFor();
  assert.equal(await page.getByTestId('appt-person-name').textContent(), '孙桂兰');
  await chooseFacility(HOSPITAL);
  await page.locator('select[data-field="department"]').selectOption(target.department.id);
  await page.locator('input[data-field="date"]').fill(target.date);
  await page.locator('select[data-field="days"]').selectOption('1');
  await page.getByRole('button', { name: '查找号源' }).click();
  const row = page.locator(`tr[data-session="${target.session}"]`);
  await row.waitFor();
  await row.locator('button[data-pool="general"]').click();
  const result = page.locator('[data-testid="appt-booked"], [data-testid="appt-error"]');
  await result.first().waitFor();
  assert.equal(await result.first().getAttribute('data-testid'), 'appt-booked', await result.first().textContent());
  assert.equal(await result.first().getAttribute('data-channel'), 'phone', 'the channel follows the operator’s role');
  const id = await result.first().getAttribute('data-id');
  const a = await srv.as('hotline', 'GET', `/api/v1/appointments/${id}`);
  assert.equal(a.json.booked_as, 'operator');
  assert.equal(a.json.person.name, '孙桂兰');
  await shot('appt-04-operator-booked');
  // The caller's appointments: found through the person index on the list page (an
  // operator's list shows only their own bookings until a patient is chosen).
  await page.getByRole('navigation', { name: '预约诊疗' }).getByRole('link', { name: '预约记录' }).click();
  await page.waitForURL(/\/appointments$/);
  const patient = page.getByTestId('appt-patient');
  await patient.getByLabel('就诊人 · 姓名').fill('孙桂兰');
  await patient.getByRole('button', { name: '查询' }).click();
  await patient.locator('.finder-list li', { hasText: '孙桂兰' }).first().getByRole('button').click();
  await page.waitForURL(/\/appointments\?person=\d+$/);
  await page.locator(`tr[data-appointment="${id}"]`).waitFor();
  assert.equal(await page.getByTestId('appt-patient-name').textContent(), '孙桂兰');
  await shot('appt-04b-operator-caller-list');
  noProblems('operator books for a caller');
});

test('the registration desk sees the session grid: every bucket’s fill', STEP, async () => {
  const day = shanghaiDay(2);
  const r = await srv.as('hospital_staff', 'GET', `/api/v1/slots?facility=${hospital}&date=${day}&limit=200`);
  const first = r.json.items[0];
  const full = await srv.as('hospital_staff', 'GET', `/api/v1/sessions/${first.session_id}`);
  const cap = full.json.buckets.reduce((x, b) => x + b.capacity, 0);
  const bk = full.json.buckets.reduce((x, b) => x + b.booked, 0);
  await login('hospital_staff');
  await openModule();
  await page.waitForURL(/\/appointments\/sessions$/);
  await page.getByRole('heading', { name: '号源一览', level: 1 }).waitFor();
  // The desk's own hospital is chosen already.
  await page.locator('select[data-field="department"] option').nth(1).waitFor({ state: 'attached' });
  await page.locator('input[data-field="date"]').fill(day);
  await page.getByTestId('grid-filters').getByRole('button', { name: '查询' }).click();
  const block = page.locator(`article[data-session="${first.session_id}"]`);
  await block.waitFor();
  assert.equal((await block.getByTestId('session-total').textContent()).trim(), `${bk}/${cap}`);
  assert.equal(await page.locator('article.appt-session').count(), r.json.items.length);
  for (const c of ['网络预约', '电话预约', '现场预约', '转诊预约']) await block.getByRole('columnheader', { name: c }).waitFor();
  await shot('appt-05-session-grid');
  noProblems('session grid');
});

test('the desk creates a schedule: weekly template, buckets, release rule', STEP, async () => {
  await page.getByRole('navigation', { name: '预约诊疗' }).getByRole('link', { name: '排班' }).click();
  await page.waitForURL(/\/appointments\/schedules$/);
  await page.getByTestId('schedule-table').locator('tr[data-schedule]').first().waitFor();
  await page.getByTestId('schedule-new').click();
  await page.waitForURL(/\/appointments\/schedules\/new/);
  const form = page.getByTestId('schedule-form');
  await page.locator('select[data-field="department_id"] option').nth(1).waitFor({ state: 'attached' });
  await form.locator('select[data-field="owner"]').selectOption('department');
  await form.locator('input[data-field="name"]').fill('眼科 普通门诊（周六）');
  await page.locator('select[data-field="department_id"]').selectOption({ label: '眼科（本部）' });
  await form.locator('select[data-field="template[0].weekday"]').selectOption('6');
  // A rejected template: the end before the start, shown beside template[0].end.
  await form.locator('input[data-field="template[0].end"]').fill('07:00');
  await page.getByTestId('schedule-save').click();
  await form.locator('.field.has-error [data-field="template[0].end"]').waitFor();
  assert.match(await form.locator('.field.has-error .field-error').textContent(), /结束须晚于开始/);
  await shot('appt-06-schedule-rejected', { fullPage: false });
  await form.locator('input[data-field="template[0].end"]').fill('11:30');
  await form.locator('input[data-field="template[0].buckets[0].places"]').fill('10');
  await form.locator('input[data-field="release_days"]').fill('5');
  await page.getByTestId('schedule-save').click();
  await page.waitForURL(/\/appointments\/schedules\?facility=/);
  const row = page.getByTestId('schedule-table').locator('tr', { hasText: '眼科 普通门诊（周六）' });
  await row.waitFor();
  assert.match(await row.textContent(), /周六上午 08:00–11:30（18）/);
  assert.match(await row.textContent(), /提前 5 天 08:00 放号/);
  noProblems('schedule');
});

test('the desk records a doctor’s leave and sees the bookings it cancels', STEP, async () => {
  // A demo doctor's schedule with bookings on a day ahead.
  const sch = await srv.as('hospital_staff', 'GET', `/api/v1/schedules?facility=${hospital}&limit=200`);
  let target = null;
  for (const s of sch.json.items.filter((x) => x.owner === 'doctor')) {
    for (let d = 3; d <= 8 && !target; d++) {
      const sl = await srv.as('hospital_staff', 'GET', `/api/v1/slots?facility=${hospital}&doctor=${s.doctor.id}&date=${shanghaiDay(d)}&limit=50`);
      const x = sl.json.items.find((y) => y.schedule_id === s.id && y.status === 'open' && y.pools.some((p) => p.booked > 0));
      if (x) target = { schedule: s, session: x };
    }
    if (target) break;
  }
  assert.ok(target, 'a doctor session with bookings');
  const booked = await srv.as('hospital_staff', 'GET', `/api/v1/appointments?session=${target.session.session_id}&status=booked&limit=200`);
  await page.getByRole('navigation', { name: '预约诊疗' }).getByRole('link', { name: '停诊' }).click();
  await page.waitForURL(/\/appointments\/leave$/);
  await page.getByTestId('leave-schedule').locator(`option[value="${target.schedule.id}"]`).waitFor({ state: 'attached' });
  await page.getByTestId('leave-schedule').selectOption(target.schedule.id);
  await page.locator('input[data-field="dates"]').fill(target.session.date);
  await page.getByRole('group', { name: '时段（不选则全天）' }).getByLabel(target.session.period === 'morning' ? '上午' : target.session.period === 'afternoon' ? '下午' : '晚间').check();
  await page.locator('input[data-field="reason"]').fill('外出会诊');
  await page.getByTestId('leave-preview-btn').click();
  await page.getByTestId('leave-appointments').locator('tbody tr').nth(booked.json.items.length - 1).waitFor();
  assert.equal(await page.getByTestId('leave-appointments').locator('tbody tr').count(), booked.json.items.length, 'the preview lists the booked patients');
  await page.getByTestId('leave-submit').click();
  await page.locator('dialog').getByRole('button', { name: '登记停诊' }).click();
  const done = page.getByTestId('leave-done');
  await done.waitFor();
  assert.match(await done.textContent(), new RegExp(`已停诊 1 个时段，取消预约 ${booked.json.items.length} 个`));
  const after = await srv.as('hospital_staff', 'GET', `/api/v1/sessions/${target.session.session_id}`);
  assert.equal(after.json.status, 'cancelled');
  await shot('appt-07-leave');
  noProblems('leave');
});

test('the commission’s statistics: tiles, charts per facility, channel and pool, CSV export', STEP, async () => {
  await login('staff');
  await openModule();
  await page.waitForURL(/\/appointments\/stats$/);
  await page.getByRole('heading', { name: '预约统计', level: 1 }).waitFor();
  // The commission's staff see any facility's session grid too (read only: no booking tab).
  await page.getByRole('navigation', { name: '预约诊疗' }).getByRole('link', { name: '号源' }).click();
  await page.waitForURL(/\/appointments\/sessions$/);
  assert.equal(await page.getByRole('navigation', { name: '预约诊疗' }).getByRole('link', { name: '预约挂号' }).count(), 0);
  await chooseFacility(HOSPITAL);
  await page.locator('input[data-field="date"]').fill(shanghaiDay(2));
  await page.getByTestId('grid-filters').getByRole('button', { name: '查询' }).click();
  await page.locator('article.appt-session').first().waitFor();
  await page.getByRole('navigation', { name: '预约诊疗' }).getByRole('link', { name: '统计分析' }).click();
  await page.getByRole('heading', { name: '预约统计', level: 1 }).waitFor();
  const table = page.getByTestId('stats-table');
  await table.locator('tr', { hasText: HOSPITAL }).waitFor();
  for (const id of ['chart-facility', 'chart-channel', 'chart-pool']) await page.getByTestId(id).locator('canvas').waitFor();
  const fill = await page.getByTestId('stat-fill').locator('b').textContent();
  assert.match(fill, /^\d+(\.\d)?%$/, 'the fill rate as a percentage');
  await shot('appt-08-stats');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('stats-csv').click()]);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  assert.ok(csv.startsWith('\ufeff医疗机构,放号量,已占用,号源使用率'), csv.slice(0, 80));
  assert.match(csv, new RegExp(HOSPITAL));
  assert.match(csv, /合计/);

  // English: the same page in the other language.
  await page.getByRole('button', { name: /English/ }).click();
  await page.getByRole('heading', { name: 'Appointment statistics', level: 1 }).waitFor();
  await page.getByTestId('chart-channel').locator('canvas').waitFor();
  await shot('appt-09-stats-en');
  await page.getByRole('button', { name: /中文/ }).click();
  await page.getByRole('heading', { name: '预约统计', level: 1 }).waitFor();
  noProblems('statistics');
});
