#!/usr/bin/env node
// What would Triage save on my traffic? Replays a log through the Worker's own routing and pricing code
// (src/simulate, bundled on the fly by esbuild) and projects the bill. Calls no model. See README.md#will-triage-save-me-money.
//
//   npm run simulate -- LOG [--json] [--baseline MODEL] [--period 7d | --monthly-requests N] [--sweep] [--html FILE]
//                       [--medium X] [--premium Y] [--cascade LOW-HIGH|off] [--policy JSON] [--budget daily=5,monthly=100]
//                       [--output-tokens trivial=200,medium=500,premium=700] [--reasoning medium=3]
//                       [--vars FILE] [--skip-bad] [--timing] [--per-request]
//   npm run simulate -- --assume-mix 70/20/10 --assume-tokens 100M [--assume-prices 0.01,0.55,15 --baseline-price 30]
import { readFileSync, writeFileSync } from 'node:fs';
import { importSource } from './source.mjs';

const started = performance.now();
const USAGE = `usage: npm run simulate -- LOG [options]   (README.md#will-triage-save-me-money lists the options)
       npm run simulate -- --assume-mix 70/20/10 --assume-tokens 100M [--assume-prices 0.01,0.55,15 --baseline-price 30]`;
const FLAGS = new Set(['json', 'sweep', 'skip-bad', 'timing', 'help', 'per-request']);
const VALUED = new Set(['baseline', 'period', 'monthly-requests', 'html', 'medium', 'premium', 'cascade', 'policy', 'budget',
  'output-tokens', 'reasoning', 'vars', 'assume-mix', 'assume-tokens', 'assume-prices', 'baseline-price', 'assume-output-share']);

function fail(msg) {
  process.stderr.write(`simulate: ${msg}\n`);
  process.exit(1);
}

// ---- arguments ----
const opts = {};
const files = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (!a.startsWith('--')) { files.push(a); continue; }
  const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
  if (FLAGS.has(name)) { opts[name] = true; continue; }
  if (!VALUED.has(name)) fail(`unknown option --${name}\n${USAGE}`);
  const v = inline ?? argv[++i];
  if (v === undefined) fail(`--${name} needs a value`);
  opts[name] = v;
}
if (opts.help) { process.stdout.write(`${USAGE}\n`); process.exit(0); }

