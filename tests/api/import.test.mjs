// import.test.mjs — facilities in from CSV (`weijian import facilities`, POST
// /api/v1/facilities/import) and out as CSV and Excel (GET /api/v1/facilities/export).
//
// The fixture tests/data/facilities-mixed.csv (Chinese titles, CRLF records, quoted fields
// with commas, doubled quotes and line breaks) has 4 good rows and 7 bad ones; EXPECTED
// lists the bad ones by the physical line their record starts on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertError, cli, cliOk, startServer, test, tmpPath } from './harness.mjs';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'data', 'facilities-mixed.csv');
const MIXED = fs.readFileSync(FIXTURE);

/* [line, column, code] of every bad row of the fixture. */
const EXPECTED = [
  [3, '区划代码', 'unknown_reference'], // no such area
  [6, '级别', 'invalid_value'], // 四级
  [7, '经度', 'invalid_value'], // 117.0x
  [8, '名称', 'missing_field'],
  [11, '床位数', 'invalid_value'], // 12.5
  [12, '能力', 'invalid_value'], // 飞行中心
  [13, '等次', 'invalid_value'], // a grade for an unrated facility; the record spans lines 13–14
];
/* The good rows' names (with the fixture's prefix 导入测试). */
const good = (prefix) => [`${prefix}第一医院`, `${prefix}社区卫生服务站, 东站`, `${prefix}"引号"诊所`, `${prefix}济阳村卫生室`];
/* The fixture with another name prefix, for a database that already holds the first. */
const variant = (prefix) => Buffer.from(MIXED.toString('utf8').replaceAll('导入测试', prefix));

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

let srv; // the demo city; the CLI and API imports go here
let fresh; // a second demo city, for the GB18030 import and the round trip

before(async () => {
  srv = await startServer();
  fresh = await startServer();
});

after(async () => {
  await srv?.stop();
  await fresh?.stop();
});

/** RFC 4180, enough for the tests: rows of fields, BOM dropped. */
function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** GET as a user, the body as bytes. */
async function getRaw(s, user, p) {
  const token = await s.login(user);
  return new Promise((resolve, reject) => {
    const rq = http.request(
      { host: '127.0.0.1', port: s.port, path: p, headers: { Authorization: `Bearer ${token}` }, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    rq.on('error', reject);
    rq.end();
  });
}

async function exportCsv(s, query = '') {
  const r = await getRaw(s, 'admin', `/api/v1/facilities/export${query}`);
  assert.equal(r.status, 200, r.body.toString());
  return r.body;
}

/** Everything a write could change, as far as the export sees it (active or not). */
const snapshot = (s) => exportCsv(s, '?active=all');

async function namesLike(s, q) {
  const r = await s.as('admin', 'GET', `/api/v1/facilities?q=${encodeURIComponent(q)}&active=all&limit=500`);
  assert.equal(r.status, 200, r.text);
  return r.json.items;
}

function writeTmp(name, data) {
  const p = tmpPath(name);
  fs.writeFileSync(p, data);
  return p;
}

function toGb18030(buf) {
  try {
    return execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: buf });
  } catch {
    return null;
  }
}

const triples = (rejected) => rejected.map((x) => [x.line, x.column, x.code]);

/* The lines FILE:LINE: COLUMN: REASON the command prints for rejected rows. */
function reportedLines(stderr, file) {
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`${base}:(\\d+): ([^:]*): `);
  return stderr
    .split('\n')
    .map((l) => l.match(re))
    .filter(Boolean)
    .map((m) => [Number(m[1]), m[2]]);
}

async function deactivateAll(s) {
  for (;;) {
    const r = await s.as('admin', 'GET', '/api/v1/facilities?limit=500');
    assert.equal(r.status, 200, r.text);
    if (!r.json.items.length) return;
    for (const f of r.json.items) {
      const d = await s.as('admin', 'DELETE', `/api/v1/facilities/${f.id}`);
      assert.equal(d.status, 204, `deactivate ${f.name}: ${d.text}`);
    }
  }
}

/* ---- the command ---- */

