// Builds the scorer's TypeScript (the very files the Worker runs) into a temporary ES module and imports it.
// Used by train.mjs, route-batch.mjs and bench.mjs so that offline numbers come from the production code.
//
//   const m = await loadScorer()          // src/scoring/index.ts: score, compactReason, DEFAULT_THRESHOLDS, ...
//   const f = await loadScorer('features') // src/scoring/features.ts + model.ts only (no weights needed)
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src/scoring');

/** @param {'index' | 'features'} what */
export async function loadScorer(what = 'index') {
  const dir = mkdtempSync(join(tmpdir(), 'triage-scorer-'));
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, what === 'index'
      ? `export * from ${JSON.stringify(join(SRC, 'index.ts'))};\nexport { extract } from ${JSON.stringify(join(SRC, 'features.ts'))};\n`
      : `export * from ${JSON.stringify(join(SRC, 'features.ts'))};\nexport * from ${JSON.stringify(join(SRC, 'model.ts'))};\n`);
    const out = join(dir, 'scorer.mjs');
    await build({
      entryPoints: [entry], outfile: out, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022',
      logLevel: 'error', absWorkingDir: ROOT,
    });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
