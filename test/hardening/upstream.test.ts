/**
 * An upstream that misbehaves (issue 14, item 6), through the whole app inside workerd: the emulator's hostile
 * faults (test/fixtures/emulator.mjs: ignore-max-tokens, absurd-usage, huge-line, huge-json). Triage must stop
 * relaying at the request's output cap, never charge past what the reservation covers, keep every total a finite
 * integer, and refuse oversized events and bodies with a clear error instead of buffering them.
 */
import { runDurableObjectAlarm } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testRouter, emulatorVars, parseSSE } from '../api/helpers'
import { expectValid } from '../support/openai-spec'
import { buildConfig } from '../../src/config'
import { worstCase } from '../../src/money'
import { parseChatRequest } from '../../src/openai/request'
import { ledgerStub, readSpend } from '../../src/ledger'
import { UPSTREAM_LIMITS } from '../../src/providers/types'

afterEach(() => vi.restoreAllMocks())

const config = buildConfig(emulatorVars)
const nano = (usd: string | null) => Math.round(Number(usd) * 1e9)
const body = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'gpt-4.1', messages: [{ role: 'user', content }], ...extra })
/** The reservation the app makes for this body on gpt-4.1 (one candidate: the model is pinned). */
const reserved = (b: Record<string, unknown>) => {
  const r = parseChatRequest(b)
  if (!r.ok) throw new Error(r.message)
  return worstCase(r.request, 'gpt-4.1', config)
}

describe('an upstream that ignores max_tokens', () => {
  it('stream: the relay stops at the cap (10) with finish_reason "length", the upstream is cancelled, and the charge is at most the cap', async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    const b = body('Tell me everything [[fault:ignore-max-tokens;tokens=5000]]', { max_tokens: 10, stream: true, stream_options: { include_usage: true } })
    const res = await r.call('/v1/chat/completions', { key, json: b })
    expect(res.status).toBe(200)
    const { data, comments } = parseSSE(await res.text())
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d))
    for (const c of chunks) expectValid('CreateChatCompletionStreamResponse', c)
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')
    const relayed = text.match(/\S+/g)?.length ?? 0
    console.log(`[upstream] ignore-max-tokens (stream): upstream sent up to 5000 tokens, ${relayed} relayed against a cap of 10`)
    expect(relayed).toBeLessThanOrEqual(10)
    expect(relayed).toBeGreaterThan(0)
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['length'])
    const usage = chunks.at(-1).usage
    expect(usage.completion_tokens).toBeLessThanOrEqual(10)
    const cost = nano(comments.find((l) => l.startsWith('x-triage-cost-usd='))!.split('=')[1])
    expect(cost).toBeGreaterThan(0)
    expect(cost).toBeLessThanOrEqual(reserved(b))
  })

  it('stream with several tokens a chunk and cumulative usage on each: the usage ends it at the cap', async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    // 5 tokens a chunk ("w0 w1 w2 w3 w4", 14 characters: counted as 1 from the text alone); usage says 5, 10, 15, …
    const b = body('Tell me everything [[fault:ignore-max-tokens;tokens=500;per=5;usage=each]]', { max_tokens: 10, stream: true, stream_options: { include_usage: true } })
    const res = await r.call('/v1/chat/completions', { key, json: b })
    const { data, comments } = parseSSE(await res.text())
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d))
    const relayed = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('').match(/\S+/g)?.length ?? 0
    expect(relayed).toBeLessThanOrEqual(10)
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['length'])
    expect(chunks.at(-1).usage.completion_tokens).toBe(10)
    expect(nano(comments.find((l) => l.startsWith('x-triage-cost-usd='))!.split('=')[1])).toBeLessThanOrEqual(reserved(b))
  })

  it('JSON: the answer is charged at most the cap, not the 5,000 tokens the upstream reports', async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    const b = body('Tell me everything [[fault:ignore-max-tokens;tokens=5000]]', { max_tokens: 10 })
    const res = await r.call('/v1/chat/completions', { key, json: b })
    expect(res.status).toBe(200)
    const cost = nano(res.headers.get('x-triage-cost-usd'))
    expect(cost).toBeLessThanOrEqual(reserved(b))
    // Exactly the cap's 10 output tokens plus the prompt the emulator counts (4 runs of non-space), at gpt-4.1's $2 / $8 per 1M.
    expect(cost).toBe(4 * 2_000 + 10 * 8_000)
  })
})

describe('an upstream that reports absurd usage', () => {
  it('1e308 prompt and completion tokens: charged the reservation at most, logged, and the ledger and KV totals stay finite integers', async () => {
    const r = testRouter()
    const tenant = await r.tenant()
    const warn = vi.spyOn(console, 'warn')
    const costs: number[] = []
    for (const stream of [false, true, false]) {
      const b = body(`How much? [[fault:absurd-usage;fields=prompt_tokens,completion_tokens]]`, { max_tokens: 20, stream })
      const res = await r.call('/v1/chat/completions', { key: tenant.api_key, json: b })
      expect(res.status).toBe(200)
      const text = await res.text()
      const c = stream ? parseSSE(text).comments.find((l) => l.startsWith('x-triage-cost-usd='))!.split('=')[1] : res.headers.get('x-triage-cost-usd')
      costs.push(nano(c))
      expect(nano(c)).toBeLessThanOrEqual(reserved(b))
    }
    expect(warn.mock.calls.map((a) => String(a[0])).filter((l) => l.includes('impossible usage')).length).toBe(3)
    const stub = ledgerStub(r.env as any, tenant.id)
    await runDurableObjectAlarm(stub) // flush the totals to KV
    const day = new Date().toISOString().slice(0, 10)
    const kv = (await readSpend((r.env as any).TRIAGE_KV, tenant.id, day))!
    for (const n of [kv.nano, kv.premium_nano, kv.tokens.input, kv.tokens.output, ...Object.values(kv.by_model).flatMap((b) => [b.nano, b.tokens.input, b.tokens.output])]) {
      expect(Number.isSafeInteger(n), `total ${n}`).toBe(true)
    }
    expect(kv.nano).toBe(costs.reduce((a, b) => a + b, 0))
  })
})

describe('an upstream that sends too much', () => {
  it(`an SSE line larger than ${UPSTREAM_LIMITS.maxEventBytes} bytes: the stream ends with an error event naming the limit, and is settled`, async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    const res = await r.call('/v1/chat/completions', { key, json: body('Go [[fault:huge-line;mb=3]]', { stream: true }) })
    expect(res.status).toBe(200)
    const { data, comments } = parseSSE(await res.text())
    const err = JSON.parse(data.at(-1)!)
    expectValid('ErrorResponse', err)
    expect(err.error.type).toBe('upstream_error')
    expect(err.error.message).toContain(`an event larger than ${UPSTREAM_LIMITS.maxEventBytes} bytes`)
    expect(comments.some((l) => l.startsWith('x-triage-cost-usd='))).toBe(true)
  })

  it(`a JSON body larger than ${UPSTREAM_LIMITS.maxAnswerBytes} bytes: 502 upstream_error naming the limit`, async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    const res = await r.call('/v1/chat/completions', { key, json: body('Go [[fault:huge-json;mb=20]]') })
    expect(res.status).toBe(502)
    const e: any = await res.json()
    expectValid('ErrorResponse', e)
    expect(e.error.type).toBe('upstream_error')
    expect(e.error.message).toContain(`larger than ${UPSTREAM_LIMITS.maxAnswerBytes} bytes`)
  })
})
