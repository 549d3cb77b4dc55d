/**
 * Hostile upstreams through the real Worker on its own workerd process (issue 14, item 6), with the memory they
 * cost: a 400 MB SSE line and a 50 MB JSON body (the emulator's huge-line and huge-json faults). Before the limits,
 * the 400 MB line took workerd's RSS from 87 to 604 MB; now the Worker stops reading at 1 MiB for an event and
 * 16 MiB for an answer. The RSS before and after is printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTriage, type Triage } from './faults-harness'

let t: Triage
let key: string
beforeAll(async () => {
  t = await startTriage()
  key = (await t.createTenant({ name: 'hostile' })).api_key
}, 120_000)
afterAll(async () => t?.stop())

const call = (content: string, stream: boolean) =>
  fetch(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4.1', stream, messages: [{ role: 'user', content }] }),
  })

describe('hostile upstream, real Worker', () => {
  it('a 400 MB SSE line and a 50 MB JSON body: clear errors, and workerd RSS stays bounded', async () => {
    // Warm up, so the baseline includes the Worker's code and the ledger.
    for (let i = 0; i < 3; i++) expect((await call('warm up', false)).status).toBe(200)
    const before = t.rssKb()
    let peak = before
    let afterLine = before
    const sample = setInterval(() => (peak = Math.max(peak, t.rssKb())), 20)
    try {
      const s = await call('Go [[fault:huge-line;mb=400]]', true)
      expect(s.status).toBe(200)
      const text = await s.text()
      expect(text).toContain('an event larger than 1048576 bytes')
      afterLine = peak
      const j = await call('Go [[fault:huge-json;mb=50]]', false)
      expect(j.status).toBe(502)
      expect(((await j.json()) as any).error.message).toContain('larger than 16777216 bytes')
    } finally {
      clearInterval(sample)
    }
    const after = t.rssKb()
    const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`
    console.log(`[hostile] workerd RSS: ${mb(before)} before; peak ${mb(afterLine)} through a 400 MB SSE line, ${mb(peak)} through a 50 MB JSON body; ${mb(after)} after`)
    expect(peak - before).toBeLessThan(96 * 1024)
  }, 60_000)
})
