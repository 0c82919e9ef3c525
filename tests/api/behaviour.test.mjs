// behaviour.test.mjs — sessions and CSRF, If-Match, Idempotency-Key, paging, audit,
// metrics, the OpenAPI document, the request log, area code changes, facility versions and
// search; login throttling last, on a server of its own (failures also count per address,
// and every test connects from 127.0.0.1).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertError, eventually, PASSWORD, startServer, test } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/* Every item of a list, following next_cursor with the given page size. Asserts that the
 * walk ends and returns the items in order. */
async function walk(srv, who, p, limit) {
  const items = [];
  let cursor = null;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 1000, `${p}: paging does not end`);
    const sep = p.includes('?') ? '&' : '?';
    const q = `${p}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await srv.as(who, 'GET', q);
    assert.equal(r.status, 200, `GET ${q}: ${r.text}`);
    assert.ok(r.json.items.length <= limit, `GET ${q}: more than limit items`);
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (cursor === null) return items;
    assert.equal(r.json.items.length, limit, `GET ${q}: a short page that is not the last`);
  }
}

describe('behaviour', () => {
  let srv;
  let ids = {};
  const started = new Date(Date.now() - 1000).toISOString();

  before(async () => {
    srv = await startServer();
    const all = await walk(srv, 'admin', '/api/v1/facilities?active=all', 500);
    ids = Object.fromEntries(all.map((f) => [f.name, f.id]));
  });
  after(async () => {
    await srv?.stop();
  });

  async function auditRows(query) {
    return walk(srv, 'auditor', `/api/v1/audit?${query}`, 500);
  }

  describe('sessions', () => {
    test('login returns token, csrf_token, expiry, the user, and the session cookie', async () => {
      const before_ = Date.now();
      const r = await srv.loginResponse('admin');
      assert.equal(r.status, 200, r.text);
      const { token, csrf_token: csrf, expires_at: exp, user } = r.json;
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.match(csrf, /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(token, csrf);
      const ttl = Date.parse(exp) - before_;
      assert.ok(ttl > 12 * 3600e3 - 60e3 && ttl < 12 * 3600e3 + 60e3, `expires_at ${exp} is not 12 h away`);
      assert.equal(user.username, 'admin');
      assert.equal(user.display_name, '王建国');
      assert.match(user.id, /^[1-9][0-9]*$/);
      assert.deepEqual(user.grants, [{ role: 'commission_admin', area_code: '370100000000' }]);
      for (const p of ['area.write', 'facility.create', 'facility.write', 'facility.deactivate', 'session'])
        assert.ok(user.permissions.includes(p), `admin lacks ${p}: ${user.permissions}`);
      assert.ok(!user.permissions.includes('audit.read'));
      const cookie = r.headers['set-cookie']?.[0] ?? '';
      assert.match(cookie, new RegExp(`^wj_session=${token};`));
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      assert.match(cookie, /Path=\//);
      assert.match(cookie, /Max-Age=43200/);
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.match(r.headers['content-type'], /^application\/json/);
      const me = await srv.req('GET', '/api/v1/me', { token });
      assert.equal(me.status, 200);
      assert.equal(me.json.id, user.id);
    });

    test('GET /api/v1/me shows each role its grants and permissions', async () => {
      const me = async (u) => (await srv.as(u, 'GET', '/api/v1/me')).json;
      const hosp = await me('hospital_admin');
      assert.deepEqual(hosp.grants, [{ role: 'facility_admin', facility_id: ids['济南市第一人民医院'] }]);
      assert.ok(hosp.permissions.includes('facility.write'));
      assert.ok(!hosp.permissions.includes('facility.accredit'));
      assert.ok(!hosp.permissions.includes('area.write'));
      const grid = await me('grid');
      assert.deepEqual(grid.grants, [{ role: 'grid_worker', area_code: '370102001000' }]);
      const resident = await me('resident');
      assert.equal(resident.grants.length, 1);
      assert.equal(resident.grants[0].role, 'resident');
      assert.match(resident.grants[0].person_id, /^[1-9][0-9]*$/);
      for (const p of ['area.read', 'facility.read', 'session']) assert.ok(resident.permissions.includes(p), p);
      const writes = resident.permissions.filter((p) => !/\.read$/.test(p) && p !== 'session');
      assert.deepEqual(writes, ['appointment.book'], 'a resident writes nothing but bookings (for herself and those she manages)');
      assert.ok(!resident.permissions.includes('audit.read'));
      const auditor = await me('auditor');
      assert.ok(auditor.permissions.includes('audit.read'));
      const menu = await srv.as('auditor', 'GET', '/api/v1/menu');
      assert.equal(menu.status, 200);
      assert.ok(menu.json.items.some((m) => m.module === 'audit'));
      const rmenu = await srv.as('resident', 'GET', '/api/v1/menu');
      assert.ok(!rmenu.json.items.some((m) => m.module === 'audit'));
    });

    test('a cookie session needs X-CSRF-Token on writes, not on reads', async () => {
      const login = await srv.loginResponse('admin');
      const { token, csrf_token: csrf } = login.json;
      const cookie = `wj_session=${token}`;
      const p = '/api/v1/areas/370102002001';
      const get = await srv.req('GET', p, { headers: { Cookie: cookie } });
      assert.equal(get.status, 200, 'a GET with the cookie alone works');
      const bare = await srv.req('PATCH', p, {
        headers: { Cookie: cookie, 'If-Match': get.headers.etag },
        body: { name: '芙蓉街社区居委会' },
      });
      assertError(bare, 403, 'forbidden', 'X-CSRF-Token');
      const wrong = await srv.req('PATCH', p, {
        headers: { Cookie: cookie, 'If-Match': get.headers.etag, 'X-CSRF-Token': token },
        body: { name: '芙蓉街社区居委会' },
      });
      assertError(wrong, 403, 'forbidden', 'X-CSRF-Token');
      const still = await srv.req('GET', p, { headers: { Cookie: cookie } });
      assert.equal(still.json.name, '芙蓉街社区', 'the refused PATCHes changed nothing');
      const ok = await srv.req('PATCH', p, {
        headers: { Cookie: `theme=dark; ${cookie}; lang=zh`, 'If-Match': get.headers.etag, 'X-CSRF-Token': csrf },
        body: { name: '芙蓉街社区居委会' },
      });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.name, '芙蓉街社区居委会');
      // The bearer token of the same session needs no CSRF token (it is not sent by browsers on its own).
      const bearer = await srv.req('PATCH', p, {
        token,
        headers: { 'If-Match': ok.headers.etag },
        body: { name: '芙蓉街社区' },
      });
      assert.equal(bearer.status, 200, bearer.text);
    });

    test('logout revokes the session at once; other sessions stay', async () => {
      const a = (await srv.loginResponse('dispatcher')).json.token;
      const b = (await srv.loginResponse('dispatcher')).json.token;
      assert.equal((await srv.req('GET', '/api/v1/me', { token: a })).status, 200); // cached now
      const out = await srv.req('POST', '/api/v1/auth/logout', { token: a });
      assert.equal(out.status, 204, out.text);
      assert.equal(out.text, '');
      assert.match(out.headers['set-cookie']?.[0] ?? '', /^wj_session=;.*Max-Age=0/);
      assertError(await srv.req('GET', '/api/v1/me', { token: a }), 401, 'unauthenticated');
      assertError(await srv.req('POST', '/api/v1/auth/logout', { token: a }), 401, 'unauthenticated');
      assert.equal((await srv.req('GET', '/api/v1/me', { token: b })).status, 200);
    });

    test('logout with the cookie needs the CSRF token too', async () => {
      const { token, csrf_token: csrf } = (await srv.loginResponse('hotline')).json;
      const cookie = `wj_session=${token}`;
      assertError(await srv.req('POST', '/api/v1/auth/logout', { headers: { Cookie: cookie } }), 403, 'forbidden', 'X-CSRF-Token');
      const out = await srv.req('POST', '/api/v1/auth/logout', { headers: { Cookie: cookie, 'X-CSRF-Token': csrf } });
      assert.equal(out.status, 204, out.text);
      assertError(await srv.req('GET', '/api/v1/me', { headers: { Cookie: cookie } }), 401, 'unauthenticated');
    });
  });

  describe('If-Match', () => {
    test('GET ETag → PATCH with it → 200 and a new ETag; the old one is then 412', async () => {
      const p = '/api/v1/areas/370103001001';
      const g = await srv.as('admin', 'GET', p);
      assert.equal(g.status, 200);
      assert.match(g.headers.etag, /^"\d+"$/);
      assert.equal(g.headers.etag, `"${g.json.version}"`);
      const one = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': g.headers.etag }, body: { name: '经四路社区一' } });
      assert.equal(one.status, 200, one.text);
      assert.equal(one.json.version, g.json.version + 1);
      assert.equal(one.headers.etag, `"${one.json.version}"`);
      const stale = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': g.headers.etag }, body: { name: '经四路社区二' } });
      assertError(stale, 412, 'stale_version', 'If-Match');
      assert.equal(stale.json.error.details.current_etag, one.headers.etag);
      const weak = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': `W/${one.headers.etag}` }, body: { name: '经四路社区' } });
      assert.equal(weak.status, 200, `a weak validator of the current version matches: ${weak.text}`);
      const now = await srv.as('admin', 'GET', p);
      assert.equal(now.json.name, '经四路社区');
      assert.equal(now.json.version, g.json.version + 2);
    });

    test('facility PATCH: If-Match, a new version per change, none for a no-op, history newest first', async () => {
      const id = ids['济南市妇幼保健院'];
      const p = `/api/v1/facilities/${id}`;
      const g = await srv.as('admin', 'GET', p);
      assert.equal(g.status, 200);
      const v = g.json.version;
      const one = await srv.as('admin', 'PATCH', p, {
        headers: { 'If-Match': g.headers.etag },
        body: { beds: 720, phone: '0531-86000001', capabilities: ['critical_child', 'critical_maternal', 'stroke'] },
      });
      assert.equal(one.status, 200, one.text);
      assert.equal(one.json.version, v + 1);
      assert.equal(one.json.beds, 720);
      assert.deepEqual(one.json.capabilities, ['stroke', 'critical_maternal', 'critical_child'], 'in table order');
      const again = await srv.as('admin', 'PATCH', p, {
        headers: { 'If-Match': one.headers.etag },
        body: { beds: 720, phone: '0531-86000001' },
      });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json.version, v + 1, 'sending back what is stored writes no version');
      const cleared = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': again.headers.etag }, body: { phone: null } });
      assert.equal(cleared.status, 200, cleared.text);
      assert.equal(cleared.json.phone, null);
      assert.equal(cleared.json.version, v + 2);
      const stale = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': one.headers.etag }, body: { beds: 1 } });
      assertError(stale, 412, 'stale_version', 'If-Match');
      assert.equal(stale.json.error.details.current_etag, cleared.headers.etag);
      const h = await srv.as('staff', 'GET', `${p}/history`);
      assert.equal(h.status, 200, h.text);
      assert.deepEqual(
        h.json.items.map((x) => x.version),
        Array.from({ length: v + 2 }, (_, i) => v + 2 - i),
      );
      assert.equal(h.json.items[0].document.phone, null);
      assert.equal(h.json.items[1].document.beds, 720);
      assert.equal(h.json.items[1].changed_by, (await srv.as('admin', 'GET', '/api/v1/me')).json.id);
      const asc = await srv.as('staff', 'GET', `${p}/history?sort=version`);
      assert.deepEqual(
        asc.json.items.map((x) => x.version),
        Array.from({ length: v + 2 }, (_, i) => i + 1),
      );
      const paged = await walk(srv, 'staff', `${p}/history`, 1);
      assert.deepEqual(
        paged.map((x) => x.version),
        h.json.items.map((x) => x.version),
      );
    });

    test('concurrent PATCHes with the same ETag: one wins, the others get 412 with the current ETag', async () => {
      for (const p of ['/api/v1/areas/370115101201', `/api/v1/facilities/${ids['崔寨村卫生室']}`]) {
        const g = await srv.as('admin', 'GET', p);
        const token = await srv.login('admin');
        const body = (i) => (p.includes('areas') ? { name: `崔寨村${i}` } : { beds: 10 + i });
        const rs = await Promise.all(
          Array.from({ length: 6 }, (_, i) => srv.req('PATCH', p, { token, headers: { 'If-Match': g.headers.etag }, body: body(i) })),
        );
        const desc = rs.map((r) => `${r.status} ${r.text.slice(0, 160)}`).join('\n');
        assert.equal(rs.filter((r) => r.status === 200).length, 1, `${p}: one winner\n${desc}`);
        const now = await srv.as('admin', 'GET', p);
        assert.equal(now.json.version, g.json.version + 1, desc);
        for (const r of rs.filter((x) => x.status !== 200)) {
          assertError(r, 412, 'stale_version', 'If-Match', p);
          assert.equal(r.json.error.details.current_etag, now.headers.etag, `${p}: details.current_etag\n${desc}`);
        }
      }
    });

    test('the facility admin edits their facility but not its accreditation', async () => {
      const p = `/api/v1/facilities/${ids['济南市第一人民医院']}`;
      const g = await srv.as('hospital_admin', 'GET', p);
      const ok = await srv.as('hospital_admin', 'PATCH', p, {
        headers: { 'If-Match': g.headers.etag },
        body: { beds: g.json.beds + 1, address: '历下区青年东路5号（新）' },
      });
      assert.equal(ok.status, 200, ok.text);
      const no = await srv.as('hospital_admin', 'PATCH', p, { headers: { 'If-Match': ok.headers.etag }, body: { grade: 'b' } });
      assertError(no, 403, 'forbidden', 'grade');
      assert.equal((await srv.as('staff', 'GET', p)).json.grade, 'a');
    });
  });

  describe('Idempotency-Key', () => {
    test('the same key and body replay the first response; one row is created', async () => {
      const body = { code: '370103902000', name: '杆石桥街道', level: 'street', parent_code: '370103000000' };
      const h = { 'Idempotency-Key': 'behaviour-idem-1' };
      const count = async () => (await srv.as('admin', 'GET', '/api/v1/areas?parent=370103000000')).json.items.length;
      const n0 = await count();
      const a = await srv.as('admin', 'POST', '/api/v1/areas', { headers: h, body });
      assert.equal(a.status, 201, a.text);
      assert.equal(a.headers.location, '/api/v1/areas/370103902000');
      const b = await srv.as('admin', 'POST', '/api/v1/areas', { headers: h, body });
      assert.equal(b.status, 201, b.text);
      assert.deepEqual(b.json, a.json);
      assert.equal(b.headers['idempotent-replayed'], 'true');
      assert.equal(await count(), n0 + 1);
      const other = await srv.as('admin', 'POST', '/api/v1/areas', {
        headers: h,
        body: { ...body, code: '370103903000', name: '魏家庄街道' },
      });
      assertError(other, 422, 'idempotency_key_reused', 'Idempotency-Key');
      assert.equal(await count(), n0 + 1);
      assertError(await srv.as('admin', 'GET', '/api/v1/areas/370103903000'), 404, 'not_found');
    });

    test('a replay carries the first response\'s Location and ETag too', async () => {
      const h = { 'Idempotency-Key': 'behaviour-idem-headers' };
      const body = { name: '重放诊所', level: 'unrated', type: 'village_clinic', area_code: '370103001001' };
      const a = await srv.as('admin', 'POST', '/api/v1/facilities', { headers: h, body });
      assert.equal(a.status, 201, a.text);
      const b = await srv.as('admin', 'POST', '/api/v1/facilities', { headers: h, body });
      assert.equal(b.status, 201, b.text);
      assert.deepEqual(b.json, a.json);
      assert.deepEqual(
        { location: b.headers.location, etag: b.headers.etag },
        { location: a.headers.location, etag: a.headers.etag },
        'the replayed 201 lacks the headers of the first',
      );
    });

    test('a rejected attempt does not use up its key', async () => {
      const h = { 'Idempotency-Key': 'behaviour-idem-retry' };
      const bad = await srv.as('admin', 'POST', '/api/v1/facilities', {
        headers: h,
        body: { name: '重试诊所', level: 'unrated', type: 'village_clinic', area_code: '370199000000' },
      });
      assertError(bad, 422, 'unknown_reference', 'area_code');
      const good = await srv.as('admin', 'POST', '/api/v1/facilities', {
        headers: h,
        body: { name: '重试诊所', level: 'unrated', type: 'village_clinic', area_code: '370103001001' },
      });
      assert.equal(good.status, 201, good.text);
      assert.equal(good.headers['idempotent-replayed'], undefined);
    });

    test('keys belong to their user', async () => {
      await srv.addUser({ username: 'admin2', role: 'commission_admin', area: '370100000000' });
      const h = { 'Idempotency-Key': 'behaviour-idem-shared' };
      const mk = (name) => ({ name, level: 'unrated', type: 'village_clinic', area_code: '370103001001' });
      const a = await srv.as('admin', 'POST', '/api/v1/facilities', { headers: h, body: mk('键甲诊所') });
      assert.equal(a.status, 201, a.text);
      const b = await srv.as('admin2', 'POST', '/api/v1/facilities', { headers: h, body: mk('键乙诊所') });
      assert.equal(b.status, 201, `another user's key with the same value is independent: ${b.text}`);
      assert.notEqual(b.json.id, a.json.id);
      assert.equal(b.headers['idempotent-replayed'], undefined);
    });

    test('two concurrent identical requests create one row and both get the response', async () => {
      for (const [path_, body, list] of [
        [
          '/api/v1/facilities',
          { name: '并发诊所', level: 'unrated', type: 'village_clinic', area_code: '370102002001' },
          `/api/v1/facilities?area=370102002001&q=${encodeURIComponent('并发诊所')}`,
        ],
        [
          '/api/v1/areas',
          { code: '370102908000', name: '并发街道', level: 'street', parent_code: '370102000000' },
          '/api/v1/areas?parent=370102000000',
        ],
      ]) {
        const h = { 'Idempotency-Key': `behaviour-concurrent-${path_}` };
        const token = await srv.login('admin');
        const rs = await Promise.all(
          Array.from({ length: 8 }, () => srv.req('POST', path_, { token, headers: h, body })),
        );
        const desc = rs.map((r) => `${r.status} ${r.text.slice(0, 200)}`).join('\n');
        const items = (await srv.as('admin', 'GET', list)).json.items.filter((x) => x.name === body.name);
        assert.equal(items.length, 1, `${path_}: one row expected:\n${desc}`);
        for (const r of rs) {
          assert.equal(r.status, 201, `${path_}: every submission answers like the first:\n${desc}`);
          assert.equal(r.json.id, items[0].id, desc);
        }
      }
    });
  });

  describe('paging', () => {
    test('limit=2 walks every facility once, in order, for each sort', async () => {
      const all = (await srv.as('staff', 'GET', '/api/v1/facilities?limit=500&active=all')).json.items;
      assert.ok(all.length >= 14);
      for (const sort of ['name', '-name', 'created', '-created']) {
        const full = (await srv.as('staff', 'GET', `/api/v1/facilities?limit=500&active=all&sort=${sort}`)).json.items;
        const paged = await walk(srv, 'staff', `/api/v1/facilities?active=all&sort=${sort}`, 2);
        const ids_ = paged.map((f) => f.id);
        assert.equal(new Set(ids_).size, ids_.length, `sort=${sort}: duplicates`);
        assert.deepEqual(ids_, full.map((f) => f.id), `sort=${sort}: pages differ from the whole list`);
        assert.equal(ids_.length, all.length);
      }
      const names = all.map((f) => f.name);
      assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), 'default order by name (code points on SQLite)');
    });

    test('limit=2 walks the area tree level by level', async () => {
      const full = (await srv.as('staff', 'GET', '/api/v1/areas?parent=370100000000&limit=500')).json.items;
      const paged = await walk(srv, 'staff', '/api/v1/areas?parent=370100000000', 2);
      assert.deepEqual(paged.map((a) => a.code), full.map((a) => a.code));
      const codes = paged.map((a) => a.code);
      assert.deepEqual(codes, [...codes].sort());
      const q = await walk(srv, 'staff', `/api/v1/areas?q=${encodeURIComponent('社区')}`, 2);
      assert.ok(q.length >= 5, 'name search over the whole tree');
      assert.ok(q.every((a) => a.name.includes('社区')));
      assert.equal(new Set(q.map((a) => a.code)).size, q.length);
    });

    test('name searches take % and _ literally', async () => {
      for (const q of ['%', '_', '%社区']) {
        const a = await srv.as('staff', 'GET', `/api/v1/areas?q=${encodeURIComponent(q)}&limit=500`);
        assert.equal(a.status, 200);
        assert.deepEqual(a.json.items.map((x) => x.name), [], `areas?q=${q} matched names without "${q}"`);
        const f = await srv.as('staff', 'GET', `/api/v1/facilities?q=${encodeURIComponent(q)}&limit=500`);
        assert.equal(f.status, 200);
        assert.deepEqual(f.json.items.map((x) => x.name), [], `facilities?q=${q}`);
      }
    });

    test('near: exactly the facilities within the radius, nearest first, paged without duplicates', async () => {
      const hosp = (await srv.as('staff', 'GET', `/api/v1/facilities/${ids['济南市第一人民医院']}`)).json;
      const [lat, lon, km] = [hosp.lat, hosp.lon, 5];
      // The expectation, computed here: great-circle distance of every located facility.
      const rad = Math.PI / 180;
      const dist = (f) => {
        const h =
          Math.sin(((f.lat - lat) * rad) / 2) ** 2 +
          Math.cos(lat * rad) * Math.cos(f.lat * rad) * Math.sin(((f.lon - lon) * rad) / 2) ** 2;
        return 2 * 6371.0088 * Math.asin(Math.sqrt(Math.min(1, h)));
      };
      const everyone = await walk(srv, 'staff', '/api/v1/facilities', 500);
      const want = everyone.filter((f) => f.lat !== null && dist(f) <= km - 0.001).map((f) => f.id);
      const edge = everyone.filter((f) => f.lat !== null && Math.abs(dist(f) - km) < 0.001).map((f) => f.id);
      const p = `/api/v1/facilities?near=${lat},${lon}&radius_km=${km}`;
      const full = (await srv.as('staff', 'GET', `${p}&limit=500`)).json.items;
      assert.ok(want.length >= 2, 'pick a centre with neighbours');
      assert.deepEqual(
        full.map((f) => f.id).filter((id) => !edge.includes(id)).sort(),
        [...want].sort(),
        'the facilities within the radius, and only those',
      );
      assert.equal(full[0].id, hosp.id);
      assert.equal(full[0].distance_km, 0);
      for (let i = 1; i < full.length; i++) assert.ok(full[i].distance_km >= full[i - 1].distance_km, 'nearest first');
      for (const f of full) assert.ok(Math.abs(f.distance_km - dist(f)) < 0.002, `${f.name}: ${f.distance_km} km`);
      const paged = await walk(srv, 'staff', p, 1);
      assert.deepEqual(paged.map((f) => f.id), full.map((f) => f.id));
    });

    test('area filters cover the subtree, and a former code names the same subtree', async () => {
      const jy = (await srv.as('staff', 'GET', '/api/v1/facilities?area=370115000000&limit=500')).json.items;
      const names = jy.map((f) => f.name);
      for (const n of ['崔寨村卫生室', '崔寨镇卫生院', '济阳区人民医院', '济阳区急救站']) assert.ok(names.includes(n), n);
      assert.ok(jy.every((f) => f.area.code.startsWith('370115')), 'only 济阳区 and the areas below it');
      const all = (await srv.as('staff', 'GET', '/api/v1/facilities?limit=500')).json.items;
      assert.equal(jy.length, all.filter((f) => f.area.code.startsWith('370115')).length, 'every facility of the subtree');
      const old = (await srv.as('staff', 'GET', '/api/v1/facilities?area=370125000000&limit=500')).json.items;
      assert.deepEqual(old.map((f) => f.id), jy.map((f) => f.id));
    });
  });

  describe('facilities', () => {
    test('deactivation keeps the record out of the default list', async () => {
      const c = await srv.as('admin', 'POST', '/api/v1/facilities', {
        body: { name: '停用测试卫生室', level: 'unrated', type: 'village_clinic', area_code: '370115101201' },
      });
      assert.equal(c.status, 201, c.text);
      const id = c.json.id;
      const d = await srv.as('admin', 'DELETE', `/api/v1/facilities/${id}`);
      assert.equal(d.status, 204, d.text);
      const g = await srv.as('staff', 'GET', `/api/v1/facilities/${id}`);
      assert.equal(g.status, 200);
      assert.equal(g.json.active, false);
      assert.equal(g.json.version, 2);
      const list = async (q) =>
        (await srv.as('staff', 'GET', `/api/v1/facilities?area=370115101201&limit=500${q}`)).json.items.map((f) => f.id);
      assert.ok(!(await list('')).includes(id));
      assert.ok((await list('&active=false')).includes(id));
      assert.ok((await list('&active=all')).includes(id));
      // The name is free again for an active facility.
      const again = await srv.as('admin', 'POST', '/api/v1/facilities', {
        body: { name: '停用测试卫生室', level: 'unrated', type: 'village_clinic', area_code: '370115101201' },
      });
      assert.equal(again.status, 201, again.text);
    });

    test('the commission moves a facility within its area; lists follow', async () => {
      const id = ids['大观园街道社区卫生服务中心'];
      const p = `/api/v1/facilities/${id}`;
      const g = await srv.as('admin', 'GET', p);
      const from = g.json.area.code;
      const to = (await srv.as('admin', 'GET', `/api/v1/areas/${from}`)).json.parent_code; // up one level
      const toName = (await srv.as('admin', 'GET', `/api/v1/areas/${to}`)).json.name;
      const r = await srv.as('admin', 'PATCH', p, { headers: { 'If-Match': g.headers.etag }, body: { area_code: to } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.area, { code: to, name: toName });
      const inFrom = (await walk(srv, 'staff', `/api/v1/facilities?area=${from}`, 500)).map((f) => f.id);
      const inTo = (await walk(srv, 'staff', `/api/v1/facilities?area=${to}`, 500)).map((f) => f.id);
      assert.ok(!inFrom.includes(id));
      assert.ok(inTo.includes(id));
      const h = await srv.as('staff', 'GET', `${p}/history?sort=version`);
      assert.equal(h.json.items[0].changed_by, null, 'the demo loader is nobody');
      assert.equal(h.json.items[0].document.area.code, from);
      assert.equal(h.json.items.at(-1).document.area.code, to);
    });

    test('a renamed area shows in the facility documents at once', async () => {
      const fid = ids['青年东路社区卫生服务站'];
      const before_ = await srv.as('staff', 'GET', `/api/v1/facilities/${fid}`);
      const code = before_.json.area.code;
      const a = await srv.as('admin', 'GET', `/api/v1/areas/${code}`);
      const name = `${a.json.name}（更名）`;
      const r = await srv.as('admin', 'PATCH', `/api/v1/areas/${code}`, {
        headers: { 'If-Match': a.headers.etag },
        body: { name },
      });
      assert.equal(r.status, 200, r.text);
      const after_ = await srv.as('staff', 'GET', `/api/v1/facilities/${fid}`);
      assert.equal(after_.json.area.name, name);
      const item = (await walk(srv, 'staff', `/api/v1/facilities?area=${code}`, 500)).find((f) => f.id === fid);
      assert.equal(item.area.name, name);
    });

    test('a facility created with a former area code is filed under the current one', async () => {
      const c = await srv.as('admin', 'POST', '/api/v1/facilities', {
        body: { name: '旧码诊所', level: 'unrated', type: 'village_clinic', area_code: '370125000000', lat: 36.98, lon: 117.17 },
      });
      assert.equal(c.status, 201, c.text);
      assert.deepEqual(c.json.area, { code: '370115000000', name: '济阳区' });
      ids['旧码诊所'] = c.json.id;
      assert.equal(c.headers.location, `/api/v1/facilities/${c.json.id}`);
      assert.equal(c.headers.etag, '"1"');
    });
  });

  describe('audit', () => {
    test('every write is audited with its route template, user and status', async () => {
      const from = new Date().toISOString();
      const staffId = (await srv.as('staff', 'GET', '/api/v1/me')).json.id;
      const created = await srv.as('admin', 'POST', '/api/v1/areas', {
        body: { code: '370103904000', name: '审计街道', level: 'street', parent_code: '370103000000' },
      });
      assert.equal(created.status, 201, created.text);
      const g = await srv.as('admin', 'GET', '/api/v1/areas/370103904000');
      const patched = await srv.as('admin', 'PATCH', '/api/v1/areas/370103904000', {
        headers: { 'If-Match': g.headers.etag },
        body: { name: '审计街道二' },
      });
      assert.equal(patched.status, 200);
      const f = await srv.as('admin', 'POST', '/api/v1/facilities', {
        body: { name: '审计诊所', level: 'unrated', type: 'village_clinic', area_code: '370103001001' },
      });
      assert.equal(f.status, 201);
      const del = await srv.as('admin', 'DELETE', `/api/v1/facilities/${f.json.id}`);
      assert.equal(del.status, 204);
      const refused = await srv.as('staff', 'POST', '/api/v1/areas', {
        body: { code: '370103905000', name: '越权街道', level: 'street', parent_code: '370103000000' },
      });
      assert.equal(refused.status, 403);
      const invalid = await srv.as('admin', 'POST', '/api/v1/areas', { body: { code: '370103905000' } });
      assert.equal(invalid.status, 422);
      const failedLogin = await srv.loginResponse('doctor', 'wrong-password');
      assert.equal(failedLogin.status, 401);

      const want = [
        { username: 'admin', method: 'POST', route: '/api/v1/areas', status: 201, resource_type: 'area', resource_id: created.json.id },
        { username: 'admin', method: 'PATCH', route: '/api/v1/areas/{code}', status: 200, resource_type: 'area', resource_id: created.json.id },
        { username: 'admin', method: 'POST', route: '/api/v1/facilities', status: 201, resource_type: 'facility', resource_id: f.json.id },
        { username: 'admin', method: 'DELETE', route: '/api/v1/facilities/{id}', status: 204, resource_type: 'facility', resource_id: f.json.id },
        { username: 'staff', user_id: staffId, method: 'POST', route: '/api/v1/areas', status: 403 },
        { username: 'admin', method: 'POST', route: '/api/v1/areas', status: 422 },
        { method: 'POST', route: '/api/v1/auth/login', status: 401 },
      ];
      const rows = await eventually(
        async () => {
          const all = await auditRows(`from=${encodeURIComponent(from)}`);
          return want.every((w) => all.some((r) => Object.entries(w).every(([k, v]) => r[k] === v))) && all;
        },
        { ms: 5000, what: 'the audit rows of the writes' },
      ).catch(async (e) => {
        const all = await auditRows(`from=${encodeURIComponent(from)}`);
        const missing = want.filter((w) => !all.some((r) => Object.entries(w).every(([k, v]) => r[k] === v)));
        assert.fail(`${e.message}; missing ${JSON.stringify(missing)}\nrows: ${JSON.stringify(all, null, 1)}`);
      });
      for (const r of rows) {
        assert.ok(!/\d{12}|\?/.test(r.route), `audit rows carry route templates: ${r.route}`);
        assert.equal(r.client_ip, '127.0.0.1');
        assert.match(r.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
      const login = rows.find((r) => r.route === '/api/v1/auth/login' && r.status === 401);
      assert.equal(login.method, 'POST');
      // Newest first.
      for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].at >= rows[i].at, 'newest first');
      // Filters.
      const byRes = await auditRows(`resource_type=facility&resource_id=${f.json.id}`);
      assert.deepEqual(byRes.map((r) => r.method).sort(), ['DELETE', 'POST']);
      const byUser = await auditRows(`user_id=${staffId}&from=${encodeURIComponent(from)}`);
      assert.ok(byUser.length >= 1 && byUser.every((r) => r.username === 'staff'));
    });

    test('an oversized write is logged and audited under its route', async () => {
      const from = new Date().toISOString();
      const big = await srv.as('admin', 'POST', '/api/v1/areas', {
        headers: { 'Content-Type': 'application/json' },
        raw: `{"name":"${'a'.repeat(1100000)}"}`,
      });
      assertError(big, 413, 'payload_too_large');
      const line = await eventually(() =>
        srv
          .stderr()
          .split('\n')
          .find((l) => l.includes('"status":413')),
      );
      assert.match(line, /"method":"POST","route":"\/api\/v1\/areas","status":413/, `log line: ${line}`);
      const rows = await eventually(async () => {
        const all = await auditRows(`from=${encodeURIComponent(from)}`);
        return all.filter((r) => r.status === 413).length ? all : null;
      }, { what: 'an audit row for the 413' }).catch(() => []);
      const row = rows.find((r) => r.status === 413);
      assert.ok(row, 'a rejected write (413) is audited like every write');
      assert.equal(row.route, '/api/v1/areas');
      assert.equal(row.method, 'POST');
    });

    test('a successful login is audited under the account', async () => {
      const from = new Date().toISOString();
      const r = await srv.loginResponse('grid');
      assert.equal(r.status, 200);
      const rows = await eventually(async () => {
        const all = await auditRows(`username=grid&from=${encodeURIComponent(from)}`);
        return all.length ? all : null;
      });
      assert.equal(rows[0].route, '/api/v1/auth/login');
      assert.equal(rows[0].status, 200);
      assert.equal(rows[0].resource_type, 'user');
      assert.equal(rows[0].resource_id, r.json.user.id);
    });

    test('reading the audit trail is audited, and so is being refused it', async () => {
      const from = new Date().toISOString();
      const denied = await srv.as('admin', 'GET', '/api/v1/audit');
      assertError(denied, 403, 'forbidden');
      const read = await srv.as('auditor', 'GET', '/api/v1/audit?username=admin&limit=3');
      assert.equal(read.status, 200);
      const rows = await eventually(async () => {
        const all = await auditRows(`from=${encodeURIComponent(from)}`);
        const mine = all.filter((r) => r.route === '/api/v1/audit');
        return mine.some((r) => r.username === 'auditor' && r.status === 200) &&
          mine.some((r) => r.username === 'admin' && r.status === 403)
          ? mine
          : null;
      }, { what: 'audit rows of audit reads' });
      assert.ok(rows.every((r) => r.method === 'GET'));
    });

    test('non-auditors are refused the audit trail', async () => {
      for (const u of ['resident', 'doctor', 'hospital_staff', 'hospital_admin', 'hotline', 'grid', 'dispatcher', 'staff', 'admin'])
        assertError(await srv.as(u, 'GET', '/api/v1/audit'), 403, 'forbidden', undefined, u);
    });
  });

  describe('operations', () => {
    test('/healthz', async () => {
      const r = await srv.req('GET', '/healthz');
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, { status: 'ok', db: process.env.WEIJIAN_TEST_BACKEND || 'sqlite' });
    });

    test('/metrics counts requests by route template, never by concrete path or query', async () => {
      await srv.as('staff', 'GET', '/api/v1/areas?q=METRICSSECRET');
      await srv.as('staff', 'GET', `/api/v1/facilities/${ids['济南市中医医院']}`);
      await srv.as('staff', 'GET', '/api/v1/areas/370199000000');
      await srv.req('GET', '/api/v1/nowhere/METRICSSECRET');
      const r = await srv.req('GET', '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /^text\/plain/);
      const t = r.text;
      assert.match(t, /# TYPE weijian_http_requests_total counter/);
      assert.match(t, /weijian_http_requests_total\{method="GET",route="\/api\/v1\/areas",status="200"\} \d+/);
      assert.match(t, /weijian_http_requests_total\{method="GET",route="\/api\/v1\/facilities\/\{id\}",status="200"\} \d+/);
      assert.match(t, /weijian_http_requests_total\{method="GET",route="\/api\/v1\/areas\/\{code\}",status="404"\} \d+/);
      assert.match(t, /weijian_http_requests_total\{method="",route="unmatched",status="404"\} \d+/);
      assert.match(t, /weijian_http_request_duration_seconds_bucket\{method="GET",route="\/healthz",le="\+Inf"\} \d+/);
      assert.match(t, /weijian_db_pool_connections\{state="max"\} \d+/);
      assert.match(t, /weijian_audit_queue_events \d+/);
      assert.match(t, /# TYPE weijian_audit_queue_full_waits_total counter\nweijian_audit_queue_full_waits_total \d+/);
      assert.ok(!t.includes('METRICSSECRET'));
      assert.ok(!t.includes('370199000000'));
      assert.ok(!t.includes(ids['济南市中医医院']));
      for (const line of t.split('\n').filter((l) => l.startsWith('weijian_http_requests_total{'))) {
        const route = /route="([^"]*)"/.exec(line)[1];
        assert.ok(route === 'unmatched' || /^\/[a-z0-9/{}._-]*$/.test(route), `route label ${route}`);
        assert.ok(!route.includes('?'));
      }
    });

    test('the OpenAPI document has every route of the route tables, each answering', async () => {
      const r = await srv.req('GET', '/api/v1/openapi.json');
      assert.equal(r.status, 200);
      const doc = r.json;
      assert.equal(doc.openapi, '3.0.3');
      const documented = [];
      for (const [p, item] of Object.entries(doc.paths))
        for (const [m, op] of Object.entries(item)) {
          documented.push(`${m.toUpperCase()} ${p}`);
          assert.equal(op.operationId, `${m.toUpperCase()} ${p}`);
          assert.ok(op.responses && Object.keys(op.responses).length, `${m} ${p}: responses`);
        }
      // The route tables in the sources: {"METHOD", "/path", …} rows.
      const inSource = [];
      for (const f of fs.readdirSync(path.join(root, 'src/modules')).filter((x) => x.endsWith('.c'))) {
        const text = fs.readFileSync(path.join(root, 'src/modules', f), 'utf8');
        for (const m of text.matchAll(/\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*"(\/[^"]*)"/g)) inSource.push(`${m[1]} ${m[2]}`);
      }
      assert.ok(inSource.length >= 18, `found ${inSource.length} route rows in src/modules`);
      assert.deepEqual([...documented].sort(), [...inSource].sort());
      // Each documented operation is routed: anonymous callers get 401 (or the answer, when public), never 404/405.
      for (const op of documented) {
        const [m, p] = op.split(' ');
        const concrete = p.replace('{code}', '370102000000').replace('{id}', ids['济南市第一人民医院']);
        const a = await srv.req(m, concrete, m === 'POST' || m === 'PATCH' ? { body: {} } : {});
        const pub = doc.paths[p][m.toLowerCase()]['x-scope'] === 'public';
        if (pub) assert.ok(![401, 403, 404, 405].includes(a.status), `${op}: ${a.status}`);
        else assert.equal(a.status, 401, `${op} without a session: ${a.text}`);
      }
      assert.ok(doc.components.schemas.AreaCreate);
      assert.ok(doc.components.schemas.FacilityCreate);
      assert.equal(doc.components.schemas.FacilityCreate.properties.level['x-labels'].tertiary.zh, '三级');
      assert.deepEqual(doc.paths['/api/v1/facilities/{id}'].patch['x-roles'].sort(), ['commission_admin', 'facility_admin']);
    });

    test('request log lines carry route templates, never paths, queries or bodies', async () => {
      await srv.as('staff', 'GET', '/api/v1/areas?q=SECRET123');
      await srv.as('staff', 'GET', '/api/v1/facilities?q=SECRET123&limit=3');
      await srv.as('staff', 'GET', '/api/v1/areas/370199123123');
      await srv.as('staff', 'GET', '/api/v1/SECRET123');
      await srv.req('POST', '/api/v1/auth/login', { body: { username: 'SECRET123', password: 'SECRETPASSWORD' } });
      await srv.as('admin', 'POST', '/api/v1/facilities', {
        body: { name: 'SECRET123诊所', level: 'unrated', type: 'village_clinic', area_code: '370199000000' },
      });
      const text = await eventually(async () => {
        const t = srv.stderr();
        return /"route":"\/api\/v1\/facilities","status":422/.test(t) && t;
      });
      assert.ok(!text.includes('SECRET123'), 'a query, path or body value reached the log');
      assert.ok(!text.includes('SECRETPASSWORD'));
      assert.ok(!text.includes('370199123123'));
      const lines = text.split('\n').filter((l) => l.startsWith('{"ts"'));
      assert.ok(lines.length > 10);
      for (const l of lines) {
        const j = JSON.parse(l);
        assert.ok(j.route === 'unmatched' || j.route.startsWith('/'), l);
        assert.ok(!j.route.includes('?'), l);
        assert.equal(typeof j.status, 'number');
        assert.equal(typeof j.ms, 'number');
      }
      assert.ok(lines.some((l) => l.includes('"route":"/api/v1/areas/{code}","status":404')));
    });

    test('every stderr line of the server is one JSON object', async () => {
      // Log shippers parse them: text from the database (quotes, newlines) must be escaped.
      const bad = srv
        .stderr()
        .split('\n')
        .filter(Boolean)
        .filter((l) => {
          try {
            return typeof JSON.parse(l) !== 'object';
          } catch {
            return true;
          }
        });
      assert.deepEqual(bad, [], 'stderr lines that are not JSON objects');
    });
  });

  describe('area code change', () => {
    test('changing 济阳区 370115 → 370116: old codes resolve, history grows, children follow', async () => {
      const before_ = await srv.as('admin', 'GET', '/api/v1/areas/370115000000');
      assert.equal(before_.status, 200);
      const kidsBefore = (await walk(srv, 'staff', '/api/v1/areas?parent=370115000000', 500)).map((a) => a.code);
      assert.ok(kidsBefore.includes('370115001000'));
      assert.equal(before_.json.history.length, 2);
      assert.deepEqual(before_.json.history.map((h) => h.code), ['370125000000', '370115000000']);
      const r = await srv.as('admin', 'PATCH', '/api/v1/areas/370115000000', {
        headers: { 'If-Match': before_.headers.etag },
        body: { code: '370191000000', reason: '区划调整（测试）' },
      });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.code, '370191000000');
      assert.equal(r.json.id, before_.json.id);
      assert.equal(r.json.name, '济阳区');
      assert.equal(r.json.history.length, 3);
      const [h0, h1, h2] = r.json.history;
      assert.deepEqual([h0.code, h1.code, h2.code], ['370125000000', '370115000000', '370191000000']);
      assert.equal(h2.reason, '区划调整（测试）');
      assert.equal(h2.valid_to, null);
      assert.equal(h1.valid_to, h2.valid_from, 'the old code ends when the new one begins');
      for (const old of ['370115000000', '370125000000']) {
        const g = await srv.as('staff', 'GET', `/api/v1/areas/${old}`);
        assert.equal(g.status, 200, `${old} still resolves`);
        assert.equal(g.json.id, before_.json.id);
        assert.equal(g.json.code, '370191000000');
      }
      const child = await srv.as('staff', 'GET', '/api/v1/areas/370115001000');
      assert.equal(child.json.code, '370115001000', 'children keep their codes');
      assert.equal(child.json.parent_code, '370191000000');
      assert.deepEqual(child.json.ancestors.map((a) => a.code), ['370100000000', '370191000000']);
      const kids = await walk(srv, 'staff', '/api/v1/areas?parent=370115000000', 500);
      assert.deepEqual(kids.map((a) => a.code), kidsBefore, 'the old code lists the same children');
      const reuse = await srv.as('admin', 'POST', '/api/v1/areas', {
        body: { code: '370115000000', name: '新济阳', level: 'district', parent_code: '370100000000' },
      });
      assertError(reuse, 409, 'conflict', 'code');
      // The grant of 济阳's own administrator follows the area, not the code.
      await srv.addUser({ username: 'jy_admin', role: 'commission_admin', area: '370191000000' });
      const me = await srv.as('jy_admin', 'GET', '/api/v1/me');
      assert.deepEqual(me.json.grants, [{ role: 'commission_admin', area_code: '370191000000' }]);
      const g2 = await srv.as('jy_admin', 'GET', '/api/v1/areas/370115001000');
      const ok = await srv.as('jy_admin', 'PATCH', '/api/v1/areas/370115001000', {
        headers: { 'If-Match': g2.headers.etag },
        body: { name: '济阳街道（改）' },
      });
      assert.equal(ok.status, 200, ok.text);
      const fac = await srv.as('staff', 'GET', `/api/v1/facilities/${ids['济阳区人民医院']}`);
      assert.equal(fac.json.area.code, '370115001001');
      if (ids['旧码诊所']) {
        const direct = await srv.as('staff', 'GET', `/api/v1/facilities/${ids['旧码诊所']}`);
        assert.deepEqual(direct.json.area, { code: '370191000000', name: '济阳区' }, 'a facility of 济阳区 shows its new code');
      }
    });
  });
});

