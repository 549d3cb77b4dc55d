#!/usr/bin/env node
// Trains the scorer on routebench dev.jsonl and writes src/scoring/weights.ts.
// Deterministic: fixed folds (hash of the id), full-batch Adam from zero, no randomness.
//
//   npm run train:scorer [-- --dev PATH] [--mgsm PATH] [--folds 5] [--buckets 256] [--no-write] [--oof FILE]
//
// Two stages (src/scoring/model.ts):
//   1. a task-type classifier (softmax; dense features + hashed words), supervised by each row's task kind;
//   2. two logistic heads, P(not trivial) and P(hard), over the dense features, the task-type probabilities and
//      their products with length. Stage 2 is trained on stage-1 probabilities that are cross-fitted (each row's
//      probabilities come from a classifier that did not see it), so that it learns from realistic type errors.
// Prints out-of-fold (k-fold CV) metrics from routebench's own grader code (lib/metrics.mjs): both stages are
// refitted inside every fold, so no fold's labels reach its own predictions. Also prints the in-sample metrics of
// the final model, which are optimistic. Feature extraction is the Worker's own TypeScript, bundled by esbuild
// (scripts/scoring/bundle.mjs).
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
const BUCKETS = Number(opt('buckets', 256));
/** Stage 1 (task types): L2 on the dense and on the hashed weights. */
const L2_TYPE_DENSE = Number(opt('l2-type-dense', 0.003));
const L2_TYPE_HASHED = Number(opt('l2-type-hashed', 0.001));
/** Stage 2 (heads): L2 on every input. */
const L2_HEAD = Number(opt('l2-head', 0.03));
const ITERS = Number(opt('iters', 500));
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

/** Task type of a routebench row, from its task_kind (the supervision of stage 1; see TASK_TYPES). */
function taskTypeOf(r) {
  const k = String(r.task_kind || '');
  if (k.startsWith('knowledge-mcq')) return 'mcq';
  if (k.startsWith('math-word-problem')) return 'word_problem';
  if (k.startsWith('math-competition')) return 'competition_math';
  if (k.startsWith('math-olympiad')) return 'olympiad_math';
  if (k.startsWith('code-completion')) return 'code_completion';
  return 'chat';
}

const dirname = (p) => p.replace(/\/[^/]*$/, '');
const metricsLib = await import(pathToFileURL(join(dirname(DEV), 'lib/metrics.mjs')).href).catch(() => null);

const readJsonl = (p) => readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

const S = await loadScorer('features');
const { extract, FEATURES, N_DENSE, TASK_TYPES, HEAD_INPUTS, bucketOf, sigmoid, softmax, rawHeadInputs, combine, fingerprint } = S;
const K = TASK_TYPES.length;
const NI = HEAD_INPUTS.length;

// ---------- data ----------
const rows = readJsonl(DEV);
const mgsm = !flag('no-mgsm') && existsSync(MGSM) ? readJsonl(MGSM) : [];
const all = [...rows, ...mgsm];
const RANK = { trivial: 0, medium: 1, hard: 2, premium: 2 };
const examples = all.map((r) => {
  const x = extract({ model: 'auto', messages: [{ role: 'user', content: r.prompt }] });
  const buckets = new Map();
  for (const h of x.hashes) { const b = bucketOf(h, BUCKETS); buckets.set(b, (buckets.get(b) || 0) + 1); }
  const norm = x.hashes.length ? 1 / Math.sqrt(x.hashes.length) : 0;
  return {
    id: r.id, group: r.en_id || r.id, rank: RANK[r.label_tier], type: TASK_TYPES.indexOf(taskTypeOf(r)),
    dense: Array.from(x.dense), sparse: [...buckets].sort((a, b) => a[0] - b[0]).map(([b, c]) => [b, c * norm]), isDev: !r.en_id,
  };
});

/** FNV-1a of a string mod k (deterministic; groups an MGSM translation with its English row). */
const hashMod = (id, k) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % k;
};
const foldOf = (e) => hashMod(e.group, FOLDS);
/** Inner folds (cross-fitting of stage 1 inside a training set): a different hash of the same group id. */
const innerFoldOf = (e) => hashMod(e.group + '#', FOLDS);

// ---------- shared ----------
function standardiser(vectors, d) {
  const mean = new Array(d).fill(0), sq = new Array(d).fill(0);
  for (const v of vectors) for (let i = 0; i < d; i++) mean[i] += v[i];
  for (let i = 0; i < d; i++) mean[i] /= vectors.length;
  for (const v of vectors) for (let i = 0; i < d; i++) sq[i] += (v[i] - mean[i]) ** 2;
  const scale = sq.map((s) => Math.sqrt(s / vectors.length) || 1);
  return { mean, scale };
}
const standardise = (v, st) => v.map((x, i) => (x - st.mean[i]) / st.scale[i]);

/** One full-batch Adam step on parameters w with gradient g (m, v: moment buffers; t from 1). */
function adam(w, g, m, v, t, lr = 0.05) {
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
  for (let i = 0; i < w.length; i++) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
  }
}

