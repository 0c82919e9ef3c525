// appointments.test.mjs — the appointments module (docs/appointments.md) through its API:
// schedules and their sessions, slots per channel, booking with the channel taken from the
// caller, every rule (one place per session, per day and department, per day, release,
// past, priority pools from age and verified attributes, no-shows), Idempotency-Key, the
// release-back, cancellation and its cutoff, the waiting list with offers that expire,
// leave, scope, the facility edit that keeps department ids, and zero oversell under
// concurrency and across kill -9. Time moves with X-Weijian-Test-Now (and a session opened
// at that time: sessions last 12 hours).
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { assertError, BACKEND, cli, cliOk, eventually, PASSWORD, startServer, test } from './harness.mjs';

const HOSPITAL = '济南市第一人民医院';
const OTHER_HOSPITAL = '济阳区人民医院';
const AREA = '370102001001';
const DAY = 86400e3;

let srv;
const ctx = {};

/* YYYY-MM-DD in Asia/Shanghai, `days` from today. */
function dateIn(days) {
  return new Date(Date.now() + 8 * 3600e3 + days * DAY).toISOString().slice(0, 10);
}

let seq = 0;
const GIVEN = ['璟', '琮', '瑾', '珩', '玥', '琬', '琰', '瑜', '璇', '璞', '瑶', '珂', '翊', '骁', '烨', '晗', '钊', '锴', '霖', '濠'];
/* A fresh person registered at the hospital (by its doctor); returns the id. */
async function person({ birth, sex = 'female' } = {}) {
  const k = ++seq;
  const r = await srv.as('doctor', 'POST', '/api/v1/persons', {
    body: {
      name: `预约${GIVEN[k % 20]}${GIVEN[Math.floor(k / 20) % 20]}${GIVEN[Math.floor(k / 400) % 20]}`,
      sex,
      birth_date: birth ?? new Date(Date.UTC(1970, 0, 1) + k * 37 * DAY).toISOString().slice(0, 10),
      phone: `1375${String(k).padStart(7, '0')}`,
      address: `历下区预约测试路${k}号`,
      area_code: AREA,
    },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.match.status, 'new', r.text);
  return r.json.person.id;
}

/* A fresh person the demo resident manages. */
async function managed(opts) {
  const id = await person(opts);
  const r = await srv.as('admin', 'POST', `/api/v1/persons/${ctx.me}/family`, { body: { person_id: id, relation: 'child', manages: true } });
  assert.equal(r.status, 201, r.text);
  return id;
}

const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7];
/* A template: every weekday morning with these buckets. */
function template(buckets, { weekdays = ALL_WEEK, start = '08:00', end = '12:00', slot = 10 } = {}) {
  return weekdays.map((weekday) => ({ weekday, period: 'morning', start, end, slot_minutes: slot, buckets }));
}

/* A schedule at the hospital (department `d`, default the first); returns {id, sessions}
 * with the sessions (as /slots shows them for onsite) of its first `days` days. */
async function schedule({ buckets, d = 0, owner = 'department', extra = {}, days = 10 }) {
  const r = await srv.as('hospital_admin', 'POST', '/api/v1/schedules', {
    body: { owner, department_id: ctx.departments[d], template: template(buckets), valid_from: dateIn(1), release_days: 30, ...extra },
  });
  assert.equal(r.status, 201, r.text);
  const s = await srv.as('hospital_staff', 'GET', `/api/v1/slots?department=${ctx.departments[d]}&date=${dateIn(1)}&days=${days}&channel=onsite&limit=500`);
  assert.equal(s.status, 200, s.text);
  return { id: r.json.id, doc: r.json, etag: r.headers.etag, sessions: s.json.items.filter((x) => x.schedule_id === r.json.id) };
}

const tokensAt = new Map();
/* A token of `user` opened at instant `at` (for requests made at that time). */
async function tokenAt(user, at) {
  const k = `${user} ${at}`;
  if (!tokensAt.has(k)) {
    const r = await srv.loginResponse(user, PASSWORD, { headers: { 'X-Weijian-Test-Now': at } });
    assert.equal(r.status, 200, r.text);
    tokensAt.set(k, r.json.token);
  }
  return tokensAt.get(k);
}
/* A request as `user` at instant `at`. */
async function asAt(user, at, method, p, opts = {}) {
  return srv.req(method, p, { ...opts, token: await tokenAt(user, at), headers: { ...(opts.headers || {}), 'X-Weijian-Test-Now': at } });
}
const shift = (iso, ms) => new Date(Date.parse(iso) + ms).toISOString();

function book(user, session, personId, pool, opts = {}) {
  const body = { session_id: session, person_id: personId };
  if (pool) body.pool = pool;
  return srv.as(user, 'POST', '/api/v1/appointments', { body, ...opts });
}

/* A session's buckets and its live appointments: what a rejected request must not change. */
async function sessionState(id) {
  const s = await srv.as('hospital_staff', 'GET', `/api/v1/sessions/${id}`);
  assert.equal(s.status, 200, s.text);
  const a = await srv.as('hospital_staff', 'GET', `/api/v1/appointments?session=${id}&limit=500`);
  assert.equal(a.status, 200, a.text);
  return { buckets: s.json.buckets, appointments: a.json.items.map((x) => `${x.id} ${x.status}`).sort() };
}

before(async () => {
  srv = await startServer();
  const f = await srv.as('admin', 'GET', `/api/v1/facilities?q=${encodeURIComponent(HOSPITAL)}`);
  ctx.hospital = f.json.items.find((x) => x.name === HOSPITAL).id;
  const o = await srv.as('admin', 'GET', `/api/v1/facilities?q=${encodeURIComponent(OTHER_HOSPITAL)}`);
  ctx.other = o.json.items.find((x) => x.name === OTHER_HOSPITAL).id;
  const doc = await srv.as('admin', 'GET', `/api/v1/facilities/${ctx.hospital}`);
  ctx.departments = doc.json.campuses[0].departments.map((d) => d.id);
  ctx.doctor = (await srv.as('doctor', 'GET', '/api/v1/me')).json.id;
  ctx.me = (await srv.as('resident', 'GET', '/api/v1/me')).json.grants[0].person_id;
  await srv.addUser({ username: 'appt_other_staff', role: 'facility_staff', facility: ctx.other });
  await srv.addUser({ username: 'appt_other_doctor', role: 'clinician', facility: ctx.other });
});

after(async () => {
  await srv?.stop();
});

