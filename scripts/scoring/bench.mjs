#!/usr/bin/env node
// npm run bench:score: the scorer's quality on routebench dev.jsonl and its speed.
//
//   npm run bench:score [-- --dev PATH] [--quick]
//
// Quality: routebench's own grader (eval.mjs) on
//   1. out-of-fold predictions (5-fold CV by train.mjs --no-write --oof): the honest estimate, and
//   2. the shipped model's in-sample predictions (trained on this same file, so optimistic).
// Language consistency: score() on the 250 aligned MGSM problems in English, Japanese and Chinese.
// Speed: the bundled src/scoring (the Worker's code) in Node's V8, one call of score() at a time:
//   median and p99 over every dev prompt (5 passes, after warm-up), and time vs prompt length.
//   (workerd freezes its timers between I/O, so a per-call timing inside it would read 0.)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadScorer, ROOT } from './bundle.mjs';

const args = process.argv.slice(2);
const i = args.indexOf('--dev');
const BENCH = resolve(ROOT, '../shared/routebench');
const DEV = resolve(ROOT, i >= 0 ? args[i + 1] : join(BENCH, 'dev.jsonl'));
const EVAL = join(resolve(DEV, '..'), 'eval.mjs');
const quick = args.includes('--quick');

const rows = readFileSync(DEV, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const { score, DEFAULT_THRESHOLDS } = await loadScorer();
// Requests are built the way the Worker gets them, from JSON.parse of a body: the prompt is then one flat string.
// (A prompt cut with slice() from a concatenation is a V8 "sliced" string, slower to read char by char.)
const req = (content) => JSON.parse(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }] }));
const tmp = mkdtempSync(join(tmpdir(), 'triage-bench-'));

try {
  console.log(`# scorer bench: ${rows.length} prompts from ${DEV}`);
  console.log(`thresholds: medium ${DEFAULT_THRESHOLDS.medium}, premium ${DEFAULT_THRESHOLDS.premium}`);

  // ---- quality ----
  const grade = (title, file) => {
    console.log(`\n## ${title}`);
    const out = execFileSync(process.execPath, [EVAL, file, DEV], { encoding: 'utf8' });
    console.log(out.trim());
  };
  if (!quick) {
    const oof = join(tmp, 'oof.jsonl');
    const log = execFileSync(process.execPath, [join(ROOT, 'scripts/scoring/train.mjs'), '--no-write', '--dev', DEV, '--oof', oof], { encoding: 'utf8' });
    console.log('\n## training log (train.mjs --no-write; the shipped weights are not touched)');
    console.log(log.trim());
    grade('out-of-fold (5-fold CV): the estimate of held-out performance', oof);
  }
  const ins = join(tmp, 'insample.jsonl');
  writeFileSync(ins, rows.map((r) => { const d = score(req(r.prompt)); return JSON.stringify({ id: r.id, score: d.score, tier: d.tier }); }).join('\n') + '\n');
  grade('in-sample (the shipped weights, trained on this file: optimistic)', ins);

  // ---- language consistency: the 250 aligned MGSM problems in EN/JA/ZH (no labels) ----
  const mgsmDir = join(BENCH, 'mgsm');
  const langs = ['en', 'ja', 'zh'];
  if (langs.every((l) => existsSync(join(mgsmDir, `mgsm_${l}.tsv`)))) {
    const decided = Object.fromEntries(langs.map((l) => [l, readFileSync(join(mgsmDir, `mgsm_${l}.tsv`), 'utf8')
      .split('\n').filter((line) => line.trim()).map((line) => score(req(line.split('\t')[0])))]));
    console.log(`\n## language consistency (${decided.en.length} aligned MGSM problems, score() per language)`);
    console.log('mean score: ' + langs.map((l) => `${l.toUpperCase()} ${mean(decided[l].map((d) => d.score)).toFixed(3)}`).join(', '));
    console.log('tier shares (trivial/medium/premium): ' + langs.map((l) => `${l.toUpperCase()} ` +
      ['trivial', 'medium', 'premium'].map((t) => share(decided[l], (d) => d.tier === t)).join('/')).join(', '));
    for (const [a, b] of [['en', 'ja'], ['en', 'zh'], ['ja', 'zh']]) {
      const agree = decided[a].filter((d, k) => d.tier === decided[b][k].tier).length / decided[a].length;
      const rho = spearman(decided[a].map((d) => d.score), decided[b].map((d) => d.score));
      console.log(`${a.toUpperCase()}-${b.toUpperCase()}: tier agreement ${(100 * agree).toFixed(0)}%, Spearman ${rho.toFixed(2)}`);
    }
  }

  // ---- speed ----
  const reqs = rows.map((r) => req(r.prompt));
  for (let k = 0; k < 3; k++) for (const r of reqs) score(r); // warm-up (JIT)
  const times = [];
  for (let pass = 0; pass < 5; pass++) {
    for (const r of reqs) {
      const t0 = process.hrtime.bigint();
      score(r);
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log('\n## speed (Node ' + process.version + ', bundled src/scoring, one score() call per request)');
  console.log(`per request over ${times.length} calls: median ${q(0.5).toFixed(2)} us, p99 ${q(0.99).toFixed(2)} us, max ${times[times.length - 1].toFixed(1)} us`);

  // time vs length: a realistic mixed text (dev prompts concatenated), cut to the length
  const corpus = rows.map((r) => r.prompt).join('\n\n');
  const cut = (n) => { let s = ''; while (s.length < n) s += corpus; return s.slice(0, n); };
  console.log('prompt length -> median time per call (us), and us per 1k chars (flat = linear growth)');
  for (const n of [1_000, 10_000, 100_000, 1_000_000]) {
    const r = req(cut(n));
    const reps = n >= 1_000_000 ? 5 : n >= 100_000 ? 30 : 200;
    for (let k = 0; k < 3; k++) score(r);
    const ts = [];
    for (let k = 0; k < reps; k++) { const t0 = process.hrtime.bigint(); score(r); ts.push(Number(process.hrtime.bigint() - t0) / 1000); }
    ts.sort((a, b) => a - b);
    const med = ts[Math.floor(ts.length / 2)];
    console.log(`  ${String(n).padStart(9)} chars: ${med.toFixed(1).padStart(9)} us   (${(med / (n / 1000)).toFixed(2)} us / 1k chars)`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

function mean(xs) { return xs.reduce((a, b) => a + b, 0) / xs.length; }
function share(xs, pred) { return `${Math.round((100 * xs.filter(pred).length) / xs.length)}%`; }
/** Ranks with ties averaged (1-based). */
function ranks(xs) {
  const idx = xs.map((_, k) => k).sort((a, b) => xs[a] - xs[b]);
  const r = new Array(xs.length);
  for (let k = 0; k < idx.length;) {
    let j = k;
    while (j < idx.length && xs[idx[j]] === xs[idx[k]]) j++;
    for (let m = k; m < j; m++) r[idx[m]] = (k + 1 + j) / 2;
    k = j;
  }
  return r;
}
/** Spearman's rank correlation: Pearson's correlation of the ranks. */
function spearman(a, b) {
  const ra = ranks(a), rb = ranks(b), ma = mean(ra), mb = mean(rb);
  let num = 0, da = 0, db = 0;
  for (let k = 0; k < ra.length; k++) { num += (ra[k] - ma) * (rb[k] - mb); da += (ra[k] - ma) ** 2; db += (rb[k] - mb) ** 2; }
  return num / Math.sqrt(da * db);
}
