#!/usr/bin/env node
// Trains the scorer's two logistic heads on routebench dev.jsonl and writes src/scoring/weights.ts.
// Deterministic: fixed folds (hash of the id), full-batch Adam from zero, no randomness.
//
//   npm run train:scorer [-- --dev PATH] [--mgsm PATH] [--folds 5] [--buckets 512] [--no-write] [--oof FILE]
//
// Prints out-of-fold (k-fold CV) metrics from routebench's own grader code (lib/metrics.mjs), and the
// in-sample metrics of the final model, which are optimistic. Feature extraction is the Worker's own
// TypeScript, bundled by esbuild (scripts/scoring/bundle.mjs).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadScorer, ROOT } from './bundle.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const flag = (name) => args.includes(`--${name}`);

const BENCH = resolve(ROOT, '../shared/routebench');
const DEV = resolve(ROOT, opt('dev', join(BENCH, 'dev.jsonl')));
const MGSM = resolve(ROOT, opt('mgsm', join(BENCH, 'mgsm-dev.jsonl')));
const FOLDS = Number(opt('folds', 5));
const BUCKETS = Number(opt('buckets', 512));
const L2_DENSE = Number(opt('l2-dense', 0.003));
const L2_HASHED = Number(opt('l2-hashed', 0.003));
const ITERS = Number(opt('iters', 400));
const MAX_HARD_TO_TRIVIAL = 0.05;
const MIX = Number(opt('mix', 0.5));
/**
 * Sign constraints (domain knowledge, not learned): these signals may only raise the score, cue_simple may
 * only lower it. Without them the model learns dataset quirks, e.g. that a ``` fence means "easy" because
 * HumanEval's prompts carry one, or that "prove" means easy because of a few MMLU rows.
 */
const NON_NEGATIVE = ['operators', 'latex', 'dollars', 'braces', 'code_fence', 'code_tokens', 'stack_trace',
  'single_letters', 'cue_proof', 'cue_competition', 'cue_math', 'cue_reasoning', 'cue_constraint', 'cue_code',
  'cue_analysis', 'cue_long'];
const NON_POSITIVE = ['cue_simple'];

const metricsLib = await import(pathToFileURL(join(dirname(DEV), 'lib/metrics.mjs')).href).catch(() => null);
function dirname(p) { return p.replace(/\/[^/]*$/, ''); }

const readJsonl = (p) => readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

const S = await loadScorer('features');
const { extract, FEATURES, N_DENSE, bucketOf, sigmoid, combine } = S;

// ---------- data ----------
const rows = readJsonl(DEV);
const mgsm = !flag('no-mgsm') && existsSync(MGSM) ? readJsonl(MGSM) : [];
const all = [...rows, ...mgsm];
const RANK = { trivial: 0, medium: 1, hard: 2, premium: 2 };
const examples = all.map((r) => {
  const x = extract({ model: 'auto', messages: [{ role: 'user', content: r.prompt }] });
  const buckets = new Map();
  for (const h of BUCKETS ? x.hashes : []) { const b = bucketOf(h, BUCKETS); buckets.set(b, (buckets.get(b) || 0) + 1); }
  const norm = BUCKETS && x.hashes.length ? 1 / Math.sqrt(x.hashes.length) : 0;
  return {
    id: r.id, group: r.en_id || r.id, rank: RANK[r.label_tier], dense: Array.from(x.dense),
    sparse: [...buckets].map(([b, c]) => [b, c * norm]), isDev: !r.en_id,
  };
});

/** Fold of a group id: FNV-1a of the id mod k (deterministic, groups an MGSM translation with its English row). */
const foldOf = (id) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % FOLDS;
};

// ---------- model ----------
function standardiser(exs) {
  const mean = new Array(N_DENSE).fill(0), sq = new Array(N_DENSE).fill(0);
  for (const e of exs) for (let i = 0; i < N_DENSE; i++) mean[i] += e.dense[i];
  for (let i = 0; i < N_DENSE; i++) mean[i] /= exs.length;
  for (const e of exs) for (let i = 0; i < N_DENSE; i++) sq[i] += (e.dense[i] - mean[i]) ** 2;
  const scale = sq.map((s) => Math.sqrt(s / exs.length) || 1);
  return { mean, scale };
}