test('CLI: all or nothing — one bad row writes nothing, exit 1, every bad row reported', async () => {
  const before_ = await snapshot(srv);
  const report = tmpPath('report-all.csv');
  const r = await cli(['import', 'facilities', '--db', srv.url, '--report', report, FIXTURE]);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    reportedLines(r.stderr, FIXTURE),
    EXPECTED.map(([l, c]) => [l, c]),
    r.stderr,
  );
  assert.match(r.stdout, /11 rows read, 7 rejected; nothing was written/);
  const rows = parseCsv(fs.readFileSync(report, 'utf8'));
  assert.deepEqual(rows[0], ['line', 'column', 'reason']);
  assert.deepEqual(
    rows.slice(1).map((x) => [Number(x[0]), x[1]]),
    EXPECTED.map(([l, c]) => [l, c]),
  );
  for (const x of rows.slice(1)) assert.ok(x[2].length > 3, `a reason for line ${x[0]}`);
  assert.match(rows.find((x) => x[0] === '7')[2], /not a number/);
  assert.match(rows.find((x) => x[0] === '12')[2], /item 2/);
  assert.ok((await snapshot(srv)).equals(before_), 'the database changed');
  assert.deepEqual(await namesLike(srv, '导入测试'), []);
});

test('CLI: --skip-bad-rows writes exactly the good rows, as the API would store them', async () => {
  const r = await cli(['import', 'facilities', '--db', srv.url, '--skip-bad-rows', FIXTURE]);
  assert.equal(r.code, 1, 'rows were rejected, so the status is still 1');
  assert.match(r.stdout, /11 rows read \(utf-8\), 4 written, 7 rejected/);
  assert.equal(reportedLines(r.stderr, FIXTURE).length, 7);
  const items = await namesLike(srv, '导入测试');
  assert.deepEqual(items.map((f) => f.name).sort(), good('导入测试').sort());
  const byName = Object.fromEntries(items.map((f) => [f.name, f]));

  const first = await srv.as('admin', 'GET', `/api/v1/facilities/${byName['导入测试第一医院'].id}`);
  assert.equal(first.status, 200);
  const d = first.json;
  assert.equal(d.level, 'tertiary');
  assert.equal(d.grade, 'a');
  assert.equal(d.type, 'general_hospital');
  assert.equal(d.area.code, '370102001001');
  assert.equal(d.address, '历下区解放路100号, 东门');
  assert.equal(d.lat, 36.6601);
  assert.equal(d.lon, 117.0301);
  assert.equal(d.beds, 800);
  assert.equal(d.phone, '0531-86160001');
  assert.deepEqual(d.capabilities, ['chest_pain', 'stroke']);
  assert.equal(d.campuses.length, 2);
  // Campuses and departments carry ids of their own (what schedules refer to).
  const noIds = (o) => JSON.parse(JSON.stringify(o, (k, v) => (k === 'id' ? undefined : v)));
  assert.ok(d.campuses.every((c) => /^\d+$/.test(c.id) && c.departments.every((x) => /^\d+$/.test(x.id))), JSON.stringify(d.campuses));
  assert.deepEqual(noIds(d.campuses[0].departments), [
    { name: '心血管内科', code: '03.04' },
    { name: '急诊科', code: '20' },
  ]);
  assert.deepEqual(noIds(d.campuses[1]), { name: '东院区', address: null, lat: null, lon: null, departments: [{ name: '神经内科', code: null }] });

  assert.equal(byName['导入测试社区卫生服务站, 东站'].address, '第一行\n第二行');
  assert.equal(byName['导入测试社区卫生服务站, 东站'].level, 'primary');
  const quoted = byName['导入测试"引号"诊所'];
  assert.equal(quoted.address, '多行\n地址');
  assert.deepEqual(quoted.capabilities, ['thrombolysis']);
  assert.equal(byName['导入测试济阳村卫生室'].area.code, '370115000000');

  // Written by the command: audited once, as the operating-system user.
  const a = await srv.as('auditor', 'GET', '/api/v1/audit?resource_type=facility&limit=100');
  assert.equal(a.status, 200, a.text);
  const ev = a.json.items.filter((e) => e.route === 'weijian import facilities');
  assert.equal(ev.length, 1, JSON.stringify(a.json.items.slice(0, 5)));
  assert.equal(ev[0].method, 'CLI');
  assert.match(ev[0].username, /^os:/);

  // The same file again: every good row is now a duplicate (409 conflict per row).
  const again = await cli(['import', 'facilities', '--db', srv.url, '--skip-bad-rows', FIXTURE]);
  assert.equal(again.code, 1);
  assert.match(again.stdout, /0 written, 11 rejected/);
  assert.match(again.stderr, /facilities-mixed\.csv:2: 名称: an active facility of this name is already in this area/);
});

