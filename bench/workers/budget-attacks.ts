/**
 * Budget-attack worker (bench only, `npm run bench:budget-attacks`): replays issue 14's attacks on the ledger inside
 * workerd, with several simulated isolates (one LedgerClient each, as in test/ledger) against the real TenantLedger
 * Durable Object, and reports what was served.
 *
 *   POST /cut        {isolates, concurrency, beforeMs, afterMs}  the budget cut below spend (item 3)
 *   POST /sequential {isolates, budgetUsd, reserve}              a sequential client across isolates (item 8)
 *   POST /hotpath    {ops, concurrency, gapMs}                    one isolate's reserve+settle: DO calls per request
 *
 * Only the API common to every version of src/ledger is used, so the same worker measures a before and an after.
 */
import { LedgerClient, budgetFor, ledgerStub, configureLedger, type Budget, type Charge } from '../../src/ledger'
import { resolvePolicy, type Tenant } from '../../src/tenants'
import type { Env } from '../../src/env'

export { TenantLedger } from '../../src/ledger'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const gpt = (output: number): Charge[] => [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: { input: 0, cachedInput: 0, cacheWrite: 0, output, reasoning: 0 } }]
let n = 0
const tenantOf = (budgetUsd: string): Tenant => ({
  id: `attack-${Date.now().toString(36)}-${n++}`, name: 'attack', budget: { daily_usd: budgetUsd }, policy: resolvePolicy(undefined), disabled: false,
  updated_at: '2026-01-01T00:00:00.000Z',
})

interface Iso { client: LedgerClient; budget: Budget; waits: Promise<unknown>[] }
function isolate(env: Env, t: Tenant): Iso {
  const client = new LedgerClient(env, t)
  const waits: Promise<unknown>[] = []
  return { client, waits, budget: budgetFor(client, { waitUntil: (p) => void waits.push(p) }, t, {}) }
}
const drain = async (i: Iso) => { while (i.waits.length) await Promise.allSettled(i.waits.splice(0)) }

async function tryReserve(b: Budget, id: string, nano: number) {
  try {
    return { ok: true as const, r: await b.reserve(id, nano, { model: 'gpt-4.1', tier: 'premium' }) }
  } catch (err) {
    const e = err as { status?: number; headers?: Record<string, string>; message?: string }
    if (e.status === undefined) throw err
    return { ok: false as const, status: e.status, retry: e.headers?.['x-should-retry'] ?? null, message: e.message ?? '' }
  }
}

/** Item 3: isolates serve a steady load; the operator cuts the budget below what was spent; who is still served, and when. */
async function cut(env: Env, p: { isolates?: number; concurrency?: number; beforeMs?: number; afterMs?: number }) {
  const t = tenantOf('10')
  await configureLedger(env, t)
  const isos = Array.from({ length: p.isolates ?? 4 }, () => isolate(env, t))
  const reserve = 1_000_000 // $0.001 worst case; actual $0.0008
  let cutAt = Infinity
  let stop = false
  const served: number[] = [] // ms after the cut of each reservation made after it
  let inFlightAtCut = 0
  let inFlight = 0
  let i = 0
  const worker = async (iso: Iso) => {
    while (!stop) {
      const started = Date.now()
      const o = await tryReserve(iso.budget, `c${i++}`, reserve)
      if (!o.ok) { await sleep(5); continue }
      if (started >= cutAt) served.push(started - cutAt)
      inFlight++
      await sleep(10) // the provider call
      inFlight--
      iso.budget.settle(o.r, gpt(100), { status: 200 })
    }
  }
  const loops = isos.flatMap((iso) => Array.from({ length: p.concurrency ?? 4 }, () => worker(iso)))
  await sleep(p.beforeMs ?? 1_000)
  const spentBefore = (await ledgerStub(env, t.id).snapshot()).daily.spent_nano
  const newLimit = Math.floor(spentBefore / 2)
  inFlightAtCut = inFlight
  const cutTenant = { ...t, budget: { daily_usd: (newLimit / 1e9).toFixed(9) }, updated_at: '2030-01-01T00:00:00.000Z' }
  await configureLedger(env, cutTenant)
  cutAt = Date.now()
  await sleep(p.afterMs ?? 3_000)
  stop = true
  await Promise.all(loops)
  for (const iso of isos) { await drain(iso); await iso.client.flush() }
  const snap = await ledgerStub(env, t.id).snapshot()
  return {
    isolates: isos.length, concurrencyPerIsolate: p.concurrency ?? 4, newLimitNano: newLimit, spentAtCutNano: spentBefore,
    inFlightAtCut, servedAfterCut: served.length, servedMoreThan1sAfterCut: served.filter((ms) => ms > 1_000).length,
    lastServedMsAfterCut: served.length ? Math.max(...served) : null,
    spentAfterCutNano: snap.daily.spent_nano - spentBefore, spentAfterCutOverReservation: (snap.daily.spent_nano - spentBefore) / reserve,
    finalSpendOfNewBudgetPct: Math.round((snap.daily.spent_nano / newLimit) * 1000) / 10,
  }
}