describe('schedules and slots', () => {
  test('a doctor schedule generates its sessions; slots show the caller channel; residents see released ones', async () => {
    const r = await srv.as('hospital_admin', 'POST', '/api/v1/schedules', {
      body: {
        owner: 'doctor', department_id: ctx.departments[1], doctor_id: ctx.doctor, fee_class: 'expert',
        template: template([
          { pool: 'general', channel: 'online', places: 3 }, { pool: 'elderly', channel: 'online', places: 1 },
          { pool: 'general', channel: 'phone', places: 2 }, { pool: 'military', channel: 'onsite', places: 1 },
        ], { weekdays: ALL_WEEK }),
        release_days: 3, release_time: '08:00', valid_from: dateIn(1),
      },
    });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.location, /^\/api\/v1\/schedules\/\d+$/);
    assert.equal(r.headers.etag, '"1"');
    const s = r.json;
    assert.equal(s.owner, 'doctor');
    assert.equal(s.name, '周明');
    assert.equal(s.doctor.id, ctx.doctor);
    assert.equal(s.department.id, ctx.departments[1]);
    assert.equal(s.fee_class, 'expert');
    assert.equal(s.release_days, 3);
    assert.equal(s.release_back_hours, 24);
    assert.equal(s.generated_to, dateIn(27));
    // Staff see every session of the next week, with the channel they book through.
    const staff = await srv.as('hospital_staff', 'GET', `/api/v1/slots?doctor=${ctx.doctor}&date=${dateIn(1)}&days=7`);
    assert.equal(staff.status, 200, staff.text);
    const mine = staff.json.items.filter((x) => x.schedule_id === s.id);
    assert.equal(mine.length, 7);
    assert.equal(mine[0].date, dateIn(1));
    const first = mine[2]; // far enough from its release-back (24 hours before the start)
    assert.equal(first.channel, 'onsite');
    assert.equal(first.start, new Date(Date.parse(`${dateIn(3)}T08:00:00+08:00`)).toISOString());
    assert.equal(first.doctor.name, '周明');
    assert.equal(first.fee_class, 'expert');
    // onsite: the military bucket and the general one the release-back fills (empty so far)
    assert.deepEqual(first.pools.map((p) => [p.pool, p.capacity]), [['general', 0], ['military', 1]]);
    // A resident: online, released sessions only (released 3 days ahead at 08:00).
    const res = await srv.as('resident', 'GET', `/api/v1/slots?doctor=${ctx.doctor}&date=${dateIn(1)}&days=7`);
    assert.equal(res.status, 200, res.text);
    const seen = res.json.items.filter((x) => x.schedule_id === s.id);
    assert.ok(seen.length >= 2 && seen.length <= 3, `released: ${seen.map((x) => x.date)}`);
    for (const x of seen) assert.ok(Date.parse(x.release_at) <= Date.now());
    assert.deepEqual(seen[1].pools, [
      { pool: 'general', capacity: 3, booked: 0, available: 3 },
      { pool: 'elderly', capacity: 1, booked: 0, available: 1 },
    ]);
    const hot = await srv.as('hotline', 'GET', `/api/v1/slots?doctor=${ctx.doctor}&date=${dateIn(2)}`);
    assert.equal(hot.json.items.find((x) => x.schedule_id === s.id).channel, 'phone');
    // The session with every bucket.
    const one = await srv.as('resident', 'GET', `/api/v1/sessions/${seen[0].session_id}`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.buckets.length, 5);
    // A later, unreleased session is not the resident's to see.
    const later = await srv.as('resident', 'GET', `/api/v1/sessions/${mine[6].session_id}`);
    assertError(later, 404, 'not_found');
    ctx.expert = { id: s.id, sessions: mine };
    // PATCH with If-Match; a stale one is 412.
    const p = await srv.as('hospital_admin', 'PATCH', `/api/v1/schedules/${s.id}`, { headers: { 'If-Match': '"1"' }, body: { name: '周明 专家门诊', release_back_hours: 12 } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.version, 2);
    assert.equal(p.json.name, '周明 专家门诊');
    assertError(await srv.as('hospital_admin', 'PATCH', `/api/v1/schedules/${s.id}`, { headers: { 'If-Match': '"1"' }, body: { name: 'x' } }), 412, 'stale_version');
    assertError(await srv.as('appt_other_staff', 'PATCH', `/api/v1/schedules/${s.id}`, { headers: { 'If-Match': '"2"' }, body: { name: 'x' } }), 403, 'forbidden');
    const list = await srv.as('resident', 'GET', `/api/v1/schedules?doctor=${ctx.doctor}`);
    assert.ok(list.json.items.some((x) => x.id === s.id));
  });

  test('an MDT team: several departments and doctors; its sessions show under each department', async () => {
    const r = await srv.as('hospital_admin', 'POST', '/api/v1/schedules', {
      body: {
        owner: 'team', name: '胸痛MDT门诊', departments: [ctx.departments[2], ctx.departments[3]], doctors: [ctx.doctor],
        template: template([{ pool: 'general', channel: 'online', places: 2 }], { weekdays: [3], start: '9:00', end: '11:30:00' }),
        valid_from: dateIn(1), release_time: '7:30',
      },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.fee_class, 'mdt');
    // Times as time inputs send them are kept as HH:MM.
    assert.deepEqual([r.json.template[0].start, r.json.template[0].end, r.json.release_time], ['09:00', '11:30', '07:30']);
    assert.deepEqual(r.json.departments.map((d) => d.id), [ctx.departments[2], ctx.departments[3]]);
    assert.deepEqual(r.json.doctors.map((d) => d.id), [ctx.doctor]);
    const s = await srv.as('hospital_staff', 'GET', `/api/v1/slots?department=${ctx.departments[3]}&date=${dateIn(1)}&days=7`);
    assert.equal(s.json.items.filter((x) => x.schedule_id === r.json.id).length, 1);
    const bad = await srv.as('hospital_admin', 'POST', '/api/v1/schedules', {
      body: { owner: 'team', name: 'x', departments: [ctx.departments[2], ctx.departments[2]], template: template([{ pool: 'general', channel: 'online', places: 2 }]) },
    });
    assertError(bad, 422, 'invalid_value', 'departments[1]');
  });

  test('a facility edit keeps department ids; dropping a department that schedules use is 409', async () => {
    const p = `/api/v1/facilities/${ctx.hospital}`;
    const before = await srv.as('admin', 'GET', p);
    const campuses = before.json.campuses.map((c) => ({ name: c.name, address: c.address, departments: c.departments.map((d) => ({ name: d.name, code: d.code })) }));
    campuses[0].departments.push({ name: '预约测试科' });
    const r = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': before.headers.etag }, body: { campuses } });
    assert.equal(r.status, 200, r.text);
    const ids = r.json.campuses[0].departments.map((d) => d.id);
    assert.deepEqual(ids.slice(0, -1), ctx.departments, 'the kept departments keep their ids');
    // Dropping the new (unused) department is fine; dropping a used one is refused.
    const unused = { campuses: campuses.map((c, i) => (i ? c : { ...c, departments: c.departments.slice(0, -1) })) };
    const r2 = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': r.headers.etag }, body: unused });
    assert.equal(r2.status, 200, r2.text);
    const used = { campuses: campuses.map((c, i) => (i ? c : { ...c, departments: c.departments.slice(1, -1) })) };
    const r3 = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': r2.headers.etag }, body: used });
    assertError(r3, 409, 'conflict', 'campuses');
    assert.equal(r3.json.error.details.rule, 'in_use');
    const after = await srv.as('admin', 'GET', p);
    assert.equal(after.headers.etag, r2.headers.etag, 'the refused edit changed nothing');
    assert.deepEqual(after.json.campuses[0].departments.map((d) => d.id), ctx.departments);
  });
});

describe('booking', () => {
  test('the channel comes from the caller; the reply, the scope and the audit', async () => {
    const { sessions } = await schedule({
      d: 4,
      buckets: [
        { pool: 'general', channel: 'online', places: 2 }, { pool: 'general', channel: 'phone', places: 2 },
        { pool: 'general', channel: 'onsite', places: 2 }, { pool: 'general', channel: 'referral', places: 2 },
      ],
    });
    const s = sessions[2];
    const a = await book('resident', s.session_id, ctx.me);
    assert.equal(a.status, 201, a.text);
    assert.match(a.headers.location, /^\/api\/v1\/appointments\/\d+$/);
    const x = a.json;
    assert.equal(x.status, 'booked');
    assert.equal(x.channel, 'online');
    assert.equal(x.booked_as, 'self');
    assert.equal(x.pool, 'general');
    assert.equal(x.session_id, s.session_id);
    assert.equal(x.person_id, ctx.me);
    assert.equal(x.slot, 0);
    assert.equal(x.slot_start, s.start);
    const kid = await managed();
    const b = await book('resident', s.session_id, kid);
    assert.equal(b.status, 201, b.text);
    assert.equal(b.json.booked_as, 'family');
    assert.notEqual(b.json.slot, x.slot);
    const stranger = await person();
    assertError(await book('resident', s.session_id, stranger), 403, 'forbidden', 'person_id');
    const h = await book('hotline', s.session_id, stranger);
    assert.equal(h.status, 201, h.text);
    assert.equal(h.json.channel, 'phone');
    assert.equal(h.json.booked_as, 'operator');
    const d = await book('hospital_staff', s.session_id, await person());
    assert.equal(d.json.channel, 'onsite');
    assert.equal(d.json.booked_as, 'desk');
    // A community health centre's clinician refers: the referral channel. They follow their
    // referral but record no attendance at the hospital.
    const chc = (await srv.as('admin', 'GET', '/api/v1/facilities?type=chc&limit=1')).json.items[0];
    await srv.addUser({ username: 'appt_chc_doctor', role: 'clinician', facility: chc.id });
    const ref = await book('appt_chc_doctor', s.session_id, await person());
    assert.equal(ref.status, 201, ref.text);
    assert.equal(ref.json.channel, 'referral');
    assert.equal(ref.json.booked_as, 'referral');
    assert.equal((await srv.as('appt_chc_doctor', 'GET', `/api/v1/appointments/${ref.json.id}`)).status, 200);
    const late = shift(ref.json.slot_start, 3600e3);
    assertError(await asAt('appt_chc_doctor', late, 'POST', `/api/v1/appointments/${ref.json.id}/no-show`), 404, 'not_found');
    assert.equal((await asAt('hospital_staff', late, 'GET', `/api/v1/appointments/${ref.json.id}`)).json.status, 'booked');
    // Another hospital's desk reaches no channel of this one.
    assertError(await book('appt_other_staff', s.session_id, await person()), 403, 'forbidden');
    // Reading: the resident her own and her family's; a stranger's is 404; other facilities' staff 404.
    const mine = await srv.as('resident', 'GET', `/api/v1/appointments/${x.id}`);
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.json.person.id, ctx.me);
    assertError(await srv.as('resident', 'GET', `/api/v1/appointments/${h.json.id}`), 404, 'not_found');
    assertError(await srv.as('appt_other_staff', 'GET', `/api/v1/appointments/${x.id}`), 404, 'not_found');
    assert.equal((await srv.as('hospital_staff', 'GET', `/api/v1/appointments/${h.json.id}`)).status, 200);
    const list = await srv.as('resident', 'GET', '/api/v1/appointments');
    const ids = list.json.items.map((i) => i.id);
    assert.ok(ids.includes(x.id) && ids.includes(b.json.id) && !ids.includes(h.json.id), ids.join());
    const other = await srv.as('appt_other_staff', 'GET', `/api/v1/appointments?session=${s.session_id}`);
    assert.deepEqual(other.json.items, []);
    // Lists name the person without birth date or area: beside the masked ID number they
    // would give back the digits the mask hides.
    const desk = await srv.as('hospital_staff', 'GET', `/api/v1/appointments?session=${s.session_id}`);
    assert.equal(desk.json.items.length, 5);
    for (const i of desk.json.items) {
      assert.equal(i.person.birth_date, undefined);
      assert.equal(i.person.area_code, undefined);
      assert.equal(typeof i.person.age, 'number');
    }
    // A hotline operator lists the area's appointments of the caller on the line (person=);
    // without it, only the bookings they made.
    const op = await srv.as('hotline', 'GET', `/api/v1/appointments?session=${s.session_id}`);
    assert.deepEqual(op.json.items.map((i) => i.id), [h.json.id]);
    const caller = await srv.as('hotline', 'GET', `/api/v1/appointments?person=${ctx.me}&session=${s.session_id}`);
    assert.deepEqual(caller.json.items.map((i) => i.id), [x.id]);
    // The booking and the personal read are in the audit trail.
    // (reads are written by the audit's background writer, in batches)
    await eventually(async () => {
      const audit = await srv.as('auditor', 'GET', `/api/v1/audit?resource_type=appointment&resource_id=${x.id}`);
      return audit.json.items.some((e) => e.method === 'POST' && e.status === 201) && audit.json.items.some((e) => e.method === 'GET' && e.username === 'resident');
    }, { what: 'the booking and the read in the audit trail' });
  });

  test('after a merge of persons the earlier appointments stay the person’s: listed, readable, by the family too', async () => {
    const { sessions } = await schedule({ d: 6, buckets: [{ pool: 'general', channel: 'online', places: 3 }, { pool: 'general', channel: 'onsite', places: 2 }] });
    const s = sessions[3];
    const kid = await managed();
    const a = await book('resident', s.session_id, kid);
    assert.equal(a.status, 201, a.text);
    const keep = await person();
    const m = await srv.as('admin', 'POST', '/api/v1/mpi/merge', { body: { keep, merge: kid, reason: '同一人重复建档' } });
    assert.equal(m.status, 200, m.text);
    const got = await srv.as('resident', 'GET', `/api/v1/appointments/${a.json.id}`);
    assert.equal(got.status, 200, got.text);
    const list = await srv.as('resident', 'GET', `/api/v1/appointments?session=${s.session_id}`);
    assert.deepEqual(list.json.items.map((i) => i.id), [a.json.id]);
    const byPerson = await srv.as('hospital_staff', 'GET', `/api/v1/appointments?person=${keep}`);
    assert.deepEqual(byPerson.json.items.map((i) => i.id), [a.json.id]);
    // The rules count what was booked under the merged record: no second place in the session.
    const again = await book('resident', s.session_id, keep);
    assertError(again, 409, 'conflict', 'person_id');
    assert.equal(again.json.error.details.rule, 'one_per_session');
    assert.equal(again.json.error.details.appointment_id, a.json.id);
    // A parent whose own record was merged still manages the child the old record named.
    const mum = await person();
    const child = await person();
    const fam = await srv.as('admin', 'POST', `/api/v1/persons/${mum}/family`, { body: { person_id: child, relation: 'child', manages: true } });
    assert.equal(fam.status, 201, fam.text);
    const mumNow = await person();
    assert.equal((await srv.as('admin', 'POST', '/api/v1/mpi/merge', { body: { keep: mumNow, merge: mum, reason: '同一人重复建档' } })).status, 200);
    await srv.addUser({ username: 'appt_merged_mum', role: 'resident', person: mumNow });
    const forChild = await book('hospital_staff', sessions[4].session_id, child); // not her booking: seen as family
    assert.equal(forChild.status, 201, forChild.text);
    const hers = await srv.as('appt_merged_mum', 'GET', `/api/v1/appointments?session=${sessions[4].session_id}`);
    assert.deepEqual(hers.json.items.map((i) => i.id), [forChild.json.id]);
  });

  test('the rules: full, one per session, per day and department, per day, release, past — each refusal changes nothing', async () => {
    const cap = [{ pool: 'general', channel: 'phone', places: 1 }, { pool: 'general', channel: 'onsite', places: 5 }];
    const A = await schedule({ d: 5, buckets: cap });
    const s = A.sessions[3];
    const p1 = await person();
    const p2 = await person();
    assert.equal((await book('hotline', s.session_id, p1)).status, 201);
    let st = await sessionState(s.session_id);
    const full = await book('hotline', s.session_id, p2);
    assertError(full, 409, 'conflict', 'pool');
    assert.equal(full.json.error.details.rule, 'full');
    assert.deepEqual(full.json.error.details.available, { general: 0 });
    assert.deepEqual(await sessionState(s.session_id), st);
    const twice = await book('hospital_staff', s.session_id, p1);
    assertError(twice, 409, 'conflict', 'person_id');
    assert.equal(twice.json.error.details.rule, 'one_per_session');
    // The same department the same day, through another schedule.
    const B = await schedule({ d: 5, buckets: cap });
    const same = B.sessions.find((x) => x.date === s.date);
    st = await sessionState(same.session_id);
    const dept = await book('hospital_staff', same.session_id, p1);
    assertError(dept, 422, 'invalid_value', 'person_id');
    assert.equal(dept.json.error.details.rule, 'per_day_department');
    assert.deepEqual(await sessionState(same.session_id), st);
    // Three departments a day at most.
    for (const d of [6, 7]) {
      const o = await schedule({ d, buckets: cap });
      assert.equal((await book('hospital_staff', o.sessions.find((x) => x.date === s.date).session_id, p1)).status, 201);
    }
    const fourth = await schedule({ d: 8, buckets: cap });
    const day = await book('hospital_staff', fourth.sessions.find((x) => x.date === s.date).session_id, p1);
    assertError(day, 422, 'invalid_value', 'person_id');
    assert.equal(day.json.error.details.rule, 'per_day');
    // Not released yet (release 3 days ahead): the schedule of the first test.
    const late = ctx.expert.sessions[6];
    const nr = await book('hotline', late.session_id, p2);
    assertError(nr, 422, 'invalid_value', 'session_id');
    assert.equal(nr.json.error.details.rule, 'not_released');
    assert.equal(nr.json.error.details.release_at, late.release_at);
    // Begun: the clock at the session's start.
    const past = await asAt('hotline', shift(s.start, 60e3), 'POST', '/api/v1/appointments', { body: { session_id: s.session_id, person_id: p2 } });
    assertError(past, 422, 'invalid_value', 'session_id');
    assert.equal(past.json.error.details.rule, 'session_past');
  });

  test('priority pools: the elderly by age on the session day, the military by a verified attribute valid that day', async () => {
    const { sessions } = await schedule({
      d: 9,
      buckets: [
        { pool: 'general', channel: 'onsite', places: 5 }, { pool: 'elderly', channel: 'onsite', places: 2 },
        { pool: 'military', channel: 'onsite', places: 1 }, { pool: 'pregnant', channel: 'onsite', places: 1 },
      ],
    });
    const s = sessions[4];
    const y = Number(s.date.slice(0, 4));
    const sixty = await person({ birth: `${y - 60}${s.date.slice(4)}` }); // 60 that very day
    const almost = await person({ birth: shift(`${y - 60}${s.date.slice(4)}T00:00:00Z`, DAY).slice(0, 10) });
    const st = await sessionState(s.session_id);
    const no = await book('hospital_staff', s.session_id, almost, 'elderly');
    assertError(no, 422, 'invalid_value', 'pool');
    assert.equal(no.json.error.details.rule, 'pool_eligibility');
    // Which pools a person is eligible for would tell the desk whether they are military,
    // disabled or pregnant: only the person (or their family, online) is told.
    assert.equal(no.json.error.details.eligible, undefined);
    assert.deepEqual(await sessionState(s.session_id), st);
    const mine = await book('resident', s.session_id, await managed(), 'elderly');
    assertError(mine, 422, 'invalid_value', 'pool');
    assert.deepEqual(mine.json.error.details.eligible, ['general']);
    assert.equal((await book('hospital_staff', s.session_id, sixty, 'elderly')).json.pool, 'elderly');
    const soldier = await person({ sex: 'male' });
    const attr = await srv.as('admin', 'POST', `/api/v1/persons/${soldier}/attributes`, {
      body: { type: 'military', evidence_type: 'soldier_card', evidence_number: `SB${seq}`, valid_from: '2020-01-01', valid_to: shift(`${s.date}T00:00:00Z`, -DAY).slice(0, 10) },
    });
    assert.equal(attr.status, 201, attr.text);
    assertError(await book('hospital_staff', s.session_id, soldier, 'military'), 422, 'invalid_value', 'pool');
    const attr2 = await srv.as('admin', 'POST', `/api/v1/persons/${soldier}/attributes`, {
      body: { type: 'military', evidence_type: 'veteran_card', valid_from: s.date },
    });
    assert.equal(attr2.status, 201, attr2.text);
    const ok = await book('hospital_staff', s.session_id, soldier, 'military');
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.json.pool, 'military');
    // A revoked attribute no longer counts.
    const mum = await person();
    const preg = await srv.as('admin', 'POST', `/api/v1/persons/${mum}/attributes`, { body: { type: 'pregnant', evidence_type: 'maternal_handbook', valid_from: '2026-01-01' } });
    assert.equal(preg.status, 201, preg.text);
    assert.equal((await srv.as('admin', 'DELETE', `/api/v1/persons/${mum}/attributes/${preg.json.id}`)).status, 204);
    assertError(await book('hospital_staff', s.session_id, mum, 'pregnant'), 422, 'invalid_value', 'pool');
  });

  test('Idempotency-Key: a retried booking replays, a reused key with another body is 422, a concurrent double submission books once', async () => {
    const { sessions } = await schedule({ d: 10, buckets: [{ pool: 'general', channel: 'phone', places: 10 }] });
    const s = sessions[1];
    const p = await person();
    const key = { 'Idempotency-Key': `appt-${seq}` };
    const a = await book('hotline', s.session_id, p, undefined, { headers: key });
    assert.equal(a.status, 201, a.text);
    const b = await book('hotline', s.session_id, p, undefined, { headers: key });
    assert.equal(b.status, 201, b.text);
    assert.equal(b.headers['idempotent-replayed'], 'true');
    assert.equal(b.json.id, a.json.id);
    assertError(await book('hotline', s.session_id, await person(), undefined, { headers: key }), 422, 'idempotency_key_reused', 'Idempotency-Key');
    const q = await person();
    const key2 = { 'Idempotency-Key': `appt-double-${seq}` };
    const both = await Promise.all([1, 2, 3].map(() => book('hotline', s.session_id, q, undefined, { headers: key2 })));
    assert.deepEqual(both.map((x) => x.status), [201, 201, 201], both.map((x) => x.text).join('\n'));
    assert.equal(new Set(both.map((x) => x.json.id)).size, 1);
    const list = await srv.as('hotline', 'GET', `/api/v1/appointments?session=${s.session_id}&status=booked`);
    assert.equal(list.json.items.length, 2);
  });
});