test('CLI: a GB18030 file (as Excel saves CSV on Chinese Windows) imports identically', async (t) => {
  const gb = toGb18030(MIXED);
  if (!gb) return t.skip('iconv is not installed');
  assert.ok(!gb.equals(MIXED));
  const file = writeTmp('facilities-gb18030.csv', gb);

  // Told it is UTF-8: refused as a whole, with where.
  const utf8 = await cli(['import', 'facilities', '--db', fresh.url, '--encoding', 'utf-8', file]);
  assert.equal(utf8.code, 1);
  assert.match(utf8.stderr, /facilities-gb18030\.csv:1: the file is not valid UTF-8 \(line 1\)/);

  // Told, and detected: the same rows rejected at the same lines as the UTF-8 file.
  const told = await cli(['import', 'facilities', '--db', fresh.url, '--encoding', 'gb18030', file]);
  assert.equal(told.code, 1);
  assert.deepEqual(reportedLines(told.stderr, file), EXPECTED.map(([l, c]) => [l, c]));
  const r = await cli(['import', 'facilities', '--db', fresh.url, '--skip-bad-rows', file]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /11 rows read \(gb18030\), 4 written, 7 rejected/);
  assert.deepEqual(reportedLines(r.stderr, file), EXPECTED.map(([l, c]) => [l, c]));

  const q = `?q=${encodeURIComponent('导入测试')}`;
  const a = await exportCsv(srv, q);
  const b = await exportCsv(fresh, q);
  assert.equal(parseCsv(a.toString()).length, 5);
  assert.ok(a.equals(b), `the GB18030 import differs:\n${a}\n---\n${b}`);
});

test('CLI: usage errors exit 2, an unreadable file 1', async () => {
  const cases = [
    [['import'], 2],
    [['import', 'facilities'], 2],
    [['import', 'pets', 'x.csv'], 2],
    [['import', 'persons'], 2],
    [['import', 'facilities', '--encoding', 'latin1', FIXTURE], 2],
    [['import', 'facilities', '--bogus', FIXTURE], 2],
    [['import', 'facilities', FIXTURE, FIXTURE], 2],
    [['import', 'facilities', '--db', srv.url, tmpPath('no-such-file.csv')], 1],
  ];
  for (const [args, code] of cases) {
    const r = await cli(args);
    assert.equal(r.code, code, `weijian ${args.join(' ')}: ${r.stderr}`);
    if (code === 2) assert.match(r.stderr, /usage: weijian import (facilities|persons)/);
  }
  const h = await cliOk(['import', 'facilities', '--help']);
  assert.match(h.stdout, /--skip-bad-rows/);
  assert.match(h.stdout, /区划代码/);
  const top = await cliOk(['--help']);
  assert.match(top.stdout, /import/);
});

/* ---- export and the round trip ---- */

