// harness.mjs — starts a Weijian server on a fresh database for the API tests.
//
//   WEIJIAN_BIN=build/test/weijian WEIJIAN_TEST_BACKEND=sqlite|postgresql \
//     node --test --test-concurrency=1 tests/api/
//
// PostgreSQL needs WEIJIAN_TEST_PG_ADMIN (the maintenance database URL; tests/pg/with-cluster.sh
// exports it): every server gets its own database wj_<random>, dropped when it stops.
// Only Node built-ins are used (node:test, node:assert, node:child_process, node:http, …).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test as nodeTest } from 'node:test';

export const BIN = process.env.WEIJIAN_BIN
  ? path.resolve(process.env.WEIJIAN_BIN)
  : path.resolve('build/test/weijian');
export const BACKEND = process.env.WEIJIAN_TEST_BACKEND || 'sqlite';
export const PASSWORD = 'weijian-demo';
/* The demo accounts, one per role. */
export const DEMO_USERS = {
  resident: 'resident',
  clinician: 'doctor',
  facility_staff: 'hospital_staff',
  facility_admin: 'hospital_admin',
  hotline_operator: 'hotline',
  grid_worker: 'grid',
  dispatcher: 'dispatcher',
  commission_staff: 'staff',
  commission_admin: 'admin',
  auditor: 'auditor',
};
export const ROLES = Object.keys(DEMO_USERS);

if (!['sqlite', 'postgresql'].includes(BACKEND))
  throw new Error(`WEIJIAN_TEST_BACKEND must be sqlite or postgresql (got ${BACKEND})`);
