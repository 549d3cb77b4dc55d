/**
 * Crashes, expiry and faults at the ledger API: nothing is lost, nothing is counted twice.
 */
import { describe, expect, it } from 'vitest'
import { runInDurableObject, runDurableObjectAlarm } from 'cloudflare:test'
import { env, tenant, isolate, usage, stub } from './helpers'
import { cost } from '../../src/money'
import { budgetOf, listRequestRecords, readSpend, type TenantLedger } from '../../src/ledger'
import type { SpendRecord } from '../../src/ledger'
import { encodeOps } from '../../src/ledger/protocol'

/** Moves every lease and reservation of a tenant's DO into the past, as if the clock had run on. */
async function ageEverything(t: ReturnType<typeof tenant>) {
  await runInDurableObject(stub(t), (_obj: unknown, state: DurableObjectState) => {
    state.storage.sql.exec('UPDATE leases SET expires_at = 0')
    state.storage.sql.exec('UPDATE reservations SET expires_at = 0')
  })
}

const lateRecord = (t: ReturnType<typeof tenant>, id: string, nano: number): SpendRecord => ({
  v: 1, request_id: 'late', ledger_id: id, tenant: t.id, at: new Date().toISOString(), settled_at: '', status: 200, tier: 'premium', model: 'gpt-4.1',
  provider: 'openai', score: null, tokens: { input: 10, cached_input: 0, cache_write: 0, output: 10, reasoning: 0 }, estimated: false, cost_nano: nano,
  cost_usd: '', reserved_nano: 7_000_000, latency_ms: null, attempts: 1, cascade: null, downgraded: null, stream: false,
  calls: [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', tokens: { input: 10, cached_input: 0, cache_write: 0, output: 10, reasoning: 0 }, cost_nano: nano }],
  price_version: 'x',
})

const gpt = (input: number, output: number, extra = {}) => [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(input, output, extra) }]

describe('alarm', () => {
  it('charges a reservation that was never settled (isolate crashed) at its reserved amount', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    await a.budget.reserve('crash-1', 7_000_000, { model: 'gpt-4.1', tier: 'premium' })
    await a.ctx.drain() // the hold reached the DO; then the isolate dies without settling
    let snap = await stub(t).snapshot()
    expect(snap.reservations).toHaveLength(1)
    await ageEverything(t)
    expect(await runDurableObjectAlarm(stub(t))).toBe(true)
    snap = await stub(t).snapshot()
    expect(snap.reservations).toHaveLength(0)
    expect(snap.leases).toHaveLength(0) // the unused lease went back
    expect(snap.charged_nano).toBe(7_000_000)
    expect(snap.available_nano).toBe(1_000_000_000 - 7_000_000)
    await runDurableObjectAlarm(stub(t)) // flush
    const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
    expect(records).toHaveLength(1)
    // Unsettled: its own cost is its premium equivalent (no savings claimed).
    expect(records[0]).toMatchObject({ request_id: 'crash-1', status: 'unsettled', cost_nano: 7_000_000, premium_nano: 7_000_000, model: 'gpt-4.1', tier: 'premium' })
    expect(await readSpend(env.TRIAGE_KV, t.id, snap.daily.period)).toMatchObject({ nano: 7_000_000, premium_nano: 7_000_000 })
  })

  it('a settle that arrives after the alarm charged the reservation replaces that charge exactly, once (issue 14 item 4)', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    const r = await a.budget.reserve('late', 7_000_000, { model: 'claude-sonnet-4-6', tier: 'premium' })
    await a.ctx.drain()
    await ageEverything(t)
    await runDurableObjectAlarm(stub(t))
    expect((await stub(t).snapshot()).charged_nano).toBe(7_000_000) // charged in full as unsettled
    await runDurableObjectAlarm(stub(t)) // …and that unsettled record reaches KV
    a.budget.settle(r, gpt(10, 10), { status: 200 })
    await a.ctx.drain()
    const real = cost(usage(10, 10), 'gpt-4.1')
    let snap = await stub(t).snapshot()
    expect(snap.charged_nano).toBe(real) // not 7,000,000, and not 7,000,000 + real
    expect(snap.charges).toBe(1)
    // Replayed: nothing changes.
    await stub(t).sync({ tenant: t.id, budget: budgetOf(t), isolate: 'replay', ops: encodeOps([{ op: 'settle', id: r.id, nano: real, lease: null, record: lateRecord(t, r.id, real) }]) })
    snap = await stub(t).snapshot()
    expect(snap.charged_nano).toBe(real)
    await stub(t).flush()
    // Ledger = KV totals = per-request records, to the nano-dollar; the record names the model that answered.
    const day = await readSpend(env.TRIAGE_KV, t.id, snap.daily.period)
    expect(day).toMatchObject({ nano: real, requests: 1 })
    expect(Object.keys(day.by_model)).toEqual(['gpt-4.1'])
    const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ ledger_id: r.id, status: 200, model: 'gpt-4.1', cost_nano: real })
  })

  it('returns an unused lease on expiry; holds on it stay held until settled', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    const r = await a.budget.reserve('long-stream', 5_000_000)
    await a.ctx.drain()
    let snap = await stub(t).snapshot()
    const leased = snap.held_nano
    expect(leased).toBeGreaterThanOrEqual(5_000_000)
    await runInDurableObject(stub(t), (_o: unknown, s: DurableObjectState) => void s.storage.sql.exec('UPDATE leases SET expires_at = 0'))
    await runDurableObjectAlarm(stub(t))
    snap = await stub(t).snapshot()
    expect(snap.leases).toHaveLength(0)
    expect(snap.held_nano).toBe(5_000_000) // only the in-flight reservation is still held
    a.budget.settle(r, gpt(100, 100), { status: 200 })
    await a.ctx.drain()
    snap = await stub(t).snapshot()
    expect(snap.held_nano).toBe(0)
    expect(snap.charged_nano).toBe(cost(usage(100, 100), 'gpt-4.1'))
  })

  it('flushes KV on a short alarm after settles', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    a.budget.settle(await a.budget.reserve('k', 1_000_000), gpt(10, 10), { status: 200 })
    await a.ctx.drain()
    const period = (await stub(t).snapshot()).daily.period
    expect((await readSpend(env.TRIAGE_KV, t.id, period)).nano).toBe(0) // not yet flushed
    expect(await runDurableObjectAlarm(stub(t))).toBe(true)
    expect((await readSpend(env.TRIAGE_KV, t.id, period)).nano).toBe(cost(usage(10, 10), 'gpt-4.1'))
    expect((await stub(t).snapshot()).kv_pending).toBe(0)
  })
})

