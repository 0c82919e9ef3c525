// fhir.test.mjs — the FHIR R4 face of the appointments module (docs/appointments.md, "FHIR
// R4"): Schedule, Slot and Appointment read and search, every resource checked by the npm
// `fhir` validator (R4 structure definitions and value sets); slots that follow bookings;
// appointments scoped and audited like the native routes; OperationOutcome errors.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe } from 'node:test';
import { eventually, startServer, test } from './harness.mjs';

const { Fhir } = createRequire(import.meta.url)('fhir');
const fhir = new Fhir();

const HOSPITAL = '济南市第一人民医院';
const DAY = 86400e3;
let srv;
const ctx = {};

function dateIn(days) {
  return new Date(Date.now() + 8 * 3600e3 + days * DAY).toISOString().slice(0, 10);
}

/* The resource is valid FHIR R4 (no error-level message) and has the expected type. */
function assertValid(res, type) {
  assert.equal(res?.resourceType, type, JSON.stringify(res));
  const v = fhir.validate(res);
  const errors = v.messages.filter((m) => m.severity === 'error');
  assert.deepEqual(errors, [], `${type} ${res.id}: ${JSON.stringify(errors)}`);
}

function assertBundle(r, type) {
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['content-type'], /^application\/fhir\+json/);
  assertValid(r.json, 'Bundle');
  assert.equal(r.json.type, 'searchset');
  assert.equal(r.json.total, r.json.entry.length);
  for (const e of r.json.entry) {
    assertValid(e.resource, type);
    assert.equal(e.fullUrl, `${type}/${e.resource.id}`);
  }
  return r.json.entry.map((e) => e.resource);
}

function assertOutcome(r, status, code, expression) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers['content-type'], /^application\/fhir\+json/);
  assertValid(r.json, 'OperationOutcome');
  assert.equal(r.json.issue[0].code, code);
  if (expression) assert.deepEqual(r.json.issue[0].expression, [expression]);
}

let seq = 0;
async function person() {
  const k = ++seq;
  const r = await srv.as('doctor', 'POST', '/api/v1/persons', {
    body: {
      name: `福尔${['璟', '琮', '瑾', '珩', '玥'][k % 5]}${['瑜', '璇', '璞'][k % 3]}`,
      sex: 'male',
      birth_date: `19${60 + k}-03-0${(k % 9) + 1}`,
      phone: `1376${String(k).padStart(7, '0')}`,
      area_code: '370102001001',
    },
  });
  assert.equal(r.status, 201, r.text);
  return r.json.person.id;
}

before(async () => {
  srv = await startServer();
  const f = await srv.as('admin', 'GET', `/api/v1/facilities?q=${encodeURIComponent(HOSPITAL)}`);
  const hospital = f.json.items.find((x) => x.name === HOSPITAL).id;
  const doc = await srv.as('admin', 'GET', `/api/v1/facilities/${hospital}`);
  ctx.department = doc.json.campuses[0].departments[2].id;
  ctx.doctor = (await srv.as('doctor', 'GET', '/api/v1/me')).json.id;
  // Two places a 30-minute slot (places spread evenly), general onsite and online.
  const s = await srv.as('hospital_admin', 'POST', '/api/v1/schedules', {
    body: {
      owner: 'doctor', department_id: ctx.department, doctor_id: ctx.doctor, fee_class: 'expert',
      template: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
        weekday, period: 'afternoon', start: '14:00', end: '16:00', slot_minutes: 30,
        buckets: [{ pool: 'general', channel: 'onsite', places: 4 }, { pool: 'general', channel: 'online', places: 4 }],
      })),
      valid_from: dateIn(1), release_days: 30,
    },
  });
  assert.equal(s.status, 201, s.text);
  ctx.schedule = s.json.id;
  const slots = await srv.as('hospital_staff', 'GET', `/api/v1/slots?doctor=${ctx.doctor}&date=${dateIn(2)}&channel=onsite`);
  ctx.session = slots.json.items.find((x) => x.schedule_id === ctx.schedule).session_id;
  ctx.person = await person();
  const b = await srv.as('hospital_staff', 'POST', '/api/v1/appointments', { body: { session_id: ctx.session, person_id: ctx.person } });
  assert.equal(b.status, 201, b.text);
  ctx.appointment = b.json;
});

