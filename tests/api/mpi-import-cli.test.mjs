// mpi-import-cli.test.mjs — `weijian import persons` at a size where candidates and
// identifier holders come from the import's in-memory blocking index (docs/mpi.md,
// "Import"): generated people with duplicates and their ground truth, imported into the
// running server's database in many small batches. Every duplicate is linked to its
// original or sent to review, no two people are ever joined, and a person the server
// registered before the import is found by a row that repeats them. A first load sets
// the search indexes aside and builds them after it; one that dies leaves them to
// `weijian migrate`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { after, before } from 'node:test';
import { BACKEND, cli, cliOk, createDatabase, eventually, run, startServer, test, tmpPath } from './harness.mjs';

let srv;

before(async () => {
  srv = await startServer();
});

after(async () => {
  await srv?.stop();
});

/* Minimal CSV reader for the generator's and the report's files (quoted fields allowed). */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell), rows.push(row), (row = []), (cell = '');
    } else cell += ch;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

test('a large import matches in memory: duplicates linked, nobody joined wrongly, the server\'s persons found', async () => {
  const csv = tmpPath('persons.csv'), truth = tmpPath('truth.csv'), report = tmpPath('report.csv');
  await cliOk(['generate', 'persons', '--count', '1500', '--seed', '20261125', '--today', '2026-11-24', '--db', srv.url,
    '--out', csv, '--truth', truth]);

  // Someone the server registers first; the file's last row is the same man, with his name
  // in traditional script and no card: the import must find him among the server's persons.
  const p = await srv.as('doctor', 'POST', '/api/v1/persons', {
    body: { name: '鄭國強', sex: 'male', birth_date: '1961-07-19', phone: '13905310719', address: '历下区文化东路88号', area_code: '370102001001' },
  });
  assert.equal(p.status, 201, p.text);
  const header = parseCsv(fs.readFileSync(csv, 'utf8'))[0];
  // A woman presenting his insurance card is refused at registration (409), after the
  // rows were prepared; her second row, without the card, must not be joined to the
  // refused record (which was never written) but registered anew.
  const card = await srv.as('doctor', 'POST', `/api/v1/persons/${p.json.person.id}/identifiers`, {
    body: { type: 'insurance_card', value: 'YB3701020611' },
  });
  assert.equal(card.status, 201, card.text);
  const her = { name: '孙丽娟', sex: '女', birth_date: '1990-03-08', phone: '13706390308', address: '市南区香港中路9号', area_code: '370102001001' };
  const extra = { name: '郑国强', sex: '男', birth_date: '1961-07-19', phone: '13905310719', address: '历下区文化东路88号', area_code: '370102001001' };
  const line = (o) => `${header.map((h) => o[h] ?? '').join(',')}\n`;
  fs.appendFileSync(csv, line({ ...her, insurance_card: 'YB3701020611' }) + line(her) + line(extra));

  // Small batches: the cache is synced and marked a hundred times over.
  const r = await cli(['import', 'persons', '--db', srv.url, '--batch', '15', '--report', report, csv], { timeout: 180000 });
  assert.equal(r.code, 1, r.stderr); /* one row refused, the others registered */
  assert.match(r.stderr, /:\d+: insurance_card: this identifier belongs to a person whose sex differs/);
  const rows = parseCsv(fs.readFileSync(report, 'utf8')).slice(1).filter((x) => x.length > 1);
  const truthOf = new Map(parseCsv(fs.readFileSync(truth, 'utf8')).slice(1).filter((x) => x.length > 1).map(([l, t]) => [l, t]));
  assert.equal(rows.length, truthOf.size + 3);
  assert.match(r.stdout, new RegExp(`${rows.length} rows read, ${rows.length - 1} registered`));

  const [refused, again, last] = rows.slice(-3);
  assert.equal(refused[1], 'rejected', `the card of another: ${refused}`);
  assert.match(refused[4], /insurance_card/);
  assert.equal(again[1], 'new', `her row without the card: ${again}`);
  const mine = await srv.as('admin', 'GET', `/api/v1/persons/${again[2]}`);
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.name, '孙丽娟');
  assert.deepEqual([last[1], last[2]], ['linked', p.json.person.id], `the repeated person: ${last}`);

  // Ground truth: rows of one person share a person id unless sent to review; rows of
  // different people never do.
  const personOfTruth = new Map(), truthOfPerson = new Map();
  let linked = 0, reviews = 0, duplicates = 0;
  for (const [line, status, person] of rows.slice(0, -3)) {
    const t = truthOf.get(line);
    assert.ok(t, `line ${line} has no ground truth`);
    if (status === 'review') reviews++;
    if (status === 'linked') linked++;
    if (personOfTruth.has(t)) duplicates++;
    const other = truthOfPerson.get(person);
    assert.ok(!other || other === t, `line ${line}: person ${person} joins people ${other} and ${t}`);
    truthOfPerson.set(person, t);
    if (status !== 'review' && personOfTruth.has(t))
      assert.equal(person, personOfTruth.get(t), `line ${line}: a duplicate of person ${t} not linked`);
    if (!personOfTruth.has(t)) personOfTruth.set(t, person);
  }
  assert.ok(duplicates > 100, `the generator made ${duplicates} duplicates`);
  assert.ok(linked >= duplicates - reviews, `${linked} linked of ${duplicates} duplicates (${reviews} reviews)`);
  assert.ok(reviews <= rows.length * 0.02, `${reviews} reviews`);

  // The server sees what the import wrote.
  const s = await srv.as('admin', 'POST', '/api/v1/persons/search', { body: { name: '鄭國強', birth_date: '1961-07-19' } });
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json.items.map((x) => x.id), [p.json.person.id]);
});