test('export: CSV in the import columns, the list filters, its errors', async () => {
  const r = await getRaw(srv, 'staff', '/api/v1/facilities/export?level=tertiary');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/csv; charset=utf-8');
  assert.equal(r.headers['content-disposition'], 'attachment; filename="facilities.csv"');
  assert.deepEqual([...r.body.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const rows = parseCsv(r.body.toString());
  assert.deepEqual(rows[0], [
    'name', 'level', 'grade', 'type', 'area_code', 'address', 'lat', 'lon', 'beds', 'phone', 'capabilities', 'campuses',
  ]);
  assert.ok(rows.length > 2);
  for (const row of rows.slice(1)) assert.equal(row[1], 'tertiary');
  assert.ok(r.body.toString().includes('\r\n'));

  const zh = parseCsv((await exportCsv(srv, `?header=zh&q=${encodeURIComponent('导入测试第一')}`)).toString());
  assert.deepEqual(zh, [
    ['名称', '级别', '等次', '类别', '区划代码', '地址', '纬度', '经度', '床位数', '电话', '能力', '院区'],
    [
      '导入测试第一医院', '三级', '甲等', '综合医院', '370102001001', '历下区解放路100号, 东门', '36.6601', '117.0301', '800',
      '0531-86160001', '胸痛中心|卒中中心',
      '[{"name":"本部","address":"解放路100号","lat":36.6601,"lon":117.0301,"departments":[{"name":"心血管内科","code":"03.04"},{"name":"急诊科","code":"20"}]},{"name":"东院区","departments":[{"name":"神经内科"}]}]',
    ],
  ]);
  const jiyang = parseCsv((await exportCsv(srv, '?area=370115000000')).toString());
  assert.ok(jiyang.slice(1).every((row) => row[4].startsWith('370115')));
  assert.ok(jiyang.some((row) => row[0] === '导入测试济阳村卫生室'));

  for (const [p, field] of [
    ['?area=370199999999', 'area'],
    ['?format=pdf', 'format'],
    ['?header=fr', 'header'],
    ['?near=36.6,117.0', 'near'],
    ['?limit=5', 'limit'],
  ]) {
    const e = await srv.as('admin', 'GET', `/api/v1/facilities/export${p}`);
    assertError(e, 400, 'invalid_parameter', field, p);
  }
  assertError(await srv.req('GET', '/api/v1/facilities/export'), 401, 'unauthenticated');
});

test('export: Excel workbook in the same columns', async () => {
  for (const header of ['en', 'zh']) {
    const r = await getRaw(srv, 'admin', `/api/v1/facilities/export?format=xlsx&header=${header}`);
    assert.equal(r.status, 200, r.body.toString().slice(0, 300));
    assert.equal(r.headers['content-type'], XLSX_TYPE);
    assert.equal(r.headers['content-disposition'], 'attachment; filename="facilities.xlsx"');
    assert.equal(r.body.subarray(0, 2).toString('latin1'), 'PK');
    const file = writeTmp(`export-${header}.xlsx`, r.body);
    let list;
    try {
      list = execFileSync('unzip', ['-l', file]).toString();
    } catch {
      continue; // no unzip: the signature has to do
    }
    assert.match(list, /xl\/worksheets\/sheet1\.xml/);
    const strings = execFileSync('unzip', ['-p', file, 'xl/sharedStrings.xml']).toString();
    assert.ok(strings.includes('导入测试第一医院'));
    assert.ok(strings.includes('370102001001'), 'area codes are text, not numbers');
    assert.ok(strings.includes(header === 'zh' ? '区划代码' : 'area_code'));
    if (header === 'zh') assert.ok(strings.includes('胸痛中心|卒中中心'));
  }
});

test('round trip: export → import into a fresh database → export is byte-identical (en and zh)', async () => {
  const en = await exportCsv(srv);
  const zh = await exportCsv(srv, '?header=zh');
  assert.ok(parseCsv(en.toString()).length > 10);

  await deactivateAll(fresh);
  const r1 = await cli(['import', 'facilities', '--db', fresh.url, writeTmp('export-en.csv', en)]);
  assert.equal(r1.code, 0, `${r1.stdout}\n${r1.stderr}`);
  const back = await exportCsv(fresh);
  assert.ok(back.equals(en), `the round trip differs:\n${en.toString().slice(0, 2000)}\n---\n${back.toString().slice(0, 2000)}`);
  assert.ok((await exportCsv(fresh, '?header=zh')).equals(zh));

  await deactivateAll(fresh);
  const r2 = await cli(['import', 'facilities', '--db', fresh.url, writeTmp('export-zh.csv', zh)]);
  assert.equal(r2.code, 0, `${r2.stdout}\n${r2.stderr}`);
  assert.ok((await exportCsv(fresh)).equals(en), 'the zh export did not import back unchanged');
});

test('export: a name that looks like a formula is quoted away in CSV and comes back unchanged', async () => {
  const names = ['=HYPERLINK("x")公式诊所', "'+号诊所", '@诊所', "''-诊所"];
  for (const name of names) {
    const r = await srv.as('admin', 'POST', '/api/v1/facilities', {
      body: { name, level: 'unrated', type: 'village_clinic', area_code: '370115000000', address: '-1号' },
    });
    assert.equal(r.status, 201, r.text);
  }
  const csv = await exportCsv(srv, '?area=370115000000');
  const rows = parseCsv(csv.toString());
  for (const name of names) {
    const row = rows.find((x) => x[0] === `'${name}`);
    assert.ok(row, `${name} not escaped: ${rows.map((x) => x[0]).join(' | ')}`);
    assert.equal(row[5], "'-1号");
  }
  // Imported back (after deactivating the originals) they are what they were.
  const created = (await namesLike(srv, '诊所')).filter((f) => names.includes(f.name));
  for (const f of created) assert.equal((await srv.as('admin', 'DELETE', `/api/v1/facilities/${f.id}`)).status, 204);
  const only = [rows[0], ...rows.filter((x) => names.includes(x[0].slice(1)))];
  const file = writeTmp('formulas.csv', only.map((x) => x.map((v) => `"${v.replaceAll('"', '""')}"`).join(',')).join('\n'));
  await cliOk(['import', 'facilities', '--db', srv.url, file]);
  const back = (await namesLike(srv, '诊所')).filter((f) => f.active && names.includes(f.name));
  assert.deepEqual(back.map((f) => f.name).sort(), [...names].sort());
  assert.ok(back.every((f) => f.address === '-1号'));
});

/* ---- the upload ---- */

const upload = (s, user, query, raw, type = 'text/csv') =>
  s.as(user, 'POST', `/api/v1/facilities/import${query}`, { raw, headers: { 'Content-Type': type } });

test('API: all or nothing — 422 with every bad row, nothing written', async () => {
  const before_ = await snapshot(srv);
  const r = await upload(srv, 'admin', '', variant('接口测试'));
  assertError(r, 422, 'invalid_value', null);
  assert.deepEqual(triples(r.json.error.details.rejected), EXPECTED);
  assert.equal(r.json.error.details.written, 0);
  assert.equal(r.json.error.details.rows, 11);
  for (const x of r.json.error.details.rejected)
    assert.deepEqual(Object.keys(x).sort(), ['code', 'column', 'line', 'reason']);
  assert.ok((await snapshot(srv)).equals(before_), 'the database changed');

  const f = await upload(srv, 'admin', '?skip_bad_rows=false', variant('接口测试'));
  assertError(f, 422, 'invalid_value');
});

test('API: skip_bad_rows=true writes the good rows and lists the others', async () => {
  const r = await upload(srv, 'admin', '?skip_bad_rows=true', variant('接口测试'));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.written, 4);
  assert.equal(r.json.rows, 11);
  assert.equal(r.json.encoding, 'utf-8');
  assert.deepEqual(triples(r.json.rejected), EXPECTED);
  assert.deepEqual((await namesLike(srv, '接口测试')).map((f) => f.name).sort(), good('接口测试').sort());
  const a = await srv.as('auditor', 'GET', '/api/v1/audit?resource_type=facility&limit=20');
  assert.ok(a.json.items.some((e) => e.route === '/api/v1/facilities/import' && e.method === 'POST' && e.status === 200));
});

test('API: GB18030 bodies are detected; encoding= is obeyed', async (t) => {
  const gb = toGb18030(variant('编码测试'));
  if (!gb) return t.skip('iconv is not installed');
  const bad = await upload(srv, 'admin', '?encoding=utf-8&skip_bad_rows=true', gb);
  assertError(bad, 422, 'invalid_value');
  assert.match(bad.json.error.details.rejected[0].reason, /not valid UTF-8/);
  const r = await upload(srv, 'admin', '?encoding=gb18030&skip_bad_rows=true', gb);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.encoding, 'gb18030');
  assert.equal(r.json.written, 4);
  assert.deepEqual(triples(r.json.rejected), EXPECTED);
  const auto = await upload(srv, 'admin', '?skip_bad_rows=true', toGb18030(variant('编码测试二')));
  assert.equal(auto.status, 200, auto.text);
  assert.equal(auto.json.encoding, 'gb18030');
  assert.equal(auto.json.written, 4);
  const e = await upload(srv, 'admin', '?encoding=latin1', gb);
  assertError(e, 400, 'invalid_parameter', 'encoding');
});

