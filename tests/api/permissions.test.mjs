// permissions.test.mjs — the permission matrix (tests/api/permission-matrix.json) against
// real calls. First the matrix must list exactly the routes of GET /api/v1/openapi.json;
// then every route is called by every role in scope (the demo account) and out of scope (an
// account of the same role granted elsewhere), and anonymously, with a valid request from
// the route's fixture below, so that only authorisation can make it fail.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_USERS, PASSWORD, ROLES, startServer, test } from './harness.mjs';

const matrixPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'permission-matrix.json');
const matrix = JSON.parse(fs.readFileSync(matrixPath, 'utf8')).routes;

const TARGET_AREA = '370102001001'; // 青年东路社区, inside every area grant of the demo accounts
const TARGET_PARENT = '370102001000'; // 解放路街道: the grid worker's street
const TARGET_FACILITY = '济南市第一人民医院'; // in 370102001001; the demo facility accounts' facility
const OTHER_AREA = '370115000000'; // 济阳区
const OTHER_FACILITY = '济阳区人民医院';
const TARGET_PASSPORT = 'EP7700001'; // the MPI target person's (see before())

let srv;
const ids = {};
const outsiders = {}; // role → username of the out-of-scope account
let n = 0;

before(async () => {
  // Appointment fixtures book the same few persons many times a day: the per-day rules
  // (tested in appointments.test.mjs) are lifted here.
  srv = await startServer({ env: { WEIJIAN_APPT_PER_DAY_DEPARTMENT: '20', WEIJIAN_APPT_PER_DAY: '50' } });
  for (let cursor = null, first = true; first || cursor; first = false) {
    const r = await srv.as('admin', 'GET', `/api/v1/facilities?limit=500&active=all${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    for (const f of r.json.items) ids[f.name] = f.id;
    cursor = r.json.next_cursor;
  }
  assert.ok(ids[TARGET_FACILITY] && ids[OTHER_FACILITY], 'demo facilities missing');
  // The outside resident is someone else: a person of their own, unrelated to the target.
  const outsider = await srv.as('admin', 'POST', '/api/v1/persons', { body: freshPerson() });
  assert.equal(outsider.status, 201, outsider.text);
  for (const role of ROLES) {
    const username = `out_${role}`;
    const scope =
      role === 'resident'
        ? { person: outsider.json.person.id }
        : ['clinician', 'facility_staff', 'facility_admin'].includes(role)
          ? { facility: ids[OTHER_FACILITY] }
          : { area: OTHER_AREA };
    await srv.addUser({ username, role, ...scope });
    outsiders[role] = username;
  }
  // The MPI target person: registered at the target facility in the target area, and
  // managed by the demo resident's person (so the resident may read it; residents write nothing).
  const t = await srv.as('doctor', 'POST', '/api/v1/persons', {
    body: { ...freshPerson(), identifiers: [{ type: 'passport', value: TARGET_PASSPORT }] },
  });
  assert.equal(t.status, 201, t.text);
  ids.person = t.json.person.id;
  const me = await srv.as('resident', 'GET', '/api/v1/me');
  const own = me.json.grants[0].person_id;
  const link = await srv.as('admin', 'POST', `/api/v1/persons/${own}/family`, {
    body: { person_id: ids.person, relation: 'child', manages: true },
  });
  assert.equal(link.status, 201, link.text);
});

after(async () => {
  await srv?.stop();
});

async function etag(p) {
  const r = await srv.as('admin', 'GET', p);
  assert.equal(r.status, 200, `GET ${p}: ${r.text}`);
  return r.headers.etag;
}

/* A registration that matches no one else: a name, birth date and phone of its own. */
const GIVEN = ['璟', '琮', '瑾', '珩', '玥', '琬', '琰', '瑜', '璇', '璞', '瑶', '珂', '翊', '骁', '烨', '晗', '钊', '锴', '霖', '濠'];
let personSeq = 0;
function freshPerson() {
  const k = ++personSeq;
  return {
    name: `权限${GIVEN[k % 20]}${GIVEN[Math.floor(k / 20) % 20]}`,
    sex: k % 2 ? 'male' : 'female',
    birth_date: new Date(Date.UTC(1945, 0, 1) + k * 89 * 86400e3).toISOString().slice(0, 10),
    phone: `1396${String(k).padStart(7, '0')}`,
    address: `历下区青年东路权限测试${k}号`,
    area_code: TARGET_AREA,
  };
}

/* A fresh woman in the target area, registered by the commission admin or (who =
 * 'doctor') at the target facility; returns its id. */
async function newPerson(who = 'admin') {
  const r = await srv.as(who, 'POST', '/api/v1/persons', { body: { ...freshPerson(), sex: 'female' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.match.status, 'new', r.text);
  return r.json.person.id;
}

/* A fresh open review in the target area: a registration that is neither linked to a
 * person nor told apart from it (the same name, sex and birth date; another phone and
 * address). Returns the review id. */
async function newReview() {
  const p = freshPerson();
  const a = await srv.as('admin', 'POST', '/api/v1/persons', { body: p });
  assert.equal(a.status, 201, a.text);
  const k = ++personSeq;
  const b = await srv.as('admin', 'POST', '/api/v1/persons', {
    body: { ...p, phone: `1376${String(k).padStart(7, '0')}`, address: `天桥区北园大街权限测试${k}号` },
  });
  assert.equal(b.status, 201, b.text);
  assert.equal(b.json.match.status, 'review', `the near match opens a review: ${b.text}`);
  return b.json.match.review_id;
}

/* One valid request per route. `who` is the username making the call (null: anonymous).
 * Returns {path, body?, headers?, token?}; a token overrides the cached one. */
const fixtures = {
  'GET /healthz': async () => ({ path: '/healthz' }),
  'GET /metrics': async () => ({ path: '/metrics' }),
  'GET /api/v1/openapi.json': async () => ({ path: '/api/v1/openapi.json' }),
  'GET /api/v1/about': async () => ({ path: '/api/v1/about' }),
  'POST /api/v1/auth/login': async (who) => ({
    path: '/api/v1/auth/login',
    body: { username: who ?? 'staff', password: PASSWORD },
  }),
  // A fresh session per call: logging out must not end the session the other tests use.
  'POST /api/v1/auth/logout': async (who) => {
    if (!who) return { path: '/api/v1/auth/logout' };
    const r = await srv.loginResponse(who);
    assert.equal(r.status, 200, r.text);
    return { path: '/api/v1/auth/logout', token: r.json.token };
  },
  'GET /api/v1/me': async () => ({ path: '/api/v1/me' }),
  'GET /api/v1/menu': async () => ({ path: '/api/v1/menu' }),
  'GET /api/v1/map/roads': async () => ({ path: '/api/v1/map/roads' }),
  'GET /api/v1/audit': async () => ({ path: '/api/v1/audit?limit=5' }),
  'GET /api/v1/areas': async () => ({ path: `/api/v1/areas?parent=${TARGET_PARENT}` }),
  'GET /api/v1/areas/{code}': async () => ({ path: `/api/v1/areas/${TARGET_AREA}` }),
  'POST /api/v1/areas': async () => {
    const k = String(900 + (++n % 100)).padStart(3, '0'); // 9xx: clear of the demo's codes
    return {
      path: '/api/v1/areas',
      body: { code: `${TARGET_PARENT.slice(0, 9)}${k}`, name: `权限测试社区${k}`, level: 'community', parent_code: TARGET_PARENT },
    };
  },
  'PATCH /api/v1/areas/{code}': async () => ({
    path: `/api/v1/areas/${TARGET_AREA}`,
    headers: { 'If-Match': await etag(`/api/v1/areas/${TARGET_AREA}`) },
    body: { name: `青年东路社区${++n}` },
  }),
  'GET /api/v1/facilities': async () => ({ path: `/api/v1/facilities?area=${TARGET_AREA}` }),
  'GET /api/v1/facilities/export': async () => ({ path: `/api/v1/facilities/export?area=${TARGET_AREA}` }),
  // With skip_bad_rows a row outside the caller's area is rejected on its own (200, nothing
  // written): the out-of-scope commission admin passes authorisation.
  'POST /api/v1/facilities/import': async () => ({
    path: '/api/v1/facilities/import?skip_bad_rows=true',
    headers: { 'Content-Type': 'text/csv' },
    raw: `name,level,type,area_code\n权限测试导入${++n},unrated,village_clinic,${TARGET_AREA}\n`,
  }),
  'GET /api/v1/facilities/{id}': async () => ({ path: `/api/v1/facilities/${ids[TARGET_FACILITY]}` }),
  'GET /api/v1/facilities/{id}/history': async () => ({ path: `/api/v1/facilities/${ids[TARGET_FACILITY]}/history` }),
  'POST /api/v1/facilities': async () => ({
    path: '/api/v1/facilities',
    body: { name: `权限测试诊所${++n}`, level: 'unrated', type: 'village_clinic', area_code: TARGET_AREA },
  }),
  'PATCH /api/v1/facilities/{id}': async () => {
    const p = `/api/v1/facilities/${ids[TARGET_FACILITY]}`;
    return { path: p, headers: { 'If-Match': await etag(p) }, body: { beds: 1600 + ++n } };
  },
  // Each call deactivates a facility of its own (made by the demo admin in the target area).
  'DELETE /api/v1/facilities/{id}': async () => {
    const r = await srv.as('admin', 'POST', '/api/v1/facilities', {
      body: { name: `待停用诊所${++n}`, level: 'unrated', type: 'village_clinic', area_code: TARGET_AREA },
    });
    assert.equal(r.status, 201, r.text);
    return { path: `/api/v1/facilities/${r.json.id}` };
  },

  /* ---- the master patient index ---- */
  'POST /api/v1/persons': async () => ({ path: '/api/v1/persons', body: freshPerson() }),
  'GET /api/v1/persons': async () => ({ path: `/api/v1/persons?phone=${(await person()).phone}` }),
  'POST /api/v1/persons/search': async () => ({ path: '/api/v1/persons/search', body: { name: (await person()).name } }),
  'POST /api/v1/persons/import': async () => {
    const p = freshPerson();
    return {
      path: '/api/v1/persons/import',
      headers: { 'Content-Type': 'text/csv' },
      raw: `name,sex,birth_date,phone,address,area_code\n${p.name},${p.sex},${p.birth_date},${p.phone},${p.address},${p.area_code}\n`,
    };
  },
  'GET /api/v1/persons/{id}': async () => ({ path: `/api/v1/persons/${ids.person}` }),
  'GET /api/v1/persons/{id}/audit': async () => ({ path: `/api/v1/persons/${ids.person}/audit` }),
  'PATCH /api/v1/persons/{id}': async () => {
    const p = `/api/v1/persons/${ids.person}`;
    return { path: p, headers: { 'If-Match': await etag(p) }, body: { address: `历下区青年东路${++n}号` } };
  },
  'POST /api/v1/persons/{id}/identifiers': async () => ({
    path: `/api/v1/persons/${ids.person}/identifiers`,
    body: { type: 'insurance_card', value: `QX${String(++n).padStart(8, '0')}` },
  }),
  'DELETE /api/v1/persons/{id}/identifiers/{iid}': async () => {
    const r = await srv.as('admin', 'POST', `/api/v1/persons/${ids.person}/identifiers`, {
      body: { type: 'social_security_card', value: `SX${String(++n).padStart(8, '0')}` },
    });
    assert.equal(r.status, 201, r.text);
    return { path: `/api/v1/persons/${ids.person}/identifiers/${r.json.id}` };
  },
  'POST /api/v1/persons/{id}/attributes': async () => ({
    path: `/api/v1/persons/${ids.person}/attributes`,
    body: { type: 'disabled', evidence_type: 'disability_card', evidence_number: `CJ${++n}`, valid_from: '2020-01-01' },
  }),
  'DELETE /api/v1/persons/{id}/attributes/{aid}': async () => {
    const r = await srv.as('admin', 'POST', `/api/v1/persons/${ids.person}/attributes`, {
      body: { type: 'pregnant', evidence_type: 'maternal_handbook', valid_from: '2024-01-01', valid_to: '2024-12-31' },
    });
    assert.equal(r.status, 201, r.text);
    return { path: `/api/v1/persons/${ids.person}/attributes/${r.json.id}` };
  },
  'POST /api/v1/persons/{id}/family': async () => ({
    path: `/api/v1/persons/${ids.person}/family`,
    body: { person_id: await newPerson('doctor'), relation: 'spouse', manages: false },
  }),
  'DELETE /api/v1/persons/{id}/family/{fid}': async () => {
    const r = await srv.as('admin', 'POST', `/api/v1/persons/${ids.person}/family`, {
      body: { person_id: await newPerson('doctor'), relation: 'parent', manages: false },
    });
    assert.equal(r.status, 201, r.text);
    return { path: `/api/v1/persons/${ids.person}/family/${r.json.id}` };
  },
  'POST /api/v1/persons/{id}/break-glass': async () => ({
    path: `/api/v1/persons/${ids.person}/break-glass`,
    body: { reason: '昏迷患者急诊抢救，需要既往史' },
  }),
  'POST /api/v1/persons/break-glass': async () => ({
    path: '/api/v1/persons/break-glass',
    body: { identifier: { type: 'passport', value: TARGET_PASSPORT }, reason: '无名氏昏迷送医，口袋里的护照' },
  }),
  'GET /api/v1/mpi/break-glass': async () => ({ path: '/api/v1/mpi/break-glass' }),
  'GET /api/v1/mpi/reviews': async () => ({ path: '/api/v1/mpi/reviews' }),
  'GET /api/v1/mpi/reviews/{id}': async () => {
    ids.review ??= await newReview();
    return { path: `/api/v1/mpi/reviews/${ids.review}` };
  },
  'POST /api/v1/mpi/reviews/{id}': async () => ({
    path: `/api/v1/mpi/reviews/${await newReview()}`,
    body: { decision: 'different', reason: '电话、住址均不同，不是同一人' },
  }),
  'POST /api/v1/mpi/merge': async () => ({
    path: '/api/v1/mpi/merge',
    body: { keep: await newPerson(), merge: await newPerson(), reason: '核对身份证原件为同一人' },
  }),
  'POST /api/v1/mpi/unmerge': async () => {
    const keep = await newPerson();
    const merge = await newPerson();
    const r = await srv.as('admin', 'POST', '/api/v1/mpi/merge', { body: { keep, merge, reason: '核对为同一人' } });
    assert.equal(r.status, 200, r.text);
    return { path: '/api/v1/mpi/unmerge', body: { person: merge, reason: '合并有误' } };
  },

  /* ---- appointments ---- */
  'POST /api/v1/schedules': async () => {
    const a = await appt();
    return { path: '/api/v1/schedules', body: { owner: 'department', department_id: a.department, template: apptTemplate(), valid_from: a.firstDay } };
  },
  'GET /api/v1/schedules': async () => ({ path: `/api/v1/schedules?facility=${ids[TARGET_FACILITY]}` }),
  'GET /api/v1/schedules/{id}': async () => ({ path: `/api/v1/schedules/${(await appt()).schedule}` }),
  'PATCH /api/v1/schedules/{id}': async () => {
    const p = `/api/v1/schedules/${(await appt()).schedule}`;
    return { path: p, headers: { 'If-Match': await etag(p) }, body: { release_back_hours: 20 + (++n % 5) } };
  },
  // A far day without sessions: the leave itself is allowed and cancels nothing.
  'POST /api/v1/schedules/{id}/leave': async () => ({
    path: `/api/v1/schedules/${(await appt()).schedule}/leave`,
    body: { dates: [new Date(Date.UTC(2030, 0, 1 + ++n)).toISOString().slice(0, 10)], reason: '外出进修' },
  }),
  'GET /api/v1/slots': async () => ({ path: `/api/v1/slots?facility=${ids[TARGET_FACILITY]}&date=${(await appt()).firstDay}` }),
  'GET /api/v1/sessions/{id}': async () => ({ path: `/api/v1/sessions/${(await appt()).sessions[0].session_id}` }),
  'POST /api/v1/appointments': async (who) => {
    const { session, person } = await apptParty(who);
    return { path: '/api/v1/appointments', body: { session_id: session, person_id: person } };
  },
  'GET /api/v1/appointments': async () => ({ path: '/api/v1/appointments?limit=5' }),
  'GET /api/v1/appointments/stats': async () => ({ path: '/api/v1/appointments/stats' }),
  'GET /api/v1/appointments/{id}': async () => {
    ids.appointment ??= (await apptBook('resident')).id;
    return { path: `/api/v1/appointments/${ids.appointment}` };
  },
  // FHIR R4: the same schedule, a session's first slot, the resident's person's appointment.
  'GET /fhir/Schedule/{id}': async () => ({ path: `/fhir/Schedule/${(await appt()).schedule}` }),
  'GET /fhir/Schedule': async () => ({ path: `/fhir/Schedule?actor=Practitioner/${(await appt()).doctor}` }),
  'GET /fhir/Slot/{id}': async () => ({ path: `/fhir/Slot/${(await appt()).sessions[0].session_id}-0` }),
  'GET /fhir/Slot': async () => {
    const a = await appt();
    return { path: `/fhir/Slot?schedule=Schedule/${a.schedule}&start=${a.firstDay}` };
  },
  'GET /fhir/Appointment/{id}': async () => {
    ids.appointment ??= (await apptBook('resident')).id;
    return { path: `/fhir/Appointment/${ids.appointment}` };
  },
  'GET /fhir/Appointment': async () => ({ path: `/fhir/Appointment?patient=Patient/${ids.person}` }),
  'POST /api/v1/appointments/{id}/cancel': async (who) => ({
    path: `/api/v1/appointments/${(await apptBook(who)).id}/cancel`,
    body: { reason: '行程有变' },
  }),
  'POST /api/v1/appointments/{id}/no-show': async (who) => apptLater(who, 'no-show'),
  'POST /api/v1/appointments/{id}/attended': async (who) => apptLater(who, 'attended'),
  'POST /api/v1/waitlist': async (who) => {
    const { session, person } = await apptParty(who);
    return { path: '/api/v1/waitlist', body: { session_id: session, person_id: person } };
  },
  'GET /api/v1/waitlist': async () => ({ path: '/api/v1/waitlist?limit=5' }),
  'DELETE /api/v1/waitlist/{id}': async (who) => {
    const { session, person } = await apptParty(who);
    const w = await srv.as('hospital_staff', 'POST', '/api/v1/waitlist', { body: { session_id: session, person_id: person } });
    assert.equal(w.status, 201, w.text);
    return { path: `/api/v1/waitlist/${w.json.id}` };
  },
  'POST /api/v1/waitlist/{id}/accept': async (who) => ({ path: `/api/v1/waitlist/${(await apptOffer(who)).id}/accept` }),
  'GET /api/v1/notifications': async () => ({ path: '/api/v1/notifications' }),
  'POST /api/v1/notifications/{id}/read': async () => {
    if (!ids.notification) {
      await apptOffer('resident');
      const r = await srv.as('resident', 'GET', '/api/v1/notifications?unread=true');
      assert.equal(r.status, 200, r.text);
      ids.notification = r.json.items[0].id;
    }
    return { path: `/api/v1/notifications/${ids.notification}/read` };
  },
};

/* ---- appointments: one schedule of the demo doctor at the target facility, released
 * a month ahead from the day after tomorrow, three sessions a day with room in every
 * channel. Each fixture takes a session of its own: the resident's calls for the person
 * she manages (one a day, the per-day rule), everyone else's for fresh persons. ---- */
function apptTemplate() {
  const buckets = ['online', 'phone', 'onsite', 'referral'].map((channel) => ({ pool: 'general', channel, places: 40 }));
  const t = [];
  for (let weekday = 1; weekday <= 7; weekday++)
    for (const [period, start, end] of [['morning', '08:00', '12:00'], ['afternoon', '14:00', '17:00'], ['evening', '18:00', '21:00']])
      t.push({ weekday, period, start, end, slot_minutes: 5, buckets });
  return t;
}

let apptState;
async function appt() {
  if (apptState) return apptState;
  const fac = await srv.as('admin', 'GET', `/api/v1/facilities/${ids[TARGET_FACILITY]}`);
  const department = fac.json.campuses[0].departments[0].id;
  const doctor = (await srv.as('doctor', 'GET', '/api/v1/me')).json.id;
  // Sessions from the day after tomorrow (Asia/Shanghai): tomorrow's morning starts within
  // the 24-hour release-back from 08:00 today on, and its online places would be gone.
  const firstDay = new Date(Date.now() + 8 * 3600e3 + 2 * 86400e3).toISOString().slice(0, 10);
  const r = await srv.as('hospital_admin', 'POST', '/api/v1/schedules', {
    body: { owner: 'doctor', department_id: department, doctor_id: doctor, template: apptTemplate(), release_days: 60, valid_from: firstDay },
  });
  assert.equal(r.status, 201, r.text);
  const sessions = [];
  for (let cursor = null, first = true; first || cursor; first = false) {
    const s = await srv.as('admin', 'GET', `/api/v1/slots?doctor=${doctor}&date=${firstDay}&days=28&channel=onsite&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(s.status, 200, s.text);
    sessions.push(...s.json.items.filter((x) => x.schedule_id === r.json.id));
    cursor = s.json.next_cursor;
  }
  // A few persons take turns (two sessions a day apart from the mornings: one person never twice a day).
  const pool = [];
  for (let i = 0; i < 25; i++) pool.push(await newPerson('doctor'));
  const morningOther = await newPerson('doctor'); // books beside the resident's person: mornings only, one a day
  apptState = { department, doctor, firstDay, schedule: r.json.id, sessions, mornings: sessions.filter((x) => x.period === 'morning'), pool, morningOther, next: 0, nextMorning: 0 };
  return apptState;
}

/* A session and a person for a call by `who`. */
async function apptParty(who) {
  const a = await appt();
  if (who === 'resident' || who === 'out_resident')
    return { session: a.mornings[a.nextMorning++].session_id, person: ids.person, other: a.morningOther };
  const others = a.sessions.filter((x) => x.period !== 'morning');
  const k = a.next++;
  return { session: others[k % others.length].session_id, person: a.pool[k % a.pool.length], other: a.pool[(k + 5) % a.pool.length] };
}

/* A fresh appointment for a call by `who`, booked at the desk. */
async function apptBook(who) {
  const { session, person } = await apptParty(who);
  const r = await srv.as('hospital_staff', 'POST', '/api/v1/appointments', { body: { session_id: session, person_id: person } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/* A call on a fresh appointment once it has begun: the test clock then, and a session
 * opened then (sessions last 12 hours). */
async function apptLater(who, what) {
  const a = await apptBook(who);
  const headers = { 'X-Weijian-Test-Now': a.slot_end };
  const token = who ? (await srv.loginResponse(who, PASSWORD, { headers })).json.token : undefined;
  return { path: `/api/v1/appointments/${a.id}/${what}`, headers, token };
}

/* A waiting-list entry holding an offer: someone books, the party waits, the booking is cancelled. */
async function apptOffer(who) {
  const { session, person, other } = await apptParty(who);
  const b = await srv.as('hospital_staff', 'POST', '/api/v1/appointments', { body: { session_id: session, person_id: other } });
  assert.equal(b.status, 201, b.text);
  const w = await srv.as('hospital_staff', 'POST', '/api/v1/waitlist', { body: { session_id: session, person_id: person } });
  assert.equal(w.status, 201, w.text);
  const c = await srv.as('hospital_staff', 'POST', `/api/v1/appointments/${b.json.id}/cancel`, { body: { reason: '改期' } });
  assert.equal(c.status, 200, c.text);
  return w.json;
}

/* The target person as the admin reads it (its name and phone, for lookups). */
async function person() {
  const r = await srv.as('admin', 'GET', `/api/v1/persons/${ids.person}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

test('the matrix lists exactly the routes of the OpenAPI document', async () => {
  const r = await srv.req('GET', '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  const routes = [];
  for (const [p, item] of Object.entries(r.json.paths))
    for (const m of Object.keys(item)) routes.push(`${m.toUpperCase()} ${p}`);
  const missing = routes.filter((k) => !(k in matrix));
  const stale = Object.keys(matrix).filter((k) => !routes.includes(k));
  const noFixture = routes.filter((k) => !(k in fixtures));
  assert.deepEqual(
    { missing, stale, noFixture },
    { missing: [], stale: [], noFixture: [] },
    'missing: routes of the OpenAPI document without an entry in tests/api/permission-matrix.json; ' +
      'stale: matrix entries for routes that no longer exist; noFixture: routes without a fixture in permissions.test.mjs',
  );
  for (const [k, e] of Object.entries(matrix)) {
    assert.ok(['allow', 'deny'].includes(e.anonymous), `${k}: anonymous must be allow or deny`);
    for (const role of ROLES) {
      assert.ok(e[role], `${k}: no entry for ${role}`);
      for (const s of ['in', 'out']) assert.ok(['allow', 'deny'].includes(e[role][s]), `${k}: ${role}.${s}`);
    }
  }
});

/* Calls one route as one principal and returns a mismatch description, or null. */
async function check(route, who, want, personal) {
  const [method] = route.split(' ');
  const f = await fixtures[route](who);
  const token = f.token ?? (who ? await srv.login(who) : undefined);
  const r = await srv.req(method, f.path, { token, body: f.body, raw: f.raw, headers: f.headers });
  let ok;
  if (!who && want === 'deny') ok = r.status === 401;
  else if (want === 'deny') ok = r.status === 403 || (personal && r.status === 404);
  else ok = r.status >= 200 && r.status < 300;
  if (ok) return null;
  return `  ${who ?? 'anonymous'}: expected ${want}, got ${r.status} — ${method} ${f.path}${
    f.body ? ' ' + JSON.stringify(f.body) : ''
  }\n    → ${r.text.slice(0, 300)}`;
}

for (const route of Object.keys(matrix)) {
  test(`matrix: ${route}`, async () => {
    const e = matrix[route];
    assert.ok(fixtures[route], `no fixture for ${route}`);
    const problems = [];
    const p = await check(route, null, e.anonymous, e.personal);
    if (p) problems.push(p);
    for (const role of ROLES) {
      for (const [scope, who] of [
        ['in', DEMO_USERS[role]],
        ['out', outsiders[role]],
      ]) {
        const q = await check(route, who, e[role][scope], e.personal);
        if (q) problems.push(`${role} ${scope} of scope${q}`);
      }
    }
    assert.equal(problems.length, 0, `${route}:\n${problems.join('\n')}`);
  });
}
