/** The dashboard's arithmetic: percentiles, savings from totals, provider health, tier mix, budget states. (The savings rules per request: test/ledger/premium.test.ts.) */
import { describe, expect, it } from 'vitest'
import {
  percentile, savingsOf, summarize, savingsByDay, tierMix, budgetStatus, usedFallback, outcomeOf,
} from '../../src/dashboard/aggregate'
import { emptyTotals, type SpendRecord, type SpendTotals, type SpendCall } from '../../src/ledger'
import { resolvePolicy, type Tenant } from '../../src/tenants'

const tokens = (input: number, output: number) => ({ input, cached_input: 0, cache_write: 0, output, reasoning: 0 })
const call = (model: string, tier: string, provider: string, input: number, output: number, cost_nano: number): SpendCall => ({ model, tier, provider, tokens: tokens(input, output), cost_nano })

function record(over: Partial<SpendRecord> & { calls: SpendCall[] }): SpendRecord {
  const last = over.calls[over.calls.length - 1]
  const nano = over.calls.reduce((s, c) => s + c.cost_nano, 0)
  return {
    v: 1, request_id: 'r', ledger_id: 'r.x', tenant: 'ten_a', at: '2026-04-30T10:00:00.000Z', settled_at: '2026-04-30T10:00:01.000Z',
    status: 200, tier: last?.tier ?? null, model: last?.model ?? null, provider: last?.provider ?? null, score: 0.2,
    tokens: tokens(0, 0), estimated: false, cost_nano: nano, cost_usd: '0', reserved_nano: nano, latency_ms: 100, attempts: 1,
    cascade: null, downgraded: null, stream: false, price_version: 'x', ...over,
  }
}


describe('percentile (nearest rank)', () => {
  it('picks ranks, ignores order, and is null for nothing', () => {
    expect(percentile([], 50)).toBeNull()
    expect(percentile([7], 95)).toBe(7)
    expect(percentile([4, 1, 3, 2], 50)).toBe(2)
    expect(percentile([4, 1, 3, 2], 95)).toBe(4)
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(percentile(hundred, 50)).toBe(50)
    expect(percentile(hundred, 95)).toBe(95)
  })
})

describe('savings (from the ledger\'s totals)', () => {
  const totals = (tenant: string, period: string, requests: number, nano: number, premium_nano: number): SpendTotals => ({ ...emptyTotals(tenant, period), requests, nano, premium_nano })

  it('sums exactly in nano-USD over tenants and reports the fraction saved', () => {
    const s = savingsOf([totals('a', '2026-04-30', 2, 497, 6_100_000), totals('b', '2026-04-30', 1, 3, 3), totals('a', '2026-04-29', 1, 1_000, 999)])
    expect(s).toMatchObject({ requests: 4, actual_nano: 1_500, premium_nano: 6_100_000 + 3 + 999, saved_nano: 6_100_000 + 3 + 999 - 1_500 })
    expect(s.saved_fraction).toBeCloseTo((6_101_002 - 1_500) / 6_101_002, 12)
    // An escalation that cost more than premium alone: negative savings, honestly.
    expect(savingsOf([totals('a', 'd', 1, 601_000, 600_000)]).saved_nano).toBe(-1_000)
    expect(savingsOf([]).saved_fraction).toBeNull()
  })

  it('splits what response-cache hits saved (tier `cache`) from routing savings', () => {
    const t = emptyTotals('a', '2026-04-30')
    Object.assign(t, { requests: 3, nano: 500, premium_nano: 9_500 })
    t.by_tier = { medium: { nano: 500, requests: 1, premium_nano: 6_000, tokens: { input: 0, output: 0 } }, cache: { nano: 0, requests: 2, premium_nano: 3_500, tokens: { input: 0, output: 0 } } }
    expect(savingsOf([t, t])).toMatchObject({ saved_nano: 18_000, cache_saved_nano: 7_000, cache_hits: 4 })
    expect(savingsOf([emptyTotals('a', 'd')])).toMatchObject({ cache_saved_nano: 0, cache_hits: 0 })
  })

  it('groups by UTC day, oldest first, keeping empty days', () => {
    const days = savingsByDay([totals('a', '2026-04-29', 1, 280, 2_000_000), totals('b', '2026-04-30', 1, 280, 2_000_000), totals('a', '2026-04-30', 2, 20, 20)],
      ['2026-04-28', '2026-04-29', '2026-04-30'])
    expect(days.map((d) => [d.day, d.requests, d.actual_nano, d.premium_nano])).toEqual([
      ['2026-04-28', 0, 0, 0], ['2026-04-29', 1, 280, 2_000_000], ['2026-04-30', 3, 300, 2_000_020],
    ])
  })
})