if (!fs.existsSync(BIN)) throw new Error(`WEIJIAN_BIN ${BIN} does not exist (make build/test/weijian)`);

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'wj-api-'));
process.on('exit', () => {
  try {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
});
export function tmpPath(name) {
  return path.join(tmpRoot, name);
}

export function randomName(prefix = 'wj_') {
  return prefix + Math.random().toString(36).slice(2, 10) + Date.now().toString(36).slice(-4);
}

/** Runs a command to completion. Resolves {code, signal, stdout, stderr}; never rejects on exit status. */
export function run(cmd, args, { input, env, timeout = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeout);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    p.stdin.on('error', () => {});
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

/** Runs the weijian binary. */
export function cli(args, opts) {
  return run(BIN, args, opts);
}

/** Like cli() but asserts exit status 0 (so sanitizer reports in CLI runs fail the test). */
export async function cliOk(args, opts) {
  const r = await cli(args, opts);
  assert.equal(r.code, 0, `weijian ${args.join(' ')} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

function psql(adminUrl, sql) {
  return run('psql', ['-v', 'ON_ERROR_STOP=1', '-qAt', '-d', adminUrl, '-c', sql]);
}

/** Creates an empty database. Returns {url, drop()}. */
export async function createDatabase() {
  if (BACKEND === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(tmpRoot, 'db-'));
    const url = path.join(dir, 'weijian.db');
    return {
      url,
      async drop() {
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const admin = process.env.WEIJIAN_TEST_PG_ADMIN;
  if (!admin) throw new Error('WEIJIAN_TEST_PG_ADMIN is not set (run under tests/pg/with-cluster.sh)');
  const name = randomName('wj_');
  const r = await psql(admin, `CREATE DATABASE ${name}`);
  if (r.code !== 0) throw new Error(`CREATE DATABASE ${name} failed: ${r.stderr}`);
  const u = new URL(admin);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    name,
    async drop() {
      const d = await psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      if (d.code !== 0) throw new Error(`DROP DATABASE ${name} failed: ${d.stderr}`);
    },
  };
}

/** A free TCP port on 127.0.0.1 (the server is given it explicitly: it does not report port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One HTTP request. opts: token, headers, body (JSON-encoded, Content-Type application/json
 * unless given), raw (string or Buffer sent as is), localAddress, agent (an http.Agent), timeout.
 * Resolves {status, headers, text, json}; json is null when the body is not JSON.
 */
export function request(base, method, p, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let payload;
  if (opts.raw !== undefined) {
    payload = Buffer.isBuffer(opts.raw) ? opts.raw : Buffer.from(opts.raw);
  } else if (opts.body !== undefined) {
    payload = Buffer.from(JSON.stringify(opts.body));
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/json';
  }
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (payload) headers['Content-Length'] = String(payload.length);
  for (const [k, v] of Object.entries(headers)) if (v === undefined || v === null) delete headers[k];
  const u = new URL(p, base);
  return new Promise((resolve, reject) => {
    const rq = http.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: u.pathname + u.search,
        headers,
        agent: opts.agent ?? (opts.localAddress ? false : agent),
        localAddress: opts.localAddress,
        timeout: opts.timeout ?? 30000,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    rq.on('timeout', () => rq.destroy(new Error(`${method} ${p}: timed out`)));
    rq.on('error', reject);
    if (payload) rq.write(payload);
    rq.end();
  });
}

const live = new Set();

/* A test process that dies (a failed pipe, Ctrl-C) must not leave servers running. */
process.on('exit', () => {
  for (const s of live) s.proc.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.once(sig, () => {
    for (const s of live) s.proc.kill('SIGKILL');
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 })[sig]);
  });

/** For failure messages: every running server's notable stderr lines (errors, anything not
 * a request log line) and its last lines. */
export function liveTails(n = 25) {
  let out = '';
  for (const s of live) {
    const lines = s.stderr().split('\n');
    const notable = lines.filter((l) => l && !l.startsWith('{"ts"') && !l.includes('"level":"info"')).slice(-20);
    out += `\n--- server ${s.base} (${s.url}) stderr ---`;
    if (notable.length) out += `\nnotable lines:\n${notable.join('\n')}`;
    out += `\nlast ${n} lines:\n${lines.slice(-n - 1).join('\n')}`;
  }
  return out;
}

/** node:test's test(), but a failure carries the tail of the running servers' stderr. */
export function test(name, opts, fn) {
  if (typeof opts === 'function') {
    fn = opts;
    opts = {};
  }
  return nodeTest(name, opts, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      const tails = liveTails();
      if (e && typeof e === 'object' && tails) {
        try {
          const before = e.message;
          e.message = `${before}${tails}`;
          // Reporters print the stack, which holds the message as it was when thrown.
          if (typeof e.stack === 'string' && before && e.stack.includes(before))
            e.stack = e.stack.replace(before, e.message);
        } catch {
          /* read-only */
        }
      }
      throw e;
    }
  });
}

class Server {
  constructor(db, opts) {
    this.db = db;
    this.url = db.url;
    this.opts = opts;
    this.tokens = new Map();
    this.stderrPath = tmpPath(`${randomName('serve-')}.log`);
  }

  async spawn() {
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      this.port = port;
      this.base = `http://127.0.0.1:${port}`;
      const args = ['serve', '--db', this.url, '--listen', `127.0.0.1:${port}`];
      if (this.opts.threads) args.push('--threads', String(this.opts.threads));
      const fd = fs.openSync(this.stderrPath, 'a');
      const proc = spawn(BIN, args, { stdio: ['ignore', 'ignore', fd], env: { ...process.env, ...(this.opts.env || {}) } });
      fs.closeSync(fd);
      this.proc = proc;
      this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
      let exitedEarly = null;
      this.exited.then((x) => (exitedEarly = x));
      const deadline = Date.now() + 20000;
      while (!exitedEarly && Date.now() < deadline) {
        try {
          const r = await request(this.base, 'GET', '/healthz', { timeout: 2000 });
          if (r.status === 200) {
            live.add(this);
            return;
          }
        } catch {
          /* not up yet */
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      if (exitedEarly && attempt < 3 && /cannot listen/.test(this.stderr())) continue; // port taken meanwhile
      if (!exitedEarly) proc.kill('SIGKILL');
      throw new Error(`weijian serve did not come up (${JSON.stringify(exitedEarly)}):\n${this.tail(40)}`);
    }
  }

  stderr() {
    try {
      return fs.readFileSync(this.stderrPath, 'utf8');
    } catch {
      return '';
    }
  }

  tail(n = 40) {
    return this.stderr().split('\n').slice(-n - 1).join('\n');
  }

  req(method, p, opts = {}) {
    return request(this.base, method, p, opts);
  }

  /** Logs in (fresh session each call). Returns the whole response. */
  loginResponse(username, password = PASSWORD, opts = {}) {
    return this.req('POST', '/api/v1/auth/login', { body: { username, password }, ...opts });
  }

  /** A bearer token for a user: one login per server and user (argon2 costs ~50 ms). */
  async login(username, password = PASSWORD) {
    if (this.tokens.has(username)) return this.tokens.get(username);
    const r = await this.loginResponse(username, password);
    assert.equal(r.status, 200, `login ${username}: ${r.status} ${r.text}`);
    this.tokens.set(username, r.json.token);
    return r.json.token;
  }

  /** req() as a user (username → cached token), or anonymous when `as` is null. */
  async as(username, method, p, opts = {}) {
    const token = username ? await this.login(username) : undefined;
    return this.req(method, p, { token, ...opts });
  }

  /** `weijian user add` on this server's database. scope: {area} | {facility} | {person}. */
  async addUser({ username, role, area, facility, person, name, password = PASSWORD }) {
    const args = ['user', 'add', '--db', this.url, '--username', username, '--role', role, '--password-stdin'];
    if (area) args.push('--area', area);
    if (facility) args.push('--facility', facility);
    if (person) args.push('--person', person);
    if (name) args.push('--name', name);
    return cliOk(args, { input: password + '\n' });
  }

  /** SIGTERM, wait, and require exit status 0 (sanitizer findings at shutdown fail here). */
  async shutdown() {
    live.delete(this);
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 30000);
    const x = await this.exited;
    clearTimeout(timer);
    assert.deepEqual(x, { code: 0, signal: null }, `weijian serve exited ${JSON.stringify(x)} on SIGTERM:\n${this.tail(60)}`);
  }

  /** kill -9: no shutdown at all. */
  async kill9() {
    live.delete(this);
    this.proc.kill('SIGKILL');
    return this.exited;
  }

  /** Starts the server again on the same database (new port, tokens kept: sessions persist). */
  async restart() {
    await this.spawn();
  }

  /** shutdown() and drop the database. */
  async stop() {
    try {
      await this.shutdown();
    } finally {
      if (!this.opts.keepDb) await this.db.drop();
    }
  }
}

/**
 * Starts a server. Without opts.db: a fresh database with the demo city and accounts
 * (`weijian demo`). opts: db ({url, drop}) to reuse, demo (default true for a fresh
 * database), threads, env, keepDb.
 */
export async function startServer(opts = {}) {
  const fresh = !opts.db;
  const db = opts.db || (await createDatabase());
  if (opts.demo ?? fresh) await cliOk(['demo', '--db', db.url]);
  const s = new Server(db, opts);
  await s.spawn();
  return s;
}

/** Waits until fn() is truthy (polling), or fails after `ms`. Returns fn's value. */
export async function eventually(fn, { ms = 5000, every = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Asserts the standard error body {"error":{"code","message","field","details"}}. */
export function assertError(r, status, code, field, ctx = '') {
  const where = ` — ${ctx}\n→ ${r.status} ${r.text.slice(0, 500)}`;
  assert.equal(r.status, status, `status${where}`);
  assert.ok(r.json && typeof r.json.error === 'object', `error body${where}`);
  const e = r.json.error;
  assert.deepEqual(Object.keys(e).sort(), ['code', 'details', 'field', 'message'], `error keys${where}`);
  assert.equal(typeof e.message, 'string', `message${where}`);
  assert.equal(typeof e.details, 'object', `details${where}`);
  assert.ok(e.details !== null && !Array.isArray(e.details), `details object${where}`);
  if (code !== undefined) assert.equal(e.code, code, `code${where}`);
  if (field !== undefined) assert.equal(e.field, field, `field${where}`);
}
