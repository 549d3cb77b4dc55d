// Builds the scorer's TypeScript (the very files the Worker runs) into a temporary ES module and imports it.
// Used by train.mjs, route-batch.mjs and bench.mjs so that offline numbers come from the production code.
//
//   const m = await loadScorer()          // src/scoring/index.ts: score, compactReason, DEFAULT_THRESHOLDS, ...
//   const f = await loadScorer('features') // features.ts, model.ts, tiers.ts, target.ts (no check that weights fit)
//   const rows = readJsonl('data/calibration/en.jsonl')  // the JSONL reader train.mjs and bench.mjs share
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, importEntry } from '../source.mjs';

export { ROOT };
const SRC = join(ROOT, 'src/scoring');

/** The non-empty lines of a JSONL file, parsed; a bad line throws `<path>:<n>: <error>` (n counts non-empty lines). */
export const readJsonl = (p) => readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
  try { return JSON.parse(l); } catch (e) { throw new Error(`${p}:${i + 1}: ${e.message}`); }
});

/** @param {'index' | 'features'} what */
export function loadScorer(what = 'index') {
  return importEntry(what === 'index'
    ? `export * from ${JSON.stringify(join(SRC, 'index.ts'))};\nexport { extract } from ${JSON.stringify(join(SRC, 'features.ts'))};\n`
    : ['features.ts', 'model.ts', 'tiers.ts', 'target.ts'].map((f) => `export * from ${JSON.stringify(join(SRC, f))};\n`).join(''));
}
