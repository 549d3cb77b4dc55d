import { describe, expect, it } from 'vitest'
import { env, tenant, isolate, usage, stub } from './helpers'
import { openBudget, tierCap, spendKey, readSpend, listRequestRecords } from '../../src/ledger'
import { cost, formatUsd } from '../../src/money'
import { ApiError } from '../../src/http/errors'
import { fakeCtx } from './helpers'

describe('reserve → settle', () => {
  it('charges the real cost, not the reservation, and the ledger, KV counter and KV record agree', async () => {
    const t = tenant({ daily_usd: '1' })
    const { client, ctx, budget } = isolate(t)
    await client.ready()
    const r = await budget.reserve('req-1', 1_000_000, { model: 'gpt-4.1', tier: 'premium' })
    expect(r.nano).toBe(1_000_000)
    const s = budget.settle(r, [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(100, 50) }], { status: 200, latency_ms: 12 })
    const expected = cost(usage(100, 50), 'gpt-4.1')
    expect(s.cost_nano).toBe(expected)
    expect(s.cost_usd).toBe(formatUsd(expected))
    expect(s.remaining_nano).toBe(1_000_000_000 - expected)
    await ctx.drain()
    await stub(t).flush()
    const snap = await stub(t).snapshot()
    expect(snap.charged_nano).toBe(expected)
    const day = await readSpend(env.TRIAGE_KV, t.id, snap.daily.period)
    expect(day.nano).toBe(expected)
    expect(day.by_model['gpt-4.1']).toEqual({ nano: expected, requests: 1, premium_nano: expected, tokens: { input: 100, output: 50 } })
    expect(day.by_tier.premium.nano).toBe(expected)
    const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ request_id: 'req-1', status: 200, model: 'gpt-4.1', tier: 'premium', provider: 'openai', cost_nano: expected, reserved_nano: 1_000_000, latency_ms: 12 })
    expect(records[0].tokens).toEqual({ input: 100, cached_input: 0, cache_write: 0, output: 50, reasoning: 0 })
  })

  it('openBudget works with the real env and executionCtx shape', async () => {
    const t = tenant({ monthly_usd: '2' })
    const ctx = fakeCtx()
    const budget = await openBudget(env, ctx as unknown as ExecutionContext, t)
    expect(budget.headroom().remaining_nano).toBe(2_000_000_000)
    expect(budget.headroom().window).toBe('monthly')
    const r = await budget.reserve('x', 10)
    budget.release(r)
    await ctx.drain()
  })

  it('refuses with 429 insufficient_quota naming the budget and its reset', async () => {
    const t = tenant({ daily_usd: '0.001' })
    const { budget, client } = isolate(t)
    await client.ready()
    const err = await budget.reserve('big', 2_000_000).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.status).toBe(429)
    expect(err.code).toBe('insufficient_quota')
    expect(err.type).toBe('insufficient_quota')
    expect(err.message).toMatch(/daily budget of \$0\.001/)
    expect(err.message).toMatch(/resets at \d{4}-\d{2}-\d{2}T00:00:00\.000Z/)
    expect(err.headers['x-should-retry']).toBe('false')
  })

  it('an unlimited tenant reserves without a lease and is still charged', async () => {
    const t = tenant({})
    const { client, ctx, budget } = isolate(t)
    await client.ready()
    expect(budget.headroom().remaining_nano).toBeNull()
    const r = await budget.reserve('u1', 5_000_000)
    budget.settle(r, [{ model: 'deepseek-chat', tier: 'medium', provider: 'deepseek', usage: usage(1000, 1000) }], { status: 200 })
    await ctx.drain()
    expect((await stub(t).snapshot()).charged_nano).toBe(cost(usage(1000, 1000), 'deepseek-chat'))
  })
})

describe('tierCap', () => {
  it('steps premium down to medium below 20% and to trivial below 5% remaining', () => {
    const t = tenant({ daily_usd: '1' })
    const h = (remaining: number) => ({ remaining_nano: remaining, resets_at: null, daily: { period: 'd', limit_nano: 1000, spent_nano: 1000 - remaining, remaining_nano: remaining, resets_at: 'r' } })
    expect(tierCap(t, h(500))).toEqual({ cap: 'premium' })
    expect(tierCap(t, h(150)).cap).toBe('medium')
    expect(tierCap(t, h(150)).reason).toBe('budget: 15.0% of daily budget left')
    expect(tierCap(t, h(40)).cap).toBe('trivial')
    expect(tierCap(t, h(-5)).cap).toBe('trivial')
    expect(tierCap(t, { remaining_nano: null, resets_at: null })).toEqual({ cap: 'premium' })
    const custom = { ...t, policy: { ...t.policy, downgrade_at_remaining_fraction: { premium: 0, medium: 0 } } }
    expect(tierCap(custom, h(1)).cap).toBe('premium')
  })
})