describe('faults', () => {
  it('upstream 500 before any token: no charge (release), or a $0 record (settle with no calls)', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    const r1 = await a.budget.reserve('u500-a', 3_000_000)
    a.budget.release(r1)
    const r2 = await a.budget.reserve('u500-b', 3_000_000)
    const s = a.budget.settle(r2, [], { status: 502, attempts: 3 })
    expect(s.cost_nano).toBe(0)
    a.budget.settle(r1, gpt(1, 1), { status: 200 }) // too late: released
    await a.ctx.drain()
    await stub(t).flush()
    const snap = await stub(t).snapshot()
    expect(snap.charged_nano).toBe(0)
    expect(snap.reservations).toHaveLength(0)
    const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
    expect(records.map((r) => [r.request_id, r.status, r.cost_nano, r.attempts])).toEqual([['u500-b', 502, 0, 3]])
  })

  it('upstream fails after a partial stream: charged for what was produced, with fallback charged too', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    const r = await a.budget.reserve('partial', 50_000_000)
    const calls = [
      { model: 'deepseek-reasoner', tier: 'medium', provider: 'deepseek', usage: usage(500, 120, { estimated: true }) },
      { model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(500, 300) },
    ]
    const s = a.budget.settle(r, calls, { status: 200, attempts: 2 })
    const expected = cost(calls[0].usage, 'deepseek-reasoner') + cost(calls[1].usage, 'gpt-4.1')
    expect(s.cost_nano).toBe(expected)
    await a.ctx.drain()
    await stub(t).flush()
    const day = await readSpend(env.TRIAGE_KV, t.id, (await stub(t).snapshot()).daily.period)
    expect(day.nano).toBe(expected)
    expect(day.by_model['deepseek-reasoner'].nano + day.by_model['gpt-4.1'].nano).toBe(expected)
    expect(day.by_tier.medium.requests).toBe(1)
  })

  it('a stream cut mid-way is charged for the tokens produced, never $0', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    const r = await a.budget.reserve('cut', 50_000_000)
    // The adapter's usage promise resolves with an estimate when the provider never sent its usage chunk.
    const s = a.budget.settle(r, gpt(800, 57, { estimated: true }), { status: 502, stream: true })
    expect(s.cost_nano).toBe(cost(usage(800, 57), 'gpt-4.1'))
    expect(s.cost_nano).toBeGreaterThan(0)
    await a.ctx.drain()
    await stub(t).flush()
    const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
    expect(records[0]).toMatchObject({ status: 502, estimated: true, stream: true, cost_nano: s.cost_nano })
  })

  it('a client that disconnects: the settle still runs (waitUntil), once, even if the handler settles twice', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    const r = await a.budget.reserve('gone', 50_000_000)
    const first = a.budget.settle(r, gpt(300, 40, { estimated: true }), { status: 499, stream: true })
    a.budget.settle(r, gpt(300, 4000), { status: 200 }) // a duplicate end-of-stream callback
    a.budget.release(r)
    await a.ctx.drain()
    const snap = await stub(t).snapshot()
    expect(snap.charged_nano).toBe(first.cost_nano)
    expect(snap.charges).toBe(1)
  })

  it('a settle batch retried after a network blip is applied once (idempotent by ledger id)', async () => {
    const t = tenant({ daily_usd: '1' })
    const s = stub(t)
    const record = (id: string): SpendRecord => ({
      v: 1, request_id: id, ledger_id: id, tenant: t.id, at: new Date().toISOString(), settled_at: '', status: 200, tier: 'trivial',
      model: 'm', provider: 'p', score: null, tokens: { input: 1, cached_input: 0, cache_write: 0, output: 1, reasoning: 0 }, estimated: false,
      cost_nano: 123, cost_usd: '', reserved_nano: 500, latency_ms: 1, attempts: 1, cascade: null, downgraded: null, stream: false,
      calls: [{ model: 'm', tier: 'trivial', provider: 'p', tokens: { input: 1, cached_input: 0, cache_write: 0, output: 1, reasoning: 0 }, cost_nano: 123 }],
      price_version: 'x',
    })
    const batch = {
      tenant: t.id, budget: budgetOf(t), isolate: 'i1',
      ops: [
        { op: 'hold' as const, id: 'b1', nano: 500, lease: null, at: Date.now(), ttl_ms: 60_000 },
        { op: 'settle' as const, id: 'b1', nano: 123, lease: null, record: record('b1') },
        { op: 'hold' as const, id: 'b2', nano: 500, lease: null, at: Date.now(), ttl_ms: 60_000 },
        { op: 'settle' as const, id: 'b2', nano: 123, lease: null, record: record('b2') },
      ],
    }
    await s.sync({ ...batch, ops: encodeOps(batch.ops) })
    await s.sync({ ...batch, ops: encodeOps(batch.ops) }) // the response was lost; the isolate sends the same batch again
    await s.sync({ ...batch, ops: encodeOps([...batch.ops].reverse()) }) // and a reordered copy
    const snap = await s.snapshot()
    expect(snap.charged_nano).toBe(246)
    expect(snap.charges).toBe(2)
    expect(snap.reservations).toHaveLength(0)
    expect(snap.totals.find((x) => x.period === snap.daily.period)!.requests).toBe(2)
  })

  it('KV write failures are retried by the DO until KV agrees with the ledger', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    a.budget.settle(await a.budget.reserve('kvfail', 1_000_000), gpt(10, 10), { status: 200 })
    await a.ctx.drain()
    let failures = 0
    await runInDurableObject(stub(t), async (instance: unknown) => {
      const obj = instance as TenantLedger
      const kv = (obj as unknown as { env: { TRIAGE_KV: KVNamespace } }).env.TRIAGE_KV
      const put = kv.put.bind(kv)
      ;(kv as { put: unknown }).put = async () => {
        failures++
        throw new Error('KV 503')
      }
      await expect(obj.flush()).rejects.toThrow('KV 503')
      ;(kv as { put: unknown }).put = put
      expect((obj.snapshot()).kv_pending).toBe(1)
      await obj.flush()
      expect((obj.snapshot()).kv_pending).toBe(0)
    })
    expect(failures).toBeGreaterThan(0)
    const snap = await stub(t).snapshot()
    expect((await readSpend(env.TRIAGE_KV, t.id, snap.daily.period)).nano).toBe(snap.charged_nano)
  })
})

describe('ledger unreachable', () => {
  it('refuses the request with 503 ledger_unavailable instead of running it unmetered', async () => {
    const { openBudget } = await import('../../src/ledger')
    const { fakeCtx } = await import('./helpers')
    const broken = { idFromName: (n: string) => n, get: () => ({ sync: async () => { throw new Error('DO overloaded') } }) }
    const err = await openBudget({ ...env, TENANT_LEDGER: broken } as never, fakeCtx() as unknown as ExecutionContext, tenant({ daily_usd: '1' }), {}).catch((e) => e)
    expect(err.status).toBe(503)
    expect(err.code).toBe('ledger_unavailable')
  })
})