describe('login throttling (own server: failures also count per address)', () => {
  let srv;
  before(async () => {
    srv = await startServer({ threads: 8 });
  });
  after(async () => {
    await srv?.stop();
  });

  test('5 failures, then each try waits; after 10 → 429 even with the right password', async () => {
    const fail = () => srv.loginResponse('staff', 'wrong-password');
    for (let i = 0; i < 5; i++) assertError(await fail(), 401, 'unauthenticated', 'password', `failure ${i + 1}`);
    let t = Date.now();
    assertError(await fail(), 401, 'unauthenticated', 'password', 'failure 6');
    const sixth = Date.now() - t;
    assert.ok(sixth >= 1000, `the 6th attempt took ${sixth} ms, not ≥ 1 s`);
    // Failures 7–10 close together (100 ms apart); each answer waits (2 s and more), they all count.
    t = Date.now();
    const pending = [];
    for (let i = 0; i < 4; i++) {
      pending.push(fail());
      await new Promise((r) => setTimeout(r, 100));
    }
    const rs = await Promise.all(pending);
    for (const r of rs) assertError(r, 401, 'unauthenticated', 'password');
    assert.ok(Date.now() - t >= 2000, 'attempts 7–10 waited');
    t = Date.now();
    const blocked = await srv.loginResponse('staff', PASSWORD);
    assertError(blocked, 429, 'rate_limited', undefined, 'the right password after 10 failures');
    assert.equal(blocked.headers['retry-after'], '900');
    assert.ok(Date.now() - t < 1000, 'a refusal does not wait');
    // The address 127.0.0.1 is blocked too, for every account …
    assertError(await srv.loginResponse('auditor', PASSWORD), 429, 'rate_limited', undefined, 'same address, other account');
    // … but another account from another address is unaffected,
    const other = await srv.loginResponse('auditor', PASSWORD, { localAddress: '127.0.0.2' });
    assert.equal(other.status, 200, `auditor from 127.0.0.2: ${other.text}`);
    // while the blocked account stays blocked from any address.
    assertError(await srv.loginResponse('staff', PASSWORD, { localAddress: '127.0.0.3' }), 429, 'rate_limited');
    // 15 minutes later (test clock) the window has passed.
    const later = new Date(Date.now() + 16 * 60e3).toISOString();
    const ok = await srv.loginResponse('staff', PASSWORD, { headers: { 'X-Weijian-Test-Now': later } });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('throttling under concurrency (own server)', () => {
  let srv;
  before(async () => {
    srv = await startServer({ threads: 8 });
  });
  after(async () => {
    await srv?.stop();
  });

  test('30 wrong passwords at once: at most 10 are checked, the rest are refused', async () => {
    // Each from its own address, so that only the account's count applies.
    const rs = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        srv.loginResponse('hospital_staff', `wrong-${i}`, { localAddress: `127.0.4.${i + 1}` }),
      ),
    );
    const by = {};
    for (const r of rs) by[r.status] = (by[r.status] ?? 0) + 1;
    assert.deepEqual(Object.keys(by).sort(), ['401', '429'], JSON.stringify(by));
    assert.ok(by[401] <= 10, `${by[401]} passwords were tried against the account (limit 10): ${JSON.stringify(by)}`);
  });

  test('a client that gives up while its login waits does not upset the server', async () => {
    const bad = () => srv.loginResponse('doctor', 'wrong-password', { localAddress: '127.0.5.1' });
    for (let i = 0; i < 5; i++) assert.equal((await bad()).status, 401);
    const gaveUp = await new Promise((resolve) => {
      const rq = http.request(
        {
          host: '127.0.0.1',
          port: srv.port,
          method: 'POST',
          path: '/api/v1/auth/login',
          localAddress: '127.0.5.1',
          agent: false,
          headers: { 'Content-Type': 'application/json' },
        },
        (res) => resolve(`answered ${res.statusCode}`),
      );
      rq.on('error', (e) => resolve(e.code || e.message));
      rq.end(JSON.stringify({ username: 'doctor', password: 'wrong-password' }));
      setTimeout(() => rq.destroy(), 300);
    });
    assert.notEqual(gaveUp.slice(0, 8), 'answered', 'the login should still have been waiting');
    await new Promise((r) => setTimeout(r, 1500)); // past its due time: the server resumes a closed connection
    const h = await srv.req('GET', '/healthz');
    assert.equal(h.status, 200);
    assert.equal((await srv.loginResponse('dispatcher', PASSWORD, { localAddress: '127.0.5.2' })).status, 200);
    // stop() in after() requires a clean exit (under ASan: no use after free, no leak).
  });
});

describe('throttled logins and other clients (own server, 2 worker threads)', () => {
  let srv;
  before(async () => {
    srv = await startServer({ threads: 2 });
  });
  after(async () => {
    await srv?.stop();
  });

  test('a throttled login waits without stalling other clients', async () => {
    // Keep-alive connections of an ordinary client, opened before the attack.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const ping = async () => {
      const t = Date.now();
      const r = await srv.req('GET', '/healthz', { agent });
      assert.equal(r.status, 200);
      return Date.now() - t;
    };
    await Promise.all(Array.from({ length: 16 }, ping));
    // Five failures; then two logins that each wait ≥ 1 s, started 100 ms apart so that the
    // second lands on the worker the first does not occupy.
    const bad = () => srv.loginResponse('doctor', 'wrong-password', { localAddress: '127.0.0.9' });
    for (let i = 0; i < 5; i++) assert.equal((await bad()).status, 401);
    const slow = [];
    for (let i = 0; i < 2; i++) {
      slow.push(bad());
      await new Promise((r) => setTimeout(r, 100));
    }
    const lat = await Promise.all(Array.from({ length: 16 }, ping));
    await Promise.all(slow);
    agent.destroy();
    assert.ok(Math.max(...lat) < 500, `/healthz took ${lat.join(', ')} ms while throttled logins waited`);
  });
});