describe('provider health and cascade', () => {
  it('computes latency percentiles on successes, and error, fallback and cascade rates', () => {
    const ds = (latency: number, extra: Partial<SpendRecord> = {}) => record({ latency_ms: latency, calls: [call('deepseek-reasoner', 'medium', 'deepseek', 10, 10, 5)], ...extra })
    const rs = [
      ds(100), ds(200), ds(300), ds(4000, { status: 502 }), ds(400, { attempts: 2 }),
      record({ cascade: 'accepted', latency_ms: 50, calls: [call('@cf/meta/llama-3.2-3b-instruct', 'trivial', 'workers-ai', 5, 5, 1)] }),
      record({ cascade: 'escalated', attempts: 2, latency_ms: 900, calls: [call('@cf/meta/llama-3.2-3b-instruct', 'trivial', 'workers-ai', 5, 5, 1), call('gpt-4.1', 'premium', 'openai', 5, 5, 50)] }),
      record({ status: 503, provider: null, model: null, tier: 'premium', calls: [] }),
    ]
    const s = summarize(rs)
    const deepseek = s.providers.find((p) => p.provider === 'deepseek')!
    expect(deepseek).toMatchObject({ requests: 5, latency_p50_ms: 200, latency_p95_ms: 400, errors: 1, error_rate: 0.2, fallbacks: 1, fallback_rate: 0.2 })
    const openai = s.providers.find((p) => p.provider === 'openai')!
    expect(openai).toMatchObject({ requests: 1, fallbacks: 0, latency_p50_ms: 900 })
    expect(s.providers.find((p) => p.provider === 'unattributed')).toMatchObject({ requests: 1, errors: 1, error_rate: 1, latency_p50_ms: null })
    expect(s.providers[0].provider).toBe('deepseek') // busiest first
    expect(s.cascade).toEqual({ accepted: 1, escalated: 1, accept_rate: 0.5, escalate_rate: 0.5 })
    expect(s.outcomes).toEqual({ ok: 6, error: 2, client_closed: 0, unsettled: 0 })
  })

  it('tells fallbacks from planned cascade escalations', () => {
    expect(usedFallback({ attempts: 1, cascade: null })).toBe(false)
    expect(usedFallback({ attempts: 2, cascade: null })).toBe(true)
    expect(usedFallback({ attempts: 2, cascade: 'escalated' })).toBe(false)
    expect(usedFallback({ attempts: 3, cascade: 'escalated' })).toBe(true)
    expect(outcomeOf({ status: 499 })).toBe('client_closed')
    expect(outcomeOf({ status: 'unsettled' })).toBe('unsettled')
  })

  it('has no rates at all for no requests', () => {
    const s = summarize([])
    expect(s.providers).toEqual([])
    expect(s.cascade.accept_rate).toBeNull()
  })
})

