// durability.test.mjs — committed writes survive kill -9; SIGTERM finishes what is in
// flight, writes the pending audit events and exits 0; online backup; a database newer than
// the binary is refused; the CLI's --help and usage errors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe } from 'node:test';
import {
  BACKEND,
  cli,
  cliOk,
  createDatabase,
  freePort,
  PASSWORD,
  run,
  startServer,
  test,
  tmpPath,
} from './harness.mjs';

/* Runs SQL on a database: sqlite3 for SQLite, psql for PostgreSQL. */
async function sql(url, text) {
  const r = BACKEND === 'sqlite' ? await run('sqlite3', [url, text]) : await run('psql', ['-v', 'ON_ERROR_STOP=1', '-qAt', '-d', url, '-c', text]);
  assert.equal(r.code, 0, `${text}: ${r.stderr}`);
  return r.stdout.trim();
}

describe('durability', () => {
  test('a 201 survives kill -9 right after it', async () => {
    const srv = await startServer();
    try {
      const token = await srv.login('admin');
      const area = await srv.req('POST', '/api/v1/areas', {
        token,
        body: { code: '370102909000', name: '持久街道', level: 'street', parent_code: '370102000000' },
      });
      assert.equal(area.status, 201, area.text);
      const fac = await srv.req('POST', '/api/v1/facilities', {
        token,
        body: { name: '持久诊所', level: 'unrated', type: 'village_clinic', area_code: '370102909000' },
      });
      assert.equal(fac.status, 201, fac.text);
      const x = await srv.kill9();
      assert.equal(x.signal, 'SIGKILL');
      await srv.restart();
      const a = await srv.req('GET', '/api/v1/areas/370102909000', { token }); // sessions are durable too
      assert.equal(a.status, 200, a.text);
      assert.equal(a.json.id, area.json.id);
      const f = await srv.req('GET', `/api/v1/facilities/${fac.json.id}`, { token });
      assert.equal(f.status, 200, f.text);
      assert.equal(f.json.area.code, '370102909000');
      // The audit rows of those writes were committed with them.
      const audit = await srv.as('auditor', 'GET', `/api/v1/audit?resource_type=area&resource_id=${area.json.id}`);
      assert.equal(audit.status, 200);
      assert.equal(audit.json.items.length, 1);
      assert.equal(audit.json.items[0].status, 201);
    } finally {
      await srv.stop();
    }
  });

  test('a burst of writes, then kill -9: every acknowledged write is there', async () => {
    const srv = await startServer();
    try {
      const token = await srv.login('admin');
      const acked = [];
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const r = await srv.req('POST', '/api/v1/facilities', {
            token,
            body: { name: `突发诊所${i}`, level: 'unrated', type: 'village_clinic', area_code: '370103001001' },
          });
          if (r.status === 201) acked.push(r.json.id);
          else assert.fail(`${r.status} ${r.text}`);
        }),
      );
      await srv.kill9();
      await srv.restart();
      for (const id of acked) assert.equal((await srv.req('GET', `/api/v1/facilities/${id}`, { token })).status, 200, id);
    } finally {
      await srv.stop();
    }
  });

  test('SIGTERM: exit 0, the request in flight is answered, pending audit events are written', async () => {
    const srv = await startServer();
    try {
      // Five failures make the next login wait 1 s: a request in flight when SIGTERM comes.
      for (let i = 0; i < 5; i++) assert.equal((await srv.loginResponse('staff', 'wrong-password')).status, 401);
      const slow = srv.loginResponse('staff', PASSWORD);
      await new Promise((r) => setTimeout(r, 300));
      // A rejected write is audited by the background writer, in batches: still queued.
      const refused = await srv.as('resident', 'POST', '/api/v1/areas', {
        body: { code: '370102910000', name: '拒绝街道', level: 'street', parent_code: '370102000000' },
      });
      assert.equal(refused.status, 403);
      await srv.shutdown(); // SIGTERM, asserts exit status 0
      const r = await slow.catch((e) => ({ status: 0, text: String(e) }));
      assert.equal(r.status, 200, `the login in flight at SIGTERM: ${r.text}`);
      await srv.restart();
      const rows = await srv.as('auditor', 'GET', '/api/v1/audit?username=resident');
      assert.equal(rows.status, 200);
      assert.ok(
        rows.json.items.some((x) => x.route === '/api/v1/areas' && x.method === 'POST' && x.status === 403),
        `the refused write was audited before exit: ${rows.text}`,
      );
    } finally {
      await srv.stop();
    }
  });

  test('weijian backup --to FILE while the server serves writes', async () => {
    const srv = await startServer();
    const out = tmpPath(`backup-${Date.now()}.${BACKEND === 'sqlite' ? 'db' : 'dump'}`);
    try {
      const token = await srv.login('admin');
      const made = await srv.req('POST', '/api/v1/areas', {
        token,
        body: { code: '370102911000', name: '备份街道', level: 'street', parent_code: '370102000000' },
      });
      assert.equal(made.status, 201, made.text);
      // Writes keep coming while the backup runs.
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const r = await srv.req('POST', '/api/v1/facilities', {
            token,
            body: { name: `备份期间诊所${i}`, level: 'unrated', type: 'village_clinic', area_code: '370102911000' },
          });
          assert.equal(r.status, 201, r.text);
        }
      })();
      await new Promise((r) => setTimeout(r, 100));
      if (BACKEND === 'postgresql') {
        const has = await run('sh', ['-c', 'command -v pg_dump']);
        if (has.code !== 0) {
          writing = false;
          await writer;
          return;
        }
      }
      const b = await cli(['backup', '--to', out, '--db', srv.url]);
      writing = false;
      await writer;
      assert.equal(b.code, 0, `backup: ${b.stderr}`);
      const head = fs.readFileSync(out).subarray(0, 16);
      if (BACKEND === 'sqlite') {
        assert.equal(head.toString('latin1'), 'SQLite format 3\0');
        // The copy is a working database: serve it and find the data.
        const copy = await startServer({ db: { url: out, drop: async () => fs.rmSync(out, { force: true }) } });
        try {
          const r = await copy.as('staff', 'GET', '/api/v1/areas/370102911000');
          assert.equal(r.status, 200, r.text);
          assert.equal(r.json.id, made.json.id);
          const f = await copy.as('staff', 'GET', '/api/v1/facilities?area=370102911000&limit=500');
          assert.equal(f.status, 200);
        } finally {
          await copy.stop();
        }
      } else {
        assert.ok(fs.statSync(out).size > 1000, 'a non-empty dump');
        assert.equal(head.subarray(0, 5).toString('latin1'), 'PGDMP', 'pg_dump custom format');
      }
    } finally {
      await srv.stop();
    }
  });

  test('serve refuses a database whose schema is newer than the binary', async () => {
    const db = await createDatabase();
    try {
      await cliOk(['init', '--db', db.url]);
      const v = Number(await sql(db.url, 'SELECT MAX(version) FROM schema_version'));
      assert.ok(v >= 3);
      await sql(db.url, `INSERT INTO schema_version (version, name, applied_at) VALUES (${v + 1}, '${String(v + 1).padStart(4, '0')}_from_the_future.sql', 0)`);
      const r = await cli(['serve', '--db', db.url, '--listen', `127.0.0.1:${await freePort()}`], { timeout: 15000 });
      assert.notEqual(r.code, 0, `serve started on a newer schema: ${r.stderr}`);
      assert.equal(r.signal, null, 'it exits by itself');
      assert.match(r.stderr, /newer than this binary/);
      const m = await cli(['migrate', '--db', db.url]);
      assert.notEqual(m.code, 0, 'migrate refuses it too');
      assert.match(m.stderr, /newer than this binary/);
    } finally {
      await db.drop();
    }
  });

  test('serve refuses a database that is behind (not migrated)', async () => {
    const db = await createDatabase();
    try {
      if (BACKEND === 'sqlite') fs.writeFileSync(db.url, '');
      const r = await cli(['serve', '--db', db.url, '--listen', `127.0.0.1:${await freePort()}`], { timeout: 15000 });
      assert.notEqual(r.code, 0);
      assert.equal(r.signal, null);
      assert.match(r.stderr, /weijian migrate/);
    } finally {
      await db.drop();
    }
  });
});

