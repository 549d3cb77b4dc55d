/**
 * The DO answers `sync` from in-memory mirrors of its SQL tables (leases, orphan holds, spend per period, the next
 * expiry, KV dirtiness). These tests check that every write keeps them equal to SQL, which `snapshot()` reads.
 */
import { describe, expect, it } from 'vitest'
import { runInDurableObject, runDurableObjectAlarm } from 'cloudflare:test'
import { tenant, stub } from './helpers'
import { budgetOf, type SpendRecord, type TenantLedger } from '../../src/ledger'
import { encodeOps, type LedgerOp, type SyncResult } from '../../src/ledger/protocol'
import { RATE_WINDOW_MS } from '../../src/ledger/object'

const tokens = (input: number, output: number) => ({ input, cached_input: 0, cache_write: 0, output, reasoning: 0 })
/** A settle record with these calls ([model, tier, cost]); a cascade may call one model twice. */
function record(t: { id: string }, id: string, calls: Array<[string, string, number]>): SpendRecord {
  return {
    v: 1, request_id: id, ledger_id: id, tenant: t.id, at: new Date().toISOString(), settled_at: '', status: 200, tier: calls.at(-1)![1],
    model: calls.at(-1)![0], provider: 'p', score: null, tokens: tokens(10 * calls.length, 5 * calls.length), estimated: false,
    cost_nano: 0, cost_usd: '', reserved_nano: 0, latency_ms: 1, attempts: calls.length, cascade: null, downgraded: null, stream: false,
    calls: calls.map(([model, tier, cost_nano]) => ({ model, tier, provider: 'p', tokens: tokens(10, 5), cost_nano })),
    price_version: 'x',
  }
}

/** What `sync` reports (from the mirrors) must equal what `snapshot` reads from SQL. */
function expectAgree(view: SyncResult, snap: Awaited<ReturnType<DurableObjectStub<TenantLedger>['snapshot']>>) {
  expect({ held: view.held_nano, available: view.available_nano, daily: view.daily.spent_nano, monthly: view.monthly.spent_nano }).toEqual({
    held: snap.held_nano, available: snap.available_nano, daily: snap.daily.spent_nano, monthly: snap.monthly.spent_nano,
  })
  const sqlHeld = snap.leases.reduce((a, l) => a + l.nano, 0) + snap.reservations.filter((r) => r.lease_id === null).reduce((a, r) => a + r.nano, 0)
  expect(view.held_nano).toBe(sqlHeld)
  const day = snap.totals.find((x) => x.period === snap.daily.period)
  expect(view.daily.spent_nano).toBe(day?.nano ?? 0)
}