test('a large file is checked in two halves: rejections of both reported in file order, nothing written', async () => {
  const csv = tmpPath('halves.csv'), report = tmpPath('halves-report.csv');
  await cliOk(['generate', 'persons', '--count', '9000', '--seed', '20261126', '--today', '2026-11-24', '--db', srv.url,
    '--out', csv, '--truth', tmpPath('halves-truth.csv')]);
  const lines = fs.readFileSync(csv, 'utf8').split('\n');
  assert.ok(fs.statSync(csv).size > 1 << 20, 'the file is large enough to be split');
  const col = parseCsv(lines[0] + '\n')[0].indexOf('birth_date');
  const spoil = (i, value) => {
    const cells = parseCsv(lines[i] + '\n')[0];
    cells[col] = value;
    lines[i] = cells.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',');
  };
  const early = 3, late = lines.length - 5; // physical lines are index + 1
  spoil(early - 1, '2026-13-01');
  spoil(late - 1, '1900-02-30');
  fs.writeFileSync(csv, lines.join('\n'));
  const r = await cli(['import', 'persons', '--db', srv.url, '--report', report, csv], { timeout: 180000 });
  assert.equal(r.code, 1, r.stderr);
  const named = [...r.stderr.matchAll(/:(\d+): birth_date: /g)].map((m) => Number(m[1]));
  assert.deepEqual(named, [early, late], r.stderr);
  const rejected = parseCsv(fs.readFileSync(report, 'utf8')).slice(1).filter((x) => x[1] === 'rejected');
  assert.deepEqual(rejected.map((x) => Number(x[0])), [early, late]);
  assert.match(r.stdout, /2 rejected; nothing was written/);
  // A valid row of each half is not in the index.
  const header = parseCsv(lines[0] + '\n')[0];
  for (const i of [10, lines.length - 20]) {
    const cells = parseCsv(lines[i] + '\n')[0];
    const s = await srv.as('admin', 'POST', '/api/v1/persons/search', {
      body: { name: cells[header.indexOf('name')], birth_date: cells[header.indexOf('birth_date')] },
    });
    assert.equal(s.status, 200, s.text);
    assert.deepEqual(s.json.items, [], `line ${i + 1} was written`);
  }
});