describe('CLI', () => {
  const commands = [
    ['serve'],
    ['init'],
    ['migrate'],
    ['demo'],
    ['user', 'add'],
    ['user'],
    ['backup'],
  ];

  test('every command takes --help: usage on stdout, exit 0', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /^usage: weijian COMMAND/);
    for (const c of ['serve', 'init', 'migrate', 'demo', 'user', 'backup']) assert.match(top.stdout, new RegExp(`\\n  ${c} `));
    for (const c of commands) {
      const r = await cli([...c, '--help']);
      assert.equal(r.code, 0, `weijian ${c.join(' ')} --help: ${r.code} ${r.stderr}`);
      assert.match(r.stdout, /usage: weijian /, `weijian ${c.join(' ')} --help prints its usage`);
      assert.equal(r.stderr, '', `weijian ${c.join(' ')} --help writes nothing to stderr`);
    }
  });

  test('a bad flag prints the usage on stderr and exits 2', async () => {
    for (const c of commands) {
      const r = await cli([...c, '--no-such-flag']);
      assert.equal(r.code, 2, `weijian ${c.join(' ')} --no-such-flag: ${r.code} ${r.stderr}`);
      assert.match(r.stderr, /usage: weijian /);
      assert.equal(r.stdout, '');
    }
    for (const args of [
      [],
      ['frobnicate'],
      ['serve', 'extra-argument'],
      ['serve', '--threads', '0'],
      ['serve', '--threads', 'many'],
      ['init', '--db'],
      ['backup'], // --to is required
      ['user', 'add', '--username', 'x', '--role', 'auditor', '--password-stdin'], // no scope
      ['user', 'add', '--username', 'x', '--role', 'wizard', '--area', '370100000000', '--password-stdin'],
      ['user', 'add', '--username', 'x', '--role', 'auditor', '--area', '370100000000'], // no --password-stdin
      ['user', 'add', '--username', 'x', '--role', 'clinician', '--facility', 'abc', '--password-stdin'],
      ['user', 'remove'],
    ]) {
      const r = await cli(args, { input: 'a-long-password\n' });
      assert.equal(r.code, 2, `weijian ${args.join(' ')}: ${r.code} ${r.stderr}`);
    }
  });

  test('serve --listen that is not HOST:PORT exits 2', async () => {
    const db = await createDatabase();
    try {
      await cliOk(['init', '--db', db.url]);
      const r = await cli(['serve', '--db', db.url, '--listen', 'nowhere'], { timeout: 15000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /HOST:PORT/);
    } finally {
      await db.drop();
    }
  });

  test('init, migrate and demo are safe to run again; user add checks its input', async () => {
    const db = await createDatabase();
    try {
      await cliOk(['init', '--db', db.url]);
      await cliOk(['init', '--db', db.url]);
      await cliOk(['migrate', '--db', db.url]);
      const d1 = await cliOk(['demo', '--db', db.url]);
      assert.match(d1.stdout, /admin/);
      const d2 = await cliOk(['demo', '--db', db.url]);
      assert.match(d2.stdout, /hospital_admin/);
      const n = await sql(db.url, 'SELECT COUNT(*) FROM facilities');
      const d3 = await cliOk(['demo', '--db', db.url]);
      assert.ok(d3.stdout.includes('weijian-demo'));
      assert.equal(await sql(db.url, 'SELECT COUNT(*) FROM facilities'), n, 'demo loads once');
      const add = (args, input) => cli(['user', 'add', '--db', db.url, ...args], { input });
      const ok = await add(['--username', 'li', '--role', 'grid_worker', '--area', '370102002000', '--password-stdin'], 'a-long-password\n');
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /created user li \(id \d+\) as grid_worker/);
      const taken = await add(['--username', 'li', '--role', 'grid_worker', '--area', '370102002000', '--password-stdin'], 'a-long-password\n');
      assert.equal(taken.code, 1);
      assert.match(taken.stderr, /taken/);
      const short = await add(['--username', 'wang', '--role', 'auditor', '--area', '370100000000', '--password-stdin'], 'short\n');
      assert.equal(short.code, 1);
      assert.match(short.stderr, /at least 8/);
      const noArea = await add(['--username', 'zhao', '--role', 'auditor', '--area', '370199000000', '--password-stdin'], 'a-long-password\n');
      assert.equal(noArea.code, 1);
      assert.match(noArea.stderr, /no area/);
      const noFac = await add(['--username', 'sun', '--role', 'clinician', '--facility', '12345', '--password-stdin'], 'a-long-password\n');
      assert.equal(noFac.code, 1);
      assert.match(noFac.stderr, /no facility/);
      const noPerson = await add(['--username', 'qian', '--role', 'resident', '--person', '12345', '--password-stdin'], 'a-long-password\n');
      assert.equal(noPerson.code, 1);
      assert.match(noPerson.stderr, /no person has id 12345/);
      const someone = await sql(db.url, 'SELECT MIN(id) FROM persons');
      const resident = await add(['--username', 'zhou', '--role', 'resident', '--person', someone, '--password-stdin'], 'a-long-password\n');
      assert.equal(resident.code, 0, resident.stderr);
      assert.equal(await sql(db.url, "SELECT COUNT(*) FROM users WHERE username IN ('wang', 'zhao', 'sun', 'qian')"), '0');
    } finally {
      await db.drop();
    }
  });
});
