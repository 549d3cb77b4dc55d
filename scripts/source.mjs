// Builds some of the Worker's own TypeScript modules into one temporary ES module and imports it, so that a Node
// script runs the very code the Worker runs (no second copy).
//
//   const { simulate, loadConfig } = await importSource(['src/simulate/index.ts', 'src/config/index.ts'])
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Modules that define Durable Objects import `cloudflare:workers`, which only workerd has. A Node script never
 * constructs them, so their base classes are empty stand-ins here.
 */
const workersRuntimeStub = {
  name: 'cloudflare-workers-stub',
  setup(b) {
    b.onResolve({ filter: /^cloudflare:workers$/ }, () => ({ path: 'cloudflare:workers', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env } }\nexport class WorkerEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env } }\n',
      loader: 'js',
    }));
  },
};

/**
 * Bundles an entry module's code (imports by absolute path) with esbuild and imports the result.
 * @param {string} code e.g. `export * from "/abs/src/scoring/index.ts";`
 */
export async function importEntry(code) {
  const dir = mkdtempSync(join(tmpdir(), 'triage-src-'));
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, code);
    const out = join(dir, 'bundle.mjs');
    await build({
      entryPoints: [entry], outfile: out, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022',
      logLevel: 'error', absWorkingDir: ROOT, jsx: 'automatic', jsxImportSource: 'hono/jsx',
      plugins: [workersRuntimeStub],
    });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** @param {string[]} paths files under the repository root whose exports are re-exported together */
export const importSource = (paths) => importEntry(paths.map((p) => `export * from ${JSON.stringify(join(ROOT, p))};`).join('\n'));
