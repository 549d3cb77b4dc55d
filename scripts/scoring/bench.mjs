#!/usr/bin/env node
// npm run bench:score: the scorer's speed, and (when ../shared is there) its out-of-fold quality.
//
//   npm run bench:score [-- --quick] [--boot N]
//
// Speed (always; needs nothing outside the repo): the bundled src/scoring (the Worker's code) in Node's V8, one
// score() call at a time, over every request of the committed calibration set (data/calibration), then time
// against prompt length. (workerd freezes its timers between I/O, so a per-call timing inside it would read 0.)
// Quality (needs ../shared; skipped with a note when it is missing, or with --quick):
//   1. routebench2 dev, out of fold (train.mjs --no-write: 5-fold CV, both datasets), graded by eval2.mjs:
//      binary APGR with its bootstrap interval, NAUC, cost/quality at the default tiers, harmful downgrades, per source;
//   2. the calibration set, out of fold, and with the shipped weights: confusion per language;
//   3. MGSM en-ja / en-zh tier agreement: the 250 aligned problems (shipped weights) and routebench2's dev MGSM
//      rows against their English rows (out of fold);
//   4. routebench v1 dev (never trained on): share of hard rows sent to trivial;
//   5. the quality-target table: thresholdsForQuality() for a few targets, expectedOutcome() of the defaults.
// Probe sets (always; needs nothing outside the repo): every data/probe* folder (data/probe8, ...), each
// written blind and never trained on (train.mjs reads data/calibration only), scored with the shipped weights:
// confusion per language and every miss.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { loadScorer, readJsonl, ROOT } from './bundle.mjs';
import { jsonlFiles } from './calibration.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const boot = args.includes('--boot') ? args[args.indexOf('--boot') + 1] : '1000';
const SHARED = resolve(ROOT, '../shared');
const RB2 = join(SHARED, 'routebench2');
const CALIB = join(ROOT, 'data/calibration');
const PROBES = readdirSync(join(ROOT, 'data')).filter((d) => /^probe\d*$/.test(d)).sort().map((d) => join(ROOT, 'data', d));

const readSet = (dir) => jsonlFiles(dir).flatMap(readJsonl);
const calib = readSet(CALIB);
const { score, compactReason, DEFAULT_THRESHOLDS, thresholdsForQuality, expectedOutcome } = await loadScorer();
// Requests are built the way the Worker gets them, from JSON.parse of a body (flat strings, not V8 slices).
const body = (r) => JSON.parse(JSON.stringify({ model: 'auto', ...r.request }));
const ask = (content) => JSON.parse(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }] }));
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const tmp = mkdtempSync(join(tmpdir(), 'triage-bench-'));