/* ---- a first load: the indexes set aside (SQLite) ---- */

const LOAD_INDEXES = ['mpi_records_bk_dob_sex', 'mpi_records_bk_name_year', 'mpi_records_facility', 'mpi_records_phone',
  'persons_area_path', 'persons_name_key', 'persons_pinyin'];

async function sqlite(db, query) {
  const r = await run('sqlite3', [db, query]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean);
}
const presentIndexes = (db) =>
  sqlite(db, `SELECT name FROM sqlite_master WHERE type = 'index' AND name IN (${LOAD_INDEXES.map((n) => `'${n}'`).join(', ')}) ORDER BY name`);

/* A fresh demo city without generated residents beside a running server, and a file of
 * `count` people (and their duplicates): many times what the city holds. */
async function firstLoad(count, seed) {
  const db = await createDatabase();
  await cliOk(['demo', '--residents', '0', '--db', db.url]);
  const server = await startServer({ db });
  const csv = tmpPath(`load-${seed}.csv`);
  await cliOk(['generate', 'persons', '--count', String(count), '--seed', String(seed), '--today', '2026-11-24',
    '--db', server.url, '--out', csv, '--truth', tmpPath(`load-${seed}-truth.csv`)]);
  const header = parseCsv(fs.readFileSync(csv, 'utf8').split('\n', 1)[0] + '\n')[0];
  const row = parseCsv(fs.readFileSync(csv, 'utf8').split('\n', 3)[2] + '\n')[0];
  const person = Object.fromEntries(header.map((h, i) => [h, row[i]]));
  return { server, csv, person };
}

/* The file's second person, found by the server by name and birth date (persons_name_key). */
async function findsByName(server, person) {
  const s = await server.as('admin', 'POST', '/api/v1/persons/search', { body: { name: person.name, birth_date: person.birth_date } });
  assert.equal(s.status, 200, s.text);
  assert.ok(s.json.items.some((x) => x.name === person.name), `${person.name} ${person.birth_date} not found: ${s.text}`);
}

test('a first load sets the search indexes aside and builds them after it; --keep-indexes keeps them', async () => {
  const { server, csv, person } = await firstLoad(12000, 20261127);
  try {
    const r = await cliOk(['import', 'persons', '--db', server.url, csv], { timeout: 300000 });
    assert.match(r.stdout, /(\d+) rows read, \1 registered/);
    if (BACKEND === 'sqlite') {
      assert.match(r.stdout, /^import: 7 indexes set aside for the load were built after it$/m);
      assert.deepEqual(await presentIndexes(server.url), LOAD_INDEXES);
      assert.deepEqual(await sqlite(server.url, 'SELECT count(*) FROM deferred_indexes'), ['0']);
    } else {
      assert.doesNotMatch(r.stdout, /set aside/, 'PostgreSQL keeps its indexes');
    }
    await findsByName(server, person);
    // A second file as large as the first is no first load: the indexes stay.
    const again = tmpPath('load-again.csv');
    await cliOk(['generate', 'persons', '--count', '4000', '--seed', '20261128', '--today', '2026-11-24', '--db', server.url,
      '--out', again, '--truth', tmpPath('load-again-truth.csv')]);
    const r2 = await cliOk(['import', 'persons', '--db', server.url, again], { timeout: 300000 });
    assert.doesNotMatch(r2.stdout, /set aside/, 'a load of a small share keeps the indexes');
  } finally {
    await server.stop();
  }
  const kept = await firstLoad(12000, 20261129);
  try {
    const r = await cliOk(['import', 'persons', '--db', kept.server.url, '--keep-indexes', kept.csv], { timeout: 300000 });
    assert.doesNotMatch(r.stdout, /set aside/);
    await findsByName(kept.server, kept.person);
  } finally {
    await kept.server.stop();
  }
});

