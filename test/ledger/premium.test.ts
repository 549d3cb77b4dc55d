/**
 * Savings against premium, recorded by the ledger: the rules per request (src/ledger/premium.ts), the totals by
 * tier and model with tokens, old totals and old DO tables, and the newest-records reader.
 */
import { describe, expect, it } from 'vitest'
import { runInDurableObject } from 'cloudflare:test'
import { env, tenant, isolate, usage, stub } from './helpers'
import { premiumShares } from '../../src/ledger/premium'
import { readSpend, readUsage, readNewestRequestRecords, recordBatches, spendKey, requestKey, listRequestRecords, type SpendCall, type SpendRecord } from '../../src/ledger'
import { cost } from '../../src/money'

const tokens = (input: number, output: number) => ({ input, cached_input: 0, cache_write: 0, output, reasoning: 0 })
const call = (model: string, tier: string, input: number, output: number, cost_nano: number): SpendCall => ({ model, tier, provider: 'p', tokens: tokens(input, output), cost_nano })
const ok = (...calls: SpendCall[]) => ({ status: 200 as const, calls })

describe('premiumShares: the rules for one request', () => {
  it('prices a cheap answer’s real tokens on the reference premium model; its other calls count 0', () => {
    // gpt-4.1: $2 / 1M in, $8 / 1M out → 1000 × 2000 + 500 × 8000 nano = 6_000_000 nano.
    expect(premiumShares(ok(call('deepseek-reasoner', 'medium', 1000, 500, 490)), 'gpt-4.1')).toEqual([6_000_000])
    expect(6_000_000).toBe(cost(usage(1000, 500), 'gpt-4.1'))
    // A retried call that billed a partial answer, then the answer: premium is the answer on the reference, once.
    expect(premiumShares(ok(call('deepseek-chat', 'medium', 1000, 10, 300), call('deepseek-chat', 'medium', 1000, 500, 490)), 'gpt-4.1')).toEqual([0, 6_000_000])
  })

  it('counts a premium answer (and a cascade escalation) at the premium call’s real cost', () => {
    expect(premiumShares(ok(call('claude-sonnet-4-6', 'premium', 100, 100, 1_800_000)), 'gpt-4.1')).toEqual([1_800_000])
    const escalated = ok(call('@cf/meta/llama-3.2-3b-instruct', 'trivial', 100, 20, 1_000), call('gpt-4.1', 'premium', 100, 50, 600_000))
    // The escalation cost 601_000 against 600_000 on premium alone: negative savings, honestly.
    expect(premiumShares(escalated, 'gpt-4.1')).toEqual([0, 600_000])
  })

  it('claims nothing for failed, aborted or unsettled requests, or an unpriced or absent reference', () => {
    const c = [call('deepseek-chat', 'medium', 1000, 10, 300), call('deepseek-reasoner', 'medium', 1000, 500, 490)]
    for (const status of [502, 499, 'unsettled'] as const) expect(premiumShares({ status, calls: c }, 'gpt-4.1')).toEqual([300, 490])
    expect(premiumShares(ok(...c), 'no-such-model')).toEqual([300, 490])
    expect(premiumShares(ok(...c), null)).toEqual([300, 490])
    expect(premiumShares(ok(), 'gpt-4.1')).toEqual([])
  })
})

