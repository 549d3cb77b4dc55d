import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { testRouter, parseSSE, emulatorVars, type TestRouter } from './helpers'
import { expectValid } from '../support/openai-spec'
import { ledgerStub, listRequestRecords } from '../../src/ledger'
import type { Env } from '../../src/env'

let r: TestRouter
let key: string
beforeEach(async () => {
  r = testRouter()
  key = (await r.tenant()).api_key
})
afterEach(() => vi.restoreAllMocks())

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'auto', messages: [{ role: 'user', content }], ...extra })

describe('POST /v1/chat/completions', () => {
  it('answers JSON in the OpenAI format with every triage header', async () => {
    const res = await r.call('/v1/chat/completions', { key, json: ask('What is the capital of France?') })
    expect(res.status).toBe(200)
    const body: any = await res.json()
    expectValid('CreateChatCompletionResponse', body)
    for (const h of ['x-triage-tier', 'x-triage-score', 'x-triage-model', 'x-triage-provider', 'x-triage-attempts', 'x-triage-reason', 'x-triage-cost-usd', 'x-triage-budget-remaining-usd', 'x-request-id']) {
      expect(res.headers.get(h), h).toBeTruthy()
    }
    expect(Number(res.headers.get('x-triage-score'))).toBeGreaterThanOrEqual(0)
    expect(Number(res.headers.get('x-triage-cost-usd'))).toBeGreaterThan(0)
  })

  it('pipes a stream through chunk by chunk, strips usage the client did not ask for, ends with the cost comment and [DONE]', async () => {
    const res = await r.call('/v1/chat/completions', { key, json: ask('Tell me a joke', { model: 'triage/medium', stream: true }) })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const { data, comments } = parseSSE(await res.text())
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d))
    for (const c of chunks) expectValid('CreateChatCompletionStreamResponse', c)
    expect(chunks.every((c) => !('usage' in c))).toBe(true)
    expect(chunks.some((c) => c.choices[0]?.delta?.reasoning_content)).toBe(true) // DeepSeek's reasoning is kept
    expect(comments.some((c) => /^x-triage-cost-usd=0\.\d+$/.test(c))).toBe(true)
  })

  it('keeps the usage chunk when include_usage is set', async () => {
    const res = await r.call('/v1/chat/completions', { key, json: ask('Hi', { model: 'triage/premium', stream: true, stream_options: { include_usage: true } }) })
    const { data } = parseSSE(await res.text())
    const last = JSON.parse(data.at(-2)!)
    expect(last.choices).toEqual([])
    expect(last.usage.total_tokens).toBe(last.usage.prompt_tokens + last.usage.completion_tokens)
  })

  it('records the tier asked for before any cap, and for streams the time to the first chunk', async () => {
    const capped = await r.tenant({ policy: { allowed_tiers: ['trivial', 'medium'] } })
    const json = await r.call('/v1/chat/completions', { key: capped.api_key, json: ask('Hi', { model: 'triage/premium' }) })
    expect(json.headers.get('x-triage-tier')).toBe('medium')
    await (await r.call('/v1/chat/completions', { key: capped.api_key, json: ask('Tell me a joke', { model: 'triage/medium', stream: true }) })).text()
    const env = r.env as unknown as Env
    await ledgerStub(env, capped.id).flush()
    const { records } = await listRequestRecords(env.TRIAGE_KV, capped.id)
    const [first, second] = records.sort((a, b) => a.at.localeCompare(b.at))
    expect(first).toMatchObject({ tier: 'medium', requested_tier: 'premium', stream: false })
    expect(first.first_byte_ms).toBeUndefined()
    expect(second).toMatchObject({ tier: 'medium', requested_tier: 'medium', stream: true })
    expect(second.first_byte_ms).toBeGreaterThanOrEqual(0)
    expect(second.first_byte_ms).toBeLessThanOrEqual(second.latency_ms!)
  })

  it('ends a stream that fails mid-way with an OpenAI error event, and still charges what was produced', async () => {
    const res = await r.call('/v1/chat/completions', { key, json: ask('Count slowly to twenty please [[fault:cut-mid-stream;after=3]]', { model: 'triage/medium', stream: true }) })
    expect(res.status).toBe(200)
    const { data, comments } = parseSSE(await res.text())
    const error = data.map((d) => (d === '[DONE]' ? null : JSON.parse(d))).find((d) => d?.error)
    expect(error).toBeTruthy()
    expect(error.error.type).not.toBe('server_error')
    expectValid('ErrorResponse', error)
    expect(data).not.toContain('[DONE]')
    const cost = comments.find((c) => c.startsWith('x-triage-cost-usd='))
    expect(Number(cost?.split('=')[1])).toBeGreaterThan(0)
  })

  it('maps routing: tier aliases, pinned models and unknown models', async () => {
    const pinned = await r.call('/v1/chat/completions', { key, json: ask('hi', { model: 'claude-sonnet-4-6' }) })
    expect(pinned.headers.get('x-triage-model')).toBe('claude-sonnet-4-6')
    expect(pinned.headers.get('x-triage-provider')).toBe('anthropic')
    const trivial = await r.call('/v1/chat/completions', { key, json: ask('hi', { model: 'triage/trivial' }) })
    expect(trivial.headers.get('x-triage-provider')).toBe('workers-ai')
    const unknown = await r.call('/v1/chat/completions', { key, json: ask('hi', { model: 'gpt-17' }) })
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as any).error).toMatchObject({ code: 'model_not_found', param: 'model' })
  })
})