test('API: only text/csv (415), only facility.create (403), only with a session (401)', async () => {
  const body = variant('类型测试');
  for (const type of ['application/json', 'text/plain', 'text/csvx', undefined]) {
    const r = await srv.as('admin', 'POST', '/api/v1/facilities/import', { raw: body, headers: { 'Content-Type': type } });
    assertError(r, 415, 'unsupported_media_type', 'Content-Type', String(type));
  }
  const ok = await upload(srv, 'admin', '?skip_bad_rows=true', body, 'text/csv; charset=utf-8');
  assert.equal(ok.status, 200, ok.text);
  for (const user of ['staff', 'hospital_admin', 'auditor']) assertError(await upload(srv, user, '', body), 403, 'forbidden', null, user);
  assertError(await srv.req('POST', '/api/v1/facilities/import', { raw: body, headers: { 'Content-Type': 'text/csv' } }), 401, 'unauthenticated');
});

test('API: rows outside the caller\'s area are rejected as forbidden, row by row', async () => {
  await srv.addUser({ username: 'import_jiyang', role: 'commission_admin', area: '370115000000' });
  const body = variant('范围测试');
  const all = await upload(srv, 'import_jiyang', '', body);
  assertError(all, 422, 'invalid_value');
  // Scope is checked after the document's form and its area, before the rules (as for
  // POST): line 13's grade rule is not reached.
  const want = [
    [2, '区划代码', 'forbidden'],
    ...EXPECTED.slice(0, 1),
    [4, '区划代码', 'forbidden'],
    ...EXPECTED.slice(1, 4),
    [9, '区划代码', 'forbidden'],
    ...EXPECTED.slice(4, 6),
    [13, '区划代码', 'forbidden'],
  ];
  assert.deepEqual(triples(all.json.error.details.rejected), want);
  assert.match(all.json.error.details.rejected[0].reason, /outside your scope/);
  const r = await upload(srv, 'import_jiyang', '?skip_bad_rows=true', body);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.written, 1);
  assert.deepEqual((await namesLike(srv, '范围测试')).map((f) => f.name), ['范围测试济阳村卫生室']);
});