// ---------- stage 1: task types (softmax regression) ----------
/** Layout of w: [bias K][dense K×N_DENSE, type-major][hashed BUCKETS×K, bucket-major], as in model.ts. */
function trainTypes(exs) {
  const st = standardiser(exs.map((e) => e.dense), N_DENSE);
  const Z = exs.map((e) => standardise(e.dense, st));
  const oD = K, oH = K + K * N_DENSE;
  const w = new Float64Array(oH + K * BUCKETS);
  const m = new Float64Array(w.length), v = new Float64Array(w.length), g = new Float64Array(w.length);
  const p = new Float64Array(K);
  const n = exs.length;
  for (let t = 1; t <= ITERS; t++) {
    g.fill(0);
    for (let k = 0; k < n; k++) {
      const z = Z[k], e = exs[k];
      for (let c = 0; c < K; c++) {
        let s = w[c];
        for (let i = 0; i < N_DENSE; i++) s += w[oD + c * N_DENSE + i] * z[i];
        for (const [b, val] of e.sparse) s += w[oH + b * K + c] * val;
        p[c] = s;
      }
      softmax(p);
      for (let c = 0; c < K; c++) {
        const d = (p[c] - (e.type === c ? 1 : 0)) / n;
        g[c] += d;
        for (let i = 0; i < N_DENSE; i++) g[oD + c * N_DENSE + i] += d * z[i];
        for (const [b, val] of e.sparse) g[oH + b * K + c] += d * val;
      }
    }
    for (let i = oD; i < oH; i++) g[i] += L2_TYPE_DENSE * w[i];
    for (let i = oH; i < w.length; i++) g[i] += L2_TYPE_HASHED * w[i];
    adam(w, g, m, v, t);
  }
  return {
    mean: st.mean, scale: st.scale,
    bias: Array.from(w.subarray(0, oD)), dense: Array.from(w.subarray(oD, oH)), hashed: Array.from(w.subarray(oH)),
  };
}

/** The same arithmetic as src/scoring/model.ts taskTypes, on the pre-bucketed example. */
function predictTypes(tm, e) {
  const p = new Float64Array(K);
  for (let c = 0; c < K; c++) {
    let s = tm.bias[c];
    for (let i = 0; i < N_DENSE; i++) s += tm.dense[c * N_DENSE + i] * ((e.dense[i] - tm.mean[i]) / tm.scale[i]);
    for (const [b, val] of e.sparse) s += tm.hashed[b * K + c] * val;
    p[c] = s;
  }
  return Array.from(softmax(p));
}

/** Cross-fitted type probabilities for every example of a training set (inner folds). */
function crossFitTypes(exs) {
  const out = new Map();
  for (let f = 0; f < FOLDS; f++) {
    const tm = trainTypes(exs.filter((e) => innerFoldOf(e) !== f));
    for (const e of exs) if (innerFoldOf(e) === f) out.set(e.id, predictTypes(tm, e));
  }
  return out;
}

// ---------- stage 2: the two heads ----------
const SIGN = HEAD_INPUTS.map((f) => (NON_NEGATIVE.includes(f) ? 1 : NON_POSITIVE.includes(f) ? -1 : 0));

/** Full-batch Adam on mean log-loss + L2, sign-projected. Returns { bias, w }. */
function trainHead(Z, ys) {
  const n = Z.length;
  const w = new Float64Array(1 + NI);
  const m = new Float64Array(w.length), v = new Float64Array(w.length), g = new Float64Array(w.length);
  for (let t = 1; t <= ITERS; t++) {
    g.fill(0);
    for (let k = 0; k < n; k++) {
      const z = Z[k];
      let s = w[0];
      for (let i = 0; i < NI; i++) s += w[1 + i] * z[i];
      const d = (sigmoid(s) - ys[k]) / n;
      g[0] += d;
      for (let i = 0; i < NI; i++) g[1 + i] += d * z[i];
    }
    for (let i = 0; i < NI; i++) g[1 + i] += L2_HEAD * w[1 + i];
    adam(w, g, m, v, t);
    for (let i = 0; i < NI; i++) if (SIGN[i] * w[1 + i] < 0) w[1 + i] = 0; // projection onto the allowed signs
  }
  return { bias: w[0], w: Array.from(w.subarray(1)) };
}

/** Trains both stages on exs. */
function trainModel(exs) {
  const fitted = crossFitTypes(exs);
  const raw = exs.map((e) => Array.from(rawHeadInputs(e.dense, fitted.get(e.id))));
  const st = standardiser(raw, NI);
  const Z = raw.map((v) => standardise(v, st));
  return {
    types: trainTypes(exs), inputMean: st.mean, inputScale: st.scale, mix: MIX,
    nt: trainHead(Z, exs.map((e) => (e.rank > 0 ? 1 : 0))),
    hard: trainHead(Z, exs.map((e) => (e.rank === 2 ? 1 : 0))),
  };
}

