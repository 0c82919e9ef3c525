#!/usr/bin/env node
// bench/mpi/quality.mjs — the matching quality of an import of generated persons.
//
// Usage: node bench/mpi/quality.mjs --csv PERSONS.csv --truth TRUTH.csv --report REPORT.csv [--json]
//
// PERSONS.csv and TRUTH.csv come from `weijian generate persons` (--out, --truth), REPORT.csv
// from `weijian import persons --report`. Automatic links are the pairs of rows the import put
// in the same person; true links the pairs of rows of the same truth_id. A row sent to review
// is in a person of its own, so it counts as a non-link. Prints precision, recall and F1 of the
// automatic links, the share of rows sent to review (and how many of those are duplicates),
// the outcome of the duplicates by their perturbation, and the false links by kind.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args.includes('--help') || !opt('--csv') || !opt('--truth') || !opt('--report')) {
  const text = readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 11);
  console.log(text.map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(args.includes('--help') ? 0 : 2);
}

// A small RFC 4180 reader: the report quotes reasons that hold commas.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

const csv = parseCsv(readFileSync(opt('--csv'), 'utf8'));
const header = csv[0];
const col = Object.fromEntries(header.map((h, k) => [h, k]));
const byLine = new Map(); // line → fields (generated rows are one line each)
csv.slice(1).forEach((r, k) => byLine.set(k + 2, r));
const truth = new Map(parseCsv(readFileSync(opt('--truth'), 'utf8')).slice(1).map((r) => [+r[0], r[1]]));
const report = parseCsv(readFileSync(opt('--report'), 'utf8')).slice(1).filter((r) => r.length >= 5);

const status = new Map(), person = new Map(), reviewCandidate = new Map();
const count = { new: 0, linked: 0, review: 0, rejected: 0 };
for (const [line, st, pid, , reason] of report) {
  status.set(+line, st);
  count[st] = (count[st] || 0) + 1;
  if (st !== 'rejected') person.set(+line, pid);
  if (st === 'review') reviewCandidate.set(+line, (reason.match(/candidate (\d+)/) || [])[1]);
}

const pairs = (n) => (n * (n - 1)) / 2;
function groups(keyOf, lines) {
  const m = new Map();
  for (const l of lines) {
    const k = keyOf(l);
    if (k === undefined) continue;
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(l);
  }
  return m;
}
const lines = [...truth.keys()];
const byPerson = groups((l) => person.get(l), lines);
const byTruth = groups((l) => truth.get(l), lines);
const byBoth = groups((l) => (person.has(l) ? person.get(l) + '|' + truth.get(l) : undefined), lines);
let predicted = 0, actual = 0, tp = 0;
for (const g of byPerson.values()) predicted += pairs(g.length);
for (const g of byTruth.values()) actual += pairs(g.length);
for (const g of byBoth.values()) tp += pairs(g.length);
const precision = predicted ? tp / predicted : 1;
const recall = actual ? tp / actual : 1;
const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;

// Reviews whose candidate holds a row of the same real person, and what the others are.
const f = (line, name) => (byLine.get(line) || [])[col[name]];
const twinOf = (x, y) => f(x, 'birth_date') === f(y, 'birth_date') && f(x, 'address') === f(y, 'address');
let reviewTrue = 0;
const reviewOther = { twin: 0, namesake: 0, other: 0 };
for (const [line, cand] of reviewCandidate) {
  const rows = byPerson.get(cand) || [];
  if (rows.some((l) => truth.get(l) === truth.get(line))) reviewTrue++;
  else if (rows.some((l) => twinOf(l, line))) reviewOther.twin++;
  else if (rows.some((l) => f(l, 'name') === f(line, 'name'))) reviewOther.namesake++;
  else reviewOther.other++;
}

// Duplicates by perturbation: each later row of a real person against the first.
const kinds = {};
for (const g of byTruth.values()) {
  if (g.length < 2) continue;
  const first = Math.min(...g);
  for (const l of g) {
    if (l === first) continue;
    const kind = f(l, 'name') !== f(first, 'name') ? 'name' : f(l, 'birth_date') !== f(first, 'birth_date') ? 'birth_date'
      : f(l, 'phone') !== f(first, 'phone') ? 'phone' : 'card_only';
    const k = (kinds[kind] ||= { n: 0, linked: 0, review: 0, missed: 0 });
    k.n++;
    if (person.has(l) && person.get(l) === person.get(first)) k.linked++;
    else if (status.get(l) === 'review') k.review++;
    else k.missed++;
  }
}

// False links by kind: pairs of rows of different real persons in one person.
const wrong = { twin: 0, namesake: 0, other: 0 };
for (const g of byPerson.values()) {
  for (let a = 0; a < g.length; a++)
    for (let b = a + 1; b < g.length; b++) {
      const x = g[a], y = g[b];
      if (truth.get(x) === truth.get(y)) continue;
      if (twinOf(x, y)) wrong.twin++;
      else if (f(x, 'name') === f(y, 'name')) wrong.namesake++;
      else wrong.other++;
    }
}

const result = {
  rows: report.length, persons: byPerson.size, real_persons: byTruth.size, ...count,
  true_pairs: actual, linked_pairs: predicted, correct_pairs: tp,
  precision, recall, f1, review_share: report.length ? count.review / report.length : 0, reviews_true: reviewTrue,
  reviews_other: reviewOther,
  duplicates: kinds, false_links: wrong,
};
if (args.includes('--json')) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const pct = (x) => (100 * x).toFixed(2) + '%';
  console.log(`quality: ${result.rows} rows → ${result.persons} persons (${result.real_persons} real); ` +
    `new ${count.new}, linked ${count.linked}, review ${count.review}, rejected ${count.rejected}`);
  console.log(`automatic links: precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}, F1 ${f1.toFixed(4)} ` +
    `(${tp} correct of ${predicted} linked pairs; ${actual} true pairs)`);
  console.log(`review: ${count.review} rows (${pct(result.review_share)} of rows), ${reviewTrue} of them true duplicates; ` +
    `the others against a twin ${reviewOther.twin}, a namesake ${reviewOther.namesake}, someone else ${reviewOther.other}`);
  for (const [kind, k] of Object.entries(kinds))
    console.log(`  duplicates, ${kind.padEnd(10)} ${String(k.n).padStart(7)}: linked ${pct(k.linked / k.n)}, ` +
      `review ${pct(k.review / k.n)}, missed ${pct(k.missed / k.n)}`);
  console.log(`false links (pairs): twins ${wrong.twin}, namesakes ${wrong.namesake}, other ${wrong.other}`);
}