/** Item 8: one client, one request at a time, landing on a random isolate; how much of the budget it spends before its first refusal. */
async function sequential(env: Env, p: { isolates?: number; budgetUsd?: string; reserve?: number }) {
  const t = tenantOf(p.budgetUsd ?? '0.01')
  await configureLedger(env, t)
  const limit = Math.round(Number(p.budgetUsd ?? '0.01') * 1e9)
  const isos = Array.from({ length: p.isolates ?? 4 }, () => isolate(env, t))
  const reserve = p.reserve ?? 200_000
  let rand = 7
  const random = () => ((rand = (rand * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  let spent = 0
  let served = 0
  let slowest = 0
  const t0 = Date.now()
  let refusal: { status: number; retry: string | null; message: string } | null = null
  for (let k = 0; k < 10_000; k++) {
    const iso = isos[Math.floor(random() * isos.length)]
    const a = Date.now()
    const o = await tryReserve(iso.budget, `s${k}`, reserve)
    slowest = Math.max(slowest, Date.now() - a)
    if (!o.ok) { refusal = o; break }
    spent += iso.budget.settle(o.r, gpt(15 + Math.floor(random() * 11)), { status: 200 }).cost_nano
    served++
    await drain(iso)
  }
  return { isolates: isos.length, limitNano: limit, reserveNano: reserve, served, spentNano: spent, spentPctAtFirstRefusal: Math.round((spent / limit) * 1000) / 10,
    refusal, slowestReserveMs: slowest, seconds: (Date.now() - t0) / 1000 }
}

/** The hot path: one isolate's reserve+settle, `concurrency` at a time, `gapMs` apart; DO calls per request, and on the request's path. */
async function hotpath(env: Env, p: { ops?: number; concurrency?: number; gapMs?: number }) {
  const t = tenantOf('100000')
  await configureLedger(env, t)
  const iso = isolate(env, t)
  const ops = p.ops ?? 2_000
  let next = 0
  const t0 = Date.now()
  await Promise.all(Array.from({ length: p.concurrency ?? 1 }, async () => {
    while (next < ops) {
      const i = next++
      if (p.gapMs) await sleep(p.gapMs)
      const o = await tryReserve(iso.budget, `h${i}`, 50_000_000)
      if (!o.ok) throw new Error(`refused: ${o.message}`)
      await Promise.resolve() // the provider call
      iso.budget.settle(o.r, gpt(40), { status: 200 })
    }
  }))
  const ms = Date.now() - t0
  await drain(iso)
  await iso.client.flush()
  const s = iso.client.stats
  return { ops, concurrency: p.concurrency ?? 1, gapMs: p.gapMs ?? 0, seconds: ms / 1000, opsPerSec: Math.round(ops / (ms / 1000)), doSyncs: s.syncs, doSyncsPerOp: Math.round((s.syncs / ops) * 1000) / 1000,
    waitedForDO: s.refills, waitedForDOPerOp: Math.round((s.refills / ops) * 1000) / 1000, servedFromLease: s.local }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname
    const p = (await request.json()) as Record<string, never>
    try {
      if (path === '/cut') return Response.json(await cut(env, p))
      if (path === '/sequential') return Response.json(await sequential(env, p))
      if (path === '/hotpath') return Response.json(await hotpath(env, p))
      return new Response('not found', { status: 404 })
    } catch (err) {
      return Response.json({ error: String((err as Error)?.stack ?? err) }, { status: 500 })
    }
  },
}