after(async () => {
  await srv?.stop();
});

describe('FHIR Schedule', () => {
  test('read: the doctor and the department as actors, the planning horizon, valid R4', async () => {
    const r = await srv.as('resident', 'GET', `/fhir/Schedule/${ctx.schedule}`);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['content-type'], /^application\/fhir\+json/);
    assertValid(r.json, 'Schedule');
    assert.equal(r.json.id, ctx.schedule);
    assert.equal(r.json.active, true);
    assert.deepEqual(r.json.actor.map((a) => a.reference), [`Practitioner/${ctx.doctor}`, `HealthcareService/${ctx.department}`]);
    assert.equal(r.json.serviceType[0].text, '专家号');
    assert.equal(r.json.planningHorizon.start, dateIn(1));
  });

  test('search by actor finds the doctor\'s schedules and only theirs', async () => {
    const mine = assertBundle(await srv.as('hotline', 'GET', `/fhir/Schedule?actor=Practitioner/${ctx.doctor}`), 'Schedule');
    assert.ok(mine.some((s) => s.id === ctx.schedule));
    for (const s of mine) assert.ok(s.actor.some((a) => a.reference === `Practitioner/${ctx.doctor}`), JSON.stringify(s));
    const dept = assertBundle(await srv.as('hotline', 'GET', `/fhir/Schedule?actor=HealthcareService/${ctx.department}`), 'Schedule');
    assert.ok(dept.some((s) => s.id === ctx.schedule));
    assertOutcome(await srv.as('hotline', 'GET', '/fhir/Schedule?actor=Patient/1'), 400, 'invalid', 'actor');
    assertOutcome(await srv.as('hotline', 'GET', '/fhir/Schedule/999999'), 404, 'not-found');
  });
});

describe('FHIR Slot', () => {
  test('search by schedule and day: one slot per 30 minutes, free until its places are taken', async () => {
    const day = dateIn(2);
    const slots = assertBundle(await srv.as('hospital_staff', 'GET', `/fhir/Slot?schedule=Schedule/${ctx.schedule}&start=${day}`), 'Slot');
    assert.equal(slots.length, 4, JSON.stringify(slots.map((s) => s.id)));
    assert.deepEqual(slots.map((s) => s.id), [0, 1, 2, 3].map((k) => `${ctx.session}-${k}`));
    assert.equal(slots[0].start, `${day}T06:00:00.000Z`); // 14:00 Asia/Shanghai
    assert.equal(slots[0].end, `${day}T06:30:00.000Z`);
    for (const s of slots) assert.equal(s.schedule.reference, `Schedule/${ctx.schedule}`);
    // The booked place is in its slot: one of that slot's two places is taken.
    const k = Number(ctx.appointment.slot) >> 1;
    assert.match(slots[k].comment, /places 2, available 1/);
    assert.equal(slots[k].status, 'free');
    // Fill that slot: it turns busy, and a status search sees it so.
    const other = await person();
    const b = await srv.as('hospital_staff', 'POST', '/api/v1/appointments', { body: { session_id: ctx.session, person_id: other } });
    assert.equal(b.status, 201, b.text);
    const one = await srv.as('resident', 'GET', `/fhir/Slot/${ctx.session}-0`);
    assertValid(one.json, 'Slot');
    assert.equal(one.json.status, 'busy');
    const busy = assertBundle(await srv.as('hospital_staff', 'GET', `/fhir/Slot?schedule=${ctx.schedule}&start=${day}&status=busy`), 'Slot');
    assert.deepEqual(busy.map((s) => s.id), [`${ctx.session}-0`]);
    // ge: from that day on, several days of slots; le before tomorrow: none.
    const later = assertBundle(await srv.as('hospital_staff', 'GET', `/fhir/Slot?schedule=${ctx.schedule}&start=ge${day}`), 'Slot');
    assert.ok(later.length > 4);
    assert.ok(later.every((s) => s.start >= `${day}T00:00`));
    const before = assertBundle(await srv.as('hospital_staff', 'GET', `/fhir/Slot?schedule=${ctx.schedule}&start=lt${dateIn(1)}`), 'Slot');
    assert.equal(before.length, 0);
  });

  test('errors: schedule required, a malformed start, an unknown slot', async () => {
    assertOutcome(await srv.as('resident', 'GET', '/fhir/Slot'), 400, 'invalid', 'schedule');
    assertOutcome(await srv.as('resident', 'GET', `/fhir/Slot?schedule=${ctx.schedule}&start=tomorrow`), 400, 'invalid', 'start');
    assertOutcome(await srv.as('resident', 'GET', `/fhir/Slot?schedule=${ctx.schedule}&status=maybe`), 400, 'invalid', 'status');
    assertOutcome(await srv.as('resident', 'GET', `/fhir/Slot/${ctx.session}-99`), 404, 'not-found');
    assertOutcome(await srv.as('resident', 'GET', '/fhir/Slot/nonsense'), 404, 'not-found');
    // The core's own checks keep the API's error document.
    const anon = await srv.req('GET', `/fhir/Slot?schedule=${ctx.schedule}`);
    assert.equal(anon.status, 401);
    const unknown = await srv.as('resident', 'GET', `/fhir/Slot?schedule=${ctx.schedule}&_sort=start`);
    assert.equal(unknown.status, 400);
  });
});