describe('time: release-back, cancellation, no-shows', () => {
  test('at the release-back time unused reserved and remote places move to general on site', async () => {
    const { sessions } = await schedule({
      d: 11,
      buckets: [
        { pool: 'general', channel: 'online', places: 2 }, { pool: 'elderly', channel: 'online', places: 1 },
        { pool: 'general', channel: 'phone', places: 1 }, { pool: 'general', channel: 'onsite', places: 1 },
        { pool: 'military', channel: 'onsite', places: 1 },
      ],
    });
    const s = sessions[2];
    const kid = await managed();
    assert.equal((await book('resident', s.session_id, kid)).status, 201);
    const back = shift(s.start, -24 * 3600e3);
    assert.equal(s.release_back_at, back);
    const before = await asAt('hospital_staff', shift(back, -60e3), 'GET', `/api/v1/sessions/${s.session_id}`);
    const cap = (j, pool, channel) => j.buckets.find((b) => b.pool === pool && b.channel === channel);
    assert.equal(cap(before.json, 'general', 'onsite').capacity, 1);
    const t = shift(back, 60e3);
    const afterBack = await asAt('hospital_staff', t, 'GET', `/api/v1/sessions/${s.session_id}`);
    // 1 unused online general, 1 elderly, 1 phone, 1 military move to general on site: 1 + 4.
    assert.deepEqual(cap(afterBack.json, 'general', 'onsite'), { pool: 'general', channel: 'onsite', capacity: 5, booked: 0, available: 5 });
    assert.deepEqual(cap(afterBack.json, 'general', 'online'), { pool: 'general', channel: 'online', capacity: 1, booked: 1, available: 0 });
    assert.equal(cap(afterBack.json, 'elderly', 'online').capacity, 0);
    const online = await asAt('resident', t, 'POST', '/api/v1/appointments', { body: { session_id: s.session_id, person_id: ctx.me } });
    assertError(online, 409, 'conflict', 'pool');
    assert.deepEqual(online.json.error.details.available, { elderly: 0, general: 0 });
    const booked = [];
    for (let i = 0; i < 6; i++) booked.push(await asAt('hospital_staff', t, 'POST', '/api/v1/appointments', { body: { session_id: s.session_id, person_id: await person() } }));
    assert.deepEqual(booked.map((r) => r.status), [201, 201, 201, 201, 201, 409]);
    const end = await asAt('hospital_staff', t, 'GET', `/api/v1/sessions/${s.session_id}`);
    assert.equal(end.json.buckets.reduce((n, b) => n + b.capacity, 0), 6, 'places are moved, never made');
  });

  test('cancel before the cutoff; the freed place is offered to the waiting list in order; offers expire', async () => {
    const { sessions } = await schedule({ d: 12, buckets: [{ pool: 'general', channel: 'onsite', places: 1 }, { pool: 'general', channel: 'online', places: 1 }] });
    const s = sessions[3];
    const a = await book('hospital_staff', s.session_id, await person());
    const o = await book('resident', s.session_id, await managed());
    assert.equal(a.status, 201);
    assert.equal(o.status, 201);
    const me = await managed();
    const w1 = await srv.as('resident', 'POST', '/api/v1/waitlist', { body: { session_id: s.session_id, person_id: me } });
    assert.equal(w1.status, 201, w1.text);
    assert.equal(w1.json.status, 'waiting');
    assert.equal(w1.json.position, 1);
    const third = await person();
    const w2 = await srv.as('hospital_staff', 'POST', '/api/v1/waitlist', { body: { session_id: s.session_id, person_id: third } });
    assert.equal(w2.json.position, 2);
    assertError(await srv.as('resident', 'POST', '/api/v1/waitlist', { body: { session_id: s.session_id, person_id: me } }), 409, 'conflict', 'person_id');
    // After the cutoff (2 hours before) cancelling is refused.
    const cutoff = await asAt('hospital_staff', shift(a.json.slot_start, -3600e3), 'POST', `/api/v1/appointments/${a.json.id}/cancel`, { body: { reason: '晚了' } });
    assertError(cutoff, 409, 'conflict');
    assert.equal(cutoff.json.error.details.rule, 'cancel_cutoff');
    const c = await srv.as('hospital_staff', 'POST', `/api/v1/appointments/${a.json.id}/cancel`, { body: { reason: '改期' } });
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.status, 'cancelled');
    assert.equal(c.json.cancel_reason, '改期');
    assertError(await srv.as('hospital_staff', 'POST', `/api/v1/appointments/${a.json.id}/cancel`, { body: { reason: '再取消' } }), 409, 'conflict');
    // The first in line holds an offer of that very place, and is told.
    const w = await srv.as('resident', 'GET', `/api/v1/waitlist?person=${me}`);
    const entry = w.json.items.find((x) => x.id === w1.json.id);
    assert.equal(entry.status, 'offered');
    const offer = await srv.as('resident', 'GET', `/api/v1/appointments/${entry.appointment_id}`);
    assert.equal(offer.json.status, 'offered');
    assert.equal(offer.json.slot, a.json.slot);
    assert.ok(offer.json.offer_expires_at);
    const notes = await srv.as('resident', 'GET', '/api/v1/notifications?unread=true');
    const note = notes.json.items.find((n) => n.kind === 'waitlist_offer' && n.ref_id === entry.appointment_id);
    assert.ok(note, notes.text);
    const read = await srv.as('resident', 'POST', `/api/v1/notifications/${note.id}/read`);
    assert.equal(read.status, 200, read.text);
    // The session stays full while the offer holds the place.
    assertError(await book('hospital_staff', s.session_id, await person()), 409, 'conflict');
    // The offer expires (30 minutes): the next in line gets the place and can take it.
    const later = shift(offer.json.offer_expires_at, 60e3);
    // A read at that time shows what the clock made of it: expired, and offered to the next.
    const seen = await asAt('hospital_staff', later, 'GET', `/api/v1/waitlist?session=${s.session_id}`);
    assert.deepEqual(seen.json.items.map((x) => [x.id, x.status]).sort(), [[w1.json.id, 'expired'], [w2.json.id, 'offered']].sort());
    const acc2 = await asAt('hospital_staff', later, 'POST', `/api/v1/waitlist/${w2.json.id}/accept`);
    assert.equal(acc2.status, 200, acc2.text);
    assert.equal(acc2.json.status, 'booked');
    assert.equal(acc2.json.person_id, third);
    const gone = await asAt('resident', later, 'POST', `/api/v1/waitlist/${w1.json.id}/accept`);
    assertError(gone, 409, 'conflict');
    const expired = await asAt('resident', later, 'GET', `/api/v1/notifications`);
    assert.ok(expired.json.items.some((n) => n.kind === 'offer_expired' && n.person_id === me), expired.text);
  });

  test('the sweep passes an expired offer to the next in line with nobody looking (weijian sweep, as the server every 30 s)', async () => {
    const { sessions } = await schedule({ d: 7, buckets: [{ pool: 'general', channel: 'onsite', places: 1 }] });
    const s = sessions[3];
    const a = await book('hospital_staff', s.session_id, await person());
    assert.equal(a.status, 201, a.text);
    const first = await person();
    const second = await person();
    const w1 = await srv.as('hospital_staff', 'POST', '/api/v1/waitlist', { body: { session_id: s.session_id, person_id: first } });
    const w2 = await srv.as('hospital_staff', 'POST', '/api/v1/waitlist', { body: { session_id: s.session_id, person_id: second } });
    assert.equal(w2.status, 201, w2.text);
    assert.equal((await srv.as('hospital_staff', 'POST', `/api/v1/appointments/${a.json.id}/cancel`, { body: { reason: '改期' } })).status, 200);
    const offered = (await srv.as('hospital_staff', 'GET', `/api/v1/waitlist?session=${s.session_id}`)).json.items;
    const offer = offered.find((x) => x.id === w1.json.id);
    assert.equal(offer.status, 'offered');
    const expires = (await srv.as('hospital_staff', 'GET', `/api/v1/appointments/${offer.appointment_id}`)).json.offer_expires_at;
    // Before the offer's time nothing is due; after it, one session is settled — once.
    const early = await cliOk(['sweep', '--db', srv.url], { env: { WEIJIAN_TEST_NOW: shift(expires, -60e3) } });
    assert.match(early.stdout, /^sweep: 0 settled$/m);
    const due = await cliOk(['sweep', '--db', srv.url], { env: { WEIJIAN_TEST_NOW: shift(expires, 60e3) } });
    assert.match(due.stdout, /^sweep: [1-9]\d* settled$/m);
    // Read now (before the offer's time by the real clock): the sweep's doing, not a read's.
    const after = (await srv.as('hospital_staff', 'GET', `/api/v1/waitlist?session=${s.session_id}`)).json.items;
    assert.deepEqual(after.map((x) => [x.id, x.status]).sort(), [[w1.json.id, 'expired'], [w2.json.id, 'offered']].sort());
    const again = await cliOk(['sweep', '--db', srv.url], { env: { WEIJIAN_TEST_NOW: shift(expires, 120e3) } });
    assert.match(again.stdout, /^sweep: 0 settled$/m);
    // A malformed period is refused before the server starts.
    const bad = await cli(['serve', '--db', srv.url, '--listen', '127.0.0.1:0'], { env: { WEIJIAN_SWEEP_SECONDS: '0' } });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /WEIJIAN_SWEEP_SECONDS/);
  });

  test('three no-shows in 90 days restrict online booking; the phone still books', async () => {
    const { sessions } = await schedule({ d: 13, buckets: [{ pool: 'general', channel: 'onsite', places: 3 }, { pool: 'general', channel: 'online', places: 3 }, { pool: 'general', channel: 'phone', places: 3 }] });
    const kid = await managed();
    for (const s of sessions.slice(1, 4)) {
      const a = await book('hospital_staff', s.session_id, kid);
      assert.equal(a.status, 201, a.text);
      const early = await srv.as('hospital_staff', 'POST', `/api/v1/appointments/${a.json.id}/no-show`);
      assertError(early, 409, 'conflict');
      const ns = await asAt('hospital_staff', shift(a.json.slot_start, 3600e3), 'POST', `/api/v1/appointments/${a.json.id}/no-show`);
      assert.equal(ns.status, 200, ns.text);
      assert.equal(ns.json.status, 'no_show');
    }
    const t = shift(sessions[3].start, 4 * 3600e3);
    const next = sessions[6];
    const online = await asAt('resident', t, 'POST', '/api/v1/appointments', { body: { session_id: next.session_id, person_id: kid } });
    assertError(online, 422, 'invalid_value', 'person_id');
    assert.equal(online.json.error.details.rule, 'no_show_restriction');
    assert.equal(online.json.error.details.no_shows, 3);
    // Nor through the waiting list.
    const wait = await asAt('resident', t, 'POST', '/api/v1/waitlist', { body: { session_id: next.session_id, person_id: kid } });
    assertError(wait, 422, 'invalid_value', 'person_id');
    assert.equal(wait.json.error.details.rule, 'no_show_restriction');
    const phone = await asAt('hotline', t, 'POST', '/api/v1/appointments', { body: { session_id: next.session_id, person_id: kid } });
    assert.equal(phone.status, 201, phone.text);
    const att = await asAt('doctor', shift(phone.json.slot_start, 60e3), 'POST', `/api/v1/appointments/${phone.json.id}/attended`);
    assert.equal(att.status, 200, att.text);
    assert.equal(att.json.status, 'attended');
  });

  test('leave cancels the sessions of those days, cancels their bookings, lists them and notifies each person', async () => {
    const r = await srv.as('hospital_admin', 'POST', '/api/v1/schedules', {
      body: { owner: 'doctor', department_id: ctx.departments[0], doctor_id: ctx.doctor, template: template([{ pool: 'general', channel: 'online', places: 4 }, { pool: 'general', channel: 'onsite', places: 4 }]), valid_from: dateIn(1), release_days: 30 },
    });
    assert.equal(r.status, 201, r.text);
    const sl = await srv.as('hospital_staff', 'GET', `/api/v1/slots?doctor=${ctx.doctor}&date=${dateIn(5)}&channel=onsite`);
    const s = sl.json.items.find((x) => x.schedule_id === r.json.id);
    const kid = await managed();
    const a = await book('resident', s.session_id, kid);
    const b = await book('hospital_staff', s.session_id, await person());
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assertError(await srv.as('appt_other_doctor', 'POST', `/api/v1/schedules/${r.json.id}/leave`, { body: { dates: [s.date], reason: '进修' } }), 403, 'forbidden');
    // The longest reason (200 characters, 3 bytes each) is told whole.
    const reason = '外出会诊'.repeat(50);
    const leave = await srv.as('doctor', 'POST', `/api/v1/schedules/${r.json.id}/leave`, { body: { dates: [s.date], reason } });
    assert.equal(leave.status, 200, leave.text);
    assert.deepEqual(leave.json.sessions.map((x) => x.id), [s.session_id]);
    assert.deepEqual(leave.json.appointments.map((x) => x.id).sort(), [a.json.id, b.json.id].sort());
    for (const x of leave.json.appointments) assert.equal(x.status, 'cancelled');
    const got = await srv.as('resident', 'GET', `/api/v1/appointments/${a.json.id}`);
    assert.equal(got.json.status, 'cancelled');
    assert.equal(got.json.cancel_reason, 'leave');
    const notes = await srv.as('resident', 'GET', '/api/v1/notifications');
    const n = notes.json.items.find((x) => x.kind === 'session_cancelled' && x.ref_id === a.json.id);
    assert.ok(n && n.text.includes(reason) && n.text.endsWith('挂号费将原路退还。'), notes.text);
    const again = await book('hospital_staff', s.session_id, await person());
    assertError(again, 422, 'invalid_value', 'session_id');
    assert.equal(again.json.error.details.rule, 'session_cancelled');
    const one = await srv.as('hospital_staff', 'GET', `/api/v1/sessions/${s.session_id}`);
    assert.equal(one.json.status, 'cancelled');
    assert.ok(one.json.buckets.every((x) => x.booked === 0));
  });
});

