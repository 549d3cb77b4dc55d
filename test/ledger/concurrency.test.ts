/**
 * The bar: 200 concurrent requests from one tenant whose budget covers about 20 of them.
 * - total settled spend never exceeds the budget by more than one reservation (here: never exceeds it at all,
 *   because every actual cost is at most its worst-case reservation);
 * - the DO ledger total, the KV counters and the sum of the per-request KV records are equal, exactly.
 */
import { describe, expect, it } from 'vitest'
import { env, tenant, isolate, usage, stub } from './helpers'
import { worstCase, formatUsd, cost } from '../../src/money'
import { readSpend, listRequestRecords } from '../../src/ledger'
import { ApiError } from '../../src/http/errors'
import type { ChatRequest } from '../../src/openai/request'

const MODEL = 'gpt-4.1'
const MAX_TOKENS = 6000
const req = { model: 'auto', messages: [{ role: 'user', content: 'Summarise the attached design document in five bullet points.' }], max_tokens: MAX_TOKENS } as ChatRequest

async function fire(budgetUsd: string, requests: number, isolates: number, seed: number) {
  const t = tenant({ daily_usd: budgetUsd, monthly_usd: '100' })
  const reserve = worstCase(req, MODEL, 4096)
  const isos = Array.from({ length: isolates }, () => isolate(t))
  let rand = seed
  const random = () => ((rand = (rand * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const outcomes = await Promise.all(
    Array.from({ length: requests }, async (_, i) => {
      const { budget } = isos[i % isolates]
      let r
      try {
        r = await budget.reserve(`req-${i}`, reserve, { model: MODEL, tier: 'premium' })
      } catch (err) {
        if (err instanceof ApiError && err.status === 429) return { ok: false as const, err }
        throw err
      }
      await new Promise((res) => setTimeout(res, Math.floor(random() * 20))) // the provider call
      const out = Math.floor(MAX_TOKENS * (0.3 + 0.7 * random()))
      const s = budget.settle(r, [{ model: MODEL, tier: 'premium', provider: 'openai', usage: usage(20, out) }], { status: 200, stream: i % 2 === 0 })
      return { ok: true as const, cost: s.cost_nano }
    }),
  )
  for (const iso of isos) await iso.ctx.drain()
  const s = stub(t)
  await s.flush()
  return { t, reserve, outcomes, isos, snap: await s.snapshot() }
}

describe('200 concurrent requests against a budget for ~20', () => {
  it('never overspends, and ledger = KV counter = Σ per-request records, exactly', async () => {
    const { t, reserve, outcomes, isos, snap } = await fire('1.00', 200, 4, 42)
    const budget = 1_000_000_000
    expect(Math.floor(budget / reserve)).toBeGreaterThanOrEqual(19)
    expect(Math.floor(budget / reserve)).toBeLessThanOrEqual(21)

    const ok = outcomes.filter((o) => o.ok)
    const refused = outcomes.filter((o) => !o.ok)
    const settled = ok.reduce((s, o) => s + (o.ok ? o.cost : 0), 0)
    expect(ok.length).toBeGreaterThanOrEqual(Math.floor(budget / reserve) - 4 * 1) // leases may strand < one reservation per isolate
    expect(refused.length).toBe(200 - ok.length)
    for (const o of refused) if (!o.ok) expect(o.err.code).toBe('insufficient_quota')

    // The bound: spend ≤ budget + one reservation. With worst-case reservations it is ≤ budget.
    expect(snap.charged_nano).toBe(settled)
    expect(settled).toBeLessThanOrEqual(budget + reserve)
    expect(settled).toBeLessThanOrEqual(budget)

    // Ledger, KV counters and KV per-request records agree exactly.
    const day = await readSpend(env.TRIAGE_KV, t.id, snap.daily.period)
    const month = await readSpend(env.TRIAGE_KV, t.id, snap.monthly.period)
    const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
    expect(day.nano).toBe(snap.charged_nano)
    expect(month.nano).toBe(snap.charged_nano)
    expect(day.requests).toBe(ok.length)
    expect(records).toHaveLength(ok.length)
    expect(records.reduce((s, r) => s + r.cost_nano, 0)).toBe(snap.charged_nano)
    expect(records.reduce((s, r) => s + r.premium_nano!, 0)).toBe(day.premium_nano)
    expect(month.premium_nano).toBe(day.premium_nano)
    expect(day.by_model[MODEL].nano).toBe(snap.charged_nano)
    expect(snap.kv_pending).toBe(0)
    expect(snap.reservations).toHaveLength(0)

    const syncs = isos.reduce((s, i) => s + i.client.stats.syncs, 0)
    console.log(
      `[bar] budget $1.00, reservation $${formatUsd(reserve)} (covers ${Math.floor(budget / reserve)}), 200 requests over 4 isolates: ` +
        `${ok.length} served, ${refused.length} refused (429), settled $${formatUsd(settled)} ` +
        `(${((settled / budget) * 100).toFixed(2)}% of budget, overspend $${formatUsd(Math.max(0, settled - budget))}), ` +
        `DO round trips ${syncs}, KV day counter $${day.usd}, Σ records $${formatUsd(records.reduce((s, r) => s + r.cost_nano, 0))}`,
    )
  })

  it('holds across seeds and isolate counts', async () => {
    for (const [seed, isolates] of [[1, 1], [7, 2], [99, 8], [123, 16]] as const) {
      const { reserve, outcomes, snap } = await fire('1.00', 200, isolates, seed)
      const settled = outcomes.reduce((s, o) => s + (o.ok ? o.cost : 0), 0)
      expect(snap.charged_nano).toBe(settled)
      expect(settled).toBeLessThanOrEqual(1_000_000_000)
      expect(outcomes.filter((o) => o.ok).length).toBeGreaterThanOrEqual(Math.floor(1_000_000_000 / reserve) - isolates)
    }
  }, 20_000) // a request may wait (≤ 2.5 s) for idle leases of other isolates to be recalled, rather than be refused

  it('states the bound: overspend ≤ Σ (actual − reserved) of under-estimated requests', async () => {
    // One request under-estimates its input (e.g. a tokenizer outlier) and costs 30% more than reserved.
    const t = tenant({ daily_usd: '0.10' })
    const { budget, ctx, client } = isolate(t)
    await client.ready()
    const reserve = 10_000_000
    const rs = []
    for (let i = 0; i < 10; i++) rs.push(await budget.reserve(`r${i}`, reserve))
    await expect(budget.reserve('r10', reserve)).rejects.toMatchObject({ status: 429 })
    const outOf = (nano: number) => usage(0, nano / 8000) // gpt-4.1: 8,000 nano per output token
    for (const [i, r] of rs.entries()) budget.settle(r, [{ model: MODEL, tier: 'premium', provider: 'openai', usage: outOf(i === 0 ? 13_000_000 : reserve) }], { status: 200 })
    await ctx.drain()
    const snap = await stub(t).snapshot()
    expect(snap.charged_nano - 100_000_000).toBe(3_000_000) // exactly the under-estimate, < one reservation
    expect(cost(outOf(13_000_000), MODEL)).toBe(13_000_000)
  })
})