/** The last OpenAI-wire chat call the emulator received. */
const lastChatCall = (router: TestRouter) => router.emulator.requests.filter((q) => q.path.endsWith('/chat/completions')).at(-1)!

describe('fields a model refuses', () => {
  it('leaves a field out for the model that refuses it, names it in x-triage-dropped, and still sends it to a model that takes it', async () => {
    // gpt-4.1 (premium) is not a reasoning model: OpenAI (and the emulator) answer 400 to reasoning_effort
    const premium = await r.call('/v1/chat/completions', { key, json: ask('Hi', { model: 'triage/premium', reasoning_effort: 'high', seed: 7 }) })
    expect(premium.status).toBe(200)
    expect(premium.headers.get('x-triage-model')).toBe('gpt-4.1')
    expect(premium.headers.get('x-triage-attempts')).toBe('1')
    expect(premium.headers.get('x-triage-dropped')).toBe('reasoning_effort')
    const sent = lastChatCall(r)
    expect(sent.body).not.toHaveProperty('reasoning_effort')
    expect(sent.body.seed).toBe(7) // other unknown fields still pass through

    // deepseek-reasoner refuses logprobs; a stream too
    const medium = await r.call('/v1/chat/completions', { key, json: ask('Hi', { model: 'triage/medium', stream: true, logprobs: true, top_logprobs: 2, reasoning_effort: 'high' }) })
    expect(medium.status).toBe(200)
    expect(medium.headers.get('x-triage-dropped')).toBe('logprobs, top_logprobs')
    expect(parseSSE(await medium.text()).data.at(-1)).toBe('[DONE]')
    const sentDs = lastChatCall(r)
    expect(sentDs.body).not.toHaveProperty('logprobs')
    expect(sentDs.body).not.toHaveProperty('top_logprobs')
    expect(sentDs.body.reasoning_effort).toBe('high')

    // nothing dropped, no header
    const plain = await r.call('/v1/chat/completions', { key, json: ask('Hi', { model: 'triage/premium' }) })
    expect(plain.headers.get('x-triage-dropped')).toBeNull()

    // /v1/route says the same without calling anything
    const route: any = await (await r.call('/v1/route', { json: ask('Hi', { model: 'triage/premium', reasoning_effort: 'high' }) })).json()
    expect(route).toMatchObject({ model: 'gpt-4.1', dropped: ['reasoning_effort'] })
  })

  it('takes a model\'s unsupported fields from TRIAGE_MODELS', async () => {
    const custom = testRouter({
      ...emulatorVars,
      TRIAGE_MODELS: JSON.stringify({ 'gpt-4.1': { provider: 'openai', tier: 'premium', unsupported: ['temperature', 'reasoning_effort'] } }),
    })
    const k = (await custom.tenant()).api_key
    const res = await custom.call('/v1/chat/completions', { key: k, json: ask('Hi', { model: 'triage/premium', temperature: 0.2 }) })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-triage-dropped')).toBe('temperature')
    expect(lastChatCall(custom).body).not.toHaveProperty('temperature')
  })
})

