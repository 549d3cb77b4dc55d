/**
 * Fuzzing each provider's response normaliser through the router: a provider that answers 200 with a malformed
 * body (arbitrary JSON, truncated JSON, the right shape with one field replaced by junk, or a stream whose events
 * turn to junk mid-way) must give the client a 502 `upstream_error` naming the provider — or, when the junk is
 * harmless, a completion whose choices, messages and content are well-typed — never a 500. And the spend is still recorded: every
 * request leaves exactly one ledger record, the provider's answered-but-unreadable call is charged (estimated), and
 * the ledger, the KV totals and the per-request records agree to the nano-dollar.
 */
import fc from 'fast-check'
import { env } from 'cloudflare:test'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { testRouter, emulatorVars } from '../api/helpers'
import { expectValid } from '../support/openai-spec'
import { listRequestRecords, readSpend, type SpendRecord } from '../../src/ledger'
import { completionProblem } from '../../src/providers/openai-compatible'
import { counted, report, fastCaller, FUZZ_SEED } from './fuzz'

const counters: Record<string, { n: number }> = { openai: { n: 0 }, deepseek: { n: 0 }, anthropic: { n: 0 }, 'workers-ai': { n: 0 }, stream: { n: 0 } }
afterAll(() => report('provider normalisers', counters))

/** A valid answer in each provider's wire format, to mutate. */
const samples: Record<string, () => any> = {
  openai: () => ({ id: 'chatcmpl-1', object: 'chat.completion', created: 1767225600, model: 'gpt-4.1', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello', refusal: null }, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }),
  deepseek: () => ({ id: 'ds-1', object: 'chat.completion', created: 1767225600, model: 'deepseek-chat', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello', reasoning_content: 'hm' }, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 3 } }),
  anthropic: () => ({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [{ type: 'text', text: 'Hello' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } }),
  'workers-ai': () => ({ result: { response: 'Hello', usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }, success: true, errors: [], messages: [] }),
}
const junk = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, undefined, -1, 1e308, 'NaN', [], {}, [null], { message: 5 }, '__proto__'))

/** Paths of every field in a JSON value. */
function paths(v: unknown, prefix: string[] = []): string[][] {
  if (!v || typeof v !== 'object') return [prefix]
  return [prefix, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...prefix, k]))]
}
function setPath(root: any, path: string[], value: unknown): any {
  if (path.length === 0) return value
  let node = root
  for (const p of path.slice(0, -1)) node = node[p]
  if (value === undefined) delete node[path.at(-1)!]
  else node[path.at(-1)!] = value
  return root
}

const malformedBody = (provider: string) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...paths(samples[provider]())).chain((p) => junk.map((j) => JSON.stringify(setPath(samples[provider](), p, j)) ?? '')) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.nat().map((n) => { const s = JSON.stringify(samples[provider]()); return s.slice(0, n % s.length) }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  )

/** A router on the emulators with one attempt and no breaker (every fuzz case reaches the provider), a tenant, quiet logs. */
async function fuzzRouter() {
  vi.spyOn(console, 'log').mockImplementation(() => {})
  const r = testRouter({ ...emulatorVars, TRIAGE_MAX_ATTEMPTS: '1', TRIAGE_BREAKER_FAILURES: '999' })
  const t = await r.tenant({ budget: { daily_usd: 1000 } })
  return { r, t, emu: r.emulator as { fetch: typeof fetch }, fast: fastCaller(r.env) }
}