describe('FHIR Appointment', () => {
  test('read: booked, the patient, the doctor and the department, its slot; audited', async () => {
    const r = await srv.as('hospital_staff', 'GET', `/fhir/Appointment/${ctx.appointment.id}`);
    assert.equal(r.status, 200, r.text);
    assertValid(r.json, 'Appointment');
    assert.equal(r.json.status, 'booked');
    assert.equal(r.json.start, ctx.appointment.slot_start);
    assert.equal(r.json.minutesDuration, 30);
    const refs = r.json.participant.map((p) => p.actor.reference);
    assert.deepEqual(refs, [`Patient/${ctx.person}`, `Practitioner/${ctx.doctor}`, `HealthcareService/${ctx.department}`]);
    assert.equal(r.json.slot[0].reference, `Slot/${ctx.session}-${Number(ctx.appointment.slot) >> 1}`);
    const slot = await srv.as('hospital_staff', 'GET', `/fhir/${r.json.slot[0].reference}`);
    assert.equal(slot.status, 200, slot.text);
    // Reads are audited through the core's queue (written within 200 ms).
    await eventually(async () => {
      const audit = await srv.as('auditor', 'GET', `/api/v1/audit?resource_type=appointment&resource_id=${ctx.appointment.id}`);
      assert.equal(audit.status, 200, audit.text);
      return audit.json.items.some((e) => e.route === '/fhir/Appointment/{id}' && e.username === 'hospital_staff');
    }, { what: 'the FHIR read in the audit trail' });
  });

  test('search by patient; cancelled with its reason; out of scope: 404 and an empty bundle', async () => {
    const found = assertBundle(await srv.as('hospital_staff', 'GET', `/fhir/Appointment?patient=Patient/${ctx.person}`), 'Appointment');
    assert.deepEqual(found.map((a) => a.id), [ctx.appointment.id]);
    const c = await srv.as('hospital_staff', 'POST', `/api/v1/appointments/${ctx.appointment.id}/cancel`, { body: { reason: '行程有变' } });
    assert.equal(c.status, 200, c.text);
    const r = await srv.as('hospital_staff', 'GET', `/fhir/Appointment/${ctx.appointment.id}`);
    assertValid(r.json, 'Appointment');
    assert.equal(r.json.status, 'cancelled');
    assert.equal(r.json.cancelationReason.text, '行程有变');
    const booked = assertBundle(await srv.as('hospital_staff', 'GET', `/fhir/Appointment?patient=${ctx.person}&status=booked`), 'Appointment');
    assert.equal(booked.length, 0);
    // The resident neither manages this person nor booked for them.
    assertOutcome(await srv.as('resident', 'GET', `/fhir/Appointment/${ctx.appointment.id}`), 404, 'not-found');
    const none = assertBundle(await srv.as('resident', 'GET', `/fhir/Appointment?patient=${ctx.person}`), 'Appointment');
    assert.equal(none.length, 0);
    assertOutcome(await srv.as('resident', 'GET', '/fhir/Appointment'), 400, 'invalid', 'patient');
    assertOutcome(await srv.as('resident', 'GET', '/fhir/Appointment/12'), 404, 'not-found');
  });
});
