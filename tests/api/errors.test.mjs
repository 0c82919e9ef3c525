// errors.test.mjs — the error table, as data: every tests/api/cases/*.json file holds
//
//   {"users":  [{"username","role","area"|"facility"|"person"}],   extra accounts (weijian user add)
//    "cases":  [{"name", "as": username|null, "method", "path", "headers"?, "body"? | "raw"?,
//                "setup"?: [request…], "expect": {"status", "code"?, "field"?, "details"?, "headers"?}}]}
//
// "raw" is sent as is: a string, or {"repeat": "a", "times": N, "prefix"?, "suffix"?} for big
// bodies. A "body" object is sent as JSON with Content-Type application/json (unless
// "headers" names another). Strings in path, headers and bodies may hold placeholders:
//   {{etag:PATH}}      the current ETag of GET PATH (as admin)
//   {{fid:NAME}}       the id of the facility named NAME
//   {{var:NAME}}       a value saved by a setup step ("save": {"NAME": "json.path"})
//   {{now+Nh}}         the current time plus N hours, RFC 3339 (for X-Weijian-Test-Now)
//   {{uniq}}           a string unique in this run
//   {{rep:N:TEXT}}     TEXT repeated N times
// "setup" requests run first (each with its own "expect": {"status"}). After every rejected
// write the whole area tree and facility directory are compared with a snapshot taken
// before it: a rejected request changes no business data.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertError, startServer, test } from './harness.mjs';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

let srv;
let uniq = 0;
let snap = null; // the data as of now, or null when a write may have changed it since
const vars = {};

before(async () => {
  srv = await startServer();
  const seen = new Set();
  for (const f of files) {
    const { users = [] } = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    for (const u of users) {
      if (seen.has(u.username)) continue;
      seen.add(u.username);
      const scope = { ...u };
      if (u.facility && !/^\d+$/.test(u.facility)) scope.facility = await facilityId(u.facility);
      await srv.addUser(scope);
    }
  }
});

after(async () => {
  await srv?.stop();
});

async function facilityId(name) {
  const r = await srv.as('admin', 'GET', `/api/v1/facilities?q=${encodeURIComponent(name)}&active=all&limit=500`);
  assert.equal(r.status, 200, r.text);
  const hit = r.json.items.find((f) => f.name === name);
  assert.ok(hit, `no facility named ${name}`);
  return hit.id;
}

function getPath(obj, p) {
  return p.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

async function placeholder(text) {
  const m = /^now\+(\d+)h$/.exec(text);
  if (m) return new Date(Date.now() + Number(m[1]) * 3600e3).toISOString();
  const i = text.indexOf(':');
  const [kind, arg] = i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
  switch (kind) {
    case 'etag': {
      const r = await srv.as('admin', 'GET', arg);
      assert.equal(r.status, 200, `{{etag:${arg}}}: ${r.text}`);
      return r.headers.etag;
    }
    case 'fid':
      return facilityId(arg);
    case 'var':
      assert.ok(arg in vars, `{{var:${arg}}} was not saved`);
      return vars[arg];
    case 'rep': {
      const k = arg.indexOf(':');
      return arg.slice(k + 1).repeat(Number(arg.slice(0, k)));
    }
    case 'uniq':
      return `${process.pid}${Date.now() % 100000}${++uniq}`;
    default:
      throw new Error(`unknown placeholder {{${text}}}`);
  }
}

async function expand(v) {
  if (typeof v === 'string') {
    // Innermost placeholders first: {{etag:/api/v1/facilities/{{fid:NAME}}}}.
    const inner = /\{\{((?:(?!\{\{|\}\}).)*)\}\}/;
    for (let m; (m = inner.exec(v)); ) v = v.slice(0, m.index) + (await placeholder(m[1])) + v.slice(m.index + m[0].length);
    return v;
  }
  if (Array.isArray(v)) return Promise.all(v.map(expand));
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = await expand(x);
    return o;
  }
  return v;
}