describe('the ledger records premium_nano and tokens', () => {
  it('in each record and in the day and month totals, per tier and per model, exactly', async () => {
    const t = tenant({ daily_usd: '1' })
    const { client, ctx, budget } = isolate(t)
    await client.ready()
    const settle = async (id: string, calls: Array<[string, string, number, number]>, status = 200, extra = {}) => {
      const r = await budget.reserve(id, 5_000_000)
      budget.settle(r, calls.map(([model, tier, i, o]) => ({ model, tier, provider: 'p', usage: usage(i, o) })), { status, requested_tier: 'premium', ...extra })
    }
    await settle('cheap', [['deepseek-chat', 'medium', 1000, 200]], 200, { first_byte_ms: 42, stream: true })
    await settle('escalated', [['@cf/meta/llama-3.2-3b-instruct', 'trivial', 100, 20], ['gpt-4.1', 'premium', 100, 50]], 200, { cascade: 'escalated' })
    await settle('failed', [['deepseek-chat', 'medium', 10, 10]], 502)
    await ctx.drain()
    await stub(t).flush()

    const c = (m: string, i: number, o: number) => cost(usage(i, o), m)
    const premium = { cheap: c('gpt-4.1', 1000, 200), escalated: c('gpt-4.1', 100, 50), failed: c('deepseek-chat', 10, 10) }
    const actual = c('deepseek-chat', 1000, 200) + c('@cf/meta/llama-3.2-3b-instruct', 100, 20) + c('gpt-4.1', 100, 50) + c('deepseek-chat', 10, 10)
    const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
    const by = Object.fromEntries(records.map((r) => [r.request_id, r]))
    expect(by.cheap).toMatchObject({ premium_nano: premium.cheap, requested_tier: 'premium', first_byte_ms: 42 })
    expect(by.escalated).toMatchObject({ premium_nano: premium.escalated, requested_tier: 'premium' })
    expect(by.escalated.first_byte_ms).toBeUndefined()
    expect(by.failed.premium_nano).toBe(premium.failed)

    const snap = await stub(t).snapshot()
    for (const period of [snap.daily.period, snap.monthly.period]) {
      const tot = await readSpend(env.TRIAGE_KV, t.id, period)
      expect(tot).toMatchObject({ nano: actual, requests: 3, premium_nano: premium.cheap + premium.escalated + premium.failed, tokens: { input: 1210, output: 280 } })
      expect(tot.by_tier.medium).toEqual({ nano: c('deepseek-chat', 1000, 200) + c('deepseek-chat', 10, 10), requests: 2, premium_nano: premium.cheap + premium.failed, tokens: { input: 1010, output: 210 } })
      expect(tot.by_tier.trivial).toMatchObject({ premium_nano: 0, tokens: { input: 100, output: 20 } })
      expect(tot.by_model['gpt-4.1']).toEqual({ nano: c('gpt-4.1', 100, 50), requests: 1, premium_nano: premium.escalated, tokens: { input: 100, output: 50 } })
      // The buckets add up to the period, like the cost does.
      expect(Object.values(tot.by_model).reduce((s, b) => s + b.premium_nano, 0)).toBe(tot.premium_nano)
      expect(Object.values(tot.by_tier).reduce((s, b) => s + b.tokens.input, 0)).toBe(tot.tokens.input)
    }
    expect(records.reduce((s, r) => s + r.premium_nano!, 0)).toBe(snap.totals[0].premium_nano)
  })
})