const TIERS = ['trivial', 'medium', 'premium'];
const num = (name, v, { min = 0, max = Infinity, int = false } = {}) => {
  const x = Number(v);
  if (!Number.isFinite(x) || x < min || x > max || (int && !Number.isInteger(x))) fail(`--${name}: expected ${int ? 'a whole number' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return x;
};
/** '100M', '2.5k', '1e9' → a whole number. */
const quantity = (name, v) => {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmMbB]?)$/.exec(String(v));
  if (!m) fail(`--${name}: expected a number such as 100M, 250k or 1e9, got ${JSON.stringify(v)}`);
  const x = Number(m[1]) * ({ k: 1e3, m: 1e6, b: 1e9 }[m[2].toLowerCase()] ?? 1);
  if (!Number.isSafeInteger(Math.round(x)) || x <= 0) fail(`--${name}: out of range: ${v}`);
  return Math.round(x);
};
/** 'trivial=200,medium=500' → { trivial: 200, medium: 500 } over defaults. */
const perTier = (name, v, defaults) => {
  const out = { ...defaults };
  for (const part of String(v).split(',')) {
    const [k, x] = part.split('=');
    if (!TIERS.includes(k)) fail(`--${name}: '${k}' is not a tier (trivial, medium, premium)`);
    out[k] = num(name, x);
  }
  return out;
};

const m = await importSource(['src/simulate/index.ts', 'src/simulate/report.tsx', 'src/config/index.ts', 'src/money/index.ts', 'src/tenants/policy.ts']);
const { simulate, sweep, parseLog, LogError, FORMAT_NAMES, DEFAULT_ASSUMPTIONS, projectMix, renderReport, loadConfig, ConfigError, parseUsd, formatUsd, PolicySchema } = m;

// ---- configuration: TRIAGE_* from the environment, then --vars FILE, then flags ----
const vars = {};
for (const [k, v] of Object.entries(process.env)) if (k.startsWith('TRIAGE_')) vars[k] = v;
if (opts.vars) {
  let text;
  try { text = readFileSync(opts.vars, 'utf8'); } catch (e) { fail(`cannot read --vars ${opts.vars}: ${e.message}`); }
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const eq = t.indexOf('=');
    if (eq < 1) fail(`${opts.vars}:${i + 1}: expected KEY=VALUE`);
    vars[t.slice(0, eq).trim()] = t.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/s, '$2');
  });
}
if (opts.medium !== undefined) vars.TRIAGE_THRESHOLD_MEDIUM = String(num('medium', opts.medium, { max: 1 }));
if (opts.premium !== undefined) vars.TRIAGE_THRESHOLD_PREMIUM = String(num('premium', opts.premium, { max: 1 }));
if (opts.cascade !== undefined) vars.TRIAGE_CASCADE = opts.cascade;
let config;
try { config = loadConfig(vars); } catch (e) { fail(e instanceof ConfigError ? `configuration: ${e.message}` : e.message); }
const baseline = opts.baseline ?? 'gpt-4.1';
const usd = (nano) => `$${Number(formatUsd(nano)).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: nano < 1e9 ? 6 : 2 })}`;
const pct = (f) => `${(f * 100).toFixed(1)}%`;
const table = (rows) => {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ')).join('\n');
};

// ---- the article's form: a mix of a token volume ----
if (opts['assume-mix'] !== undefined) {
  if (files.length) fail('--assume-mix takes no log file');
  const parts = String(opts['assume-mix']).split('/').map((x) => num('assume-mix', x, { max: 100 }));
  if (parts.length !== 3 || Math.abs(parts[0] + parts[1] + parts[2] - 100) > 1e-9) fail('--assume-mix: expected three percentages that add up to 100, e.g. 70/20/10');
  const mix = Object.fromEntries(TIERS.map((t, i) => [t, parts[i] / 100]));
  if (opts['assume-tokens'] === undefined) fail('--assume-mix needs --assume-tokens (tokens a month, e.g. 100M)');
  const tokens = quantity('assume-tokens', opts['assume-tokens']);
  const priceOfFlag = (name, v) => { const n = parseUsd(v); if (n === undefined) fail(`--${name}: not a USD amount: ${JSON.stringify(v)}`); return n; };
  let prices;
  if (opts['assume-prices'] !== undefined) {
    const p = String(opts['assume-prices']).split(',');
    if (p.length !== 3) fail('--assume-prices: expected three USD prices per million tokens, trivial,medium,premium (e.g. 0.01,0.55,15)');
    prices = Object.fromEntries(TIERS.map((t, i) => [t, priceOfFlag('assume-prices', p[i])]));
  }
  const baselinePrice = opts['baseline-price'] !== undefined ? priceOfFlag('baseline-price', opts['baseline-price']) : undefined;
  const outputShare = opts['assume-output-share'] !== undefined ? num('assume-output-share', opts['assume-output-share'], { max: 1 }) : undefined;
  let p;
  try { p = projectMix({ mix, tokens, prices, baselinePrice, outputShare }, config, baseline); } catch (e) { fail(e.message); }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ mode: 'assumed-mix', tokens, ...p }, null, 2)}\n`);
  } else {
    const how = prices ? 'at the prices given' : `at today's prices (price table), ${pct(outputShare ?? 0.25)} of tokens output`;
    const rows = [['tier', 'share', 'tokens', 'model', 'cost']];
    for (const t of TIERS) rows.push([t, pct(mix[t]), p.tiers[t].tokens.toLocaleString('en-US'), p.tiers[t].model ?? '(price given)', usd(p.tiers[t].cost_nano)]);
    rows.push(['total', '100.0%', tokens.toLocaleString('en-US'), '', usd(p.total_nano)]);
    rows.push([`baseline`, '', tokens.toLocaleString('en-US'), p.baseline.model ?? '(price given)', usd(p.baseline.cost_nano)]);
    process.stdout.write(`Assumed traffic: ${tokens.toLocaleString('en-US')} tokens a month, ${parts.join('/')} ${how}\n\n${table(rows)}\n\nSaving: ${usd(p.saving.nano)} a month (${pct(p.saving.fraction)})\n`);
  }
  process.exit(0);
}

// ---- a log ----
if (files.length !== 1) fail(USAGE);
const file = files[0];
let text;
try { text = readFileSync(file, 'utf8'); } catch (e) { fail(`cannot read ${file}: ${e.message}`); }
let log;
try { log = parseLog(text, { file, skipBad: !!opts['skip-bad'] }); } catch (e) { fail(e instanceof LogError ? e.message : e.message); }
const parsed = performance.now();