describe('a request that names no output cap', () => {
  it('is sent the cap its reservation assumed, so the call cannot cost more than was reserved', async () => {
    const small = testRouter({ ...emulatorVars, TRIAGE_DEFAULT_MAX_TOKENS: '20' })
    const k = (await small.tenant({ budget: { daily_usd: 100 } })).api_key
    // The emulator echoes the prompt: uncapped, this answer would be ~200 tokens.
    const long = ask(Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '), { model: 'triage/premium' })
    const route: any = await (await small.call('/v1/route', { json: long })).json()
    const res = await small.call('/v1/chat/completions', { key: k, json: long })
    expect(res.status).toBe(200)
    const body: any = await res.json()
    expect(lastChatCall(small).body.max_tokens).toBe(20)
    expect(body.choices[0].finish_reason).toBe('length')
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(20)
    expect(Number(res.headers.get('x-triage-cost-usd'))).toBeLessThanOrEqual(Number(route.estimated_max_cost_usd))
  })

  it("uses the model's own default cap where it has one: deepseek-reasoner's 32K (its chain of thought counts)", async () => {
    const res = await r.call('/v1/chat/completions', { key, json: ask('Hi', { model: 'triage/medium', stream: true }) })
    expect(res.status).toBe(200)
    await res.text()
    expect(lastChatCall(r).body.max_tokens).toBe(32_768)
    const route: any = await (await r.call('/v1/route', { json: ask('Hi', { model: 'triage/medium' }) })).json()
    // deepseek-reasoner's output price is $0.42/M: 32,768 tokens alone reserve ≥ $0.0137
    expect(Number(route.estimated_max_cost_usd)).toBeGreaterThan(0.0137)
    // the client's own cap still wins
    await r.call('/v1/chat/completions', { key, json: ask('Hi', { model: 'triage/medium', max_tokens: 100 }) })
    expect(lastChatCall(r).body.max_tokens).toBe(100)
  })
})

describe('one output cap (issue 14 item 1)', () => {
  it('reserves and sends the smaller of max_completion_tokens and max_tokens: the DeepSeek call kept max_tokens 30000', async () => {
    const body = ask('Tell me a long story about a dragon', { model: 'triage/medium', max_completion_tokens: 1, max_tokens: 30_000 })
    const route: any = await (await r.call('/v1/route', { key, json: body })).json()
    const res = await r.call('/v1/chat/completions', { key, json: body })
    expect(res.status).toBe(200)
    const sent = lastChatCall(r).body
    expect(sent.max_tokens).toBe(1)
    expect(sent).not.toHaveProperty('max_completion_tokens')
    expect(Number(res.headers.get('x-triage-cost-usd'))).toBeLessThanOrEqual(Number(route.estimated_max_cost_usd))
    // deepseek-reasoner: the reservation is the input bound plus one output token, not 30,000 (≈ $0.0126)
    expect(Number(route.estimated_max_cost_usd)).toBeLessThan(0.0001)
  })
})

describe('the output cap for OpenAI reasoning models', () => {
  it('sends max_tokens as max_completion_tokens to o-series and GPT-5 models (which refuse max_tokens), JSON and stream', async () => {
    const custom = testRouter({
      ...emulatorVars,
      TRIAGE_MODELS: JSON.stringify({ o3: { provider: 'openai', tier: 'premium' }, 'gpt-5.1': { provider: 'openai', tier: 'premium' } }),
      // Test prices: an unpriced model is never run.
      TRIAGE_PRICES: JSON.stringify({ o3: { input: 2, output: 8 }, 'gpt-5.1': { input: 1.25, output: 10 } }),
    })
    const k = (await custom.tenant()).api_key
    for (const model of ['o3', 'gpt-5.1']) {
      for (const stream of [false, true]) {
        const res = await custom.call('/v1/chat/completions', { key: k, json: ask('Hi', { model, stream, max_tokens: 64 }) })
        expect(res.status).toBe(200)
        expect(res.headers.get('x-triage-model')).toBe(model)
        const sent = lastChatCall(custom).body
        expect(sent).not.toHaveProperty('max_tokens')
        expect(sent.max_completion_tokens).toBe(64)
      }
    }
    // gpt-4.1 takes max_tokens as sent
    const plain = await custom.call('/v1/chat/completions', { key: k, json: ask('Hi', { model: 'gpt-4.1', max_tokens: 64 }) })
    expect(plain.status).toBe(200)
    expect(lastChatCall(custom).body.max_tokens).toBe(64)
  })
})

describe('errors on the request path', () => {
  it('401 without a key, 400 with param for a bad body, 400 for bad JSON, 415, 413', async () => {
    const none = await r.call('/v1/chat/completions', { json: ask('hi') })
    expect(none.status).toBe(401)
    expectValid('ErrorResponse', await none.json())

    const bad = await r.call('/v1/chat/completions', { key, json: { model: 'auto', messages: [{ role: 'user', content: 'x' }], temperature: 9 } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as any).error.param).toBe('temperature')

    const notJson = await r.call('/v1/chat/completions', { key, method: 'POST', body: '{"messages": [', headers: { 'content-type': 'application/json' } })
    expect(notJson.status).toBe(400)
    expect(((await notJson.json()) as any).error.code).toBe('invalid_json')

    const text = await r.call('/v1/chat/completions', { key, method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } })
    expect(text.status).toBe(415)

    const big = await r.call('/v1/chat/completions', { key, json: ask('x'.repeat(5 * 1024 * 1024)) })
    expect(big.status).toBe(413)
    expectValid('ErrorResponse', await big.json())
  })

  it('404 for unknown routes, 405 for the wrong method, in the OpenAI format', async () => {
    const nf = await r.call('/v2/nothing')
    expect(nf.status).toBe(404)
    expectValid('ErrorResponse', await nf.json())
    const m = await r.call('/v1/chat/completions', { method: 'GET' })
    expect(m.status).toBe(405)
    expect(m.headers.get('allow')).toBe('POST')
    expectValid('ErrorResponse', await m.json())
  })

  it('maps an upstream 500 (after retries and fallback) to a 502 without leaking the key', async () => {
    const res = await r.call('/v1/chat/completions', { key, json: ask('hello [[fault:500]]', { model: 'triage/medium' }) })
    expect(res.status).toBe(502)
    const text = await res.text()
    expectValid('ErrorResponse', JSON.parse(text))
    expect(text).not.toContain('sk-emulator')
  })
})

