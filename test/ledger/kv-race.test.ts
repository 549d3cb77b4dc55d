/**
 * Why the DO is the only writer of spend keys: naive concurrent read-modify-write on a KV counter loses updates.
 * The same concurrency through the ledger loses none.
 */
import { describe, expect, it } from 'vitest'
import { env, tenant, isolate, usage, stub } from './helpers'
import { readSpend, listRequestRecords } from '../../src/ledger'

const N = 60

describe('KV counters under concurrency', () => {
  it('naive get → +1 → put from concurrent requests loses increments', async () => {
    const key = `naive:${crypto.randomUUID()}`
    await env.TRIAGE_KV.put(key, JSON.stringify({ nano: 0, requests: 0 }))
    await Promise.all(Array.from({ length: N }, async () => {
      const cur = (await env.TRIAGE_KV.get<{ nano: number; requests: number }>(key, 'json'))!
      await env.TRIAGE_KV.put(key, JSON.stringify({ nano: cur.nano + 1000, requests: cur.requests + 1 }))
    }))
    const final = (await env.TRIAGE_KV.get<{ nano: number; requests: number }>(key, 'json'))!
    console.log(`[kv-race] naive: ${N} concurrent increments → counter ${final.requests} (${N - final.requests} lost)`)
    expect(final.requests).toBeLessThan(N)
  })

  it('the same increments through the DO-serialised ledger are all counted', async () => {
    const t = tenant({ daily_usd: '10' })
    const isos = Array.from({ length: 6 }, () => isolate(t))
    for (const i of isos) await i.client.ready()
    await Promise.all(Array.from({ length: N }, async (_, k) => {
      const { budget } = isos[k % isos.length]
      const r = await budget.reserve(`inc${k}`, 10_000)
      budget.settle(r, [{ model: 'gpt-4.1-mini', tier: 'medium', provider: 'openai', usage: usage(5, 5) }], { status: 200 }) // 2,000 + 8,000 nano
    }))
    for (const i of isos) await i.ctx.drain()
    await stub(t).flush()
    const snap = await stub(t).snapshot()
    const day = await readSpend(env.TRIAGE_KV, t.id, snap.daily.period)
    const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
    console.log(`[kv-race] ledger: ${N} concurrent settles from 6 isolates → KV counter ${day.requests}, $${day.usd}; ${records.length} records`)
    expect(day.requests).toBe(N)
    expect(day.nano).toBe(N * 10_000)
    expect(snap.charged_nano).toBe(N * 10_000)
    expect(records).toHaveLength(N)
  })
})
