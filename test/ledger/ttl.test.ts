/**
 * The reservation TTL outlives the longest request the configuration allows (issue 14 item 4): a live request is
 * never charged as `unsettled`. (The late settle that replaces an unsettled charge: faults.test.ts.)
 */
import { describe, expect, it } from 'vitest'
import { env, tenant, fakeCtx, stub } from './helpers'
import { openBudget, reservationTtlMs } from '../../src/ledger'
import { loadConfig, type ConfigEnv } from '../../src/config'

describe('reservation TTL', () => {
  it('covers every candidate × every attempt × (total timeout + backoff), plus the time a settle takes to arrive', () => {
    const config = loadConfig(env as unknown as ConfigEnv)
    // Defaults: 3 attempts of up to 300 s each: the old fixed 10 minutes was shorter than one model's worst case.
    expect(config.retries.maxAttempts * config.timeouts.totalMs).toBeGreaterThan(600_000)
    expect(reservationTtlMs(config)).toBeGreaterThan(config.retries.maxAttempts * config.timeouts.totalMs)
    const base = { timeouts: { firstByteMs: 30_000, totalMs: 300_000 }, retries: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 } }
    const one = reservationTtlMs({ ...base, tiers: { trivial: ['a'], medium: ['b'], premium: ['c'] }, cascade: null })
    // Two premium fallbacks and a cascade over two trivial models: four candidates can run, in turn.
    const four = reservationTtlMs({ ...base, tiers: { trivial: ['a', 'a2'], medium: ['b'], premium: ['c', 'c2'] }, cascade: { low: 0.3, high: 0.7 } })
    expect(one).toBe(3 * 305_000 + 60_000)
    expect(four).toBe(4 * 3 * 305_000 + 60_000)
  })

  it('the request path holds its reservation at the DO for that long', async () => {
    const t = tenant({ daily_usd: '1' })
    const ctx = fakeCtx()
    const config = loadConfig(env as unknown as ConfigEnv)
    const budget = await openBudget(env, ctx as unknown as ExecutionContext, t, config)
    const r = await budget.reserve('long', 1_000_000)
    await ctx.drain() // the hold reaches the DO (the request is still running)
    const [held] = (await stub(t).snapshot()).reservations
    expect(held.expires_at - r.at).toBe(reservationTtlMs(config))
    budget.release(r)
    await ctx.drain()
  })
})