/** Full-batch Adam on mean log-loss + L2. Returns { bias, dense, hashed }. */
function trainHead(exs, ys, st) {
  const n = exs.length;
  const Z = exs.map((e) => e.dense.map((v, i) => (v - st.mean[i]) / st.scale[i]));
  const w = new Float64Array(1 + N_DENSE + BUCKETS);
  const m = new Float64Array(w.length), v = new Float64Array(w.length), g = new Float64Array(w.length);
  const lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const sign = FEATURES.map((f) => (NON_NEGATIVE.includes(f) ? 1 : NON_POSITIVE.includes(f) ? -1 : 0));
  for (let t = 1; t <= ITERS; t++) {
    g.fill(0);
    for (let k = 0; k < n; k++) {
      const z = Z[k], e = exs[k];
      let s = w[0];
      for (let i = 0; i < N_DENSE; i++) s += w[1 + i] * z[i];
      for (const [b, val] of e.sparse) s += w[1 + N_DENSE + b] * val;
      const d = (sigmoid(s) - ys[k]) / n;
      g[0] += d;
      for (let i = 0; i < N_DENSE; i++) g[1 + i] += d * z[i];
      for (const [b, val] of e.sparse) g[1 + N_DENSE + b] += d * val;
    }
    for (let i = 0; i < N_DENSE; i++) g[1 + i] += L2_DENSE * w[1 + i];
    for (let b = 0; b < BUCKETS; b++) g[1 + N_DENSE + b] += L2_HASHED * w[1 + N_DENSE + b];
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
    }
    for (let i = 0; i < N_DENSE; i++) if (sign[i] * w[1 + i] < 0) w[1 + i] = 0; // projection onto the allowed signs
  }
  const head = { bias: w[0], dense: Array.from(w.subarray(1, 1 + N_DENSE)), hashed: Array.from(w.subarray(1 + N_DENSE)) };
  return head;
}

function trainModel(exs) {
  const st = standardiser(exs);
  return {
    features: FEATURES.join(','), buckets: BUCKETS, mix: MIX, mean: st.mean, scale: st.scale,
    nt: trainHead(exs, exs.map((e) => (e.rank > 0 ? 1 : 0)), st),
    hard: trainHead(exs, exs.map((e) => (e.rank === 2 ? 1 : 0)), st),
  };
}

/** The same arithmetic as src/scoring/model.ts headLogit, on the pre-bucketed example. */
function predict(model, e) {
  const head = (h) => {
    let s = h.bias;
    for (let i = 0; i < N_DENSE; i++) s += h.dense[i] * ((e.dense[i] - model.mean[i]) / model.scale[i]);
    for (const [b, val] of e.sparse) s += h.hashed[b] * val;
    return sigmoid(s);
  };
  return combine(model, head(model.nt), head(model.hard));
}

// ---------- thresholds ----------
const TIER = ['trivial', 'medium', 'premium'];
const tierOf = (s, t) => (s >= t.premium ? 'premium' : s >= t.medium ? 'medium' : 'trivial');

/** Cut points maximising 3-tier accuracy with at most 5% of hard prompts routed to trivial. */
function chooseThresholds(scored) {
  const grid = [];
  for (let i = 1; i < 100; i++) grid.push(i / 100);
  let best = null;
  for (const a of grid) for (const b of grid) {
    if (b <= a) continue;
    let ok = 0, hard = 0, hardTriv = 0;
    for (const { s, rank } of scored) {
      const p = s >= b ? 2 : s >= a ? 1 : 0;
      if (p === rank) ok++;
      if (rank === 2) { hard++; if (p === 0) hardTriv++; }
    }
    if (hardTriv / hard > MAX_HARD_TO_TRIVIAL) continue;
    const acc = ok / scored.length;
    if (!best || acc > best.acc + 1e-12) best = { acc, t: { medium: a, premium: b } };
  }
  return best.t;
}