describe('no oversell', () => {
  test('many parallel bookings for few places: exactly the places are confirmed, no slot or person twice', async () => {
    const { sessions } = await schedule({ d: 1, buckets: [{ pool: 'general', channel: 'onsite', places: 7 }, { pool: 'general', channel: 'phone', places: 5 }] });
    const s = sessions[2];
    const persons = [];
    for (let i = 0; i < 80; i++) persons.push(await person());
    const rs = await Promise.all(persons.map((p, i) => book(i % 2 ? 'hotline' : 'hospital_staff', s.session_id, p)));
    const ok = rs.filter((r) => r.status === 201);
    const refused = rs.filter((r) => r.status !== 201);
    assert.equal(ok.length, 12, rs.map((r) => r.status).join());
    for (const r of refused) assertError(r, 409, 'conflict', 'pool');
    // Every confirmation is in the database; no slot and no person twice.
    const list = await srv.as('hospital_staff', 'GET', `/api/v1/appointments?session=${s.session_id}&limit=500`);
    const live = list.json.items.filter((x) => x.status === 'booked');
    assert.deepEqual(live.map((x) => x.id).sort(), ok.map((r) => r.json.id).sort());
    assert.equal(new Set(live.map((x) => x.slot)).size, 12);
    assert.equal(new Set(live.map((x) => x.person_id)).size, 12);
    const st = await srv.as('hospital_staff', 'GET', `/api/v1/sessions/${s.session_id}`);
    for (const b of st.json.buckets) assert.ok(b.booked <= b.capacity, JSON.stringify(b));
    // One person, many tries at once: one place.
    const one = await person();
    const s2 = sessions[3];
    const tries = await Promise.all(Array.from({ length: 20 }, () => book('hospital_staff', s2.session_id, one)));
    assert.equal(tries.filter((r) => r.status === 201).length, 1, tries.map((r) => r.status).join());
    // The bookings shared commits.
    const m = await srv.req('GET', '/metrics');
    const num = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(m.text)[1]);
    assert.ok(num('weijian_group_commit_jobs_total') > num('weijian_group_commits_total'), m.text.slice(-400));
  });

  test('kill -9 in the middle of a rush: every confirmation received is in the database', async () => {
    const own = await startServer();
    try {
      const f = await own.as('admin', 'GET', `/api/v1/facilities/${(await own.as('admin', 'GET', `/api/v1/facilities?q=${encodeURIComponent(HOSPITAL)}`)).json.items[0].id}`);
      const dept = f.json.campuses[0].departments[0].id;
      const r = await own.as('hospital_admin', 'POST', '/api/v1/schedules', {
        body: { owner: 'department', department_id: dept, template: template([{ pool: 'general', channel: 'onsite', places: 150 }], { slot: 5 }), valid_from: dateIn(1), release_days: 30 },
      });
      assert.equal(r.status, 201, r.text);
      const sl = await own.as('hospital_staff', 'GET', `/api/v1/slots?department=${dept}&date=${dateIn(2)}&channel=onsite`);
      const session = sl.json.items.find((x) => x.schedule_id === r.json.id).session_id;
      const persons = [];
      for (let i = 0; i < 200; i++) {
        const p = await own.as('doctor', 'POST', '/api/v1/persons', {
          body: { name: `急${GIVEN[i % 20]}${GIVEN[Math.floor(i / 20) % 20]}`, sex: 'male', birth_date: new Date(Date.UTC(1960, 0, 1) + i * 41 * DAY).toISOString().slice(0, 10), phone: `1386${String(i).padStart(7, '0')}`, area_code: AREA },
        });
        assert.ok([200, 201].includes(p.status), p.text);
        persons.push(p.json.person.id);
      }
      const token = await own.login('hospital_staff');
      const confirmed = [];
      let answered = 0;
      const all = Promise.all(
        persons.map((p) =>
          own.req('POST', '/api/v1/appointments', { token, body: { session_id: session, person_id: p } }).then(
            (x) => {
              answered++;
              if (x.status === 201) confirmed.push(x.json.id);
            },
            () => {},
          ),
        ),
      );
      while (answered < 60) await new Promise((res) => setTimeout(res, 2));
      await own.kill9();
      await all;
      assert.ok(confirmed.length > 0);
      await own.restart();
      const list = await own.req('GET', `/api/v1/appointments?session=${session}&limit=500`, { token });
      assert.equal(list.status, 200, list.text);
      const there = new Set(list.json.items.filter((x) => x.status === 'booked').map((x) => x.id));
      for (const id of confirmed) assert.ok(there.has(id), `confirmed ${id} lost (${confirmed.length} confirmed, ${there.size} in the database)`);
      assert.ok(there.size <= 150);
      assert.equal(new Set(list.json.items.map((x) => x.slot)).size, there.size);
      const st = await own.req('GET', `/api/v1/sessions/${session}`, { token });
      assert.equal(st.json.buckets.find((b) => b.channel === 'onsite' && b.pool === 'general').booked, there.size, 'the bucket counts what is there');
    } finally {
      await own.stop();
    }
  });
});