try {
  console.log(`# scorer bench (default thresholds: medium ${DEFAULT_THRESHOLDS.medium}, premium ${DEFAULT_THRESHOLDS.premium})`);

  // ---- speed ----
  const reqs = calib.map(body);
  for (let k = 0; k < 5; k++) for (const r of reqs) score(r); // warm-up (JIT)
  const times = [];
  const fastest = reqs.map(() => Infinity);
  for (let pass = 0; pass < 10; pass++) {
    for (let i = 0; i < reqs.length; i++) {
      const t0 = process.hrtime.bigint();
      score(reqs[i]);
      const t = Number(process.hrtime.bigint() - t0) / 1000;
      times.push(t);
      if (t < fastest[i]) fastest[i] = t;
    }
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(`\n## speed (Node ${process.version}, bundled src/scoring, one score() call per request; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  console.log(`per request over ${times.length} calls (${reqs.length} calibration requests x 10): median ${q(0.5).toFixed(2)} us, p99 ${q(0.99).toFixed(2)} us, max ${times[times.length - 1].toFixed(1)} us`);
  // The tail has two causes: the sample's long requests (their every call is slow: linear cost) and calls that the
  // OS preempted or a GC interrupted (random calls of any request). Each request's fastest of its 10 calls removes
  // the second; what remains is the scorer's own tail.
  const own = fastest.map((t, i) => [t, i]).sort((a, b) => a[0] - b[0]);
  const p99own = own[Math.floor(0.99 * own.length)];
  const chars = (r) => r.messages.reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0);
  const slow = own.slice(Math.floor(0.99 * own.length));
  console.log(`each request's fastest call: median ${own[own.length >> 1][0].toFixed(2)} us, p99 ${p99own[0].toFixed(2)} us (no preemption); the slowest 1%: ` +
    slow.map(([t, i]) => `${calib[i].id} ${chars(reqs[i])} chars ${t.toFixed(0)} us`).join(', '));
  const corpus = calib.flatMap((r) => r.request.messages.map((m) => (typeof m.content === 'string' ? m.content : ''))).join('\n\n');
  const cut = (n) => { let s = ''; while (s.length < n) s += corpus; return s.slice(0, n); };
  console.log('prompt length -> median (and fastest) time per call, and median us per 1k chars (flat = linear growth); the calibration set\'s 7-language text');
  for (const n of [1_000, 10_000, 100_000, 1_000_000]) {
    const r = ask(cut(n));
    const reps = n >= 1_000_000 ? 5 : n >= 100_000 ? 30 : 200;
    for (let k = 0; k < 3; k++) score(r);
    const ts = [];
    for (let k = 0; k < reps; k++) { const t0 = process.hrtime.bigint(); score(r); ts.push(Number(process.hrtime.bigint() - t0) / 1000); }
    ts.sort((a, b) => a - b);
    const med = ts[Math.floor(ts.length / 2)];
    console.log(`  ${String(n).padStart(9)} chars: ${med.toFixed(1).padStart(9)} us (fastest ${ts[0].toFixed(1)})   (${(med / (n / 1000)).toFixed(2)} us / 1k chars)`);
  }

  // ---- quality target table (baked into weights.ts; no ../shared needed) ----
  console.log('\n## quality targets (thresholdsForQuality, from the table baked into src/scoring/weights.ts)');
  console.log('target  medium premium   cost  quality  mix trivial/medium/premium  calib hard->trivial  easy->trivial');
  for (const t of [0.9, 0.93, 0.95, 0.96, 0.97, 0.98, 0.99]) {
    const p = thresholdsForQuality(t);
    console.log(`${t.toFixed(2).padStart(6)}  ${p.medium.toFixed(2).padStart(6)} ${p.premium.toFixed(2).padStart(7)} ${pct(p.cost).padStart(6)} ${pct(p.quality).padStart(8)}  ${[p.mix.trivial, p.mix.medium, p.mix.premium].map(pct).join(' / ').padStart(26)}  ${pct(p.hardToTrivial).padStart(19)}  ${pct(p.easyToTrivial).padStart(13)}${p.reached ? '' : '  (not reached)'}`);
  }
  const d = expectedOutcome(DEFAULT_THRESHOLDS);
  console.log(`defaults: cost ${pct(d.cost)}, quality ${pct(d.quality)}, mix ${[d.mix.trivial, d.mix.medium, d.mix.premium].map(pct).join(' / ')}, calibration hard->trivial ${pct(d.hardToTrivial)}, easy->trivial ${pct(d.easyToTrivial)}`);

  // ---- calibration set, shipped weights (in-sample: the set is part of training) ----
  confusion('calibration set, shipped weights (in-sample, optimistic)', calib.map((r) => ({ ...r, tier: score(body(r)).tier })));

  // ---- probe sets, shipped weights (each written blind, never trained on) ----
  for (const dir of PROBES) {
    const set = basename(dir);
    const probe = readSet(dir).map((r) => { const d = score(body(r)); return { ...r, tier: d.tier, score: d.score, reason: compactReason(d) }; });
    confusion(`data/${set}: probe set (written blind, never trained on; shipped weights)`, probe);
    const hard = probe.filter((r) => r.label !== 'trivial');
    const hardMiss = hard.filter((r) => r.tier === 'trivial');
    const easyMiss = probe.filter((r) => r.label === 'trivial' && r.tier !== 'trivial');
    const text = (r) => r.request.messages.filter((m) => m.role === 'user').at(-1).content;
    const line = (r) => `  ${r.id.padEnd(14)} ${r.label.padEnd(7)} ${r.category.padEnd(20)} ${r.reason.padEnd(44)} ${JSON.stringify(String(text(r)).slice(0, 80))}`;
    console.log(`misses, hard -> trivial (${hardMiss.length}): id, label, category, tier and score with reasons, last user turn (first 80 chars)`);
    for (const r of hardMiss) console.log(line(r));
    console.log(`misses, easy -> medium or premium (${easyMiss.length}):`);
    for (const r of easyMiss) console.log(line(r));
    const close = hard.filter((r) => r.tier !== 'trivial' && r.score < DEFAULT_THRESHOLDS.medium + 0.04);
    console.log(`hard requests above the medium cut by less than 0.04 (fragile): ${close.length} of ${hard.length - hardMiss.length}: ${close.map((r) => r.id).join(', ')}`);
  }

  if (quick) process.exit(0);
  if (!existsSync(join(RB2, 'dev.jsonl')) || !existsSync(join(RB2, 'eval2.mjs'))) {
    console.log(`\nquality figures skipped: ${RB2} (routebench2 dev.jsonl and eval2.mjs) not found; it is reference data kept outside the repository`);
    process.exit(0);
  }

  // ---- routebench2 dev, out of fold ----
  const oof = join(tmp, 'oof.jsonl'), oofCal = join(tmp, 'oof-calib.jsonl');
  const log = execFileSync(process.execPath, [join(ROOT, 'scripts/scoring/train.mjs'), '--no-write', '--oof', oof, '--oof-calib', oofCal], { encoding: 'utf8' });
  console.log('\n## training log (train.mjs --no-write: 5-fold CV; the shipped weights are not touched)');
  console.log(log.trim());
  console.log('\n## routebench2 dev, out-of-fold scores and default tiers, graded by eval2.mjs');
  console.log(execFileSync(process.execPath, [join(RB2, 'eval2.mjs'), oof, join(RB2, 'dev.jsonl'), '--boot', boot], { encoding: 'utf8' }).trim());

  // ---- calibration set, out of fold ----
  confusion('calibration set, out of fold (5-fold CV, the held-out estimate)', readJsonl(oofCal));

  // ---- MGSM language agreement ----
  console.log('\n## MGSM: tier agreement across languages');
  const mgsmDir = join(SHARED, 'routebench/mgsm');
  if (['en', 'ja', 'zh'].every((l) => existsSync(join(mgsmDir, `mgsm_${l}.tsv`)))) {
    const tiers = Object.fromEntries(['en', 'ja', 'zh'].map((l) => [l, readFileSync(join(mgsmDir, `mgsm_${l}.tsv`), 'utf8')
      .split('\n').filter((line) => line.trim()).map((line) => score(ask(line.split('\t')[0])))]));
    for (const l of ['ja', 'zh']) {
      const agree = tiers.en.filter((x, k) => x.tier === tiers[l][k].tier).length / tiers.en.length;
      console.log(`  ${tiers.en.length} aligned problems (shipped weights): en-${l} ${pct(agree)}; tiers en ${mixOf(tiers.en)}, ${l} ${mixOf(tiers[l])}`);
    }
  } else console.log(`  ${mgsmDir} not found`);
  const dev = readJsonl(join(RB2, 'dev.jsonl'));
  const oofTier = new Map(readJsonl(oof).map((p) => [p.id, p.tier]));
  for (const l of ['ja', 'zh']) {
    const pairs = dev.filter((r) => r.source === `mgsm-${l}` && oofTier.has(r.meta.en_id));
    if (pairs.length) console.log(`  routebench2 dev mgsm-${l} rows with their English row (out of fold): ${pct(pairs.filter((r) => oofTier.get(r.id) === oofTier.get(r.meta.en_id)).length / pairs.length)} of ${pairs.length} agree`);
  }

  // ---- routebench v1 dev (never trained on) ----
  const v1 = join(SHARED, 'routebench/dev.jsonl');
  if (existsSync(v1)) {
    const hard = readJsonl(v1).filter((r) => r.label_tier === 'hard');
    const toTrivial = hard.filter((r) => score(ask(r.prompt)).tier === 'trivial').length;
    console.log(`\n## routebench v1 dev (not used in training): hard -> trivial ${pct(toTrivial / hard.length)} (${toTrivial} of ${hard.length})`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function mixOf(ds) {
  return ['trivial', 'medium', 'premium'].map((t) => pct(ds.filter((x) => x.tier === t).length / ds.length)).join('/');
}

/** Confusion (label -> tier) per language, with easy->trivial and hard->trivial shares. */
function confusion(title, rows) {
  console.log(`\n## ${title}`);
  console.log('lang     n  easy->trivial  hard->trivial  premium->premium   label->tier counts (t/m/p rows: trivial, medium, premium labels)');
  const langs = ['en', 'es', 'de', 'fr', 'ja', 'zh', 'ko', 'all'];
  for (const lang of langs) {
    const rs = lang === 'all' ? rows : rows.filter((r) => r.lang === lang);
    if (!rs.length) continue;
    const m = { trivial: [0, 0, 0], medium: [0, 0, 0], premium: [0, 0, 0] };
    for (const r of rs) m[r.label][['trivial', 'medium', 'premium'].indexOf(r.tier)]++;
    const easy = m.trivial[0] / (m.trivial[0] + m.trivial[1] + m.trivial[2] || 1);
    const hardN = m.medium[0] + m.medium[1] + m.medium[2] + m.premium[0] + m.premium[1] + m.premium[2];
    const prem = m.premium[2] / (m.premium[0] + m.premium[1] + m.premium[2] || 1);
    console.log(`${lang.padEnd(4)} ${String(rs.length).padStart(5)}  ${pct(easy).padStart(13)}  ${pct((m.medium[0] + m.premium[0]) / (hardN || 1)).padStart(13)}  ${pct(prem).padStart(16)}   ${JSON.stringify(m.trivial)} ${JSON.stringify(m.medium)} ${JSON.stringify(m.premium)}`);
  }
}
