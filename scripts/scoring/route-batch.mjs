#!/usr/bin/env node
// Scores a JSONL file with the very scorer the Worker runs (src/scoring, bundled on the fly by esbuild).
//
//   npm run --silent route:batch -- FILE.jsonl [--medium 0.3 --premium 0.6]
//
// Input: one {"id", "prompt"} or {"id", "messages"} per line ("messages" as in a chat completions request).
// Output: one {"id","score","tier"} per input row on stdout, in input order. A bad line stops the run with
// a message naming the line on stderr and exit code 1 (nothing is guessed).
import { readFileSync } from 'node:fs';
import { loadScorer } from './bundle.mjs';
import { ROLES } from './calibration.mjs';

const usage = 'usage: npm run --silent route:batch -- FILE.jsonl [--medium X --premium Y]';
const args = process.argv.slice(2);
const fail = (msg) => { process.stderr.write(`route:batch: ${msg}\n`); process.exit(1); };
const opt = (name) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args.splice(i, 2)[1] : undefined; };
const medium = opt('medium'), premium = opt('premium');
if (args.length !== 1) fail(usage);

let text;
try { text = readFileSync(args[0], 'utf8'); } catch (e) { fail(`cannot read ${args[0]}: ${e.message}`); }

const { score, DEFAULT_THRESHOLDS } = await loadScorer();
const thresholds = { ...DEFAULT_THRESHOLDS };
for (const [k, v] of [['medium', medium], ['premium', premium]]) {
  if (v === undefined) continue;
  const x = Number(v);
  if (!(x >= 0 && x <= 1)) fail(`--${k} must be a number in 0..1, got ${JSON.stringify(v)}`);
  thresholds[k] = x;
}
if (thresholds.medium > thresholds.premium) fail('--medium must not be above --premium');

/** A row's messages, or an error message. */
function messagesOf(row) {
  if (typeof row.prompt === 'string') return [{ role: 'user', content: row.prompt }];
  if (!Array.isArray(row.messages) || row.messages.length === 0) return 'needs "prompt" (string) or "messages" (non-empty array)';
  for (const [i, m] of row.messages.entries()) {
    if (!m || typeof m !== 'object' || !ROLES.has(m.role)) return `messages[${i}].role must be one of ${[...ROLES].join(', ')}`;
    const c = m.content;
    if (!(c === undefined || c === null || typeof c === 'string' || Array.isArray(c))) return `messages[${i}].content must be a string or an array of content parts`;
  }
  return row.messages;
}

const out = [];
const lines = text.split('\n');
for (let i = 0; i < lines.length; i++) {
  const line = lines[i].trim();
  if (!line) continue;
  let row;
  try { row = JSON.parse(line); } catch (e) { fail(`${args[0]}:${i + 1}: bad JSON: ${e.message}`); }
  if (!row || typeof row !== 'object' || Array.isArray(row)) fail(`${args[0]}:${i + 1}: each line must be a JSON object`);
  if (typeof row.id !== 'string' && typeof row.id !== 'number') fail(`${args[0]}:${i + 1}: "id" must be a string or number`);
  const messages = messagesOf(row);
  if (typeof messages === 'string') fail(`${args[0]}:${i + 1}: ${messages}`);
  const d = score({ model: 'auto', messages }, thresholds);
  out.push(JSON.stringify({ id: row.id, score: d.score, tier: d.tier }));
}
process.stdout.write(out.length ? out.join('\n') + '\n' : '');