describe('older data still reads', () => {
  it('KV totals written without premium_nano or tokens read as premium = cost and 0 tokens', async () => {
    const t = tenant()
    const old = { v: 1, tenant: t.id, period: '2026-04-30', nano: 700, usd: '0.0000007', requests: 2, by_tier: { medium: { nano: 700, requests: 2 } }, by_model: {}, updated_at: '2026-04-30T10:00:00.000Z' }
    await env.TRIAGE_KV.put(spendKey(t.id, '2026-04-30'), JSON.stringify(old))
    const read = await readSpend(env.TRIAGE_KV, t.id, '2026-04-30')
    expect(read).toMatchObject({ nano: 700, premium_nano: 700, tokens: { input: 0, output: 0 } })
    expect(read.by_tier.medium).toEqual({ nano: 700, requests: 2, premium_nano: 700, tokens: { input: 0, output: 0 } })
    const { days } = await readUsage(env.TRIAGE_KV, t.id, { days: 1, now: Date.UTC(2026, 3, 30, 12) })
    expect(days[0].premium_nano).toBe(700)
  })

  it('a DO whose tables predate the new columns gains them, with premium = cost for the old rows', async () => {
    const t = tenant({ daily_usd: '1' })
    const { client } = isolate(t)
    await client.ready()
    await runInDurableObject(stub(t), async (instance: unknown, state: DurableObjectState) => {
      const sql = state.storage.sql
      // Put the tables back as they were before v2, with spend in them.
      for (const tbl of ['totals', 'totals_by']) for (const col of ['premium', 'input', 'output']) sql.exec(`ALTER TABLE ${tbl} DROP COLUMN ${col}`)
      sql.exec(`DELETE FROM meta WHERE k = 'schema'`)
      sql.exec(`INSERT INTO totals (period, nano, requests, version, flushed, updated_at) VALUES ('2026-04-29', 900, 3, 1, 1, 0)`)
      sql.exec(`INSERT INTO totals_by (period, dim, key, nano, requests) VALUES ('2026-04-29', 'tier', 'medium', 900, 3)`)
      ;(instance as unknown as { migrate(): void }).migrate()
      const row = sql.exec<{ premium: number; input: number }>(`SELECT premium, input FROM totals WHERE period = '2026-04-29'`).one()
      expect(row).toEqual({ premium: 900, input: 0 })
      expect(sql.exec<{ premium: number }>(`SELECT premium FROM totals_by WHERE period = '2026-04-29'`).one().premium).toBe(900)
      ;(instance as unknown as { migrate(): void }).migrate() // runs once
    })
    const snap = await stub(t).snapshot()
    expect(snap.totals.find((x) => x.period === '2026-04-29')).toMatchObject({ nano: 900, premium_nano: 900, by_tier: { medium: { premium_nano: 900 } } })
  })
})

describe('readNewestRequestRecords', () => {
  it('returns the newest records first, day by day, at most max, and says when it left some out', async () => {
    const t = tenant()
    const put = (at: string) => {
      const r = { v: 1, request_id: at, ledger_id: `${at}_x`, tenant: t.id, at } as unknown as SpendRecord
      return env.TRIAGE_KV.put(requestKey(t.id, at, r.ledger_id), JSON.stringify(r))
    }
    const ats = ['2026-04-29T10:00:00.000Z', '2026-04-29T23:00:00.000Z', '2026-04-30T01:00:00.000Z', '2026-04-30T02:00:00.000Z', '2026-04-30T03:00:00.000Z']
    await Promise.all(ats.map(put))
    // Another tenant whose id starts with this one's must not leak in.
    await env.TRIAGE_KV.put(requestKey(`${t.id}x`, ats[4], 'y'), JSON.stringify({ tenant: `${t.id}x`, at: ats[4] }))

    const all = await readNewestRequestRecords(env.TRIAGE_KV, t.id, ['2026-04-30', '2026-04-29'], 10)
    expect(all.records.map((r) => r.at)).toEqual([...ats].reverse())
    expect(all.complete).toBe(true)
    const some = await readNewestRequestRecords(env.TRIAGE_KV, t.id, ['2026-04-30', '2026-04-29'], 4)
    expect(some.records.map((r) => r.at)).toEqual([ats[4], ats[3], ats[2], ats[1]])
    expect(some.complete).toBe(false)
    const full = await readNewestRequestRecords(env.TRIAGE_KV, t.id, ['2026-04-30', '2026-04-29'], 3)
    expect(full).toMatchObject({ complete: false })
    expect(full.records).toHaveLength(3)
    expect((await readNewestRequestRecords(env.TRIAGE_KV, t.id, [], 10)).records).toEqual([])
  })
})

