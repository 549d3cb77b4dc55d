/**
 * Fault injection through the real Worker (workerd on loopback, real KV and Durable Objects) in front of the
 * provider emulators, driven by the official `openai` SDK. For each fault: what the client sees, whether fallback
 * happens (tiers have two candidates: premium gpt-4.1 → claude-sonnet-4-6, medium deepseek-chat → gpt-4.1-mini),
 * and that the spend ledger, the KV totals and the per-request records stay exact.
 *
 * DeepSeek is pointed at a closed port for the whole suite: "connection refused" on every medium first choice.
 */
import net from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTriage, type Triage } from './faults-harness'

let t: Triage
let client: OpenAI
let tenant: { id: string; api_key: string }
const sent = new Map<string, { scenario: string; cost?: number }>()
const injected = new Map<string, number>()

async function closedPort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as net.AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

beforeAll(async () => {
  const refused = await closedPort()
  t = await startTriage({
    DEEPSEEK_BASE_URL: `http://127.0.0.1:${refused}`,
    TRIAGE_PREMIUM_MODELS: 'gpt-4.1,claude-sonnet-4-6',
    TRIAGE_MEDIUM_MODELS: 'deepseek-chat,gpt-4.1-mini',
    TRIAGE_FIRST_BYTE_TIMEOUT_MS: '600',
    TRIAGE_TOTAL_TIMEOUT_MS: '1500',
    TRIAGE_MAX_ATTEMPTS: '2',
    TRIAGE_RETRY_BASE_MS: '10',
    TRIAGE_RETRY_MAX_MS: '100',
    TRIAGE_BREAKER_FAILURES: '1000',
  })
  tenant = await t.createTenant({ name: 'faults' })
  client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: tenant.api_key, maxRetries: 0, timeout: 20_000 })
}, 120_000)
afterAll(async () => t?.stop())

let n = 0
/** A request id per call, so each request's ledger record can be found. */
function rid(scenario: string, fault?: string): { headers: Record<string, string> } {
  const id = `flt-${scenario}-${++n}`
  sent.set(id, { scenario })
  if (fault) injected.set(fault, (injected.get(fault) ?? 0) + 1)
  return { headers: { 'x-request-id': id } }
}
const ask = (content: string) => [{ role: 'user' as const, content }]
const costOf = (h: Headers) => Math.round(Number(h.get('x-triage-cost-usd')) * 1e9)

