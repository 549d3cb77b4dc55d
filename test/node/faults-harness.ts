/**
 * Harness for the fault-injection and soak suites: the real Worker (bundled by esbuild the way wrangler does;
 * scripts/workers.mjs) on its own Miniflare — its own workerd process on loopback,
 * real KV and SQLite Durable Objects — in front of the provider emulator server. Unlike test/e2e/harness.ts, it
 * hands the test the KV namespace, so the per-request spend records can be read and summed, the workerd process
 * id, so its memory can be measured, and the router isolate's inspector, for its heap.
 *
 * @example
 * const t = await startTriage({ TRIAGE_FIRST_BYTE_TIMEOUT_MS: '600' })
 * const tenant = await t.createTenant()
 * const money = await t.spend(tenant.id)     // ledger vs KV totals vs Σ records, once flushed
 * await t.stop()
 */
import fs from 'node:fs'
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'
import WebSocket from 'ws'
import { Miniflare } from 'miniflare'
import { startEmulatorServer } from '../fixtures/emulator-server.mjs'
import { offlineVars, DEV_ADMIN_TOKEN } from '../../scripts/offline-env.mjs'
import { TRIAGE, bundleWorker, triageWorker } from '../../scripts/workers.mjs'


export interface SpendRecordLite { request_id: string; ledger_id: string; status: number | 'unsettled'; cost_nano: number; estimated: boolean; stream: boolean; attempts: number; model: string | null; calls: Array<{ model: string; cost_nano: number; estimated?: boolean }> }

export interface Spend {
  /** The ledger's own total for today (authoritative). */
  ledger: number
  /** KV's daily total (what the dashboard and /v1/usage read) and its request count. */
  kv: number
  kvRequests: number
  /** Every per-request record in KV. */
  records: SpendRecordLite[]
  recordsTotal: number
}

export interface Triage {
  url: string
  emulatorUrl: string
  adminToken: string
  createTenant(body?: Record<string, unknown>): Promise<{ id: string; api_key: string }>
  admin(path: string, init?: RequestInit): Promise<Response>
  /** Waits (bounded) until the ledger has flushed to KV, then reads all three views of the tenant's spend. */
  spend(tenantId: string, timeoutMs?: number): Promise<Spend>
  /** Resident memory of the Worker's workerd process, in kB (from /proc). */
  rssKb(): number
  /** The Worker isolate's live JS heap after a full GC, in bytes (through the V8 inspector). */
  heapBytes(): Promise<number>
  /** The Worker's log lines (stdout and stderr), for secret scans. */
  logs: string[]
  stop(): Promise<void>
}

let bundled: Promise<string> | undefined

function descendants(root: number): number[] {
  const kids = new Map<number, number[]>()
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1])
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(d)])
    } catch { /* gone */ }
  }
  const out: number[] = []
  const stack = [root]
  while (stack.length) for (const k of kids.get(stack.pop()!) ?? []) (out.push(k), stack.push(k))
  return out
}
const isWorkerd = (pid: number) => { try { return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'workerd' } catch { return false } }
const rssOf = (pid: number) => { try { return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) } catch { return 0 } }

