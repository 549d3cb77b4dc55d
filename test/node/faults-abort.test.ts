/**
 * A client that hangs up mid-stream, through the real Worker: the request is settled at once for what was
 * produced (status 499), not left to the ledger's 10-minute expiry (which would charge the whole reservation).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTriage, type Triage } from './faults-harness'

let t: Triage
beforeAll(async () => {
  t = await startTriage({}, { trickleMs: 50 })
}, 120_000)
afterAll(async () => t?.stop())

describe('client abort mid-stream', () => {
  it('is settled (499) within seconds, for what was produced, fast or slow, every provider', async () => {
    const tenant = await t.createTenant({ name: 'abort' })
    const ids: string[] = []
    const models = ['gpt-4.1', 'claude-sonnet-4-6', 'deepseek-chat', '@cf/meta/llama-3.2-3b-instruct', 'gpt-4.1']
    for (let i = 0; i < 10; i++) {
      const fast = i >= 5
      const ac = new AbortController()
      const id = `abort-${i}`
      ids.push(id)
      const res = await fetch(`${t.url}/v1/chat/completions`, {
        method: 'POST', signal: ac.signal,
        headers: { authorization: `Bearer ${tenant.api_key}`, 'content-type': 'application/json', 'x-request-id': id },
        body: JSON.stringify({ model: models[i % 5], stream: true, messages: [{ role: 'user', content: `one two three four five six seven eight nine ten ${i}${fast ? '' : ' [[fault:slow-trickle;ms=50]]'}` }] }),
      })
      const reader = res.body!.getReader()
      await reader.read()
      if (!fast) await reader.read()
      ac.abort()
      await reader.cancel().catch(() => {})
    }
    // Settled at once on a detected hang-up, or after CLIENT_STALL_MS (5 s) when workerd reports none.
    const money = await t.spend(tenant.id, 15_000)
    const byId = new Map(money.records.map((r) => [r.request_id, r]))
    for (const id of ids) {
      const r = byId.get(id)
      expect(r, `record for ${id}`).toBeTruthy()
      // A fast stream may have been fully produced before the hang-up reached the Worker: then it is a 200.
      expect([499, 200]).toContain(r!.status)
      expect(r!.cost_nano).toBeGreaterThan(0)
    }
    expect(money.recordsTotal).toBe(money.ledger)
    expect(money.kv).toBe(money.ledger)
  }, 60_000)
})