test('figures for the commission: fill rate, no-shows, shares per channel and pool, scoped', async () => {
  const from = dateIn(-1);
  const to = dateIn(20);
  const r = await srv.as('staff', 'GET', `/api/v1/appointments/stats?from=${from}&to=${to}`);
  assert.equal(r.status, 200, r.text);
  const h = r.json.facilities.find((f) => f.facility_id === ctx.hospital);
  assert.equal(h.name, HOSPITAL);
  assert.ok(h.places > 0 && h.taken > 0, JSON.stringify(h));
  assert.equal(h.taken, h.booked + h.attended + h.no_show);
  assert.ok(h.no_show >= 3 && h.attended >= 1, JSON.stringify(h));
  assert.ok(Math.abs(h.fill_rate - h.taken / h.places) <= 5e-5, `fill rate ${h.fill_rate}`); // 4 decimals
  assert.ok(Math.abs(h.no_show_rate - h.no_show / (h.attended + h.no_show)) <= 5e-5);
  assert.equal(Object.values(h.channels).reduce((a, b) => a + b, 0), h.taken);
  assert.equal(Object.values(h.pools).reduce((a, b) => a + b, 0), h.taken);
  assert.ok(h.pools.elderly >= 1 && h.pools.military >= 1 && h.channels.referral >= 0);
  assert.equal(r.json.total.places, r.json.facilities.reduce((a, f) => a + f.places, 0));
  // A facility administrator sees their own facility only; another's nothing of this one.
  const own = await srv.as('hospital_admin', 'GET', `/api/v1/appointments/stats?from=${from}&to=${to}`);
  assert.deepEqual(own.json.facilities.map((f) => f.facility_id), [ctx.hospital]);
  await srv.addUser({ username: 'appt_other_admin2', role: 'facility_admin', facility: ctx.other });
  const other = await srv.as('appt_other_admin2', 'GET', `/api/v1/appointments/stats?facility=${ctx.hospital}`);
  assert.equal(other.status, 200, other.text);
  assert.deepEqual(other.json.facilities, []);
  assertError(await srv.as('resident', 'GET', '/api/v1/appointments/stats'), 403, 'forbidden');
  assertError(await srv.as('staff', 'GET', `/api/v1/appointments/stats?from=${to}&to=${from}`), 400, 'invalid_parameter', 'to');
});

test(`backend ${BACKEND}: the demo city has schedules, two weeks of sessions and bookings`, async () => {
  const s = await srv.as('resident', 'GET', `/api/v1/schedules?facility=${ctx.hospital}`);
  assert.ok(s.json.items.some((x) => x.owner === 'team'), 'an MDT clinic');
  assert.ok(s.json.items.filter((x) => x.owner === 'doctor').length >= 3);
  const mine = await srv.as('resident', 'GET', '/api/v1/appointments');
  assert.ok(mine.json.items.some((x) => x.pool === 'elderly'), 'the demo resident\'s mother holds an elderly place');
  const sl = await srv.as('hospital_staff', 'GET', `/api/v1/slots?facility=${ctx.hospital}&date=${dateIn(12)}&days=2`);
  assert.ok(sl.json.items.length > 0, 'sessions two weeks ahead');
});
