// Triage's Worker on Miniflare, as `npm run dev` (`wrangler dev`) runs it but without wrangler's Node proxy in front.
// Its bindings are read from wrangler.toml by wrangler itself (`unstable_getMiniflareWorkerOptions`, the path
// vitest-pool-workers takes): the KV namespace and the TenantLedger Durable Objects. Used by the node tests and the
// benchmarks.
//
//   const script = await bundleWorker(TRIAGE.entry, path.join(outDir, 'index.js'))   // or a wrangler-built bundle
//   const mf = new Miniflare({ host: '127.0.0.1', port: 0, ...(await triageWorker(script, vars)) })
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The Worker's wrangler config and entry point. */
export const TRIAGE = { name: 'triage', config: 'wrangler.toml', entry: 'src/index.ts' }

/** Bundles one Worker entry (a path from the project root) with esbuild the way wrangler does: ES modules, workerd conditions. */
export async function bundleWorker(entry, outfile) {
  const { build } = await import('esbuild')
  await build({
    entryPoints: [path.join(ROOT, entry)], outfile, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022',
    external: ['cloudflare:*', 'node:*'], conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'],
    tsconfig: path.join(ROOT, 'tsconfig.json'), logLevel: 'error',
  })
  return outfile
}

/**
 * Miniflare worker options for Triage: `script` is the built entry file; `vars` are its variables, all of them. The
 * config's [vars] and, beside it, a developer's `.dev.vars` (which wrangler merges into `bindings`) are left out on
 * purpose: the tests and the benchmark set every variable they rely on, and real keys must never reach them.
 * `[ai]` is left out: the AI binding always reaches Cloudflare; point Workers AI at an emulator with
 * WORKERS_AI_BASE_URL + CLOUDFLARE_ACCOUNT_ID + CLOUDFLARE_API_TOKEN instead.
 */
export async function triageWorker(script, vars = {}) {
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler')
  const prev = process.env.WRANGLER_LOG
  process.env.WRANGLER_LOG = 'error'
  try {
    const { workerOptions: o } = unstable_getMiniflareWorkerOptions(path.join(ROOT, TRIAGE.config), undefined, { remoteBindingsEnabled: false })
    return {
      name: TRIAGE.name, modules: true, scriptPath: script, modulesRoot: path.dirname(script),
      compatibilityDate: o.compatibilityDate, compatibilityFlags: o.compatibilityFlags,
      kvNamespaces: o.kvNamespaces, durableObjects: o.durableObjects,
      bindings: { ...vars },
    }
  } finally {
    if (prev === undefined) delete process.env.WRANGLER_LOG
    else process.env.WRANGLER_LOG = prev
  }
}
