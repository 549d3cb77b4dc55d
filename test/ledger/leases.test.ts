/** Lease semantics: sizing, caps, sharing one DO call, exact last cents, windows. */
import { describe, expect, it } from 'vitest'
import { runInDurableObject } from 'cloudflare:test'
import { tenant, isolate, usage, stub } from './helpers'
import { LEASE_FRACTION, LEASE_MIN_REQUESTS } from '../../src/ledger/object'
import type { TenantLedger } from '../../src/ledger'
import { withoutSettledHolds } from '../../src/ledger/client'

describe('leases', () => {
  it('a lease is capped at a fraction of what remains, and at least covers a few requests when it can', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    await a.budget.reserve('a', 10_000_000)
    const snap = await stub(t).snapshot()
    expect(snap.leases).toHaveLength(1)
    expect(snap.leases[0].nano).toBe(Math.min(10_000_000 * LEASE_MIN_REQUESTS, 1_000_000_000 * LEASE_FRACTION))
  })

  it('sizes a lease from the recent spend rate', async () => {
    const t = tenant({ daily_usd: '100' })
    const a = isolate(t)
    await a.client.ready()
    for (let i = 0; i < 5; i++) a.budget.settle(await a.budget.reserve(`s${i}`, 200_000_000), [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(0, 25_000) }], { status: 200 })
    await a.ctx.drain()
    // $1.00 spent in the last minute → a fresh isolate's first lease covers ~30 s at that rate ($0.50), not 4 × a tiny request.
    const b = isolate(t)
    await b.client.ready()
    const leases = (await stub(t).snapshot()).leases.filter((l) => l.isolate === b.client.isolate)
    expect(leases).toHaveLength(1)
    expect(leases[0].nano).toBe(500_000_000)
  })

  it('requests that run short together each ask for themselves, into one lease per isolate; the rest never wait', async () => {
    const t = tenant({ daily_usd: '10' })
    const a = isolate(t)
    await a.client.ready()
    const before = a.client.stats.refills
    const rs = await Promise.all(Array.from({ length: 30 }, (_, i) => a.budget.reserve(`p${i}`, 1_000_000)))
    expect(rs).toHaveLength(30)
    // No promise is shared between requests: each short request makes its own call (never more than one each)...
    expect(a.client.stats.refills - before).toBeLessThanOrEqual(30)
    // ...and the DO adds every grant to the isolate's one lease.
    expect(new Set(rs.map((r) => r.lease)).size).toBe(1)
    expect((await stub(t).snapshot()).leases).toHaveLength(1)
    // A lone short request takes a lease worth LEASE_MIN_REQUESTS reservations; the next ones are served from it, no I/O.
    const lone = await a.budget.reserve('lone', 1_000_000)
    const more = a.client.stats.syncs
    for (let i = 0; i < LEASE_MIN_REQUESTS - 1; i++) {
      const local = await a.budget.reserve(`fast${i}`, 1_000_000)
      expect(local.lease).toBe(lone.lease)
    }
    expect(a.client.stats.syncs).toBe(more)
  })

  it('leases together never exceed the remaining budget, and the last cents are spent exactly', async () => {
    const t = tenant({ daily_usd: '0.000100' }) // 100,000 nano
    const isos = Array.from({ length: 5 }, () => isolate(t))
    for (const i of isos) await i.client.ready()
    const got: number[] = []
    // Requests of 7,000 nano: 14 fit (98,000); 2,000 nano can never be reserved by anyone.
    await Promise.all(Array.from({ length: 40 }, async (_, k) => {
      try {
        await isos[k % 5].budget.reserve(`l${k}`, 7_000)
        got.push(k)
      } catch {}
    }))
    const snap = await stub(t).snapshot()
    expect(snap.held_nano).toBeLessThanOrEqual(100_000)
    expect(got.length).toBe(14)
    // A request for exactly what is left still fits: near exhaustion a lease is one request's reservation.
    const leftover = 100_000 - 14 * 7_000
    const r = await isos[0].budget.reserve('exact', leftover)
    expect(r.nano).toBe(2_000)
    await expect(isos[1].budget.reserve('one-more', 1)).rejects.toMatchObject({ status: 429, code: 'insufficient_quota' })
  })

  it('a request must fit both the daily and the monthly window', async () => {
    const t = tenant({ daily_usd: '10', monthly_usd: '0.01' })
    const a = isolate(t)
    await a.client.ready()
    const err = await a.budget.reserve('m', 20_000_000).catch((e) => e)
    expect(err.status).toBe(429)
    expect(err.message).toMatch(/monthly budget of \$0\.01/)
    expect(a.budget.headroom().window).toBe('monthly')
    expect(a.budget.headroom().daily!.remaining_nano).toBe(10_000_000_000)
  })

  it('charges in earlier days count for the month but not for today', async () => {
    const t = tenant({ daily_usd: '1', monthly_usd: '5' })
    const a = isolate(t)
    await a.client.ready()
    const snap0 = await stub(t).snapshot()
    const day = snap0.daily.period
    if (day.endsWith('-01')) return // no earlier day in this month to test with
    const yesterday = new Date(Date.parse(day) - 86_400_000).toISOString().slice(0, 10)
    await runInDurableObject(stub(t), (_o: unknown, s: DurableObjectState) => {
      s.storage.sql.exec('INSERT INTO totals (period, nano, requests, version, flushed, updated_at) VALUES (?, 900000000, 1, 1, 1, 0)', yesterday)
      s.storage.sql.exec('UPDATE totals SET nano = nano + 900000000 WHERE period = ?', snap0.monthly.period)
      s.storage.sql.exec('INSERT OR IGNORE INTO totals (period, nano, requests, version, flushed, updated_at) VALUES (?, 900000000, 1, 1, 1, 0)', snap0.monthly.period)
    })
    const snap = await stub(t).snapshot()
    expect(snap.daily.spent_nano).toBe(0)
    expect(snap.monthly.spent_nano).toBe(900_000_000)
    expect(snap.daily.resets_at).toMatch(/T00:00:00\.000Z$/)
    expect(snap.monthly.resets_at).toMatch(/-01T00:00:00\.000Z$/)
  })

  it('a budget change by the operator takes effect on the next lease', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    await stub(t).configure(t.id, { daily_nano: 1_000, monthly_nano: null, disabled: false, updated_at: '2030-01-01T00:00:00.000Z' })
    await expect(a.budget.reserve('after-cut', 500_000_000)).rejects.toMatchObject({ status: 429 })
    // An older budget (a stale isolate's cached tenant) does not undo it.
    await stub(t).configure(t.id, { daily_nano: 1_000_000_000, monthly_nano: null, disabled: false, updated_at: '2026-01-01T00:00:00.000Z' })
    expect((await stub(t).snapshot()).daily.limit_nano).toBe(1_000)
    await stub(t).configure(t.id, { daily_nano: 1_000, monthly_nano: null, disabled: true, updated_at: '2030-01-02T00:00:00.000Z' })
    const b = isolate(t)
    await b.client.ready()
    await expect(b.budget.reserve('disabled', 1)).rejects.toMatchObject({ status: 403, code: 'tenant_disabled' })
  })
})