let policy;
if (opts.policy !== undefined) {
  let json;
  try { json = JSON.parse(opts.policy); } catch (e) { fail(`--policy: not JSON: ${e.message}`); }
  const r = PolicySchema.safeParse(json);
  if (!r.success) fail(`--policy: ${r.error.issues.map((i) => `${i.path.join('.') || '(policy)'}: ${i.message}`).join('; ')}`);
  policy = r.data;
}
let budget;
if (opts.budget !== undefined) {
  budget = {};
  for (const part of String(opts.budget).split(',')) {
    const [k, v] = part.split('=');
    if (k !== 'daily' && k !== 'monthly') fail(`--budget: '${k}' is not a window (daily, monthly)`);
    const n = parseUsd(v ?? '');
    if (n === undefined) fail(`--budget: ${k}: not a USD amount: ${JSON.stringify(v)}`);
    budget[`${k}_nano`] = n;
  }
}
const assumptions = {
  outputTokens: opts['output-tokens'] ? perTier('output-tokens', opts['output-tokens'], DEFAULT_ASSUMPTIONS.outputTokens) : DEFAULT_ASSUMPTIONS.outputTokens,
  reasoningPerOutput: opts.reasoning ? perTier('reasoning', opts.reasoning, DEFAULT_ASSUMPTIONS.reasoningPerOutput) : DEFAULT_ASSUMPTIONS.reasoningPerOutput,
};

let sim, points;
try {
  sim = simulate(log.entries, { config, baseline, policy, assumptions, budget });
  if (opts.sweep || opts.html) points = sweep(log.entries, { config, baseline, policy, assumptions });
} catch (e) { fail(e.message); }
const simulated = performance.now();

// ---- the month ----
const DAY = 86_400_000;
const times = log.entries.map((e) => e.at).filter((t) => t !== undefined);
let monthly, periodNote;
if (opts['monthly-requests'] !== undefined) {
  monthly = num('monthly-requests', opts['monthly-requests'], { min: 1, int: true }) / Math.max(1, sim.requests);
  periodNote = `scaled to ${Number(opts['monthly-requests']).toLocaleString('en-US')} requests a month`;
} else if (opts.period !== undefined) {
  const p = /^(\d+(?:\.\d+)?)([hdw])$/.exec(opts.period);
  if (!p) fail(`--period: expected a length such as 12h, 7d or 2w, got ${JSON.stringify(opts.period)}`);
  const ms = Number(p[1]) * { h: 3_600_000, d: DAY, w: 7 * DAY }[p[2]];
  monthly = (30 * DAY) / ms;
  periodNote = `the log covers ${opts.period} (--period)`;
} else if (times.length >= 2 && Math.max(...times) > Math.min(...times)) {
  const span = Math.max(...times) - Math.min(...times);
  monthly = (30 * DAY) / span;
  periodNote = `the log's timestamps span ${(span / DAY).toFixed(2)} days`;
} else {
  periodNote = 'no time span (give --period or --monthly-requests for a monthly projection)';
}

const cost = {
  requests: sim.requests, tiers: sim.tiers, models: sim.models, total: sim.total, baseline: sim.baseline, saving: sim.saving,
  cascade: sim.cascade,
};
const out = {
  format: log.format, format_name: FORMAT_NAMES[log.format], file, skipped: log.skipped, thresholds: config.thresholds,
  assumptions, ...cost,
  monthly: monthly ? { factor: monthly, note: periodNote, cost_nano: Math.round(sim.total.cost_nano * monthly), baseline_nano: Math.round(sim.baseline.cost_nano * monthly) } : null,
  ...(sim.budget ? { budget: { limits: budget, ...sim.budget } } : {}),
  ...(points ? { sweep: points } : {}),
  ...(opts['per-request'] ? { per_request: sim.routed.map((r) => ({ line: r.line, tier: r.tier, model: r.model, score: r.score, cost_nano: r.cost_nano, baseline_nano: r.baseline_nano, downgraded: r.downgraded, ...(r.cascade ? { cascade: r.cascade } : {}), ...(r.refused ? { refused: true } : {}) })) } : {}),
};
if (opts.html) {
  const html = renderReport({ sim, sweep: points, title: file, thresholds: config.thresholds, monthly,
    notes: [`format: ${FORMAT_NAMES[log.format]}`, `${sim.requests.toLocaleString('en-US')} requests`, periodNote] });
  try { writeFileSync(opts.html, html); } catch (e) { fail(`cannot write ${opts.html}: ${e.message}`); }
}
const finished = performance.now();
const timing = { read_ms: parsed - started, simulate_ms: simulated - parsed, total_ms: finished - started, requests_per_s: sim.requests / ((simulated - parsed) / 1000) };
if (opts.timing) out.timing = timing;