async function send(c) {
  const headers = c.headers ? await expand(c.headers) : {};
  const p = await expand(c.path);
  const opts = { headers };
  if (c.raw !== undefined) {
    if (typeof c.raw === 'object') {
      const { repeat, times, prefix = '', suffix = '' } = c.raw;
      opts.raw = prefix + repeat.repeat(times) + suffix;
    } else {
      opts.raw = await expand(c.raw);
    }
  } else if (c.body !== undefined) {
    opts.body = await expand(c.body);
  }
  return srv.as(c.as ?? null, c.method, p, opts);
}

/* Everything a rejected write could have changed: the area tree with each area's detail
 * (version, code history) and every facility's document. */
async function snapshot() {
  const areas = {};
  const walk = async (parent) => {
    let cursor = null;
    do {
      const q = new URLSearchParams({ limit: '500' });
      if (parent) q.set('parent', parent);
      if (cursor) q.set('cursor', cursor);
      const r = await srv.as('admin', 'GET', `/api/v1/areas?${q}`);
      assert.equal(r.status, 200, r.text);
      for (const a of r.json.items) {
        const d = await srv.as('admin', 'GET', `/api/v1/areas/${a.code}`);
        assert.equal(d.status, 200, d.text);
        areas[a.code] = d.json;
        if (a.children) await walk(a.code);
      }
      cursor = r.json.next_cursor;
    } while (cursor);
  };
  await walk(null);
  const facilities = {};
  let cursor = null;
  do {
    const q = new URLSearchParams({ limit: '500', active: 'all' });
    if (cursor) q.set('cursor', cursor);
    const r = await srv.as('admin', 'GET', `/api/v1/facilities?${q}`);
    assert.equal(r.status, 200, r.text);
    for (const f of r.json.items) {
      const d = await srv.as('admin', 'GET', `/api/v1/facilities/${f.id}`);
      assert.equal(d.status, 200, d.text);
      facilities[f.id] = d.json;
    }
    cursor = r.json.next_cursor;
  } while (cursor);
  return { areas, facilities };
}

/* What differs between two snapshots, one line per record ('' when nothing). */
function diff(a, b) {
  let out = '';
  for (const kind of ['areas', 'facilities']) {
    for (const k of new Set([...Object.keys(a[kind]), ...Object.keys(b[kind])])) {
      const x = JSON.stringify(a[kind][k]);
      const y = JSON.stringify(b[kind][k]);
      if (x !== y) out += `${kind}/${k}:\n  before ${x}\n  after  ${y}\n`;
    }
  }
  return out;
}

const isWrite = (m) => !['GET', 'HEAD'].includes(m);

for (const f of files) {
  const { cases } = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  describe(f, () => {
    for (const c of cases) {
      test(c.name, async () => {
        for (const s of c.setup || []) {
          const r = await send(s);
          if (s.expect?.status) assert.equal(r.status, s.expect.status, `setup ${s.method} ${s.path}: ${r.text}`);
          for (const [k, p] of Object.entries(s.save || {})) vars[k] = getPath(r, p);
          if (isWrite(s.method)) snap = null;
        }
        const rejectedWrite = isWrite(c.method) && c.expect.status >= 400;
        if (rejectedWrite && !snap) snap = await snapshot();
        const r = await send(c);
        if (isWrite(c.method) && r.status < 400) snap = null; // it did change something
        const ctx = `${c.method} ${c.path} as ${c.as}`;
        if (c.expect.status >= 400) {
          assertError(r, c.expect.status, c.expect.code, c.expect.field, ctx);
        } else {
          assert.equal(r.status, c.expect.status, `${ctx}\n→ ${r.status} ${r.text.slice(0, 500)}`);
        }
        for (const [k, v] of Object.entries(c.expect.details || {}))
          assert.deepEqual(r.json.error.details[k], await expand(v), `details.${k} of ${ctx}: ${r.text}`);
        for (const [k, v] of Object.entries(c.expect.headers || {}))
          assert.equal(r.headers[k.toLowerCase()], await expand(v), `header ${k} of ${ctx}`);
        if (rejectedWrite) {
          const changes = diff(snap, await snapshot());
          assert.equal(changes, '', `${ctx} was rejected (${r.status}) but changed data:\n${changes}`);
        }
      });
    }
  });
}
