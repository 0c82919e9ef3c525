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

let srv;
const ids = {};
const outsiders = {}; // role → username of the out-of-scope account
let n = 0;

before(async () => {
  srv = await startServer();
  for (let cursor = null, first = true; first || cursor; first = false) {
    const r = await srv.as('admin', 'GET', `/api/v1/facilities?limit=500&active=all${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    for (const f of r.json.items) ids[f.name] = f.id;
    cursor = r.json.next_cursor;
  }
  assert.ok(ids[TARGET_FACILITY] && ids[OTHER_FACILITY], 'demo facilities missing');
  for (const role of ROLES) {
    const username = `out_${role}`;
    const scope =
      role === 'resident'
        ? { person: '1' }
        : ['clinician', 'facility_staff', 'facility_admin'].includes(role)
          ? { facility: ids[OTHER_FACILITY] }
          : { area: OTHER_AREA };
    await srv.addUser({ username, role, ...scope });
    outsiders[role] = username;
  }
});

after(async () => {
  await srv?.stop();
});

async function etag(p) {
  const r = await srv.as('admin', 'GET', p);
  assert.equal(r.status, 200, `GET ${p}: ${r.text}`);
  return r.headers.etag;
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
};

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
