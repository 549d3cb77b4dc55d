// Triage's two Workers on one Miniflare, as `npm run dev` (`wrangler dev -c wrangler.toml -c wrangler.admin.toml`)
// runs them but without wrangler's Node proxy in front: the router ("triage", first, so it gets the HTTP port) and
// the admin Worker ("triage-admin", reached over the router's ADMIN service binding). Each Worker's bindings are
// read from its wrangler config by wrangler itself (`unstable_getMiniflareWorkerOptions`, the path
// vitest-pool-workers takes): the shared KV namespace, the TenantLedger Durable Objects (the admin Worker binds
// them by script_name), the service binding. Used by the node tests and `npm run bench`.
//
//   const scripts = await bundleWorkers(outDir)                       // or wrangler-built bundles
//   const mf = new Miniflare({ host: '127.0.0.1', port: 0, workers: await triageWorkers(scripts, vars) })
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Each Worker's wrangler config and entry point. */
export const WORKERS = {
  router: { config: 'wrangler.toml', entry: 'src/index.ts' },
  admin: { config: 'wrangler.admin.toml', entry: 'src/admin/index.ts' },
}

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

/** Bundles both Workers' entries (bundleWorker); returns their paths. */
export async function bundleWorkers(outDir) {
  const out = {}
  for (const [key, w] of Object.entries(WORKERS)) out[key] = await bundleWorker(w.entry, path.join(outDir, key, 'index.js'))
  return out
}

/** The Worker's name in its wrangler config (the name service bindings and script_name refer to). */
function nameIn(config) {
  const m = /^name\s*=\s*"([^"]+)"/m.exec(fs.readFileSync(path.join(ROOT, config), 'utf8'))
  if (!m) throw new Error(`${config}: no name`)
  return m[1]
}

/**
 * Miniflare `workers` options for both Workers. `scripts` are the built entry files ({ router, admin });
 * `vars` are the router's variables on top of its config's [vars] (the admin Worker gets them from the router).
 * `[ai]` is left out: the AI binding always reaches Cloudflare; point Workers AI at an emulator with
 * WORKERS_AI_BASE_URL + CLOUDFLARE_ACCOUNT_ID + CLOUDFLARE_API_TOKEN instead.
 */
export async function triageWorkers(scripts, vars = {}) {
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler')
  const prev = process.env.WRANGLER_LOG
  process.env.WRANGLER_LOG = 'error'
  try {
    return Object.entries(WORKERS).map(([key, w]) => {
      const { workerOptions: o } = unstable_getMiniflareWorkerOptions(path.join(ROOT, w.config), undefined, { remoteBindingsEnabled: false })
      return {
        name: nameIn(w.config), modules: true, scriptPath: scripts[key], modulesRoot: path.dirname(scripts[key]),
        compatibilityDate: o.compatibilityDate, compatibilityFlags: o.compatibilityFlags,
        kvNamespaces: o.kvNamespaces, durableObjects: o.durableObjects, serviceBindings: o.serviceBindings,
        bindings: key === 'router' ? { ...(o.bindings ?? {}), ...vars } : (o.bindings ?? {}),
      }
    })
  } finally {
    if (prev === undefined) delete process.env.WRANGLER_LOG
    else process.env.WRANGLER_LOG = prev
  }
}