describe('provider normaliser fuzz (JSON answers)', () => {
  it('a malformed 200 → 502 naming the provider (or a well-typed completion), and every request is recorded and charged exactly', async () => {
    const { t, emu, fast } = await fuzzRouter()
    const real = emu.fetch
    const models: Record<string, string> = { openai: 'gpt-4.1', deepseek: 'deepseek-chat', anthropic: 'claude-sonnet-4-6', 'workers-ai': '@cf/meta/llama-3.2-3b-instruct' }
    const seen = { ok: 0, bad: 0, costs: 0 }
    for (const provider of Object.keys(models)) {
      await fc.assert(fc.asyncProperty(malformedBody(provider), counted(counters[provider], async (body) => {
        emu.fetch = async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
        const res = await fast.call('/v1/chat/completions', { key: t.api_key, json: { model: models[provider], messages: [{ role: 'user', content: 'hi' }] } })
        const json: any = await res.json().catch(() => null)
        if (res.status === 200) {
          // Harmless junk (an extra field, a logprobs value) passes through; what clients read must be well-typed.
          expect(completionProblem(json), JSON.stringify(json)).toBeNull()
          expect(typeof json.choices[0]?.message?.content === 'string' || json.choices[0]?.message?.content === null || json.choices.length === 0).toBe(true)
          seen.ok++
          seen.costs += Math.round(Number(res.headers.get('x-triage-cost-usd')) * 1e9)
          return
        }
        expect(res.status, JSON.stringify(json)).toBe(502)
        expectValid('ErrorResponse', json)
        expect(json.error.type).toBe('upstream_error')
        expect(json.error.message).toContain(provider)
        seen.bad++
      })), { numRuns: 250, seed: FUZZ_SEED })
    }
    emu.fetch = real
    await fast.settled()
    // The ledger has one record per request; unreadable answers are charged their estimated prompt.
    const stub = env.TENANT_LEDGER.get(env.TENANT_LEDGER.idFromName(t.id)) as any
    // The DO writes KV in batches of 500 records per flush: flush until nothing is pending.
    while ((await stub.snapshot()).kv_pending > 0) await stub.flush()
    const snap = await stub.snapshot()
    expect(snap.charges).toBe(seen.ok + seen.bad)
    const records: SpendRecord[] = []
    let cursor: string | undefined
    do {
      const page = await listRequestRecords(env.TRIAGE_KV, t.id, { cursor, limit: 1000 })
      records.push(...page.records)
      cursor = page.cursor
    } while (cursor)
    expect(records.length).toBe(seen.ok + seen.bad)
    const failed = records.filter((x) => x.status === 502)
    expect(failed.length).toBe(seen.bad)
    // An unreadable 200 is billed (estimated prompt); a 200 carrying the provider's own documented error shape is not.
    for (const f of failed) {
      for (const c of f.calls) expect(c.estimated, JSON.stringify(f)).toBe(true)
      expect(f.cost_nano).toBe(f.calls.reduce((n, c) => n + c.cost_nano, 0))
    }
    expect(failed.filter((f) => f.cost_nano > 0).length).toBeGreaterThan(failed.length / 2)
    const sum = records.reduce((s, x) => s + x.cost_nano, 0)
    expect(sum).toBe(snap.charged_nano)
    expect((await readSpend(env.TRIAGE_KV, t.id, snap.daily.period)).nano).toBe(snap.charged_nano)
    expect(records.filter((x) => x.status === 200).reduce((s, x) => s + x.cost_nano, 0)).toBe(seen.costs)
    console.info(`[fuzz] normalisers: ${seen.ok} harmless, ${seen.bad} → 502 (${failed.filter((f) => f.cost_nano > 0).length} billed); ledger = KV = Σ records = ${snap.charged_nano} nano-USD`)
    vi.restoreAllMocks()
  }, 60_000)
})

describe('provider normaliser fuzz (streams turning to junk mid-way)', () => {
  it('the client gets the text so far, then an OpenAI error event and the cost; the partial spend is charged', async () => {
    const { t, emu, fast } = await fuzzRouter()
    const good = (c: string) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4.1', choices: [{ index: 0, delta: { content: c }, finish_reason: null }] })}\n\n`
    await fc.assert(fc.asyncProperty(fc.array(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
      counted(counters.stream, async (pieces, garbage) => {
        const bad = `data: {${garbage.replace(/\n|\r/g, ' ')}\n\n`
        emu.fetch = async () => new Response(pieces.map(good).join('') + bad, { status: 200, headers: { 'content-type': 'text/event-stream' } })
        const res = await fast.call('/v1/chat/completions', { key: t.api_key, json: { model: 'gpt-4.1', stream: true, messages: [{ role: 'user', content: 'hi' }] } })
        expect(res.status).toBe(200)
        const text = await res.text()
        const data = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6))
        const err = JSON.parse(data.at(-1)!)
        expectValid('ErrorResponse', err)
        expect(err.error.message).toMatch(/openai/)
        expect(data.slice(0, -1).map((d) => JSON.parse(d).choices[0].delta.content).join('')).toBe(pieces.join(''))
        expect(Number(/x-triage-cost-usd=([\d.]+)/.exec(text)?.[1])).toBeGreaterThan(0)
      })), { numRuns: 150, seed: FUZZ_SEED })
    await fast.settled()
    vi.restoreAllMocks()
  }, 60_000)
})