describe('tier mix', () => {
  it('sums tenants per day and tier, oldest first, with zero days kept', () => {
    const day = (tenant: string, period: string, by: Record<string, [number, number]>): SpendTotals => ({
      ...emptyTotals(tenant, period), by_tier: Object.fromEntries(Object.entries(by).map(([k, [requests, nano]]) => [k, { requests, nano, premium_nano: nano, tokens: { input: 0, output: 0 } }])),
    })
    const mix = tierMix([
      day('a', '2026-04-30', { trivial: [3, 30], premium: [1, 1000] }),
      day('b', '2026-04-30', { trivial: [2, 20], medium: [1, 100] }),
      day('a', '2026-04-29', { medium: [4, 400] }),
      day('a', '2026-04-01', { medium: [9, 9] }), // outside the window
      day('a', '2026-04-30', { unknown: [5, 5] } as never),
    ], ['2026-04-28', '2026-04-29', '2026-04-30'])
    expect(mix.map((d) => d.day)).toEqual(['2026-04-28', '2026-04-29', '2026-04-30'])
    expect(mix[0].by_tier).toEqual({ trivial: { requests: 0, nano: 0 }, medium: { requests: 0, nano: 0 }, premium: { requests: 0, nano: 0 } })
    expect(mix[1].by_tier.medium).toEqual({ requests: 4, nano: 400 })
    expect(mix[2].by_tier).toEqual({ trivial: { requests: 5, nano: 50 }, medium: { requests: 1, nano: 100 }, premium: { requests: 1, nano: 1000 } })
  })
})

describe('budget status', () => {
  const now = Date.UTC(2026, 3, 30, 12)
  const tenant = (over: Partial<Tenant> = {}): Tenant => ({ id: 'ten_a', name: 'a', budget: {}, policy: resolvePolicy(undefined), disabled: false, ...over })
  const spent = (period: string, nano: number): SpendTotals => ({ ...emptyTotals('ten_a', period), nano })
  const status = (t: Tenant, limits: { daily_nano: number | null; monthly_nano: number | null }, day: number, month: number) =>
    budgetStatus(t, limits, spent('2026-04-30', day), spent('2026-04', month), now)

  it('is ok with headroom, and gives both windows with their reset times', () => {
    const s = status(tenant(), { daily_nano: 1_000, monthly_nano: 10_000 }, 100, 500)
    expect(s.state).toBe('ok')
    expect(s.cap).toBe('premium')
    expect(s.daily).toEqual({ period: '2026-04-30', limit_nano: 1_000, spent_nano: 100, remaining_nano: 900, used_fraction: 0.1, resets_at: '2026-05-01T00:00:00.000Z' })
    expect(s.monthly?.resets_at).toBe('2026-05-01T00:00:00.000Z')
  })

  it('is downgraded below the policy’s fractions (default: premium needs 20% left, medium 5%)', () => {
    const medium = status(tenant(), { daily_nano: 1_000, monthly_nano: null }, 850, 850)
    expect(medium).toMatchObject({ state: 'downgraded', cap: 'medium', reason: '15.0% of daily budget left; premium needs 20.0%', monthly: null })
    expect(status(tenant(), { daily_nano: 1_000, monthly_nano: 100_000 }, 990, 990)).toMatchObject({ state: 'downgraded', cap: 'trivial', reason: '1.0% of daily budget left; medium needs 5.0%' })
    // The monthly window binds when it has less left.
    expect(status(tenant(), { daily_nano: 1_000, monthly_nano: 10_000 }, 10, 9_000).reason).toBe('10.0% of monthly budget left; premium needs 20.0%')
  })

  it('never rounds a nearly full budget up to 100%', () => {
    const strict = tenant({ policy: resolvePolicy({ downgrade_at_remaining_fraction: { premium: 0.99999999 } }) })
    expect(status(strict, { daily_nano: 1_000_000_000, monthly_nano: null }, 100, 100).reason).toBe('99.9% of daily budget left; premium needs 99.9%')
  })

  it('is refused when a window has nothing left, and disabled wins over everything', () => {
    expect(status(tenant(), { daily_nano: 1_000, monthly_nano: null }, 1_000, 1_000)).toMatchObject({ state: 'refused', reason: 'daily budget exhausted; resets 2026-05-01T00:00:00.000Z' })
    expect(status(tenant({ disabled: true }), { daily_nano: null, monthly_nano: null }, 0, 0)).toMatchObject({ state: 'disabled' })
  })

  it('has no windows (and is ok) without a budget', () => {
    const s = status(tenant(), { daily_nano: null, monthly_nano: null }, 5, 5)
    expect(s).toMatchObject({ state: 'ok', daily: null, monthly: null, spent_today_nano: 5, spent_month_nano: 5 })
  })
})
