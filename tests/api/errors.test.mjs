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
// "setup" requests run first (each with its own "expect": {"status"}). Around every rejected
// write the whole area tree and facility directory (as their lists show them) and, in full,
// the records the request names are compared: a rejected request changes no business data.
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
let known = null; // globalState() as of now, or null when a write may have changed it since
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

/* The request of a case with its placeholders filled: {as, method, path, opts}. */
async function prepare(c) {
  const opts = { headers: c.headers ? await expand(c.headers) : {} };
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
  return { as: c.as ?? null, method: c.method, path: await expand(c.path), opts };
}

function send(q) {
  return srv.as(q.as, q.method, q.path, q.opts);
}

async function getJson(p) {
  const r = await srv.as('admin', 'GET', p);
  assert.equal(r.status, 200, `GET ${p}: ${r.text}`);
  return r.json;
}

/* The whole directory, cheaply: every area as its parent's list shows it (code, name,
 * level, children) and every facility as the list shows it (with version). */
async function globalState() {
  const tree = {};
  const walk = async (parent) => {
    let cursor = null;
    do {
      const q = new URLSearchParams({ limit: '500' });
      if (parent) q.set('parent', parent);
      if (cursor) q.set('cursor', cursor);
      const j = await getJson(`/api/v1/areas?${q}`);
      for (const a of j.items) {
        tree[a.code] = a;
        if (a.children) await walk(a.code);
      }
      cursor = j.next_cursor;
    } while (cursor);
  };
  await walk(null);
  const facilities = {};
  let cursor = null;
  do {
    const q = new URLSearchParams({ limit: '500', active: 'all' });
    if (cursor) q.set('cursor', cursor);
    const j = await getJson(`/api/v1/facilities?${q}`);
    for (const f of j.items) facilities[f.id] = f;
    cursor = j.next_cursor;
  } while (cursor);
  return { tree, facilities };
}

/* The records a request names (area codes in its path or body, a facility id in its path),
 * in full: version, code history, campuses; or their absence. */
async function details(q) {
  const text = `${q.path} ${JSON.stringify(q.opts.body ?? '')} ${String(q.opts.raw ?? '').slice(0, 4000)}`;
  const out = {};
  for (const code of new Set(text.match(/(?<!\d)\d{12}(?!\d)/g) || [])) {
    const r = await srv.as('admin', 'GET', `/api/v1/areas/${code}`);
    out[`area ${code}`] = { status: r.status, body: r.json };
  }
  const fid = /\/facilities\/(\d+)/.exec(q.path);
  if (fid) {
    const r = await srv.as('admin', 'GET', `/api/v1/facilities/${fid[1]}`);
    const h = await srv.as('admin', 'GET', `/api/v1/facilities/${fid[1]}/history?limit=500`);
    out[`facility ${fid[1]}`] = { status: r.status, body: r.json, history: h.json };
  }
  return out;
}

/* What differs between two states, one line per record ('' when nothing). */
function diff(a, b) {
  let out = '';
  for (const kind of ['tree', 'facilities', 'details']) {
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
        for (const st of c.setup || []) {
          const r = await send(await prepare(st));
          if (st.expect?.status) assert.equal(r.status, st.expect.status, `setup ${st.method} ${st.path}: ${r.text}`);
          for (const [k, p] of Object.entries(st.save || {})) vars[k] = getPath(r, p);
          if (isWrite(st.method)) known = null;
        }
        const q = await prepare(c);
        const rejectedWrite = isWrite(c.method) && c.expect.status >= 400;
        let before;
        if (rejectedWrite) before = { ...(known ?? (await globalState())), details: await details(q) };
        const r = await send(q);
        if (isWrite(c.method) && r.status < 400) known = null; // it did change something
        const ctx = `${c.method} ${q.path.slice(0, 200)} as ${c.as}`;
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
          known = await globalState();
          const changes = diff(before, { ...known, details: await details(q) });
          assert.equal(changes, '', `${ctx} was rejected (${r.status}) but changed data:\n${changes}`);
        }
      });
    }
  });
}