test('API: files that cannot be imported at all', async () => {
  const before_ = await snapshot(srv);
  const cases = [
    ['', 1, '', /name the columns/],
    ['\r\n\r\n', 1, '', /name the columns/],
    ['name,level,type,area_code,colour\nx,unrated,cdc,370102001001,red\n', 1, 'colour', /unknown column "colour"/],
    ['name,名称,level,type,area_code\n', 1, '名称', /given twice/],
    ['name,level,type\n', 1, 'area_code', /no column area_code/],
    ['name,level,type,area_code\n"open,unrated,cdc,370102001001\n', 2, '', /never closed/],
    ['name,level,type,area_code\nok\xff,unrated,cdc,370102001001\n', 2, '', /neither UTF-8/],
  ];
  for (const [text, line, column, reason] of cases) {
    const raw = typeof text === 'string' ? Buffer.from(text, text.includes('\xff') ? 'latin1' : 'utf8') : text;
    const r = await upload(srv, 'admin', '?skip_bad_rows=true', raw);
    assertError(r, 422, 'invalid_value', null, JSON.stringify(text));
    const x = r.json.error.details.rejected[0];
    assert.equal(x.line, line, JSON.stringify(text));
    assert.equal(x.column, column, JSON.stringify(text));
    assert.match(x.reason, reason);
  }
  // Row-level faults of the CSV itself are rows like any other.
  const r = await upload(
    srv,
    'admin',
    '?skip_bad_rows=true',
    'name,level,type,area_code\n格式测试一,unrated,cdc\n格式"测试二,unrated,cdc,370102001001\n"格式测试三"x,unrated,cdc,370102001001\n,,,\n',
  );
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(
    r.json.rejected.map((x) => [x.line, x.column]),
    [
      [2, ''],
      [3, ''],
      [4, ''],
    ],
  );
  assert.match(r.json.rejected[0].reason, /3 fields, the header row 4/);
  assert.match(r.json.rejected[1].reason, /quote inside an unquoted field/);
  assert.equal(r.json.rows, 3, 'the row of empty cells is not a row');
  assertError(await upload(srv, 'admin', '', Buffer.alloc(1024 * 1024 + 10, 'a')), 413, 'payload_too_large');
  assert.ok((await snapshot(srv)).equals(before_), 'the database changed');
});

/* Last: it fills the second city with a thousand clinics. */
test('CLI: progress lines on a non-terminal stderr, every 1000 rows', async () => {
  let csv = 'name,level,type,area_code\n';
  for (let i = 0; i < 1001; i++) csv += `进度测试卫生室${i},unrated,village_clinic,370115000000\n`;
  const r = await cli(['import', 'facilities', '--db', fresh.url, writeTmp('progress.csv', csv)]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^import: 1000\/1001 rows \(99%\)$/m);
  assert.doesNotMatch(r.stderr, /\r/);
  assert.match(r.stdout, /1001 rows read \(utf-8\), 1001 written, 0 rejected/);
});