describe('holds', () => {
  it('a hold whose settle or release is queued in the same batch is not sent; one still open is', async () => {
    expect(withoutSettledHolds([
      { op: 'hold', id: 'a', nano: 5, lease: 'l', at: 0, ttl_ms: 1 },
      { op: 'hold', id: 'b', nano: 5, lease: 'l', at: 0, ttl_ms: 1 },
      { op: 'hold', id: 'c', nano: 5, lease: 'l', at: 0, ttl_ms: 1 },
      { op: 'release', id: 'b', lease: 'l' },
      { op: 'settle', id: 'a', nano: 3, lease: 'l', record: {} as never },
    ]).map((o) => `${o.op}:${o.id}`)).toEqual(['hold:c', 'release:b', 'settle:a'])

    const t = tenant({ daily_usd: '1' })
    const { client, ctx, budget } = isolate(t)
    await client.ready()
    // Settled before the flush: the DO never holds it, and charges it exactly.
    const quick = await budget.reserve('quick', 1_000_000)
    budget.settle(quick, [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(100, 50) }], { status: 200 })
    await ctx.drain()
    expect((await stub(t).snapshot()).reservations).toEqual([])
    // Still running at the flush: its hold reaches the DO, so a crash would still be charged.
    const slow = await budget.reserve('slow', 2_000_000)
    await ctx.drain()
    const held = await stub(t).snapshot()
    expect(held.reservations.map((r) => [r.request_id, r.nano])).toEqual([[slow.id, 2_000_000]])
    budget.settle(slow, [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(100, 50) }], { status: 200 })
    await ctx.drain()
    const after = await stub(t).snapshot()
    expect(after.reservations).toEqual([])
    expect(after.charged_nano).toBe(2 * 600_000)
  })
})
