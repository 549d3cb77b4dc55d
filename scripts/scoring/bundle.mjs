// Builds the scorer's TypeScript (the very files the Worker runs) into a temporary ES module and imports it.
// Used by train.mjs, route-batch.mjs and bench.mjs so that offline numbers come from the production code.
//
//   const m = await loadScorer()          // src/scoring/index.ts: score, compactReason, DEFAULT_THRESHOLDS, ...
//   const f = await loadScorer('features') // src/scoring/features.ts + model.ts only (no weights needed)
import { join } from 'node:path';
import { ROOT, importEntry } from '../source.mjs';

export { ROOT };
const SRC = join(ROOT, 'src/scoring');

/** @param {'index' | 'features'} what */
export function loadScorer(what = 'index') {
  return importEntry(what === 'index'
    ? `export * from ${JSON.stringify(join(SRC, 'index.ts'))};\nexport { extract } from ${JSON.stringify(join(SRC, 'features.ts'))};\n`
    : `export * from ${JSON.stringify(join(SRC, 'features.ts'))};\nexport * from ${JSON.stringify(join(SRC, 'model.ts'))};\n`);
}