describe('no credentials', () => {
  it('skips a configured model that has no price (it could not be charged), and 503s model_unpriced when nothing priced is left', async () => {
    const vars = { ...emulatorVars, TRIAGE_MODELS: JSON.stringify({ mystery: { provider: 'openai', upstream: 'mystery-1', tier: 'premium' } }) }
    const first = testRouter({ ...vars, TRIAGE_PREMIUM_MODELS: 'mystery,gpt-4.1' })
    const k = (await first.tenant()).api_key
    const res = await first.call('/v1/chat/completions', { key: k, json: ask('hi', { model: 'triage/premium' }) })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-triage-model')).toBe('gpt-4.1')
    expect(first.emulator.requests.map((q: { body?: { model?: string } }) => q.body?.model)).not.toContain('mystery-1')
    const only = testRouter({ ...vars, TRIAGE_PREMIUM_MODELS: 'mystery' })
    const k2 = (await only.tenant()).api_key
    const refused = await only.call('/v1/chat/completions', { key: k2, json: ask('hi', { model: 'triage/premium' }) })
    expect(refused.status).toBe(503)
    const body: any = await refused.json()
    expectValid('ErrorResponse', body)
    expect(body.error).toMatchObject({ code: 'model_unpriced', param: 'model' })
    expect(body.error.message).toContain('mystery')
  })

  it('answers 503 naming the missing setting, while /v1/route still works', async () => {
    const bare = testRouter({ ADMIN_TOKEN: 'test-admin-token-Xq7Lm2Rb9Kd4Vt8Nc5Hs1Wf6Jz3Pg0Ey' })
    const { api_key } = await bare.tenant()
    const res = await bare.call('/v1/chat/completions', { key: api_key, json: ask('hi', { model: 'triage/medium' }) })
    expect(res.status).toBe(503)
    const body: any = await res.json()
    expectValid('ErrorResponse', body)
    expect(body.error.message).toContain('DEEPSEEK_API_KEY')

    const route = await bare.call('/v1/route', { json: ask('Prove that there are infinitely many primes.') })
    expect(route.status).toBe(200)
    const decision: any = await route.json()
    expect(decision).toMatchObject({ provider_configured: expect.any(Boolean) })
    expect(['trivial', 'medium', 'premium']).toContain(decision.tier)
    expect(decision.reasons.length).toBeGreaterThan(0)
    expect(Number(decision.estimated_max_cost_usd)).toBeGreaterThan(0)
  })
})
