/**
 * Budget-ledger throughput worker (bench only): drives the request path's own ledger calls — openBudget →
 * reserve → settle, with the lease, batching and TenantLedger Durable Object of src/ledger — as fast as one
 * isolate can, then waits until every op has reached the DO and checks the DO charged each one exactly once.
 *
 *   POST /setup {run, tenants}                    configures the tenants' ledgers (not timed)
 *   POST /run   {run, tenants, ops, concurrency}  → { ops, charged, syncs, refills, local } (timed by the caller)
 */
import { openBudget, configureLedger, ledgerClient, ledgerStub, type Charge } from '../../src/ledger'
import { resolvePolicy, type Tenant } from '../../src/tenants'
import type { Env } from '../../src/env'

export { TenantLedger } from '../../src/ledger'

const usage = { input: 120, cachedInput: 0, cacheWrite: 0, output: 40, reasoning: 0 }
const charge: Charge = { model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage }

function tenantsOf(run: string, n: number): Tenant[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `bench-${run}-${i}`, name: `bench ${i}`, budget: { daily_usd: '100000', monthly_usd: '1000000' },
    policy: resolvePolicy(undefined), disabled: false, updated_at: '2026-01-01T00:00:00.000Z',
  }))
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url)
    const p = (await request.json()) as { run: string; tenants: number; ops?: number; concurrency?: number }
    const tenants = tenantsOf(p.run, p.tenants)
    if (url.pathname === '/setup') {
      await Promise.all(tenants.map((t) => configureLedger(env, t)))
      return Response.json({ ok: true })
    }
    const ops = p.ops ?? 1000
    const waits: Promise<unknown>[] = []
    const ctx = { waitUntil: (x: Promise<unknown>) => void waits.push(x) } as ExecutionContext
    let next = 0
    await Promise.all(Array.from({ length: p.concurrency ?? 16 }, async () => {
      while (next < ops) {
        const i = next++
        const tenant = tenants[i % tenants.length]
        const budget = await openBudget(env, ctx, tenant, {})
        const r = await budget.reserve(`req-${i}`, 50_000_000, { model: charge.model, tier: 'premium' })
        await Promise.resolve() // the provider call would be here
        budget.settle(r, [charge], { status: 200, tier: 'premium', model: charge.model, provider: 'openai' })
      }
    }))
    await Promise.all(waits)
    const clients = tenants.map((t) => ledgerClient(env, t))
    await Promise.all(clients.map((c) => c.flush()))
    const snaps = await Promise.all(tenants.map((t) => ledgerStub(env, t.id).snapshot()))
    const stats = { syncs: 0, refills: 0, local: 0 }
    for (const c of clients) for (const k of Object.keys(stats) as Array<keyof typeof stats>) stats[k] += c.stats[k]
    return Response.json({ ops, charged: snaps.reduce((s, x) => s + x.charges, 0), ...stats })
  },
}
