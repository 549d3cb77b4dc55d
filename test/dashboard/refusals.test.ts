/**
 * The dashboard and /admin/metrics show refusals (issue 14 item 11): 429s counted per tenant and per reason by the
 * ledger, the tenant shown as refusing or downgrading, money in readable precision, reset times for a person.
 */
import { describe, expect, it } from 'vitest'
import { env, tenant, isolate, usage, stub } from '../ledger/helpers'
import { collectMetrics } from '../../src/dashboard'
import { renderDashboard, resetsIn } from '../../src/dashboard/page'
import { loadConfig, type ConfigEnv } from '../../src/config'
import { putTenantRecord, type TenantRecord } from '../../src/tenants'
import { readSpend } from '../../src/ledger'

describe('refusals on the dashboard', () => {
  it('counts each 429 by reason in the tenant’s totals, and shows the tenant as refusing', async () => {
    const t = tenant({ daily_usd: '0.000300' }) // 300,000 nano
    const record: TenantRecord = { id: t.id, name: 'tiny', budget: t.budget, created_at: t.updated_at!, updated_at: t.updated_at!, keys: [] }
    await putTenantRecord(env.TRIAGE_KV, record)
    const a = isolate(t)
    // Two in flight hold the budget: a third is refused "try again" (in_flight).
    const r1 = await a.budget.reserve('r1', 140_000)
    const r2 = await a.budget.reserve('r2', 140_000)
    await expect(a.budget.reserve('r3', 140_000)).rejects.toMatchObject({ status: 429, headers: { 'x-should-retry': 'true' } })
    // Both spend it all (gpt-4.1 output at $8/M: 17 tokens = 136,000 nano each); two more are refused for good.
    a.budget.settle(r1, [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(0, 17) }], { status: 200 })
    a.budget.settle(r2, [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(0, 17) }], { status: 200 })
    await a.ctx.drain()
    for (const id of ['r4', 'r5']) await expect(a.budget.reserve(id, 140_000)).rejects.toMatchObject({ status: 429, headers: { 'x-should-retry': 'false' } })
    await a.ctx.drain()
    await stub(t).flush()

    const snap = await stub(t).snapshot()
    const day = await readSpend(env.TRIAGE_KV, t.id, snap.daily.period)
    expect(day.refusals).toEqual({ in_flight: 1, daily_budget: 2 })
    expect(day.requests).toBe(2) // refusals are not requests: ledger = KV = records still holds
    expect(day.nano).toBe(snap.charged_nano)

    const config = loadConfig(env as unknown as ConfigEnv)
    const m = await collectMetrics(env, config, { days: 1, tenant: t.id })
    // $0.000028 is left, so the budget is not exhausted, but requests are refused: the tenant is refusing.
    expect(m.tenants[0]).toMatchObject({ activity: 'refusing', refusals: { today: { total: 3, by_reason: { in_flight: 1, daily_budget: 2 } } } })
    expect(m.refusals).toEqual({ total: 3, by_reason: { in_flight: 1, daily_budget: 2 } })

    const html = renderDashboard(m)
    expect(html).toContain('>refusing<')
    expect(html).toContain('3 refused today (daily budget spent: 2, held by requests in flight: 1)')
    // $0.000272 spent of $0.0003: readable, the exact value in data-value.
    expect(html).toContain('data-value="0.000272">$0.000272<')
    expect(html).toMatch(/resets in (\d+ h )?\d+ min \(00:00 UTC\)/)
  })

  it('counts rate-limit 429s (rpm, tpm) in the same totals, by limit', async () => {
    const t = tenant()
    const s = stub(t)
    await s.configure(t.id, { daily_nano: null, monthly_nano: null, disabled: false, updated_at: t.updated_at! })
    for (let i = 0; i < 3; i++) await s.rate({ rpm: 2, tokens: 0 })
    expect(await s.rate({ tpm: 10, tokens: 100 })).toMatchObject({ ok: false, limit: 'tpm' })
    await s.flush()
    const day = await readSpend(env.TRIAGE_KV, t.id, (await s.snapshot()).daily.period)
    expect(day.refusals).toEqual({ rpm: 1, tpm: 1 })
    expect(day.requests).toBe(0)
  })

  it('money reads at three significant digits, and resets read as a duration', () => {
    const now = Date.parse('2026-04-30T18:47:00.000Z')
    expect(resetsIn('2026-05-01T00:00:00.000Z', now)).toBe('in 5 h 13 min (00:00 UTC)')
    expect(resetsIn('2026-05-01T00:00:00.000Z', Date.parse('2026-04-28T00:00:00.000Z'))).toBe('in 3 days (May 1, 00:00 UTC)')
  })
})
