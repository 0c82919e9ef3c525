// mpi.test.mjs — the master patient index (docs/mpi.md) through its API: registration and
// matching (identifier, score, review, new; twins and namesakes kept apart), validation of
// ID numbers and identifiers, the full person and its audit, If-Match, identifiers, masked
// lookups, reviews, merge and unmerge, verified attributes, family links, scope and
// break-glass, CSV import. One server for the file. Every rejected write is followed by
// reading back what it named: a rejected request changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { assertError, BACKEND, eventually, startServer, test } from './harness.mjs';

const AREA = '370102001001'; // 青年东路社区 (历下区), inside every demo area grant
const OTHER_AREA = '370115001001'; // a community of 济阳区
const HOSPITAL = '济南市第一人民医院'; // the demo facility accounts' facility
const OTHER_HOSPITAL = '济阳区人民医院';

/* ---- made-up persons that match nothing but what a test means them to ---- */

// Given-name characters with distinct pinyin, rare enough that the demo residents do not
// carry them.
const GIVEN = [
  ['璟', 'jing'], ['琮', 'cong'], ['瑾', 'jin'], ['珩', 'heng'], ['玥', 'yue'], ['琬', 'wan'], ['琰', 'yan'],
  ['瑜', 'yu'], ['璇', 'xuan'], ['璞', 'pu'], ['瑶', 'yao'], ['珂', 'ke'], ['翊', 'yi'], ['骁', 'xiao'],
  ['烨', 'ye'], ['晗', 'han'], ['钊', 'zhao'], ['锴', 'kai'], ['霖', 'lin'], ['濠', 'hao'],
];
const SURNAMES = [['欧阳', 'ou yang'], ['司马', 'si ma'], ['诸葛', 'zhu ge'], ['上官', 'shang guan'], ['东方', 'dong fang']];

let seq = 0;
/** A fresh identity: name, pinyin, birth date, sex, phone, address, unique in this run. */
function fresh({ sex = 'female' } = {}) {
  const n = ++seq;
  const [s, spy] = SURNAMES[n % SURNAMES.length];
  const [g1, p1] = GIVEN[n % GIVEN.length];
  const [g2, p2] = GIVEN[Math.floor(n / GIVEN.length) % GIVEN.length];
  const birth = new Date(Date.UTC(1941, 0, 1) + n * 97 * 86400e3).toISOString().slice(0, 10);
  return {
    n,
    name: `${s}${g1}${g2}`,
    pinyin: `${spy} ${p1} ${p2}`,
    sex,
    birth_date: birth,
    phone: `1395${String(n).padStart(7, '0')}`,
    address: `历下区青年东路${n}号${n % 7 + 1}单元`,
    area_code: AREA,
  };
}

/** An 18-character ID number (GB 11643) for a birth date and sex (the same number for the
 * same arguments). */