if (opts.json) {
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} else {
  const lines = [];
  lines.push(`Read ${file}: ${FORMAT_NAMES[log.format]}, ${sim.requests.toLocaleString('en-US')} requests${log.skipped.length ? `, ${log.skipped.length} bad lines skipped (${log.skipped.slice(0, 3).map((s) => `line ${s.line}: ${s.reason}`).join('; ')}${log.skipped.length > 3 ? '; …' : ''})` : ''}.`);
  lines.push(`Thresholds: medium ${config.thresholds.medium}, premium ${config.thresholds.premium}${config.cascade ? `; cascade ${config.cascade.low}-${config.cascade.high}` : ''}.`);
  lines.push('');
  const rows = [['tier', 'requests', 'share', 'input tok', 'output tok', 'of which reasoning', 'cost']];
  for (const t of TIERS) {
    const r = sim.tiers[t];
    rows.push([t, r.requests.toLocaleString('en-US'), pct(sim.requests ? r.requests / sim.requests : 0), r.input_tokens.toLocaleString('en-US'), r.output_tokens.toLocaleString('en-US'), r.reasoning_tokens.toLocaleString('en-US'), usd(r.cost_nano)]);
  }
  rows.push(['total', sim.total.requests.toLocaleString('en-US'), '', sim.total.input_tokens.toLocaleString('en-US'), sim.total.output_tokens.toLocaleString('en-US'), sim.total.reasoning_tokens.toLocaleString('en-US'), usd(sim.total.cost_nano)]);
  lines.push(table(rows), '');
  const mrows = [['model', 'tier', 'requests', 'input tok', 'output tok', 'cost']];
  for (const [id, r] of Object.entries(sim.models)) mrows.push([id, r.tier, r.requests.toLocaleString('en-US'), r.input_tokens.toLocaleString('en-US'), r.output_tokens.toLocaleString('en-US'), usd(r.cost_nano)]);
  lines.push(table(mrows), '');
  if (sim.cascade.requests) lines.push(`Cascade: ${sim.cascade.requests} requests try a trivial model first; the totals count every one as escalated (both calls). If every trivial answer were accepted: ${usd(sim.cascade.cost_if_all_accepted_nano)}.`, '');
  lines.push(`Baseline, all on ${baseline}: ${usd(sim.baseline.cost_nano)}. Triage: ${usd(sim.total.cost_nano)}. Saving: ${usd(sim.saving.nano)} (${pct(sim.saving.fraction)}).`);
  lines.push(monthly ? `Per month (${periodNote}): Triage ${usd(out.monthly.cost_nano)} against ${usd(out.monthly.baseline_nano)}.` : `Per month: ${periodNote}.`);
  if (sim.budget) {
    const b = sim.budget;
    lines.push('', `Budget replay (${Object.entries(budget).map(([k, v]) => `${k.replace('_nano', '')} $${formatUsd(v)}`).join(', ')}): ${b.refused} refused, ${b.downgraded} served on a lower tier, ${b.capped} with max_tokens shrunk to fit; spent ${usd(b.spent_nano)}.`);
    for (const w of ['daily', 'monthly']) if (b.exhausted[w].length) lines.push(`  ${w} budget ran out on: ${b.exhausted[w].join(', ')}`);
  }
  if (points) {
    lines.push('', 'Threshold sweep (TRIAGE_THRESHOLD_MEDIUM / _PREMIUM → tier mix and cost):');
    const srows = [['medium', 'premium', 'trivial', 'medium', 'premium', 'cost']];
    for (const p of points) if (Math.round(p.medium * 100) % 10 === 0 && Math.round(p.premium * 100) % 10 === 0) srows.push([p.medium.toFixed(2), p.premium.toFixed(2), pct(p.mix.trivial), pct(p.mix.medium), pct(p.mix.premium), usd(p.cost_nano)]);
    lines.push(table(srows), `(${points.length} pairs in --json; every 0.10 shown)`);
  }
  if (opts.html) lines.push('', `Report: ${opts.html}`);
  if (opts.timing) lines.push('', `Timing: read ${timing.read_ms.toFixed(0)} ms, simulate ${timing.simulate_ms.toFixed(0)} ms (${Math.round(timing.requests_per_s).toLocaleString('en-US')} requests/s), total ${timing.total_ms.toFixed(0)} ms.`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
