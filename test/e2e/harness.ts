/**
 * End-to-end harness: Triage's Worker as it deploys (scripts/workers.mjs: on Miniflare, bindings read from
 * wrangler.toml by wrangler, real KV and Durable Objects, local mode) in front of the project's provider emulators
 * on loopback, plus a tenant to call it with.
 *
 * @example
 * const h = await startRouter()
 * const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.apiKey })
 * await h.stop()
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Miniflare } from 'miniflare'
import { startEmulatorServer } from '../fixtures/emulator-server.mjs'
import { offlineVars, DEV_ADMIN_TOKEN } from '../../scripts/offline-env.mjs'
import { TRIAGE, bundleWorker, triageWorker } from '../../scripts/workers.mjs'

let bundled: Promise<string> | undefined

export interface Router {
  /** e.g. http://127.0.0.1:41234 */
  url: string
  adminToken: string
  emulatorUrl: string
  emulator: Awaited<ReturnType<typeof startEmulatorServer>>
  /** Creates a tenant through the admin API and returns its id and key. */
  createTenant(body?: Record<string, unknown>): Promise<{ id: string; api_key: string }>
  admin(path: string, init?: RequestInit): Promise<Response>
  stop(): Promise<void>
}

export async function startRouter(vars: Record<string, string> = {}): Promise<Router> {
  process.env.WRANGLER_SEND_METRICS = 'false'
  const emulator = await startEmulatorServer(0)
  const all = { ...offlineVars(emulator.url), ...vars }
  bundled ??= bundleWorker(TRIAGE.entry, path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'triage-e2e-')), 'index.js'))
  const worker = new Miniflare({
    host: '127.0.0.1', port: 0, ...(await triageWorker(await bundled, all)),
    handleRuntimeStdio(stdout, stderr) { stdout.resume(); stderr.pipe(process.stderr) },
  })
  const url = (await worker.ready).origin
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${url}/admin${path}`, {
      ...init,
      headers: { authorization: `Bearer ${all.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    })
  return {
    url,
    adminToken: all.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN,
    emulatorUrl: emulator.url,
    emulator,
    admin,
    async createTenant(body = {}) {
      const res = await admin('/tenants', { method: 'POST', body: JSON.stringify({ name: 'e2e', budget: { daily_usd: 100, monthly_usd: 1000 }, ...body }) })
      if (res.status !== 201) throw new Error(`create tenant: ${res.status} ${await res.text()}`)
      return (await res.json()) as { id: string; api_key: string }
    },
    async stop() {
      await worker.dispose()
      await emulator.close()
    },
  }
}