// ---------- cross-validation ----------
const t0 = Date.now();
const oof = new Map();
for (let f = 0; f < FOLDS; f++) {
  const train = examples.filter((e) => foldOf(e.group) !== f);
  const test = examples.filter((e) => foldOf(e.group) === f);
  const model = trainModel(train);
  for (const e of test) oof.set(e.id, predict(model, e));
}
const oofScored = examples.map((e) => ({ s: oof.get(e.id), rank: e.rank, id: e.id, isDev: e.isDev }));
const thresholds = chooseThresholds(oofScored.filter((x) => x.isDev));

function report(title, scoreOf, labelRows) {
  const preds = new Map(labelRows.map((r) => [r.id, { score: scoreOf(r.id), tier: tierOf(scoreOf(r.id), thresholds).replace('premium', 'hard') }]));
  if (!metricsLib) { console.log(`${title}: routebench lib/metrics.mjs not found next to ${DEV}`); return null; }
  const res = metricsLib.evaluate(labelRows, preds);
  const t = res.overall.tiers, b = res.overall.binary;
  const hardRow = t.confusion[2];
  const hardToTrivial = hardRow[0] / (hardRow[0] + hardRow[1] + hardRow[2]);
  console.log(`${title}: n ${t.n}  accuracy ${(100 * t.accuracy).toFixed(1)}%  AUC(not trivial) ${t.auc_nontrivial.toFixed(3)}` +
    `  AUC(hard) ${t.auc_hard.toFixed(3)}  hard->trivial ${(100 * hardToTrivial).toFixed(1)}%` +
    `  APGR ${b && b.apgr !== null ? b.apgr.toFixed(3) : 'n/a'}  confusion ${JSON.stringify(t.confusion)}`);
  return res;
}

console.log(`routebench: ${rows.length} dev rows + ${mgsm.length} MGSM (ja/zh) rows; ${FOLDS}-fold CV by id;` +
  ` ${N_DENSE} dense features + ${BUCKETS} hash buckets; L2 dense ${L2_DENSE}, hashed ${L2_HASHED}; ${ITERS} Adam steps`);
console.log(`thresholds (chosen on out-of-fold dev scores): medium ${thresholds.medium}, premium ${thresholds.premium}`);
report('out-of-fold dev.jsonl', (id) => oof.get(id), rows);
if (mgsm.length) report('out-of-fold mgsm-dev (ja+zh)', (id) => oof.get(id), mgsm);

const oofFile = opt('oof', null);
if (oofFile) {
  writeFileSync(oofFile, rows.map((r) => JSON.stringify({ id: r.id, score: oof.get(r.id), tier: tierOf(oof.get(r.id), thresholds) })).join('\n') + '\n');
  console.log(`out-of-fold predictions written to ${oofFile}`);
}

// ---------- final model ----------
const final = trainModel(examples);
const ins = new Map(examples.map((e) => [e.id, predict(final, e)]));
report('in-sample dev.jsonl (optimistic)', (id) => ins.get(id), rows);
console.log(`trained in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

if (!flag('no-write')) {
  const r4 = (x) => Math.round(x * 1e4) / 1e4;
  const arr = (a) => `[${a.map(r4).join(',')}]`;
  const head = (h) => `{\n    bias: ${r4(h.bias)},\n    dense: ${arr(h.dense)},\n    hashed: ${arr(h.hashed)},\n  }`;
  const out = `// Generated by scripts/scoring/train.mjs (npm run train:scorer). Do not edit by hand.
// Trained on ${rows.length} routebench dev rows + ${mgsm.length} MGSM ja/zh rows.
// Thresholds chosen out of fold: medium ${thresholds.medium}, premium ${thresholds.premium}.
import type { Weights } from './model'

export const TRAINED_THRESHOLDS = { medium: ${thresholds.medium}, premium: ${thresholds.premium} } as const

export const WEIGHTS: Weights = {
  features: ${JSON.stringify(final.features)},
  buckets: ${final.buckets},
  mix: ${final.mix},
  mean: ${arr(final.mean)},
  scale: ${arr(final.scale)},
  nt: ${head(final.nt)},
  hard: ${head(final.hard)},
}
`;
  writeFileSync(join(ROOT, 'src/scoring/weights.ts'), out);
  console.log('wrote src/scoring/weights.ts');
}
