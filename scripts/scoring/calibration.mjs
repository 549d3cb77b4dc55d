#!/usr/bin/env node
// The calibration set (data/calibration/<lang>.jsonl): validation, and import from authors' drafts.
//
//   node scripts/scoring/calibration.mjs                 validate data/calibration, print counts
//   node scripts/scoring/calibration.mjs data/probe8     validate another set of the same format (a blind probe set)
//   node scripts/scoring/calibration.mjs --import DIR…   validate the drafts' *.jsonl and write them to data/calibration
//
// A row: {"id":"<lang>-<category>-<nnn>","lang","category","label","request":{messages,…},"why","group"?}
// In another set's folder, data/<set>, ids start with "<set>-<lang>-" instead (data/probe8: "probe8-en-017").
// (format and rubric: docs/ROUTING.md). Every problem is printed with file:line; the exit code is 1 if any.
import { readFileSync, writeFileSync, readdirSync, existsSync, mkdirSync } from 'node:fs';
import { join, basename, resolve } from 'node:path';
import { ROOT } from './bundle.mjs';

export const LANGS = ['en', 'es', 'de', 'fr', 'ja', 'zh', 'ko'];
export const LABELS = ['trivial', 'medium', 'premium'];
export const CATEGORIES = ['chit_chat', 'lookup', 'rewrite', 'translation', 'extraction', 'classification', 'creative_short',
  'creative_long', 'code_snippet', 'code_implementation', 'debugging', 'code_review', 'system_design', 'arithmetic',
  'word_problem', 'proof', 'competition_math', 'planning', 'reasoning', 'legal', 'medical', 'financial', 'agentic_tools',
  'long_context_summary', 'explanation'];
/** The message roles a chat completions request may carry (route-batch.mjs checks its input with them too). */
export const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const DIR = join(ROOT, 'data/calibration');

/** Problems of one parsed row (empty when valid); `set` is the id prefix of a set other than the calibration set. */
export function problems(r, set = '') {
  const out = [];
  if (!r || typeof r !== 'object' || Array.isArray(r)) return ['not a JSON object'];
  if (typeof r.id !== 'string' || !r.id) out.push('"id" must be a non-empty string');
  if (!LANGS.includes(r.lang)) out.push(`"lang" must be one of ${LANGS.join(', ')}`);
  if (!CATEGORIES.includes(r.category)) out.push(`unknown "category" ${JSON.stringify(r.category)}`);
  if (!LABELS.includes(r.label)) out.push(`"label" must be one of ${LABELS.join(', ')}`);
  if (typeof r.why !== 'string' || !r.why) out.push('"why" must be a non-empty string');
  if (r.group !== undefined && typeof r.group !== 'string') out.push('"group" must be a string');
  if (typeof r.id === 'string' && typeof r.lang === 'string' && !r.id.startsWith(`${set}${r.lang}-`)) out.push(`"id" must start with "${set}${r.lang}-"`);
  const q = r.request;
  if (!q || typeof q !== 'object' || !Array.isArray(q.messages) || q.messages.length === 0) out.push('"request.messages" must be a non-empty array');
  else {
    q.messages.forEach((m, i) => {
      if (!m || !ROLES.has(m.role)) out.push(`messages[${i}].role is invalid`);
      const c = m?.content;
      const ok = typeof c === 'string' || (c === null && m.role === 'assistant') ||
        (Array.isArray(c) && c.every((p) => p && typeof p.type === 'string' && (p.type !== 'text' || typeof p.text === 'string')));
      if (!ok) out.push(`messages[${i}].content must be a string or an array of content parts`);
    });
    if (!q.messages.some((m) => m?.role === 'user')) out.push('no user turn');
    if ('model' in q) out.push('"request" must not carry "model"');
    if (q.tools !== undefined && !Array.isArray(q.tools)) out.push('"request.tools" must be an array');
  }
  return out;
}

/** Reads and validates *.jsonl files (ids prefixed with `set`, see problems); returns { rows, errors }. */
export function readAll(files, set = '') {
  const rows = [], errors = [], seen = new Map();
  for (const f of files) {
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const at = `${basename(f)}:${i + 1}`;
      let r;
      try { r = JSON.parse(line); } catch (e) { errors.push(`${at}: bad JSON: ${e.message}`); return; }
      const p = problems(r, set);
      if (p.length) { errors.push(`${at}: ${p.join('; ')}`); return; }
      if (seen.has(r.id)) { errors.push(`${at}: duplicate id ${r.id} (first at ${seen.get(r.id)})`); return; }
      seen.set(r.id, at);
      rows.push(r);
    });
  }
  return { rows, errors };
}

/** The *.jsonl files of a folder, sorted, as paths ([] when it does not exist); train.mjs and bench.mjs read sets with it too. */
export const jsonlFiles = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(dir, f)) : []);

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--import');
  const sources = i >= 0 ? args.slice(i + 1) : [];
  const dir = i < 0 && args[0] ? resolve(args[0]) : DIR;
  const set = dir === DIR ? '' : `${basename(dir)}-`;
  if (!existsSync(dir)) {
    console.error(`calibration: ${dir} not found`);
    process.exitCode = 1;
  }
  const { rows, errors } = readAll(sources.length ? sources.flatMap(jsonlFiles) : jsonlFiles(dir), set);
  for (const e of errors) console.error(`calibration: ${e}`);
  // aligned items: a group must name an existing row
  const ids = new Set(rows.map((r) => r.id));
  for (const r of rows) if (r.group && !ids.has(r.group)) console.error(`calibration: ${r.id}: group ${r.group} is not in the set (kept)`);
  if (sources.length) {
    mkdirSync(DIR, { recursive: true });
    for (const lang of LANGS) {
      const mine = rows.filter((r) => r.lang === lang);
      if (mine.length) writeFileSync(join(DIR, `${lang}.jsonl`), mine.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
  }
  const count = (pred) => rows.filter(pred).length;
  console.log(`${rows.length} valid requests${errors.length ? `, ${errors.length} rejected` : ''}`);
  for (const lang of LANGS) {
    const l = rows.filter((r) => r.lang === lang);
    if (!l.length) continue;
    console.log(`  ${lang}: ${l.length}  trivial ${count((r) => r.lang === lang && r.label === 'trivial')} / medium ${count((r) => r.lang === lang && r.label === 'medium')} / premium ${count((r) => r.lang === lang && r.label === 'premium')}` +
      `  multi-turn ${l.filter((r) => r.request.messages.filter((m) => m.role === 'user' || m.role === 'assistant').length > 1).length}  tools ${l.filter((r) => r.request.tools?.length).length}`);
  }
  if (errors.length) process.exitCode = 1;
}