describe('req: batches', () => {
  it('one flush writes one KV value per UTC settle day, with its record count as list metadata', async () => {
    const t = tenant({ daily_usd: '10' })
    const { client, ctx, budget } = isolate(t)
    await client.ready()
    for (let i = 0; i < 30; i++) {
      const r = await budget.reserve(`batch-${i}`, 1_000_000, { model: 'gpt-4.1', tier: 'premium' })
      budget.settle(r, [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(10, 10) }], { status: 200 })
    }
    await ctx.drain()
    await stub(t).flush()
    const keys = (await env.TRIAGE_KV.list<{ n: number }>({ prefix: `req:${t.id}:` })).keys
    expect(keys).toHaveLength(1)
    expect(keys[0].metadata).toEqual({ n: 30 })
    const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
    expect(records.map((r) => r.request_id).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `batch-${i}`).sort())
    const newest = await readNewestRequestRecords(env.TRIAGE_KV, t.id, [records[0].at.slice(0, 10)], 10)
    expect(newest.records).toHaveLength(10)
    expect(newest.complete).toBe(false)
    expect(newest.records.map((r) => r.at)).toEqual([...newest.records.map((r) => r.at)].sort().reverse())
  })

  it('recordBatches splits by UTC settle day (the day the ledger totals), oldest first, keyed by the earliest settle', () => {
    const rec = (at: string, settled_at: string, id: string) => ({ v: 1, tenant: 't', at, settled_at, ledger_id: id }) as unknown as SpendRecord
    const b = recordBatches('t', [
      rec('2026-04-30T00:00:01.000Z', '2026-04-30T00:00:02.000Z', 'c'),
      // started before midnight, settled after it: it belongs to the 30th, like its charge in the totals
      rec('2026-04-29T23:59:59.000Z', '2026-04-30T00:00:01.000Z', 'b'),
      rec('2026-04-29T10:00:00.000Z', '2026-04-29T10:00:03.000Z', 'a'),
    ])
    expect(b.map((x) => [x.key, x.value.records.map((r) => r.ledger_id)])).toEqual([
      ['req:t:2026-04-29T10:00:03.000Z:a', ['a']],
      ['req:t:2026-04-30T00:00:01.000Z:b', ['b', 'c']],
    ])
    expect(b.map((x) => x.metadata.n)).toEqual([1, 2])
  })

  it('keys a flushed record by the settle time the ledger stamped, the time its charge was totalled', async () => {
    const t = tenant({ daily_usd: '10' })
    const { client, ctx, budget } = isolate(t)
    await client.ready()
    const r = await budget.reserve('settle-day', 1_000_000, { model: 'gpt-4.1', tier: 'premium' })
    budget.settle(r, [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(10, 10) }], { status: 200 })
    await ctx.drain()
    await stub(t).flush()
    const keys = (await env.TRIAGE_KV.list({ prefix: `req:${t.id}:` })).keys
    const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
    expect(records).toHaveLength(1)
    expect(records[0].settled_at).not.toBe('')
    expect(keys.map((k) => k.name)).toEqual([requestKey(t.id, records[0].settled_at, records[0].ledger_id)])
    const snap = await stub(t).snapshot()
    expect(snap.totals.find((x) => x.period === records[0].settled_at.slice(0, 10))).toMatchObject({ nano: records[0].cost_nano, requests: 1 })
  })

  it('readers skip a record repeated by a re-sent batch, and other tenants’ records', async () => {
    const t = tenant()
    const rec = (at: string, id: string, tenant = t.id) => ({ v: 1, tenant, at, ledger_id: id, request_id: id }) as unknown as SpendRecord
    const a = rec('2026-04-30T01:00:00.000Z', 'a')
    const b = rec('2026-04-30T02:00:00.000Z', 'b')
    await env.TRIAGE_KV.put(requestKey(t.id, a.at, 'a'), JSON.stringify({ v: 2, records: [a] }), { metadata: { n: 1 } })
    await env.TRIAGE_KV.put(requestKey(t.id, a.at, 'a2'), JSON.stringify({ v: 2, records: [a, b, rec(b.at, 'z', 'other')] }), { metadata: { n: 3 } })
    const got = await readNewestRequestRecords(env.TRIAGE_KV, t.id, ['2026-04-30'], 10)
    expect(got.records.map((r) => r.ledger_id)).toEqual(['b', 'a'])
    expect(got.complete).toBe(true)
  })
})