describe('in-memory mirrors', () => {
  it('agree with SQL through holds, settles, releases, replays, lease expiry and a restart', async () => {
    const t = tenant({ daily_usd: '1', monthly_usd: '5' })
    const s = stub(t)
    const base = { tenant: t.id, budget: budgetOf(t), isolate: 'i1' }
    const sync = (ops: LedgerOp[], acquire?: Parameters<typeof s.sync>[0]['acquire']) => s.sync({ ...base, ops: encodeOps(ops), ...(acquire ? { acquire } : {}) })
    const now = Date.now()
    const leased = await sync([], { lease: null, need: 1_000_000, want: 1_000_000 })
    const lease = leased.lease!.id
    expectAgree(leased, await s.snapshot())

    const ops = [
      { op: 'hold' as const, id: 'a', nano: 400_000, lease, at: now, ttl_ms: 600_000 },
      { op: 'hold' as const, id: 'orphan', nano: 300_000, lease: null, at: now, ttl_ms: 600_000 },
      { op: 'hold' as const, id: 'b', nano: 200_000, lease, at: now, ttl_ms: 600_000 },
      { op: 'settle' as const, id: 'a', nano: 350_000, lease, record: record(t, 'a', [['m1', 'trivial', 100_000], ['m1', 'trivial', 50_000], ['m2', 'premium', 200_000]]) },
      { op: 'release' as const, id: 'b', lease },
    ]
    let view = await sync(ops)
    expectAgree(view, await s.snapshot())
    expect(view.daily.spent_nano).toBe(350_000)
    // Replayed and reordered: nothing changes.
    view = await sync([...ops].reverse())
    expectAgree(view, await s.snapshot())
    expect(view.daily.spent_nano).toBe(350_000)
    const snap = await s.snapshot()
    const day = snap.totals.find((x) => x.period === snap.daily.period)!
    expect(day.requests).toBe(1)
    expect(day.by_model).toMatchObject({ m1: { nano: 150_000, requests: 2 }, m2: { nano: 200_000, requests: 1 } })
    expect(day.by_tier).toMatchObject({ trivial: { nano: 150_000, requests: 2 }, premium: { nano: 200_000, requests: 1 } })
    expect(snap.totals.find((x) => x.period === snap.monthly.period)).toMatchObject({ nano: 350_000, requests: 1, by_model: day.by_model })

    // Settling the orphan hold (no lease) and a settle with no hold at all.
    view = await sync([
      { op: 'settle', id: 'orphan', nano: 250_000, lease: null, record: record(t, 'orphan', [['m1', 'trivial', 250_000]]) },
      { op: 'settle', id: 'c', nano: 10_000, lease, record: record(t, 'c', [['m3', 'medium', 10_000]]) },
    ])
    expectAgree(view, await s.snapshot())
    expect(view.daily.spent_nano).toBe(610_000)

    // A new orphan hold, then the lease ends: its remaining holds become orphans.
    view = await sync([{ op: 'hold', id: 'd', nano: 100_000, lease, at: now, ttl_ms: 600_000 }])
    expectAgree(view, await s.snapshot())
    await runInDurableObject(s, (_o: unknown, st: DurableObjectState) => void st.storage.sql.exec('UPDATE leases SET expires_at = 0'))
    expect(await runDurableObjectAlarm(s)).toBe(true)
    view = await sync([])
    expect(view.held_nano).toBe(100_000)
    expectAgree(view, await s.snapshot())

    // The alarm flushed KV; a new settle leaves a record to write.
    await runInDurableObject(s, (instance: unknown) => expect((instance as { book: { dirty: boolean } }).book.dirty).toBe(false))
    await sync([{ op: 'settle', id: 'e', nano: 5_000, lease: null, record: record(t, 'e', [['m1', 'trivial', 5_000]]) }])

    // The spend rate (leases are sized by it) is the charges of the last minute, released ones excluded.
    const rate = (o: unknown, at: number) => (o as { recentSpend(now: number): number }).recentSpend(at)
    await runInDurableObject(s, (instance: unknown, st: DurableObjectState) => {
      const sql = st.storage.sql.exec<{ s: number }>(`SELECT SUM(nano) AS s FROM charges WHERE at > ? AND status != 'released'`, Date.now() - RATE_WINDOW_MS).one().s
      expect(rate(instance, Date.now())).toBe(sql)
      expect(rate(instance, Date.now())).toBe(350_000 + 250_000 + 10_000 + 5_000) // a, orphan, c, e (d is still held)
    })

    // A restart rebuilds the mirrors from SQL alone.
    const before = await sync([])
    await runInDurableObject(s, (instance: unknown) => {
      const o = instance as { leases: Map<string, unknown>; orphanNano: number; book: { spentBy: Map<string, number>; dirty: boolean }; nextExpiry: number; recent: unknown[]; recentNano: number; reload(): void }
      o.recent = []
      o.recentNano = -1
      o.leases = new Map()
      o.orphanNano = -1
      o.book.spentBy.set('x', 1).clear()
      o.nextExpiry = 0
      o.book.dirty = false
      o.reload()
      expect(o.book.dirty).toBe(true) // records not yet in KV
      expect(o.nextExpiry).toBe(now + 600_000) // hold d's timeout
    })
    const after = await sync([])
    expect({ ...after, now: 0 }).toEqual({ ...before, now: 0 })
    expectAgree(after, await s.snapshot())
    await runInDurableObject(s, (instance: unknown) => {
      expect(rate(instance, Date.now())).toBe(615_000)
      // A minute later it is all forgotten.
      expect(rate(instance, Date.now() + RATE_WINDOW_MS + 1)).toBe(0)
    })
  })

  it('keep the spend-rate window one minute long for a tenant with no budget (no grant ever trims it)', async () => {
    const t = tenant({})
    const s = stub(t)
    const base = { tenant: t.id, budget: budgetOf(t), isolate: 'i1' }
    await runInDurableObject(s, (instance: unknown) => {
      const o = instance as { sync(r: unknown): unknown; recent: unknown[]; recentHead: number }
      const realNow = Date.now
      try {
        // 3,000 charges over ten simulated minutes, one every 200 ms.
        for (let i = 0; i < 3000; i++) {
          const at = realNow() + i * 200
          Date.now = () => at
          o.sync({ ...base, ops: encodeOps([{ op: 'settle', id: `u${i}`, nano: 1, lease: null, record: record(t, `u${i}`, [['m1', 'trivial', 1]]) }]) })
        }
      } finally {
        Date.now = realNow
      }
      // One minute at one charge per 200 ms is 300 entries (plus what compaction has not dropped yet).
      expect(o.recent.length - o.recentHead).toBeLessThanOrEqual(301)
      expect(o.recent.length).toBeLessThanOrEqual(301 + 1025)
    })
  })
})