describe('fault injection (real Worker, emulators, openai SDK)', () => {
  it('connection refused: the medium tier falls back from DeepSeek to gpt-4.1-mini, JSON and stream', async () => {
    const o = rid('refused', 'connection refused')
    const { data, response } = await client.chat.completions.create({ model: 'triage/medium', messages: ask('Compare two sorting algorithms') }, o).withResponse()
    expect(data.choices[0].message.content).toBe('Echo: Compare two sorting algorithms')
    expect(response.headers.get('x-triage-model')).toBe('gpt-4.1-mini')
    expect(response.headers.get('x-triage-attempts')).toBe('3') // 2 refused + 1
    sent.get(o.headers['x-request-id'])!.cost = costOf(response.headers)
    const s = await client.chat.completions.create({ model: 'triage/medium', stream: true, messages: ask('stream please') }, rid('refused-stream', 'connection refused'))
    let text = ''
    for await (const c of s) text += c.choices[0]?.delta?.content ?? ''
    expect(text).toBe('Echo: stream please')
  })

  it('stall before the first byte: the first-byte timeout moves a stream to the next candidate; a JSON call has the total timeout', async () => {
    const t0 = Date.now()
    const s = await client.chat.completions.create({ model: 'triage/premium', stream: true, messages: ask('Prove it [[fault:stall-first-byte;model=gpt-4.1]]') }, rid('stall-first-byte', 'stall before first byte'))
    let text = ''
    for await (const c of s) text += c.choices[0]?.delta?.content ?? ''
    expect(text).toBe('Echo: Prove it')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2 * 600)
    const { response } = await client.chat.completions.create({ model: 'triage/premium', messages: ask('Prove it again [[fault:stall-first-byte;model=gpt-4.1]]') }, rid('stall-json', 'stall before first byte')).withResponse()
    expect(response.headers.get('x-triage-model')).toBe('claude-sonnet-4-6')
    // Every candidate stalls: 504 timeout_error.
    const err = await client.chat.completions.create({ model: 'triage/premium', stream: true, messages: ask('Nobody answers [[fault:stall-first-byte]]') }, rid('stall-all', 'stall before first byte')).catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.APIError)
    expect(err.status).toBe(504)
    expect(err.error?.type ?? err.type).toBe('timeout_error')
  }, 30_000)

  it('stall mid-stream: no fallback after the first byte; the client gets an error event (SDK APIError) and the partial call is charged', async () => {
    const o = rid('stall-mid-stream', 'stall mid-stream')
    const s = await client.chat.completions.create({ model: 'gpt-4.1', stream: true, messages: ask('Tell a long story [[fault:slow-trickle;ms=5000]]') }, o)
    const err = await (async () => { for await (const _ of s) { /* read */ } })().catch((e) => e)
    expect(err).toBeInstanceOf(OpenAI.APIError)
    expect(String(err.message)).toMatch(/did not answer in time/)
  }, 20_000)

  it('200 with an invalid body: JSON and stream fall back to the next candidate; the unreadable answers are billed (estimated)', async () => {
    const o = rid('invalid-json', '200 with invalid body')
    const { data, response } = await client.chat.completions.create({ model: 'triage/premium', messages: ask('Summarise this [[fault:invalid-json;model=gpt-4.1]]') }, o).withResponse()
    expect(data.choices[0].message.content).toBe('Echo: Summarise this')
    expect(response.headers.get('x-triage-model')).toBe('claude-sonnet-4-6')
    sent.get(o.headers['x-request-id'])!.cost = costOf(response.headers)
    const s = await client.chat.completions.create({ model: 'triage/premium', stream: true, messages: ask('Summarise that [[fault:invalid-json;model=gpt-4.1]]') }, rid('invalid-json-stream', '200 with invalid body'))
    let text = ''
    for await (const c of s) text += c.choices[0]?.delta?.content ?? ''
    expect(text).toBe('Echo: Summarise that')
    // On every candidate: 502 upstream_error naming the problem.
    const err = await client.chat.completions.create({ model: 'triage/premium', messages: ask('Broken everywhere [[fault:invalid-json]]') }, rid('invalid-all', '200 with invalid body')).catch((e) => e)
    expect(err.status).toBe(502)
    expect(err.message).toMatch(/not JSON|not valid JSON|returned/i)
  })

  it('429 storm: 40 concurrent requests all fall back; a retry-after above the cap moves on at once; 429 everywhere is a clear 502', async () => {
    const storm = await Promise.all(Array.from({ length: 40 }, (_, i) => {
      const o = rid('429-storm', '429')
      return client.chat.completions.create({ model: 'triage/premium', messages: ask(`Question ${i} [[fault:429;model=gpt-4.1;retry-after=0]]`) }, o).withResponse()
        .then(({ response }) => { sent.get(o.headers['x-request-id'])!.cost = costOf(response.headers); return response })
    }))
    for (const r of storm) {
      expect(r.headers.get('x-triage-model')).toBe('claude-sonnet-4-6')
      expect(r.headers.get('x-triage-attempts')).toBe('3')
    }
    const t0 = Date.now()
    const { response } = await client.chat.completions.create({ model: 'triage/premium', messages: ask('Later [[fault:429;model=gpt-4.1;retry-after=30]]') }, rid('429-long', '429')).withResponse()
    expect(response.headers.get('x-triage-attempts')).toBe('2')
    expect(Date.now() - t0).toBeLessThan(3_000)
    const err = await client.chat.completions.create({ model: 'triage/premium', messages: ask('Everyone is busy [[fault:429;retry-after=0]]') }, rid('429-all', '429')).catch((e) => e)
    expect(err.status).toBe(502)
    expect(err.error?.type ?? err.type).toBe('upstream_error')
    expect(err.message).toMatch(/rate limiting/)
  }, 30_000)

  it('slow trickle within the timeouts: the whole answer arrives, chunk by chunk', async () => {
    const s = await client.chat.completions.create({ model: 'gpt-4.1', stream: true, stream_options: { include_usage: true }, messages: ask('one two three four five six [[fault:slow-trickle;ms=60]]') }, rid('slow-trickle', 'slow trickle'))
    const arrivals: number[] = []
    let text = ''
    let usage: unknown
    for await (const c of s) {
      arrivals.push(Date.now())
      text += c.choices[0]?.delta?.content ?? ''
      if (c.usage) usage = c.usage
    }
    expect(text).toBe('Echo: one two three four five six')
    expect(usage).toBeTruthy()
    expect(arrivals.at(-1)! - arrivals[0]).toBeGreaterThanOrEqual(5 * 60)
  })

  it('after all of it: ledger = KV totals = Σ per-request records, one record per request, and clients were charged what they were told', async () => {
    const money = await t.spend(tenant.id)
    expect(money.kv).toBe(money.ledger)
    expect(money.recordsTotal).toBe(money.ledger)
    expect(money.kvRequests).toBe(money.records.length)
    const byId = new Map(money.records.map((r) => [r.request_id, r]))
    expect(money.records.length).toBe(sent.size)
    for (const [id, s] of sent) {
      const r = byId.get(id)
      expect(r, `record for ${id}`).toBeTruthy()
      if (s.cost !== undefined) expect(r!.cost_nano, id).toBe(s.cost)
    }
    // The failed calls that the provider answered are in the bill.
    const invalid = byId.get([...sent].find(([, s]) => s.scenario === 'invalid-json')![0])!
    expect(invalid.calls.map((c) => [c.model, !!c.estimated])).toEqual([...Array(invalid.attempts - 1).fill(['gpt-4.1', true]), ['claude-sonnet-4-6', false]])
    expect(invalid.calls[0].cost_nano).toBeGreaterThan(0) // gpt-4.1's unreadable answer is billed
    const mid = [...sent].find(([, s]) => s.scenario === 'stall-mid-stream')![0]
    expect(byId.get(mid)!.status).toBe(504)
    expect(byId.get(mid)!.cost_nano).toBeGreaterThan(0)
    const faults = [...injected].map(([k, v]) => `${k} ×${v}`).join(', ')
    console.log(`[faults] ${sent.size} requests, faults injected: ${faults}; ledger ${money.ledger} = KV ${money.kv} = Σ records ${money.recordsTotal} nano-USD`)
  }, 30_000)
})