function idCard(birth, sex, { division = '370102', k = Number(birth.replaceAll('-', '')) } = {}) {
  const order = (k % 450) * 2 + (sex === 'male' ? 1 : 0) + 100; // 3 digits, odd = male
  return withCheck(`${division}${birth.replaceAll('-', '')}${String(order).padStart(3, '0')}`);
}
function withCheck(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * w[i];
  return first17 + '10X98765432'[s % 11];
}
/** The same number with another (wrong) check character. */
function wrongCheck(id) {
  const right = id[17];
  const other = '0123456789X'.split('').find((c) => c !== right);
  return id.slice(0, 17) + other;
}
const maskId = (v) => `${v.slice(0, 4)}${'*'.repeat(v.length - 8)}${v.slice(-4)}`;
const maskPhone = (p) => `${p.slice(0, 3)}****${p.slice(-4)}`;
const todayShanghai = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
function ageOn(birth, today) {
  const [by, bm, bd] = birth.split('-').map(Number);
  const [ty, tm, td] = today.split('-').map(Number);
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}
const ID_RE = /^[1-9][0-9]*$/;
const INSTANT_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('mpi', () => {
  let srv;
  const fac = {}; // facility name → id
  let residentPerson; // the demo resident's own person

  before(async () => {
    srv = await startServer();
    for (const name of [HOSPITAL, OTHER_HOSPITAL]) {
      const r = await srv.as('admin', 'GET', `/api/v1/facilities?q=${encodeURIComponent(name)}&limit=50`);
      assert.equal(r.status, 200, r.text);
      const f = r.json.items.find((x) => x.name === name);
      assert.ok(f, `no facility ${name}`);
      fac[name] = f.id;
    }
    await srv.addUser({ username: 'mpi_doc_jy', role: 'clinician', facility: fac[OTHER_HOSPITAL] });
    await srv.addUser({ username: 'mpi_staff_jy', role: 'commission_staff', area: '370115000000' });
    const me = await srv.as('resident', 'GET', '/api/v1/me');
    assert.equal(me.status, 200, me.text);
    residentPerson = me.json.grants[0].person_id;
    assert.match(residentPerson ?? '', ID_RE, 'the demo resident has a person');
  });
  after(async () => {
    await srv?.stop();
  });

  /* ---- helpers ---- */

  function register(who, body, opts = {}) {
    return srv.as(who, 'POST', '/api/v1/persons', { body, ...opts });
  }
  /** Registers and asserts the status; returns the response. */
  async function registerOk(who, body, status = 201) {
    const r = await register(who, body);
    assert.equal(r.status, status, `register ${JSON.stringify(body)} as ${who}: ${r.status} ${r.text}`);
    return r;
  }
  /** GET the person as admin (200 asserted); returns the response. */
  async function getPerson(id, who = 'admin') {
    const r = await srv.as(who, 'GET', `/api/v1/persons/${id}`);
    assert.equal(r.status, 200, `GET person ${id} as ${who}: ${r.text}`);
    return r;
  }
  const doc = async (id) => (await getPerson(id)).json;
  const recordIds = (p) => p.records.map((x) => x.id).sort();
  /** Lookups as admin by name and by phone: the persons they find (masked items). */
  async function findByName(name, birth) {
    const body = birth ? { name, birth_date: birth } : { name };
    const r = await srv.as('admin', 'POST', '/api/v1/persons/search', { body });
    assert.equal(r.status, 200, `search ${JSON.stringify(body)}: ${r.text}`);
    return r.json.items;
  }
  async function findByPhone(phone) {
    const r = await srv.as('admin', 'GET', `/api/v1/persons?phone=${phone}`);
    assert.equal(r.status, 200, `GET /persons?phone=${phone}: ${r.text}`);
    return r.json.items;
  }
  async function findByIdentifier(type, value, who = 'admin') {
    const r = await srv.as(who, 'GET', `/api/v1/persons?identifier=${encodeURIComponent(`${type}|${value}`)}`);
    assert.equal(r.status, 200, `GET /persons?identifier=${type}|${value}: ${r.text}`);
    return r.json.items;
  }
  /** Every review (all statuses) as admin, by id. */
  async function allReviews() {
    const out = {};
    let cursor = null;
    do {
      const r = await srv.as('admin', 'GET', `/api/v1/mpi/reviews?status=all&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(r.status, 200, r.text);
      for (const x of r.json.items) out[x.id] = x;
      cursor = r.json.next_cursor;
    } while (cursor);
    return out;
  }
  /** A rejected registration wrote nothing: no person by its name or phone, no new review. */
  async function assertNotRegistered(body, reviewsBefore, ctx) {
    if (body.name) assert.deepEqual(await findByName(body.name), [], `${ctx}: a person named ${body.name} exists`);
    if (body.phone) assert.deepEqual(await findByPhone(body.phone), [], `${ctx}: a person with phone ${body.phone} exists`);
    if (reviewsBefore) assert.deepEqual(Object.keys(await allReviews()).sort(), Object.keys(reviewsBefore).sort(), `${ctx}: reviews changed`);
  }
  /** The person documents as they are now, for comparing after a rejected write. */
  async function snapshot(...ids) {
    const out = {};
    for (const id of ids) out[id] = await doc(id);
    return out;
  }
  async function assertUnchanged(before_, ctx) {
    for (const [id, was] of Object.entries(before_)) assert.deepEqual(await doc(id), was, `${ctx}: person ${id} changed`);
  }
  /** A person with the given extra fields, registered as `who`; returns {body, person, match}. */
  async function person(who = 'admin', extra = {}, f = fresh()) {
    const body = { ...f, ...extra };
    delete body.n;
    delete body.pinyin;
    const r = await registerOk(who, body);
    assert.equal(r.json.match.status, 'new', `a fresh person is new: ${r.text}`);
    return { body, f, person: r.json.person, match: r.json.match, id: r.json.person.id };
  }

  /* ---- registration and matching ---- */

  describe('register', () => {
    test('a new person: 201, match "new", the full person with its first record', async () => {
      const f = fresh({ sex: 'male' });
      const id = idCard(f.birth_date, 'male');
      const body = {
        name: f.name, sex: 'male', birth_date: f.birth_date, phone: f.phone, address: f.address, area_code: AREA,
        nationality: 'CHN', identifiers: [{ type: 'id_card', value: id }],
      };
      const r = await register('doctor', body);
      assert.equal(r.status, 201, r.text);
      const { person: p, match: m } = r.json;
      assert.equal(m.status, 'new');
      assert.match(m.record_id, ID_RE);
      assert.ok(Array.isArray(m.candidates), 'match.candidates is a list');
      assert.match(p.id, ID_RE);
      assert.equal(p.name, f.name);
      assert.equal(p.pinyin, f.pinyin);
      assert.deepEqual(p.former_names, []);
      assert.equal(p.sex, 'male');
      assert.equal(p.birth_date, f.birth_date);
      assert.equal(p.age, ageOn(f.birth_date, todayShanghai()));
      assert.equal(p.elderly, p.age >= 60);
      assert.equal(p.phone, f.phone);
      assert.deepEqual(p.phones, [f.phone]);
      assert.equal(p.address, f.address);
      assert.equal(p.area_code, AREA);
      assert.equal(typeof p.area_name, 'string');
      assert.equal(p.nationality, 'CHN');
      assert.equal(p.deceased_date, null);
      assert.equal(p.identifiers.length, 1);
      assert.equal(p.identifiers[0].type, 'id_card');
      assert.equal(p.identifiers[0].value, id, 'the full person shows the full ID number');
      assert.equal(p.identifiers[0].record_id, m.record_id);
      assert.match(p.identifiers[0].created_at, INSTANT_RE);
      assert.deepEqual(p.attributes, []);
      assert.deepEqual(p.family, []);
      assert.equal(p.records.length, 1);
      assert.equal(p.records[0].id, m.record_id);
      assert.equal(p.records[0].facility_id, fac[HOSPITAL], 'a doctor registers at their facility');
      assert.equal(p.records[0].link.rule, 'new');
      assert.equal(p.records[0].link.person_id, p.id);
      assert.ok(p.links.length >= 1);
      assert.deepEqual(p.merged_from, []);
      assert.equal(p.resolved_from, undefined);
      assert.equal(r.headers.etag, `"${p.version}"`);
      // What was answered is what is stored.
      const g = await getPerson(p.id);
      assert.deepEqual(g.json, p);
      assert.equal(g.headers.etag, r.headers.etag);
    });

    test('former names given at registration are kept', async () => {
      const f = fresh();
      const r = await registerOk('admin', { name: f.name, sex: f.sex, birth_date: f.birth_date, phone: f.phone, area_code: AREA, former_names: ['曾用名甲', '曾用名乙'] });
      assert.deepEqual(r.json.person.former_names, ['曾用名甲', '曾用名乙'], r.text);
      assert.deepEqual((await doc(r.json.person.id)).former_names, ['曾用名甲', '曾用名乙']);
    });

    test('the same ID number again (another hospital card): 200, linked by identifier, one person', async () => {
      const other = await person();
      const f2 = fresh({ sex: 'male' });
      const card2 = idCard(f2.birth_date, 'male');
      const first = await registerOk('admin', {
        name: f2.name, sex: 'male', birth_date: f2.birth_date, phone: f2.phone, address: f2.address, area_code: AREA,
        identifiers: [{ type: 'id_card', value: card2 }],
      });
      assert.equal(first.json.match.status, 'new');
      const pid = first.json.person.id;
      // At the hospital: a different phone and address, the same ID number, a hospital card.
      const second = await register('doctor', {
        name: f2.name, sex: 'male', birth_date: f2.birth_date, phone: '13900000001', address: '市中区经四路1号',
        area_code: AREA,
        identifiers: [{ type: 'id_card', value: card2 }, { type: 'hospital_card', value: `JN1-${f2.n}`, issuer: fac[HOSPITAL] }],
      });
      assert.equal(second.status, 200, second.text);
      assert.equal(second.json.match.status, 'linked');
      assert.equal(second.json.match.rule, 'identifier');
      assert.match(second.json.match.record_id, ID_RE);
      assert.notEqual(second.json.match.record_id, first.json.match.record_id);
      assert.equal(second.json.person.id, pid, 'the same person');
      const p = await doc(pid);
      assert.equal(p.records.length, 2);
      assert.deepEqual(recordIds(p), [first.json.match.record_id, second.json.match.record_id].sort());
      const types = p.identifiers.map((i) => `${i.type}|${i.value}|${i.issuer ?? ''}`).sort();
      assert.deepEqual(types, [`hospital_card|JN1-${f2.n}|${fac[HOSPITAL]}`, `id_card|${card2}|`].sort());
      const hc = p.identifiers.find((i) => i.type === 'hospital_card');
      assert.equal(hc.issuer_name, HOSPITAL);
      assert.ok(p.phones.includes('13900000001') && p.phones.includes(f2.phone), `phones: ${p.phones}`);
      // A hospital card is looked up with its issuer.
      const q = `/api/v1/persons?identifier=${encodeURIComponent(`hospital_card|JN1-${f2.n}`)}`;
      const withIssuer = await srv.as('admin', 'GET', `${q}&issuer=${fac[HOSPITAL]}`);
      assert.equal(withIssuer.status, 200, withIssuer.text);
      assert.deepEqual(withIssuer.json.items.map((x) => x.id), [pid]);
      const otherIssuer = await srv.as('admin', 'GET', `${q}&issuer=${fac[OTHER_HOSPITAL]}`);
      assert.deepEqual(otherIssuer.json.items, [], 'the same card number of another hospital is another card');
      // Without its issuer a card number names no card: said, not answered with an empty list.
      assertError(await srv.as('admin', 'GET', q), 400, 'invalid_parameter', 'issuer');
      const noIssuer = await srv.as('admin', 'POST', '/api/v1/persons/search', { body: { identifier: { type: 'hospital_card', value: `JN1-${f2.n}` } } });
      assertError(noIssuer, 422, 'invalid_value', 'identifier.issuer');
      const glass = await srv.as('dispatcher', 'POST', '/api/v1/persons/break-glass', { body: { identifier: { type: 'hospital_card', value: `JN1-${f2.n}` }, reason: '急诊昏迷患者' } });
      assertError(glass, 422, 'invalid_value', 'identifier.issuer');
      // An unrelated person is untouched.
      assert.deepEqual(recordIds(await doc(other.id)), [other.match.record_id]);
    });

    test('a near-duplicate in traditional script without an ID number links by score', async () => {
      const f = fresh({ sex: 'male' });
      const simp = { name: '张锦涛', sex: 'male', birth_date: f.birth_date, phone: f.phone, address: f.address, area_code: AREA };
      const a = await registerOk('admin', simp);
      assert.equal(a.json.match.status, 'new', a.text);
      assert.equal(a.json.person.pinyin, 'zhang jin tao');
      const b = await register('doctor', { ...simp, name: '張錦濤' });
      assert.equal(b.status, 200, b.text);
      assert.equal(b.json.match.status, 'linked');
      assert.equal(b.json.match.rule, 'score');
      assert.equal(typeof b.json.match.score, 'number');
      assert.ok(b.json.match.score > 0);
      assert.equal(b.json.person.id, a.json.person.id);
      const p = await doc(a.json.person.id);
      assert.equal(p.records.length, 2);
      const link = p.records.find((x) => x.id === b.json.match.record_id).link;
      assert.equal(link.rule, 'score');
      assert.equal(typeof link.score, 'number');
    });

    test('twins (same surname, birth date, address and phone; another given name) are not linked', async () => {
      const f = fresh({ sex: 'male' });
      const one = { name: '王璟琮', sex: 'male', birth_date: f.birth_date, phone: f.phone, address: f.address, area_code: AREA };
      const a = await registerOk('admin', one);
      assert.equal(a.json.match.status, 'new', a.text);
      const b = await register('admin', { ...one, name: '王璟瑜' });
      assert.equal(b.status, 201, `a twin is not linked: ${b.text}`);
      assert.ok(['new', 'review'].includes(b.json.match.status), b.text);
      assert.notEqual(b.json.person.id, a.json.person.id);
      assert.deepEqual(recordIds(await doc(a.json.person.id)), [a.json.match.record_id], 'the first twin keeps one record');
      assert.equal((await doc(b.json.person.id)).records.length, 1);
    });

    test('a namesake born the same year on another day, with another phone and address, is new', async () => {
      const f = fresh();
      const a = await person('admin', {}, f);
      const [y] = f.birth_date.split('-');
      const otherDay = f.birth_date.endsWith('-01-01') ? `${y}-12-30` : `${y}-01-01`;
      const b = await register('admin', {
        name: f.name, sex: f.sex, birth_date: otherDay, phone: '13712345678', address: '槐荫区经十路999号', area_code: AREA,
      });
      assert.equal(b.status, 201, b.text);
      assert.equal(b.json.match.status, 'new', b.text);
      assert.notEqual(b.json.person.id, a.id);
    });

    test('an ID number with a wrong check character: 422 naming identifiers[0].value, nothing written', async () => {
      const f = fresh();
      const before_ = await allReviews();
      const body = { ...f, identifiers: [{ type: 'id_card', value: wrongCheck(idCard(f.birth_date, f.sex)) }] };
      delete body.n;
      delete body.pinyin;
      const r = await register('admin', body);
      assertError(r, 422, 'invalid_value', 'identifiers[0].value');
      await assertNotRegistered(body, before_, 'wrong check character');
    });

    test('an ID number whose birth date disagrees with birth_date: 422 naming birth_date', async () => {
      const f = fresh();
      const body = { name: f.name, sex: f.sex, birth_date: f.birth_date, phone: f.phone, area_code: AREA,
        identifiers: [{ type: 'id_card', value: idCard('1960-02-29', f.sex) }] };
      const r = await register('admin', body);
      assertError(r, 422, 'invalid_value', 'birth_date');
      await assertNotRegistered(body, null, 'birth date disagreement');
    });

    test('an ID number whose sex disagrees with sex: 422 naming sex', async () => {
      const f = fresh({ sex: 'female' });
      const body = { name: f.name, sex: 'female', birth_date: f.birth_date, phone: f.phone, area_code: AREA,
        identifiers: [{ type: 'id_card', value: idCard(f.birth_date, 'male') }] };
      const r = await register('admin', body);
      assertError(r, 422, 'invalid_value', 'sex');
      await assertNotRegistered(body, null, 'sex disagreement');
    });

    test('sex and birth date are taken from the ID number when not given', async () => {
      const f = fresh();
      const card = idCard(f.birth_date, 'male');
      const r = await registerOk('admin', { name: f.name, phone: f.phone, area_code: AREA, identifiers: [{ type: 'id_card', value: card.replace('X', 'x') }] });
      assert.equal(r.json.person.sex, 'male');
      assert.equal(r.json.person.birth_date, f.birth_date);
      assert.equal(r.json.person.identifiers[0].value, card, 'a lower-case x is stored upper-case');
    });

    test('an id_card_15 is stored as its 18-character id_card', async () => {
      const f = fresh({ sex: 'male' });
      // First-generation cards: 19YYMMDD births, 3-digit order, no check character.
      const birth = `19${String(50 + (f.n % 40)).padStart(2, '0')}-0${1 + (f.n % 9)}-1${f.n % 10}`;
      const order = String(((f.n * 2 + 1) % 999) || 1).padStart(3, '0');
      const old = `370102${birth.slice(2).replaceAll('-', '')}${order}`;
      assert.equal(old.length, 15);
      const full = withCheck(`370102${birth.replaceAll('-', '')}${order}`);
      const r = await registerOk('admin', { name: f.name, sex: 'male', birth_date: birth, phone: f.phone, area_code: AREA,
        identifiers: [{ type: 'id_card_15', value: old }] });
      const ids = r.json.person.identifiers;
      assert.equal(ids.length, 1);
      assert.equal(ids[0].type, 'id_card');
      assert.equal(ids[0].value, full);
      // The 18-character number now finds the same person, and registering it again links.
      const found = await findByIdentifier('id_card', full);
      assert.deepEqual(found.map((x) => x.id), [r.json.person.id]);
      const again = await registerOk('admin', { name: f.name, sex: 'male', birth_date: birth, area_code: AREA,
        identifiers: [{ type: 'id_card', value: full }] }, 200);
      assert.equal(again.json.match.rule, 'identifier');
      assert.equal(again.json.person.id, r.json.person.id);
    });

    test('a hospital card without issuer, or from an unknown facility: 422, nothing written', async () => {
      for (const [ident, code] of [
        [{ type: 'hospital_card', value: 'HC-0001' }, 'missing_field'],
        [{ type: 'hospital_card', value: 'HC-0002', issuer: '123456789012345678' }, 'unknown_reference'],
      ]) {
        const f = fresh();
        const body = { name: f.name, sex: f.sex, birth_date: f.birth_date, phone: f.phone, area_code: AREA, identifiers: [ident] };
        const r = await register('admin', body);
        assertError(r, 422, code, 'identifiers[0].issuer', JSON.stringify(ident));
        await assertNotRegistered(body, null, JSON.stringify(ident));
      }
    });

    test('an identifier already another person\'s, with another birth date: 409 conflict, both unchanged', async () => {
      const a = await person('admin', { identifiers: [{ type: 'insurance_card', value: `YB${Date.now() % 1e8}A` }] });
      const card = a.body.identifiers[0].value;
      const snap = await snapshot(a.id);
      const f = fresh();
      const body = { name: f.name, sex: f.sex, birth_date: f.birth_date, phone: f.phone, area_code: AREA,
        identifiers: [{ type: 'insurance_card', value: card }] };
      assert.notEqual(f.birth_date, a.body.birth_date);
      const r = await register('admin', body);
      assertError(r, 409, 'conflict');
      assert.equal(r.json.error.details.field_in_conflict, 'birth_date', r.text);
      await assertUnchanged(snap, '409 identifier conflict');
      await assertNotRegistered(body, null, '409 identifier conflict');
      assert.deepEqual((await findByIdentifier('insurance_card', card)).map((x) => x.id), [a.id]);
    });

    test('a facility\'s own number (hospital card, temporary) shared under another name: 409, not a link', async () => {
      // Two newborns of one day, one sex, given the same temporary number by two wards (or a
      // desk's typo): a wrong link is worse than a missed one.
      const tmp = `T${Date.now() % 1e8}`;
      const a = await person('admin', { name: '上官锦涛', sex: 'female', identifiers: [{ type: 'temporary', value: tmp }] });
      const snap = await snapshot(a.id);
      const other = fresh();
      const body = { name: other.name, sex: 'female', birth_date: a.body.birth_date, phone: other.phone, area_code: AREA,
        identifiers: [{ type: 'temporary', value: tmp }] };
      assert.notEqual(other.name, a.body.name);
      const r = await register('admin', body);
      assertError(r, 409, 'conflict', 'identifiers[0].value');
      assert.equal(r.json.error.details.field_in_conflict, 'name', r.text);
      await assertUnchanged(snap, '409 local number under another name');
      await assertNotRegistered(body, null, '409 local number under another name');
      // The same card of the same hospital, another name: the same answer.
      const card = `HC${Date.now() % 1e8}`;
      const b = await person('admin', { identifiers: [{ type: 'hospital_card', value: card, issuer: fac[HOSPITAL] }] });
      const c = fresh();
      const cr = await register('admin', { name: c.name, sex: b.body.sex, birth_date: b.body.birth_date, area_code: AREA,
        identifiers: [{ type: 'hospital_card', value: card, issuer: fac[HOSPITAL] }] });
      assertError(cr, 409, 'conflict', 'identifiers[0].value');
      assert.equal(cr.json.error.details.field_in_conflict, 'name', cr.text);
      // The same person again, her name in traditional script: the number links her.
      const same = await register('doctor', { name: '上官錦濤', sex: 'female', birth_date: a.body.birth_date,
        phone: '13911112222', area_code: AREA, identifiers: [{ type: 'temporary', value: tmp }] });
      assert.equal(same.status, 200, same.text);
      assert.equal(same.json.match.status, 'linked');
      assert.equal(same.json.match.rule, 'identifier');
      assert.equal(same.json.person.id, a.id);
      // A strong identifier still links across a changed name (a marriage, a new given name).
      const ins = `YB${Date.now() % 1e8}N`;
      const d = await person('admin', { identifiers: [{ type: 'insurance_card', value: ins }] });
      const newName = await register('admin', { name: fresh().name, sex: d.body.sex, birth_date: d.body.birth_date,
        area_code: AREA, identifiers: [{ type: 'insurance_card', value: ins }] });
      assert.equal(newName.status, 200, newName.text);
      assert.equal(newName.json.person.id, d.id);
    });

    test('malformed JSON: 400 malformed_json', async () => {
      const r = await srv.as('admin', 'POST', '/api/v1/persons', { headers: { 'Content-Type': 'application/json' }, raw: '{"name":"张三",' });
      assertError(r, 400, 'malformed_json');
    });

    test('wrong JSON types: 400 invalid_type naming the field, nothing written', async () => {
      const f = fresh();
      const ok = { name: f.name, sex: f.sex, birth_date: f.birth_date, phone: f.phone, area_code: AREA };
      for (const [patch, field] of [
        [{ name: 123 }, 'name'],
        [{ birth_date: 19800101 }, 'birth_date'],
        [{ identifiers: { type: 'passport', value: 'E1234567' } }, 'identifiers'],
        [{ identifiers: ['E1234567'] }, 'identifiers[0]'],
        [{ identifiers: [{ type: 'passport', value: 1234567 }] }, 'identifiers[0].value'],
        [{ former_names: '张三' }, 'former_names'],
        [{ phone: 13812345678 }, 'phone'],
      ]) {
        const r = await register('admin', { ...ok, ...patch });
        assertError(r, 400, 'invalid_type', field, JSON.stringify(patch));
      }
      await assertNotRegistered(ok, null, 'invalid_type');
    });

    test('unknown fields, a future birth date, a bad sex: 422, nothing written', async () => {
      const f = fresh();
      const ok = { name: f.name, sex: f.sex, birth_date: f.birth_date, phone: f.phone, area_code: AREA };
      const tomorrow = new Date(Date.now() + 8 * 3600e3 + 86400e3).toISOString().slice(0, 10);
      for (const [body, code, field] of [
        [{ ...ok, nickname: '小张' }, 'invalid_value', 'nickname'],
        [{ ...ok, identifiers: [{ type: 'passport', value: 'E1234567', country: 'CHN' }] }, 'invalid_value', 'identifiers[0].country'],
        [{ ...ok, birth_date: tomorrow }, 'invalid_value', 'birth_date'],
        [{ ...ok, sex: 'M' }, 'invalid_value', 'sex'],
        [{ ...ok, identifiers: [{ type: 'drivers_license', value: 'E1234567' }] }, 'invalid_value', 'identifiers[0].type'],
        [{ ...ok, area_code: '370102999999' }, 'unknown_reference', 'area_code'],
        [(({ name, ...rest }) => rest)(ok), 'missing_field', 'name'],
      ]) {
        const r = await register('admin', body);
        assertError(r, 422, code, field, JSON.stringify(body));
      }
      await assertNotRegistered(ok, null, '422');
    });

    test('concurrent registrations of one ID number make one person', async () => {
      const f = fresh({ sex: 'male' });
      const card = idCard(f.birth_date, 'male');
      const rs = await Promise.all(
        [0, 1, 2, 3, 4, 5].map((i) =>
          register(i % 2 ? 'doctor' : 'admin', {
            name: f.name, sex: 'male', birth_date: f.birth_date, phone: `1338${String(f.n).padStart(5, '0')}${i}0`, area_code: AREA,
            identifiers: [{ type: 'id_card', value: card }],
          }),
        ),
      );
      const statuses = rs.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 201], rs.map((r) => `${r.status} ${r.text.slice(0, 200)}`).join('\n'));
      const ids = new Set(rs.map((r) => r.json.person.id));
      assert.equal(ids.size, 1, 'one person');
      const [pid] = ids;
      assert.equal((await doc(pid)).records.length, 6);
      assert.deepEqual((await findByIdentifier('id_card', card)).map((x) => x.id), [pid]);
    });

    test('Idempotency-Key: a replay answers the same and registers one record', async () => {
      const f = fresh();
      const body = { name: f.name, sex: f.sex, birth_date: f.birth_date, phone: f.phone, address: f.address, area_code: AREA };
      const h = { 'Idempotency-Key': `mpi-idem-${f.n}` };
      const a = await register('admin', body, { headers: h });
      assert.equal(a.status, 201, a.text);
      const b = await register('admin', body, { headers: h });
      assert.equal(b.status, 201, `the replay answers as the first time: ${b.text}`);
      assert.deepEqual(b.json, a.json);
      assert.equal(b.headers['idempotent-replayed'], 'true');
      const found = await findByName(f.name);
      assert.deepEqual(found.map((x) => x.id), [a.json.person.id], 'one person');
      assert.equal((await doc(a.json.person.id)).records.length, 1, 'one record');
      const other = await register('admin', { ...body, phone: '13600000000' }, { headers: h });
      assertError(other, 422, 'idempotency_key_reused', 'Idempotency-Key');
      assert.equal((await doc(a.json.person.id)).records.length, 1, 'still one record');
    });
  });

  /* ---- the full person, edits, identifiers ---- */

  describe('person', () => {
    test('GET is the full, unmasked person, and the read is audited', async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      const f = fresh();
      const card = idCard(f.birth_date, f.sex);
      const { id } = await person('admin', { phone: '13812341234', identifiers: [{ type: 'id_card', value: card }] }, f);
      const g = await getPerson(id, 'staff');
      assert.equal(g.json.identifiers[0].value, card);
      assert.equal(g.json.phone, '13812341234');
      assert.match(g.headers.etag, /^"\d+"$/);
      const staffId = (await srv.as('staff', 'GET', '/api/v1/me')).json.id;
      const rows = await eventually(async () => {
        const r = await srv.as('auditor', 'GET', `/api/v1/audit?resource_type=person&resource_id=${id}&from=${encodeURIComponent(from)}&limit=500`);
        assert.equal(r.status, 200, r.text);
        return r.json.items.some((x) => x.username === 'staff' && x.method === 'GET') && r.json.items;
      }, { what: 'the audit row of the read' });
      const row = rows.find((x) => x.username === 'staff' && x.method === 'GET');
      assert.equal(row.route, '/api/v1/persons/{id}');
      assert.equal(row.status, 200);
      assert.equal(row.user_id, staffId);
      assert.equal(row.resource_id, id);
    });

    test('the person\'s access trail lists who read it, for staff in scope and not out of it', async () => {
      const { id } = await person('doctor', {}, fresh());
      assert.equal((await getPerson(id, 'staff')).status, 200);
      const trail = await eventually(async () => {
        const r = await srv.as('doctor', 'GET', `/api/v1/persons/${id}/audit?limit=500`);
        assert.equal(r.status, 200, r.text);
        return r.json.items.some((x) => x.username === 'staff') && r.json;
      }, { what: 'the staff read in the trail' });
      const read = trail.items.find((x) => x.username === 'staff');
      assert.equal(read.method, 'GET');
      assert.equal(read.route, '/api/v1/persons/{id}');
      assert.equal(read.status, 200);
      assert.match(read.at, INSTANT_RE);
      const reg = trail.items.find((x) => x.username === 'doctor' && x.method === 'POST');
      assert.equal(reg.route, '/api/v1/persons');
      // Newest first.
      const ats = trail.items.map((x) => x.at);
      assert.deepEqual([...ats].sort().reverse(), ats);
      // A clinician of another facility gets 404, as for the person itself.
      const out = await srv.as('mpi_doc_jy', 'GET', `/api/v1/persons/${id}/audit`);
      assert.equal(out.status, 404, out.text);
    });

    test('GET of an id that never was a person: 404', async () => {
      assertError(await srv.as('admin', 'GET', '/api/v1/persons/123456789012345678'), 404, 'not_found');
    });

    test('PATCH needs If-Match: 428 without, 412 stale, 200 with a new ETag', async () => {
      const f = fresh();
      const card = idCard(f.birth_date, f.sex);
      const { id } = await person('admin', { identifiers: [{ type: 'id_card', value: card }] }, f);
      const p = `/api/v1/persons/${id}`;
      const g = await getPerson(id);
      const v = g.json.version;
      const none = await srv.as('admin', 'PATCH', p, { body: { address: '新地址1号' } });
      assertError(none, 428, 'precondition_required', 'If-Match');
      assert.deepEqual(await doc(id), g.json, '428 changed nothing');
      const ok = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': g.headers.etag }, body: { address: '新地址2号', phone: '13911112222', former_names: ['旧名'] } });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.address, '新地址2号');
      assert.equal(ok.json.phone, '13911112222');
      assert.deepEqual(ok.json.former_names, ['旧名']);
      assert.ok(ok.json.version > v);
      assert.equal(ok.headers.etag, `"${ok.json.version}"`);
      assert.notEqual(ok.headers.etag, g.headers.etag);
      const after1 = await doc(id);
      assert.deepEqual(after1, ok.json);
      const stale = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': g.headers.etag }, body: { address: '新地址3号' } });
      assertError(stale, 412, 'stale_version', 'If-Match');
      assert.equal(stale.json.error.details.current_etag, ok.headers.etag);
      // A birth date or sex against the ID number, a future date, a wrong type.
      for (const [body, status, code, field] of [
        [{ birth_date: '1901-01-01' }, 422, 'invalid_value', 'birth_date'],
        [{ sex: f.sex === 'male' ? 'female' : 'male' }, 422, 'invalid_value', 'sex'],
        [{ deceased_date: '2999-01-01' }, 422, 'invalid_value', 'deceased_date'],
        [{ area_code: '370102999999' }, 422, 'unknown_reference', 'area_code'],
        [{ nickname: 'x' }, 422, 'invalid_value', 'nickname'],
        [{ name: 7 }, 400, 'invalid_type', 'name'],
      ]) {
        const r = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': ok.headers.etag }, body });
        assertError(r, status, code, field, JSON.stringify(body));
      }
      assert.deepEqual(await doc(id), after1, 'rejected PATCHes changed nothing');
    });

    test('identifiers: add (201), another person\'s (409), delete (204), delete again (404)', async () => {
      const a = await person();
      const b = await person('admin', { identifiers: [{ type: 'social_security_card', value: `SB${seq}X9876` }] });
      const bCard = b.body.identifiers[0].value;
      const value = `YB${seq}Z12345`;
      const add = await srv.as('admin', 'POST', `/api/v1/persons/${a.id}/identifiers`, { body: { type: 'insurance_card', value } });
      assert.equal(add.status, 201, add.text);
      assert.match(add.json.id, ID_RE);
      assert.equal(add.json.type, 'insurance_card');
      assert.equal(add.json.value, value);
      let p = await doc(a.id);
      assert.deepEqual(p.identifiers.map((i) => [i.id, i.type, i.value]), [[add.json.id, 'insurance_card', value]]);
      assert.deepEqual((await findByIdentifier('insurance_card', value)).map((x) => x.id), [a.id]);

      const snap = await snapshot(a.id, b.id);
      const taken = await srv.as('admin', 'POST', `/api/v1/persons/${a.id}/identifiers`, { body: { type: 'social_security_card', value: bCard } });
      assertError(taken, 409, 'conflict');
      const bad = await srv.as('admin', 'POST', `/api/v1/persons/${a.id}/identifiers`, { body: { type: 'id_card', value: wrongCheck(idCard(a.body.birth_date, a.body.sex)) } });
      assertError(bad, 422, 'invalid_value', 'value');
      // A valid number of another birth date, or of the other sex: the person's field is named.
      const otherDay = idCard(a.body.birth_date === '1990-01-02' ? '1990-01-03' : '1990-01-02', a.body.sex);
      assertError(await srv.as('admin', 'POST', `/api/v1/persons/${a.id}/identifiers`, { body: { type: 'id_card', value: otherDay } }),
        422, 'invalid_value', 'birth_date');
      const otherSex = idCard(a.body.birth_date, a.body.sex === 'male' ? 'female' : 'male');
      assertError(await srv.as('admin', 'POST', `/api/v1/persons/${a.id}/identifiers`, { body: { type: 'id_card', value: otherSex } }),
        422, 'invalid_value', 'sex');
      const noIssuer = await srv.as('admin', 'POST', `/api/v1/persons/${a.id}/identifiers`, { body: { type: 'hospital_card', value: 'H-1' } });
      assertError(noIssuer, 422, 'missing_field', 'issuer');
      await assertUnchanged(snap, 'rejected identifier adds');

      const del = await srv.as('admin', 'DELETE', `/api/v1/persons/${a.id}/identifiers/${add.json.id}`);
      assert.equal(del.status, 204, del.text);
      assert.equal(del.text, '');
      p = await doc(a.id);
      assert.deepEqual(p.identifiers, []);
      assert.deepEqual(await findByIdentifier('insurance_card', value), []);
      assertError(await srv.as('admin', 'DELETE', `/api/v1/persons/${a.id}/identifiers/${add.json.id}`), 404, 'not_found');
      // Another person's identifier is not this person's to delete.
      const bIdent = (await doc(b.id)).identifiers[0].id;
      assertError(await srv.as('admin', 'DELETE', `/api/v1/persons/${a.id}/identifiers/${bIdent}`), 404, 'not_found');
      assert.deepEqual(await doc(b.id), snap[b.id]);
    });

    test('lookups by identifier, phone and name answer masked items', async () => {
      const f = fresh({ sex: 'male' });
      const card = idCard(f.birth_date, 'male');
      const phone = `138${String(f.n).padStart(4, '0')}1234`;
      const passport = `E${String(f.n).padStart(8, '0')}`;
      const { id } = await person('admin', { sex: 'male', phone, identifiers: [{ type: 'id_card', value: card }, { type: 'passport', value: passport }] }, f);
      const check = (items, how) => {
        assert.equal(items.length, 1, `${how}: ${JSON.stringify(items)}`);
        const it = items[0];
        assert.equal(it.id, id, how);
        assert.equal(it.name, f.name, how);
        assert.equal(it.phone, maskPhone(phone), how);
        assert.equal(it.phone, `138****${phone.slice(-4)}`);
        const ic = it.identifiers.find((x) => x.type === 'id_card');
        assert.equal(ic.value, maskId(card), how);
        assert.match(ic.value, /^\d{4}\*{10}[0-9X]{4}$/);
        const pp = it.identifiers.find((x) => x.type === 'passport');
        assert.equal(pp.value, `${passport.slice(0, 2)}${'*'.repeat(passport.length - 4)}${passport.slice(-2)}`, how);
        const text = JSON.stringify(items);
        assert.ok(!text.includes(card), `${how}: the full ID number is in the answer`);
        assert.ok(!text.includes(phone), `${how}: the full phone is in the answer`);
        assert.ok(!text.includes(passport), `${how}: the full passport number is in the answer`);
      };
      check(await findByIdentifier('id_card', card), 'GET ?identifier=id_card|…');
      check(await findByIdentifier('id_card', card.toLowerCase()), 'GET ?identifier= lower case');
      check(await findByPhone(phone), 'GET ?phone=');
      const byName = await srv.as('admin', 'GET', `/api/v1/persons?name=${encodeURIComponent(f.name)}&birth_date=${f.birth_date}`);
      assert.equal(byName.status, 200, byName.text);
      check(byName.json.items, 'GET ?name=&birth_date=');
      const s = await srv.as('admin', 'POST', '/api/v1/persons/search', { body: { identifier: { type: 'id_card', value: card } } });
      assert.equal(s.status, 200, s.text);
      check(s.json.items, 'POST /persons/search identifier');
      const s2 = await srv.as('admin', 'POST', '/api/v1/persons/search', { body: { name: f.name, birth_date: f.birth_date } });
      check(s2.json.items, 'POST /persons/search name');
      // No match: an empty list. Bad parameters: 400 / 422.
      assert.deepEqual(await findByIdentifier('id_card', idCard('1931-01-01', 'male', { k: 7 })), []);
      assertError(await srv.as('admin', 'GET', '/api/v1/persons'), 400, 'invalid_parameter');
      assertError(await srv.as('admin', 'GET', '/api/v1/persons?identifier=bogus|1'), 400, 'invalid_parameter', 'identifier');
      assertError(await srv.as('admin', 'POST', '/api/v1/persons/search', { body: {} }), 422);
    });
  });

  /* ---- merge and unmerge ---- */

  describe('merge and unmerge', () => {
    test('merge: the merged id resolves to the kept person; unmerge restores both exactly; again 409', async () => {
      const a = await person('admin', { identifiers: [{ type: 'insurance_card', value: `MA${seq}00001` }] });
      const b = await person('doctor', { identifiers: [{ type: 'insurance_card', value: `MB${seq}00002` }] });
      const bCard = b.body.identifiers[0].value;
      const A0 = await doc(a.id);
      const B0 = await doc(b.id);
      const m = await srv.as('admin', 'POST', '/api/v1/mpi/merge', { body: { keep: a.id, merge: b.id, reason: '同一人：核对身份证原件' } });
      assert.equal(m.status, 200, m.text);
      assert.match(m.json.merge_id, ID_RE);
      assert.equal(m.json.person.id, a.id);
      assert.deepEqual(recordIds(m.json.person), [...recordIds(A0), ...recordIds(B0)].sort());
      assert.deepEqual(m.json.person.merged_from.map((x) => [x.merge_id, x.person_id]), [[m.json.merge_id, b.id]]);
      assert.equal(m.json.person.merged_from[0].reason, '同一人：核对身份证原件');
      // Every record of B now has a live link by merge.
      for (const rec of m.json.person.records.filter((x) => recordIds(B0).includes(x.id))) {
        assert.equal(rec.link.rule, 'merge');
        assert.equal(rec.link.merge_id, m.json.merge_id);
      }
      // B's id answers with A.
      const gb = await getPerson(b.id);
      assert.equal(gb.json.id, a.id);
      assert.equal(gb.json.resolved_from, b.id);
      // B's identifiers find A; B is no longer listed on its own.
      assert.deepEqual((await findByIdentifier('insurance_card', bCard)).map((x) => x.id), [a.id]);
      assert.deepEqual((await findByName(b.body.name)).map((x) => x.id).filter((x) => x === b.id), []);
      // B's doctor now sees A (A holds a record registered at the hospital).
      assert.equal((await srv.as('doctor', 'GET', `/api/v1/persons/${b.id}`)).status, 200);

      // Again, or the other way round: 409.
      assertError(await srv.as('admin', 'POST', '/api/v1/mpi/merge', { body: { keep: a.id, merge: b.id, reason: '再次合并' } }), 409, 'conflict');

      const u = await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { person: b.id, reason: '合并有误' } });
      assert.equal(u.status, 200, u.text);
      assert.deepEqual(u.json.persons.map((x) => x.id).sort(), [a.id, b.id].sort());
      const A1 = await doc(a.id);
      const B1 = await doc(b.id);
      assert.equal(B1.id, b.id);
      assert.equal(B1.resolved_from, undefined);
      assert.equal(B1.merged_into ?? null, null);
      assert.deepEqual(recordIds(A1), recordIds(A0), 'A has exactly its records again');
      assert.deepEqual(recordIds(B1), recordIds(B0), 'B has exactly its records again');
      assert.deepEqual(A1.merged_from, []);
      for (const k of ['name', 'sex', 'birth_date', 'phone', 'address', 'area_code'])
        assert.equal(B1[k], B0[k], `B.${k} restored`);
      assert.deepEqual(B1.identifiers.map((i) => i.value), B0.identifiers.map((i) => i.value));
      assert.deepEqual(A1.identifiers.map((i) => i.value), A0.identifiers.map((i) => i.value));
      assert.deepEqual((await findByIdentifier('insurance_card', bCard)).map((x) => x.id), [b.id]);
      // The history shows the merge and its undoing.
      const bRec = B1.records[0];
      assert.notEqual(bRec.link.rule, 'merge');
      assert.ok(B1.links.some((l) => l.rule === 'merge' && l.undone_at), 'the undone merge link stays in the history');
      assertError(await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { person: b.id, reason: '再撤销' } }), 409, 'conflict');
      assert.deepEqual(recordIds(await doc(b.id)), recordIds(B0));
    });

    test('attributes and family links stay on their person and show on the current one', async () => {
      const a = await person();
      const b = await person();
      const c = await person();
      const attr = await srv.as('admin', 'POST', `/api/v1/persons/${b.id}/attributes`, {
        body: { type: 'military', evidence_type: 'veteran_card', evidence_number: 'TY0001', valid_from: '2010-01-01' },
      });
      assert.equal(attr.status, 201, attr.text);
      const fam = await srv.as('admin', 'POST', `/api/v1/persons/${b.id}/family`, { body: { person_id: c.id, relation: 'spouse' } });
      assert.equal(fam.status, 201, fam.text);
      const m = await srv.as('admin', 'POST', '/api/v1/mpi/merge', { body: { keep: a.id, merge: b.id, reason: '同一人' } });
      assert.equal(m.status, 200, m.text);
      assert.deepEqual(m.json.person.attributes.map((x) => x.id), [attr.json.id]);
      assert.deepEqual(m.json.person.family.map((x) => [x.id, x.person_id]), [[fam.json.id, c.id]]);
      const u = await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { person: b.id, reason: '撤销' } });
      assert.equal(u.status, 200, u.text);
      const A = await doc(a.id);
      const B = await doc(b.id);
      assert.deepEqual(A.attributes, []);
      assert.deepEqual(A.family, []);
      assert.deepEqual(B.attributes.map((x) => x.id), [attr.json.id]);
      assert.deepEqual(B.family.map((x) => x.id), [fam.json.id]);
    });

    test('a merge whose records moved again is undone after the later one (409 before)', async () => {
      const a = await person();
      const b = await person();
      const c = await person();
      const [A0, B0, C0] = [await doc(a.id), await doc(b.id), await doc(c.id)];
      const merge = async (keep, m) => {
        const r = await srv.as('admin', 'POST', '/api/v1/mpi/merge', { body: { keep, merge: m, reason: '核对为同一人' } });
        assert.equal(r.status, 200, r.text);
        return r.json;
      };
      await merge(a.id, b.id); // b → a
      const last = await merge(c.id, a.id); // a (with b's records) → c
      assert.deepEqual(recordIds(last.person), [...recordIds(A0), ...recordIds(B0), ...recordIds(C0)].sort());
      const gb = await getPerson(b.id);
      assert.equal(gb.json.id, c.id, 'a merged id resolves through two merges');
      const snap = await snapshot(c.id);
      const early = await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { person: b.id, reason: '先撤销早的' } });
      assertError(early, 409, 'conflict');
      await assertUnchanged(snap, 'refused unmerge');
      let u = await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { person: a.id, reason: '撤销后一次' } });
      assert.equal(u.status, 200, `undoing the later merge (a → c): ${u.text}`);
      assert.deepEqual(recordIds(await doc(c.id)), recordIds(C0));
      assert.deepEqual(recordIds(await doc(a.id)), [...recordIds(A0), ...recordIds(B0)].sort());
      u = await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { person: b.id, reason: '再撤销前一次' } });
      assert.equal(u.status, 200, `then the earlier one (b → a), its records back where it put them: ${u.text}`);
      assert.deepEqual(recordIds(await doc(a.id)), recordIds(A0));
      assert.deepEqual(recordIds(await doc(b.id)), recordIds(B0));
      assert.deepEqual(recordIds(await doc(c.id)), recordIds(C0));
    });

    test('unmerge by link_id detaches one record into a person of its own', async () => {
      const f = fresh();
      const simp = { name: '李锦华', sex: 'female', birth_date: f.birth_date, phone: f.phone, address: f.address, area_code: AREA };
      const one = await registerOk('admin', simp);
      assert.equal(one.json.match.status, 'new', one.text);
      const two = await registerOk('admin', { ...simp, name: '李錦華' }, 200);
      assert.equal(two.json.match.rule, 'score');
      const pid = one.json.person.id;
      const P = await doc(pid);
      const rec2 = P.records.find((x) => x.id === two.json.match.record_id);
      const u = await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { link_id: rec2.link.id, reason: '不是同一人' } });
      assert.equal(u.status, 200, u.text);
      assert.equal(u.json.persons.length, 2);
      assert.equal(u.json.persons[0].id, pid);
      const other = u.json.persons[1];
      assert.notEqual(other.id, pid);
      assert.deepEqual(recordIds(await doc(pid)), [one.json.match.record_id]);
      assert.deepEqual(recordIds(await doc(other.id)), [two.json.match.record_id]);
      assert.equal((await doc(other.id)).name, '李錦華', 'the new person is built from the record');
      const snap = await snapshot(pid, other.id);
      assertError(await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { link_id: rec2.link.id, reason: '再来一次' } }), 409, 'conflict');
      const only = (await doc(pid)).records[0].link.id;
      assertError(await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { link_id: only, reason: '唯一记录' } }), 409, 'conflict');
      assertError(await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { link_id: only, person: pid, reason: '两者都给' } }), 422);
      await assertUnchanged(snap, 'refused unmerges');
    });

    test('merge into itself, with an unknown person, of two ID numbers: refused, nothing changed', async () => {
      const fa = fresh();
      const fb = fresh();
      const a = await person('admin', { identifiers: [{ type: 'id_card', value: idCard(fa.birth_date, fa.sex) }] }, fa);
      const b = await person('admin', { identifiers: [{ type: 'id_card', value: idCard(fb.birth_date, fb.sex) }] }, fb);
      const snap = await snapshot(a.id, b.id);
      const merge = (body) => srv.as('admin', 'POST', '/api/v1/mpi/merge', { body });
      assertError(await merge({ keep: a.id, merge: a.id, reason: '自身合并' }), 422, 'invalid_value');
      assertError(await merge({ keep: a.id, merge: '123456789012345678', reason: '未知' }), 422, 'unknown_reference', 'merge');
      assertError(await merge({ keep: a.id, merge: b.id }), 422, 'missing_field', 'reason');
      const two = await merge({ keep: a.id, merge: b.id, reason: '两个身份证号' });
      assertError(two, 409, 'conflict');
      await assertUnchanged(snap, 'refused merges');
      assertError(await srv.as('admin', 'POST', '/api/v1/mpi/unmerge', { body: { person: a.id, reason: '从未合并' } }), 409, 'conflict');
      await assertUnchanged(snap, 'refused unmerge');
    });
  });

  /* ---- reviews ---- */

  describe('reviews', () => {
    /** Two registrations the matcher can neither link nor tell apart: the second opens a
     * review against the first. Returns {a, b, review_id}. */
    async function reviewPair(who = 'admin') {
      const f = fresh();
      const a = await person(who, {}, f);
      const body = { ...a.body, phone: `1370${String(f.n).padStart(7, '0')}`, address: `天桥区北园大街${f.n}号` };
      const b = await register(who, body);
      assert.equal(b.status, 201, `the near match opens a review: ${b.text}`);
      assert.equal(b.json.match.status, 'review', `the near match opens a review: ${b.text}`);
      assert.match(b.json.match.review_id, ID_RE);
      assert.notEqual(b.json.person.id, a.id);
      assert.ok(b.json.match.candidates.some((c) => c.person_id === a.id && typeof c.score === 'number'), b.text);
      return { a, b: b.json.person, match: b.json.match, review_id: b.json.match.review_id };
    }

    test('a near match opens a review: listed, shown with both persons, decided "same" (merge), again 409', async () => {
      const { a, b, match, review_id: rid } = await reviewPair();
      const list = await srv.as('staff', 'GET', '/api/v1/mpi/reviews?limit=500');
      assert.equal(list.status, 200, list.text);
      const item = list.json.items.find((x) => x.id === rid);
      assert.ok(item, `review ${rid} is listed as open`);
      assert.equal(item.status, 'open');
      assert.equal(typeof item.score, 'number');
      assert.match(item.created_at, INSTANT_RE);
      // docs/mpi.md names the record "record"; the server answers "record_id". Either, for the record that opened it.
      assert.equal(item.record?.id ?? item.record_id, match.record_id, JSON.stringify(item));
      assert.equal(item.person.id, b.id);
      assert.equal(item.candidate.id, a.id);
      assert.ok(!JSON.stringify(item).includes(a.body.phone), 'list items are masked');

      const one = await srv.as('staff', 'GET', `/api/v1/mpi/reviews/${rid}`);
      assert.equal(one.status, 200, one.text);
      assert.equal(one.json.id, rid);
      assert.equal(one.json.status, 'open');
      assert.ok(Array.isArray(one.json.explain) && one.json.explain.length > 0);
      for (const e of one.json.explain) {
        assert.equal(typeof e.field, 'string');
        assert.equal(typeof e.level, 'string');
        assert.equal(typeof e.weight, 'number');
      }
      assert.ok(one.json.explain.some((e) => e.field === 'name'));
      assert.equal(one.json.person.id, b.id);
      assert.equal(one.json.candidate.id, a.id);
      assert.equal(one.json.candidate.phone, a.body.phone, 'the review shows both persons in full');
      assertError(await srv.as('staff', 'GET', '/api/v1/mpi/reviews/123456789012345678'), 404, 'not_found');

      const bRecs = recordIds(await doc(b.id));
      const aRecs = recordIds(await doc(a.id));
      const bad = await srv.as('staff', 'POST', `/api/v1/mpi/reviews/${rid}`, { body: { decision: 'maybe', reason: 'x' } });
      assertError(bad, 422, 'invalid_value', 'decision');
      const d = await srv.as('staff', 'POST', `/api/v1/mpi/reviews/${rid}`, { body: { decision: 'same', reason: '电话变更，同一人' } });
      assert.equal(d.status, 200, d.text);
      assert.equal(d.json.id, rid);
      assert.equal(d.json.status, 'same');
      const g = await getPerson(b.id);
      assert.equal(g.json.id, a.id, 'the new person was merged into the candidate');
      assert.equal(g.json.resolved_from, b.id);
      assert.deepEqual(recordIds(g.json), [...aRecs, ...bRecs].sort());
      const again = await srv.as('staff', 'POST', `/api/v1/mpi/reviews/${rid}`, { body: { decision: 'different', reason: '改主意' } });
      assertError(again, 409, 'conflict');
      assert.equal((await srv.as('staff', 'GET', `/api/v1/mpi/reviews/${rid}`)).json.status, 'same');
      assert.deepEqual(recordIds(await doc(a.id)), [...aRecs, ...bRecs].sort(), 'the refused decision changed nothing');
      const open = await srv.as('staff', 'GET', '/api/v1/mpi/reviews?status=open&limit=500');
      assert.ok(!open.json.items.some((x) => x.id === rid));
      const same = await srv.as('staff', 'GET', '/api/v1/mpi/reviews?status=same&limit=500');
      assert.ok(same.json.items.some((x) => x.id === rid));
    });

    test('a review decided "different" keeps both persons', async () => {
      const { a, b, review_id: rid } = await reviewPair();
      const d = await srv.as('admin', 'POST', `/api/v1/mpi/reviews/${rid}`, { body: { decision: 'different', reason: '双胞胎' } });
      assert.equal(d.status, 200, d.text);
      assert.equal(d.json.status, 'different');
      assert.equal((await doc(b.id)).id, b.id);
      assert.equal((await doc(a.id)).records.length, 1);
      const diff = await srv.as('admin', 'GET', '/api/v1/mpi/reviews?status=different&limit=500');
      assert.ok(diff.json.items.some((x) => x.id === rid));
    });

    test('reviews are for the commission, in its area', async () => {
      const { review_id: rid } = await reviewPair();
      for (const u of ['doctor', 'hotline', 'auditor', 'resident'])
        assertError(await srv.as(u, 'GET', `/api/v1/mpi/reviews/${rid}`), 403, 'forbidden', undefined, u);
      const out = await srv.as('mpi_staff_jy', 'GET', `/api/v1/mpi/reviews/${rid}`);
      assert.ok([403, 404].includes(out.status), `out of area: ${out.status} ${out.text}`);
      const list = await srv.as('mpi_staff_jy', 'GET', '/api/v1/mpi/reviews?limit=500');
      assert.equal(list.status, 200);
      assert.ok(!list.json.items.some((x) => x.id === rid), 'a review outside the area is not listed');
      const dec = await srv.as('mpi_staff_jy', 'POST', `/api/v1/mpi/reviews/${rid}`, { body: { decision: 'same', reason: '越权' } });
      assert.ok([403, 404].includes(dec.status), `out of area: ${dec.status} ${dec.text}`);
      assert.equal((await srv.as('staff', 'GET', `/api/v1/mpi/reviews/${rid}`)).json.status, 'open');
    });
  });

  /* ---- verified attributes ---- */

  describe('attributes', () => {
    test('add (201), invalid ones (422, nothing written), revoke (204, kept out of the person), again 404', async () => {
      const { id } = await person('doctor');
      const p = `/api/v1/persons/${id}/attributes`;
      const r = await srv.as('doctor', 'POST', p, {
        body: { type: 'disabled', evidence_type: 'disability_card', evidence_number: '37010219800101123X42', valid_from: '2020-01-01' },
      });
      assert.equal(r.status, 201, r.text);
      assert.match(r.json.id, ID_RE);
      assert.equal(r.json.type, 'disabled');
      const snap = await snapshot(id);
      const a0 = snap[id].attributes;
      assert.equal(a0.length, 1);
      assert.equal(a0[0].id, r.json.id);
      assert.equal(a0[0].evidence_type, 'disability_card');
      assert.equal(a0[0].valid_from, '2020-01-01');
      assert.equal(a0[0].valid_to, null);
      assert.equal(a0[0].valid_now, true);
      assert.equal(a0[0].verified_by, (await srv.as('doctor', 'GET', '/api/v1/me')).json.id);
      assert.equal(a0[0].verified_facility, fac[HOSPITAL]);
      for (const [body, field] of [
        [{ type: 'vip', evidence_type: 'disability_card', valid_from: '2020-01-01' }, 'type'],
        [{ type: 'military', evidence_type: 'disability_card', valid_from: '2020-01-01' }, 'evidence_type'],
        [{ type: 'pregnant', evidence_type: 'maternal_handbook', valid_from: '2024-05-01', valid_to: '2024-04-30' }, 'valid_to'],
        [{ type: 'pregnant', evidence_type: 'maternal_handbook', valid_from: '2024-02-30' }, 'valid_from'],
        [{ type: 'pregnant', evidence_type: 'maternal_handbook' }, 'valid_from'],
      ]) {
        const x = await srv.as('admin', 'POST', p, { body });
        assertError(x, 422, undefined, field, JSON.stringify(body));
      }
      await assertUnchanged(snap, 'rejected attributes');
      // An attribute that has ended is listed but not valid now.
      const past = await srv.as('admin', 'POST', p, { body: { type: 'military', evidence_type: 'veteran_card', valid_from: '2000-01-01', valid_to: '2001-12-31' } });
      assert.equal(past.status, 201, past.text);
      assert.equal((await doc(id)).attributes.find((x) => x.id === past.json.id).valid_now, false);
      const del = await srv.as('admin', 'DELETE', `${p}/${r.json.id}`);
      assert.equal(del.status, 204, del.text);
      const now = (await doc(id)).attributes;
      assert.ok(!now.some((x) => x.id === r.json.id && x.valid_now), 'a revoked attribute is no longer in force');
      assertError(await srv.as('admin', 'DELETE', `${p}/${r.json.id}`), 404, 'not_found');
    });
  });

  /* ---- family links and residents ---- */

  describe('family', () => {
    test('a resident sees the persons their person manages, and no one else', async () => {
      const kid = await person();
      const stranger = await person();
      assertError(await srv.as('resident', 'GET', `/api/v1/persons/${kid.id}`), 404, 'not_found');
      const own = await srv.as('resident', 'GET', `/api/v1/persons/${residentPerson}`);
      assert.equal(own.status, 200, `a resident sees their own person: ${own.text}`);
      const link = await srv.as('admin', 'POST', `/api/v1/persons/${residentPerson}/family`, { body: { person_id: kid.id, relation: 'child', manages: true } });
      assert.equal(link.status, 201, link.text);
      assert.match(link.json.id, ID_RE);
      assert.equal(link.json.relation, 'child');
      assert.equal(link.json.manages, true);
      const fam = (await doc(residentPerson)).family.find((x) => x.id === link.json.id);
      assert.ok(fam, 'the link is in the person\'s family');
      assert.equal(fam.person_id, kid.id);
      assert.equal(fam.name, kid.body.name);
      const seen = await srv.as('resident', 'GET', `/api/v1/persons/${kid.id}`);
      assert.equal(seen.status, 200, `the resident now sees the managed person: ${seen.text}`);
      assert.equal(seen.json.id, kid.id);
      assertError(await srv.as('resident', 'GET', `/api/v1/persons/${stranger.id}`), 404, 'not_found');
      // Refused links change nothing.
      const snap = await snapshot(residentPerson);
      const dup = await srv.as('admin', 'POST', `/api/v1/persons/${residentPerson}/family`, { body: { person_id: kid.id, relation: 'child', manages: false } });
      assertError(dup, 409, 'conflict');
      assertError(await srv.as('admin', 'POST', `/api/v1/persons/${residentPerson}/family`, { body: { person_id: residentPerson, relation: 'spouse' } }), 422, 'invalid_value', 'person_id');
      assertError(await srv.as('admin', 'POST', `/api/v1/persons/${residentPerson}/family`, { body: { person_id: stranger.id, relation: 'cousin' } }), 422, 'invalid_value', 'relation');
      assertError(await srv.as('admin', 'POST', `/api/v1/persons/${residentPerson}/family`, { body: { person_id: '123456789012345678', relation: 'spouse' } }), 422, 'unknown_reference', 'person_id');
      assertError(await srv.as('admin', 'POST', `/api/v1/persons/${residentPerson}/family`, { body: { person_id: stranger.id, relation: 'spouse', manages: 'yes' } }), 400, 'invalid_type', 'manages');
      await assertUnchanged(snap, 'refused family links');
      // Ending the link ends the access.
      const end = await srv.as('admin', 'DELETE', `/api/v1/persons/${residentPerson}/family/${link.json.id}`);
      assert.equal(end.status, 204, end.text);
      assertError(await srv.as('resident', 'GET', `/api/v1/persons/${kid.id}`), 404, 'not_found');
      assertError(await srv.as('admin', 'DELETE', `/api/v1/persons/${residentPerson}/family/${link.json.id}`), 404, 'not_found');
    });
  });

  /* ---- scope and break-glass ---- */

  describe('scope', () => {
    test('a clinician sees persons registered at their facility, 404 elsewhere; break-glass opens them and is listed', async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      const here = await person('doctor');
      const f = fresh();
      const passport = `EG${String(f.n).padStart(7, '0')}`;
      const there = await person('mpi_doc_jy', { area_code: OTHER_AREA, identifiers: [{ type: 'passport', value: passport }] }, f);
      assert.equal((await srv.as('doctor', 'GET', `/api/v1/persons/${here.id}`)).status, 200);
      assertError(await srv.as('doctor', 'GET', `/api/v1/persons/${there.id}`), 404, 'not_found');
      assertError(await srv.as('mpi_doc_jy', 'GET', `/api/v1/persons/${here.id}`), 404, 'not_found');
      // Not in their lookups either.
      const look = await srv.as('doctor', 'GET', `/api/v1/persons?phone=${f.phone}`);
      assert.equal(look.status, 200);
      assert.deepEqual(look.json.items, [], 'lookups list only persons in scope');
      // Grid worker of 解放路街道: a person of 青年东路社区 yes, one of 济阳 no.
      assert.equal((await srv.as('grid', 'GET', `/api/v1/persons/${here.id}`)).status, 200);
      assertError(await srv.as('grid', 'GET', `/api/v1/persons/${there.id}`), 404, 'not_found');

      const bgPath = `/api/v1/persons/${there.id}/break-glass`;
      const listBg = async () => {
        const r = await srv.as('auditor', 'GET', `/api/v1/mpi/break-glass?from=${encodeURIComponent(from)}&limit=500`);
        assert.equal(r.status, 200, r.text);
        return r.json.items.filter((x) => x.person_id === there.id);
      };
      assertError(await srv.as('doctor', 'POST', bgPath, { body: {} }), 422, 'missing_field', 'reason');
      assertError(await srv.as('doctor', 'POST', bgPath, { body: { reason: '急诊' } }), 422, 'invalid_value', 'reason');
      assertError(await srv.as('hotline', 'POST', bgPath, { body: { reason: '热线来电，需要查看' } }), 403, 'forbidden');
      assert.deepEqual(await listBg(), [], 'refused break-glass calls are not recorded as reads');
      const reason = '昏迷患者送入急诊，需要既往病史';
      const bg = await srv.as('doctor', 'POST', bgPath, { body: { reason } });
      assert.equal(bg.status, 200, bg.text);
      assert.equal(bg.json.id, there.id);
      assert.equal(bg.json.name, f.name);
      assert.equal(bg.json.phone, f.phone, 'break-glass shows the full person');
      // It opened the record for that call only.
      assertError(await srv.as('doctor', 'GET', `/api/v1/persons/${there.id}`), 404, 'not_found');
      const doctorId = (await srv.as('doctor', 'GET', '/api/v1/me')).json.id;
      const rows = await listBg();
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.equal(rows[0].reason, reason);
      assert.equal(rows[0].user_id, doctorId);
      assert.match(rows[0].created_at, INSTANT_RE);
      assertError(await srv.as('admin', 'GET', '/api/v1/mpi/break-glass'), 403, 'forbidden');

      // By identifier: the ID in an unconscious patient's pocket, without a search the
      // caller's scope would empty.
      const byId = '/api/v1/persons/break-glass';
      assertError(await srv.as('dispatcher', 'POST', byId, { body: { identifier: { type: 'passport', value: passport } } }), 422, 'missing_field', 'reason');
      assertError(await srv.as('dispatcher', 'POST', byId, { body: { identifier: { type: 'passport', value: 'EG9999999' }, reason: '车祸伤员昏迷' } }), 404, 'not_found');
      assertError(await srv.as('grid', 'POST', byId, { body: { identifier: { type: 'passport', value: passport }, reason: '车祸伤员昏迷' } }), 403, 'forbidden');
      assert.equal((await listBg()).length, 1, 'refused calls are not recorded');
      const g = await srv.as('dispatcher', 'POST', byId, { body: { identifier: { type: 'passport', value: passport }, reason: '车祸伤员昏迷，随身护照' } });
      assert.equal(g.status, 200, g.text);
      assert.equal(g.json.id, there.id);
      assert.equal(g.json.identifiers.find((x) => x.type === 'passport').value, passport, 'the full person');
      const rows2 = await listBg();
      assert.equal(rows2.length, 2);
      assert.equal(rows2[0].reason, '车祸伤员昏迷，随身护照', 'newest first');
      assert.equal(rows2[0].user_id, (await srv.as('dispatcher', 'GET', '/api/v1/me')).json.id);
    });
  });

  /* ---- import ---- */

  describe('import', () => {
    const csvPost = (who, text, q = '') =>
      srv.as(who, 'POST', `/api/v1/persons/import${q}`, { headers: { 'Content-Type': 'text/csv' }, raw: text });

    test('a small CSV: new persons and a link to an existing one, counted', async () => {
      const f1 = fresh({ sex: 'male' });
      const f2 = fresh();
      const c2 = idCard(f2.birth_date, f2.sex);
      const existing = await person('admin', { identifiers: [{ type: 'id_card', value: c2 }] }, f2);
      const c1 = idCard(f1.birth_date, 'male');
      const f3 = fresh();
      const csv = [
        'name,sex,birth_date,phone,address,area_code,id_card',
        `${f1.name},male,${f1.birth_date},${f1.phone},${f1.address},${AREA},${c1}`,
        `${f2.name},${f2.sex},${f2.birth_date},13600001111,${f2.address},${AREA},${c2}`,
        `${f3.name},${f3.sex},${f3.birth_date},${f3.phone},${f3.address},${AREA},`,
        '',
      ].join('\n');
      const r = await csvPost('admin', csv);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { rows: 3, created: 2, linked: 1, reviews: 0, rejected: [] }, r.text);
      assert.equal((await doc(existing.id)).records.length, 2);
      assert.equal((await findByIdentifier('id_card', c1)).length, 1);
      assert.equal((await findByName(f3.name)).length, 1);
    });

    test('a bad row: 422 and nothing written; with skip_bad_rows the good rows go in', async () => {
      const f1 = fresh();
      const f2 = fresh();
      const bad = wrongCheck(idCard(f2.birth_date, f2.sex));
      const csv = [
        'name,sex,birth_date,phone,address,area_code,id_card',
        `${f1.name},${f1.sex},${f1.birth_date},${f1.phone},${f1.address},${AREA},`,
        `${f2.name},${f2.sex},${f2.birth_date},${f2.phone},${f2.address},${AREA},${bad}`,
        '',
      ].join('\n');
      const before_ = await allReviews();
      const r = await csvPost('admin', csv);
      assertError(r, 422);
      assert.ok(JSON.stringify(r.json.error).includes('3') || r.json.error.details, r.text);
      await assertNotRegistered({ name: f1.name, phone: f1.phone }, before_, 'import with a bad row');
      await assertNotRegistered({ name: f2.name, phone: f2.phone }, null, 'import with a bad row');
      const skip = await csvPost('admin', csv, '?skip_bad_rows=true');
      assert.equal(skip.status, 200, skip.text);
      assert.equal(skip.json.rows, 2);
      assert.equal(skip.json.created, 1);
      assert.equal(skip.json.rejected.length, 1);
      assert.equal((await findByName(f1.name)).length, 1);
      assert.deepEqual(await findByName(f2.name), []);
    });

    test('import needs text/csv and the register permission', async () => {
      assertError(await srv.as('admin', 'POST', '/api/v1/persons/import', { body: { name: 'x' } }), 415, 'unsupported_media_type');
      assertError(await csvPost('grid', 'name,sex,birth_date\n'), 403, 'forbidden');
      assertError(await csvPost('resident', 'name,sex,birth_date\n'), 403, 'forbidden');
    });
  });
});