/** The same arithmetic as src/scoring/index.ts scoreExtracted (without the hand-set context prior). */
function predict(model, e) {
  const types = predictTypes(model.types, e);
  const z = Array.from(rawHeadInputs(e.dense, types)).map((x, i) => (x - model.inputMean[i]) / model.inputScale[i]);
  const head = (h) => { let s = h.bias; for (let i = 0; i < NI; i++) s += h.w[i] * z[i]; return sigmoid(s); };
  return { s: combine(model, head(model.nt), head(model.hard)), types };
}

// ---------- thresholds ----------
const tierOf = (s, t) => (s >= t.premium ? 'premium' : s >= t.medium ? 'medium' : 'trivial');

/** Cut points maximising 3-tier accuracy with at most 5% of hard prompts routed to trivial. */
function chooseThresholds(scored) {
  let best = null;
  for (let i = 1; i < 100; i++) for (let j = i + 1; j < 100; j++) {
    const a = i / 100, b = j / 100;
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
let typeHits = 0;
for (let f = 0; f < FOLDS; f++) {
  const model = trainModel(examples.filter((e) => foldOf(e) !== f));
  for (const e of examples) {
    if (foldOf(e) !== f) continue;
    const p = predict(model, e);
    oof.set(e.id, p.s);
    if (p.types.indexOf(Math.max(...p.types)) === e.type) typeHits++;
  }
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
  ` ${N_DENSE} dense features + ${BUCKETS} hash buckets -> ${K} task types -> 2 heads over ${NI} inputs;` +
  ` L2 types ${L2_TYPE_DENSE}/${L2_TYPE_HASHED}, heads ${L2_HEAD}; ${ITERS} Adam steps; mix ${MIX}`);
console.log(`thresholds (chosen on out-of-fold dev scores): medium ${thresholds.medium}, premium ${thresholds.premium}`);
console.log(`out-of-fold task-type accuracy: ${(100 * typeHits / examples.length).toFixed(1)}%`);
report('out-of-fold dev.jsonl', (id) => oof.get(id), rows);
if (mgsm.length) report('out-of-fold mgsm-dev (ja+zh)', (id) => oof.get(id), mgsm);

const oofFile = opt('oof', null);
if (oofFile) {
  writeFileSync(oofFile, rows.map((r) => JSON.stringify({ id: r.id, score: oof.get(r.id), tier: tierOf(oof.get(r.id), thresholds) })).join('\n') + '\n');
  console.log(`out-of-fold predictions written to ${oofFile}`);
}

// ---------- final model ----------
const final = trainModel(examples);
const ins = new Map(examples.map((e) => [e.id, predict(final, e).s]));
report('in-sample dev.jsonl (optimistic)', (id) => ins.get(id), rows);
console.log(`trained in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

if (!flag('no-write')) {
  const rd = (x, k) => { const v = Math.round(x * 10 ** k) / 10 ** k; return Object.is(v, -0) ? 0 : v; };
  const arr = (a, k = 4) => `[${a.map((x) => rd(x, k)).join(',')}]`;
  const head = (h) => `{ bias: ${rd(h.bias, 4)}, w: ${arr(h.w)} }`;
  // Hashed weights, rounded to 3 decimals as before, written 2 base64url characters each (zigzag of w·1000 in 12 bits):
  // unpackMilli() in model.ts reads back exactly the same numbers, in a third of the bytes.
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const packMilli = (a) => a.map((x) => {
    const n = Math.round(x * 1000);
    const v = n >= 0 ? 2 * n : -2 * n - 1;
    if (v >= 4096) throw new Error(`hashed weight ${x} is outside ±2.047: widen the packing`);
    return B64[v >> 6] + B64[v & 63];
  }).join('');
  const tm = final.types;
  const out = `// Generated by scripts/scoring/train.mjs (npm run train:scorer). Do not edit by hand.
// Trained on ${rows.length} routebench dev rows + ${mgsm.length} MGSM ja/zh rows.
// Thresholds chosen out of fold: medium ${thresholds.medium}, premium ${thresholds.premium}.
import { unpackMilli, type Weights } from './model'

export const TRAINED_THRESHOLDS = { medium: ${thresholds.medium}, premium: ${thresholds.premium} } as const

export const WEIGHTS: Weights = {
  features: ${JSON.stringify(fingerprint())},
  buckets: ${BUCKETS},
  mix: ${final.mix},
  mean: ${arr(tm.mean)},
  scale: ${arr(tm.scale)},
  types: {
    bias: ${arr(tm.bias)},
    dense: ${arr(tm.dense, 3)},
    hashed: unpackMilli('${packMilli(tm.hashed)}'),
  },
  inputMean: ${arr(final.inputMean)},
  inputScale: ${arr(final.inputScale)},
  nt: ${head(final.nt)},
  hard: ${head(final.hard)},
}
`;
  writeFileSync(join(ROOT, 'src/scoring/weights.ts'), out);
  console.log('wrote src/scoring/weights.ts');
}