test('a first load that dies leaves its indexes to weijian migrate; the server still finds by name meanwhile', { skip: BACKEND !== 'sqlite' && 'SQLite only: PostgreSQL keeps its indexes' }, async () => {
  const { server, csv, person } = await firstLoad(20000, 20261130);
  try {
    // Small batches, so that the load is still writing when it is killed.
    const p = spawn(process.env.WEIJIAN_BIN, ['import', 'persons', '--db', server.url, '--batch', '100', csv], { stdio: 'ignore' });
    const ended = new Promise((resolve) => p.on('close', resolve));
    await eventually(async () => (await sqlite(server.url, 'SELECT count(*) FROM deferred_indexes'))[0] === '7', { ms: 120000, every: 20, what: 'the indexes set aside' });
    p.kill('SIGKILL');
    await ended;
    assert.deepEqual(await presentIndexes(server.url), []);
    // What was committed is there, and the server searches without the index.
    const s = await server.as('admin', 'POST', '/api/v1/persons/search', { body: { name: '孙桂兰' } });
    assert.equal(s.status, 200, s.text);
    assert.ok(s.json.items.length >= 1, s.text);
    const m = await cliOk(['migrate', '--db', server.url]);
    assert.match(m.stderr, /built 7 indexes that an unfinished bulk load had set aside/);
    assert.deepEqual(await presentIndexes(server.url), LOAD_INDEXES);
    assert.deepEqual(await sqlite(server.url, 'SELECT count(*) FROM deferred_indexes'), ['0']);
    // The file again, whole, in one pass (--skip-bad-rows): the rows the dead load wrote
    // are found, the rest registered; still a first load, so the indexes go aside again.
    const r = await cliOk(['import', 'persons', '--db', server.url, '--skip-bad-rows', csv], { timeout: 300000 });
    assert.match(r.stdout, /0 rejected/);
    assert.match(r.stdout, /^import: 7 indexes set aside for the load were built after it$/m);
    assert.deepEqual(await presentIndexes(server.url), LOAD_INDEXES);
    await findsByName(server, person);
  } finally {
    await server.stop();
  }
});

test('Ctrl-C stops a first load after the batch being written: its batches stay, its indexes are built, exit 130', { skip: BACKEND !== 'sqlite' && 'SQLite only: PostgreSQL keeps its indexes' }, async () => {
  const { server, csv } = await firstLoad(20000, 20261131);
  try {
    const before = Number((await sqlite(server.url, 'SELECT count(*) FROM mpi_records'))[0]);
    const p = spawn(process.env.WEIJIAN_BIN, ['import', 'persons', '--db', server.url, '--batch', '100', csv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const ended = new Promise((resolve) => p.on('close', (code) => resolve(code)));
    // Interrupted once it has set the indexes aside and committed a batch.
    await eventually(async () => {
      const [deferred, records] = await sqlite(server.url, 'SELECT (SELECT count(*) FROM deferred_indexes), (SELECT count(*) FROM mpi_records)').then((x) => x[0].split('|'));
      return deferred === '7' && Number(records) > before;
    }, { ms: 120000, every: 20, what: 'the indexes set aside and a batch written' });
    p.kill('SIGINT');
    assert.equal(await ended, 130, stderr);
    assert.match(stderr, /import: stopping after the batch being written/);
    const m = stdout.match(/(\d+) rows read, (\d+) registered/);
    assert.ok(m, stdout);
    assert.ok(Number(m[2]) > 0 && Number(m[2]) < Number(m[1]) && Number(m[2]) % 100 === 0, `whole batches only: ${stdout}`);
    assert.match(stdout, /^import: stopped: interrupted \(the rows registered before stay\)$/m);
    assert.match(stdout, /^import: 7 indexes set aside for the load were built after it$/m);
    assert.deepEqual(await presentIndexes(server.url), LOAD_INDEXES);
    assert.deepEqual(await sqlite(server.url, 'SELECT count(*) FROM deferred_indexes'), ['0']);
    // What it reports registered is what the database holds.
    assert.deepEqual(await sqlite(server.url, 'SELECT count(*) FROM mpi_records'), [String(before + Number(m[2]))]);
  } finally {
    await server.stop();
  }
});