export async function startTriage(vars: Record<string, string> = {}, opts: { trickleMs?: number; stallMs?: number } = {}): Promise<Triage> {
  const emulator = await startEmulatorServer(0, { trickleMs: opts.trickleMs ?? 20, stallMs: opts.stallMs ?? 30_000 })
  bundled ??= bundleWorker(TRIAGE.entry, path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'triage-faults-')), 'index.js'))
  const all: Record<string, string> = { ...offlineVars(emulator.url), ...vars }
  const before = new Set(descendants(process.pid).filter(isWorkerd))
  const logs: string[] = []
  const inspectorPort = await freePort()
  const mf = new Miniflare({
    host: '127.0.0.1', port: 0, inspectorPort, ...(await triageWorker(await bundled, all)),
    handleRuntimeStdio(stdout, stderr) {
      for (const s of [stdout, stderr]) {
        let tail = ''
        s.on('data', (d: Buffer) => {
          const parts = (tail + d.toString('utf8')).split('\n')
          tail = parts.pop() ?? ''
          for (const p of parts) if (p) logs.push(p)
        })
      }
    },
  })
  const url = await mf.ready.then((u) => u.origin, (err) => {
    throw new Error(`workerd did not start: ${err}\n${logs.slice(-20).join('\n')}`)
  })
  const pid = descendants(process.pid).filter(isWorkerd).find((p) => !before.has(p))
  const kv = await mf.getKVNamespace('TRIAGE_KV')
  const adminToken = all.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN
  const admin = (p: string, init: RequestInit = {}) =>
    fetch(`${url}/admin${p}`, { ...init, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) } })

  async function records(tenant: string): Promise<SpendRecordLite[]> {
    const out: SpendRecordLite[] = []
    let cursor: string | undefined
    do {
      const page = await kv.list({ prefix: `req:${tenant}:`, cursor })
      // Each `req:` value is a batch of the records one ledger flush wrote (src/ledger/kv.ts); no dedupe here, so a
      // record written twice would show as two.
      const values = await Promise.all(page.keys.map((k) => kv.get(k.name, 'json') as Promise<{ records: SpendRecordLite[] } | null>))
      for (const v of values) if (v) out.push(...v.records)
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
    return out
  }

  return {
    url,
    emulatorUrl: emulator.url,
    adminToken,
    admin,
    logs,
    async createTenant(body = {}) {
      const res = await admin('/tenants', { method: 'POST', body: JSON.stringify({ name: 'faults', budget: { daily_usd: 1000 }, ...body }) })
      if (res.status !== 201) throw new Error(`create tenant: ${res.status} ${await res.text()}`)
      return (await res.json()) as { id: string; api_key: string }
    },
    async spend(tenantId, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const u = (await (await admin(`/tenants/${tenantId}/usage?days=1&months=1`)).json()) as any
        const ledger = u.ledger.daily.spent_nano as number
        const kvDay = u.days[0]
        if ((u.ledger.kv_pending === 0 && u.ledger.reservations === 0 && kvDay.nano === ledger) || Date.now() > deadline) {
          const recs = await records(tenantId)
          return { ledger, kv: kvDay.nano, kvRequests: kvDay.requests, records: recs, recordsTotal: recs.reduce((s, r) => s + r.cost_nano, 0) }
        }
        await new Promise((r) => setTimeout(r, 250))
      }
    },
    rssKb: () => (pid ? rssOf(pid) : 0),
    heapBytes: () => isolateHeap(inspectorPort),
    async stop() {
      await mf.dispose()
      await emulator.close()
    },
  }
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })
}

/** Forces a full GC in the Worker's isolate and returns its used JS heap (Chrome DevTools Protocol over the inspector). */
async function isolateHeap(port: number): Promise<number> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{ title: string; webSocketDebuggerUrl: string }>
  const worker = targets.find((t) => t.title.endsWith('core:user:triage'))
  if (!worker) throw new Error(`no inspector target for the Worker among ${targets.map((t) => t.title).join(', ')}`)
  const ws = new WebSocket(worker.webSocketDebuggerUrl)
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
  let id = 0
  const send = (method: string) =>
    new Promise<any>((resolve) => {
      const mine = ++id
      const onMessage = (m: WebSocket.RawData) => {
        const d = JSON.parse(String(m))
        if (d.id === mine) (ws.off('message', onMessage), resolve(d.result))
      }
      ws.on('message', onMessage)
      ws.send(JSON.stringify({ id: mine, method }))
    })
  try {
    await send('HeapProfiler.collectGarbage')
    return (await send('Runtime.getHeapUsage')).usedSize as number
  } finally {
    ws.close()
  }
}
