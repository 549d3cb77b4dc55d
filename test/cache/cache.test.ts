/**
 * The response cache (src/cache) through the real app in workerd: key normalisation, scope per tenant, opt-in and
 * opt-out, the determinism and tools rules, TTL, replay as SSE (OpenAI with and without include_usage, Anthropic),
 * no charge on a hit and its saving counted by the ledger, errors and cut streams never stored.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { testRouter, parseSSE, ADMIN, type TestRouter } from '../api/helpers'
import { formatUsd } from '../../src/money'
import { expectValid } from '../support/openai-spec'
import { ledgerStub, listRequestRecords, readSpend } from '../../src/ledger'
import { cacheKey, canonicalJson, routingInputs, type CachedAnswer, type RoutingInputs } from '../../src/cache'
import { loadConfig, type ConfigEnv } from '../../src/config'
import { resolvePolicy } from '../../src/tenants'
import { dayOf } from '../../src/ledger/periods'
import type { ChatRequest } from '../../src/openai/request'
import type { Env } from '../../src/env'

let r: TestRouter
let tenant: { id: string; api_key: string }
beforeEach(async () => {
  r = testRouter()
  tenant = await r.tenant({ policy: { cache: { enabled: true } } })
})
afterEach(() => vi.restoreAllMocks())

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'triage/premium', temperature: 0, messages: [{ role: 'user', content }], ...extra })
const chat = (json: unknown, key = tenant.api_key, headers: Record<string, string> = {}) => r.call('/v1/chat/completions', { key, json, headers })
const upstream = () => r.emulator.requests.length
const env = () => r.env as unknown as Env

describe('cache key', () => {
  const routing: RoutingInputs = { thresholds: { medium: 0.3, premium: 0.7 }, allowed_tiers: null, tiers: { trivial: ['a'], medium: ['b'], premium: ['c'] } }
  const req = (extra: Record<string, unknown> = {}) => ({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], temperature: 0, ...extra }) as ChatRequest

  it('leaves out the fields that cannot change the answer, and sorts keys', async () => {
    const base = await cacheKey('ten_a', req(), routing)
    expect(base).toMatch(/^cache:ten_a:[0-9a-f]{64}$/)
    const same = { stream: true, stream_options: { include_usage: true }, user: 'u1', metadata: { a: 'b' }, store: true, service_tier: 'flex' }
    expect(await cacheKey('ten_a', req(same), routing)).toBe(base)
    const reordered = { temperature: 0, messages: [{ content: 'hi', role: 'user' }], model: 'auto' } as ChatRequest
    expect(await cacheKey('ten_a', reordered, routing)).toBe(base)
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe('{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}')
  })

  it('takes the thresholds routing uses (a policy override, else the config)', () => {
    const config = loadConfig(r.env as unknown as ConfigEnv)
    expect(routingInputs({ policy: resolvePolicy({ thresholds: { premium: 0.9 } }) }, config).thresholds).toEqual({ medium: config.thresholds.medium, premium: 0.9 })
    expect(routingInputs({ policy: resolvePolicy({ allowed_tiers: ['trivial'] }) }, config)).toMatchObject({ allowed_tiers: ['trivial'], tiers: config.tiers })
  })

  it('keeps every field that can change the answer, the tenant and what routing depends on', async () => {
    const base = await cacheKey('ten_a', req(), routing)
    for (const extra of [{ temperature: 0.5 }, { max_tokens: 10 }, { model: 'triage/premium' }, { stop: ['x'] }, { seed: 1 }, { messages: [{ role: 'user', content: 'hi!' }] }, { response_format: { type: 'json_object' } }]) {
      expect(await cacheKey('ten_a', req(extra), routing), JSON.stringify(extra)).not.toBe(base)
    }
    expect(await cacheKey('ten_b', req(), routing)).not.toBe(base.replace('ten_a', 'ten_b'))
    expect(await cacheKey('ten_a', req(), { ...routing, thresholds: { medium: 0.3, premium: 0.8 } })).not.toBe(base)
    expect(await cacheKey('ten_a', req(), { ...routing, allowed_tiers: ['trivial'] })).not.toBe(base)
    expect(await cacheKey('ten_a', req(), { ...routing, tiers: { ...routing.tiers, premium: ['d'] } })).not.toBe(base)
  })
})

describe('response cache', () => {
  it('answers a second identical request from the cache: hit, cost 0, one upstream call, the same answer', async () => {
    const first = await chat(ask('What is the capital of France?'))
    expect(first.headers.get('x-triage-cache')).toBe('miss')
    const a: any = await first.json()
    const calls = upstream()
    const second = await chat(ask('What is the capital of France?', { stream: false, user: 'someone-else' }))
    expect(second.status).toBe(200)
    expect(second.headers.get('x-triage-cache')).toBe('hit')
    expect(Number(second.headers.get('x-triage-cost-usd'))).toBe(0)
    expect(second.headers.get('x-triage-model')).toBe(first.headers.get('x-triage-model'))
    const b: any = await second.json()
    expectValid('CreateChatCompletionResponse', b)
    expect(b.choices[0].message.content).toBe(a.choices[0].message.content)
    expect(upstream()).toBe(calls)
  })

  it('is opt-in: off without the policy unless the request says on; a request can say off', async () => {
    const plain = await r.tenant()
    await chat(ask('Hello'), plain.api_key)
    const res = await chat(ask('Hello'), plain.api_key)
    expect(res.headers.get('x-triage-cache')).toBeNull()
    expect(Number(res.headers.get('x-triage-cost-usd'))).toBeGreaterThan(0)
    await chat(ask('Hello there'), plain.api_key, { 'x-triage-cache': 'on' })
    expect((await chat(ask('Hello there'), plain.api_key, { 'x-triage-cache': 'ON' })).headers.get('x-triage-cache')).toBe('hit')
    await chat(ask('Opted out'))
    const off = await chat(ask('Opted out'), tenant.api_key, { 'x-triage-cache': 'off' })
    expect(off.headers.get('x-triage-cache')).toBeNull()
    expect(Number(off.headers.get('x-triage-cost-usd'))).toBeGreaterThan(0)
  })

  it('rejects a bad x-triage-cache or x-triage-cache-ttl with a 400 naming the header', async () => {
    for (const [h, v] of [['x-triage-cache', 'maybe'], ['x-triage-cache-ttl', '0'], ['x-triage-cache-ttl', '86401'], ['x-triage-cache-ttl', '1.5'], ['x-triage-cache-ttl', 'soon']]) {
      const res = await chat(ask('Hi'), tenant.api_key, { [h]: v })
      expect(res.status, `${h}: ${v}`).toBe(400)
      const body: any = await res.json()
      expect(body.error).toMatchObject({ type: 'invalid_request_error', param: h })
    }
  })

  it('is never shared across tenants', async () => {
    const other = await r.tenant({ policy: { cache: { enabled: true } } })
    await chat(ask('Shared question'))
    const res = await chat(ask('Shared question'), other.api_key)
    expect(res.headers.get('x-triage-cache')).toBe('miss')
    expect(Number(res.headers.get('x-triage-cost-usd'))).toBeGreaterThan(0)
  })

  it('caches only deterministic requests unless the policy says so', async () => {
    const loose = { model: 'triage/premium', messages: [{ role: 'user', content: 'Pick a number' }] }
    await chat(loose)
    const res = await chat(loose)
    expect(res.headers.get('x-triage-cache')).toBe('bypass')
    expect(Number(res.headers.get('x-triage-cost-usd'))).toBeGreaterThan(0)
    const any = await r.tenant({ policy: { cache: { enabled: true, deterministic_only: false } } })
    await chat({ ...loose, temperature: 0.9 }, any.api_key)
    expect((await chat({ ...loose, temperature: 0.9 }, any.api_key)).headers.get('x-triage-cache')).toBe('hit')
  })

  it('caches requests with tools only when the policy allows it, and replays the tool call', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
    const req = ask('Call get_weather for Paris', { tools, tool_choice: 'required' })
    await chat(req)
    expect((await chat(req)).headers.get('x-triage-cache')).toBe('bypass')
    const withTools = await r.tenant({ policy: { cache: { enabled: true, tools: true } } })
    const first: any = await (await chat(req, withTools.api_key)).json()
    expect(first.choices[0].finish_reason).toBe('tool_calls')
    const hit = await chat({ ...req, stream: true }, withTools.api_key)
    expect(hit.headers.get('x-triage-cache')).toBe('hit')
    const chunks = parseSSE(await hit.text()).data.slice(0, -1).map((d) => JSON.parse(d))
    for (const c of chunks) expectValid('CreateChatCompletionStreamResponse', c)
    const call = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? [])[0]
    expect(call).toMatchObject({ index: 0, id: first.choices[0].message.tool_calls[0].id, function: { name: 'get_weather', arguments: first.choices[0].message.tool_calls[0].function.arguments } })
    expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls')
  })

  it('serves an answer only while it is younger than the TTL (policy, or the request header)', async () => {
    const req = ask('Aging answer')
    await chat(req)
    const config = loadConfig(r.env as unknown as ConfigEnv)
    const t = { id: tenant.id, policy: resolvePolicy({ cache: { enabled: true } }) }
    const key = await cacheKey(tenant.id, req as ChatRequest, routingInputs(t, config))
    const stored = (await env().TRIAGE_KV.get<CachedAnswer>(key, 'json'))!
    expect(stored).toMatchObject({ v: 1, tier: 'premium' })
    await env().TRIAGE_KV.put(key, JSON.stringify({ ...stored, stored_at: Date.now() - 100_000 })) // 100 s old
    expect((await chat(req)).headers.get('x-triage-cache')).toBe('hit') // policy TTL 300 s
    await env().TRIAGE_KV.put(key, JSON.stringify({ ...stored, stored_at: Date.now() - 100_000 }))
    expect((await chat(req, tenant.api_key, { 'x-triage-cache-ttl': '60' })).headers.get('x-triage-cache')).toBe('miss')
    const short = await r.tenant({ policy: { cache: { enabled: true, ttl_s: 30 } } })
    const k2 = await cacheKey(short.id, req as ChatRequest, routingInputs({ policy: resolvePolicy({ cache: { enabled: true, ttl_s: 30 } }) }, config))
    await chat(req, short.api_key)
    const s2 = (await env().TRIAGE_KV.get<CachedAnswer>(k2, 'json'))!
    await env().TRIAGE_KV.put(k2, JSON.stringify({ ...s2, stored_at: Date.now() - 31_000 }))
    expect((await chat(req, short.api_key)).headers.get('x-triage-cache')).toBe('miss')
  })

  it('replays a cached answer as SSE, with the usage chunk only when include_usage is set', async () => {
    const json: any = await (await chat(ask('Tell me a joke'))).json()
    const plain = await chat(ask('Tell me a joke', { stream: true }))
    expect(plain.headers.get('x-triage-cache')).toBe('hit')
    const p = parseSSE(await plain.text())
    expect(p.data.at(-1)).toBe('[DONE]')
    const chunks = p.data.slice(0, -1).map((d) => JSON.parse(d))
    for (const c of chunks) expectValid('CreateChatCompletionStreamResponse', c)
    expect(chunks.every((c) => !('usage' in c))).toBe(true)
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(json.choices[0].message.content)
    expect(p.comments).toContain('x-triage-cost-usd=0.00')
    const withUsage = parseSSE(await (await chat(ask('Tell me a joke', { stream: true, stream_options: { include_usage: true } }))).text())
    const last = JSON.parse(withUsage.data.at(-2)!)
    expect(last.choices).toEqual([])
    expect(last.usage).toMatchObject({ prompt_tokens: json.usage.prompt_tokens, completion_tokens: json.usage.completion_tokens })
  })

  it('stores a streamed miss whole, and serves it as JSON', async () => {
    const streamed = parseSSE(await (await chat(ask('Stream me a story', { model: 'triage/medium', stream: true }))).text())
    const text = streamed.data.slice(0, -1).map((d) => JSON.parse(d)).map((c) => c.choices[0]?.delta?.content ?? '').join('')
    const hit = await chat(ask('Stream me a story', { model: 'triage/medium' }))
    expect(hit.headers.get('x-triage-cache')).toBe('hit')
    const body: any = await hit.json()
    expectValid('CreateChatCompletionResponse', body)
    expect(body.choices[0].message.content).toBe(text)
    expect(body.choices[0].message.reasoning_content).toBeTruthy() // DeepSeek's reasoning kept, as live
  })

  it('replays in Anthropic format on /v1/messages (JSON and events)', async () => {
    const msg = { model: 'triage/premium', max_tokens: 256, temperature: 0, messages: [{ role: 'user', content: 'Name a colour' }] }
    const call = (json: unknown) => r.call('/v1/messages', { json, headers: { 'x-api-key': tenant.api_key } })
    const first: any = await (await call(msg)).json()
    const hit = await call(msg)
    expect(hit.headers.get('x-triage-cache')).toBe('hit')
    const body: any = await hit.json()
    expect(body).toMatchObject({ type: 'message', role: 'assistant', content: first.content, stop_reason: first.stop_reason })
    const events = await (await call({ ...msg, stream: true })).text()
    const types = [...events.matchAll(/^event: (\w+)$/gm)].map((m) => m[1])
    expect(types[0]).toBe('message_start')
    expect(types.at(-1)).toBe('message_stop')
    expect(types).toContain('content_block_delta')
    expect(events).toMatch(/x-triage-cost-usd=0\.00/)
  })

  it('charges nothing for a hit and counts what it saved, in the ledger, the records and /v1/usage', async () => {
    const miss = await chat(ask('Explain recursion briefly'))
    const cost = Math.round(Number(miss.headers.get('x-triage-cost-usd')) * 1e9)
    expect(cost).toBeGreaterThan(0)
    await chat(ask('Explain recursion briefly'))
    await chat(ask('Explain recursion briefly', { stream: true }))
    const stub = ledgerStub(env(), tenant.id)
    await stub.flush()
    const snap = await stub.snapshot()
    expect(snap.charged_nano).toBe(cost)
    expect(snap.reservations).toEqual([])
    const { records } = await listRequestRecords(env().TRIAGE_KV, tenant.id)
    const hits = records.filter((x) => x.cache)
    expect(hits).toHaveLength(2)
    for (const h of hits) expect(h).toMatchObject({ cost_nano: 0, tier: 'cache', model: 'cache', calls: [], premium_nano: cost, cache: { saved_nano: cost, tier: 'premium' } })
    const day = await readSpend(env().TRIAGE_KV, tenant.id, dayOf(Date.now()))
    expect(day.nano).toBe(cost)
    expect(day.by_tier.cache).toMatchObject({ nano: 0, requests: 2, premium_nano: 2 * cost })
    const usage: any = await (await r.call('/v1/usage', { key: tenant.api_key })).json()
    expect(usage.today.saved_by).toMatchObject({ cache_hits: 2, cache_nano: 2 * cost, routing_nano: 0 })
    expect(usage.today.saved_nano).toBe(2 * cost)
    const metrics: any = await (await r.call(`/admin/metrics?tenant=${tenant.id}&days=1`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()
    expect(metrics.savings).toMatchObject({ cache_hits: 2, cache_saved_usd: formatUsd(2 * cost), routing_saved_usd: '0.00' })
    const page = await (await r.call(`/dashboard?tenant=${tenant.id}&days=1`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()
    expect(page).toContain(`data-testid="cache-saved-usd" data-value="${formatUsd(2 * cost)}"`)
  })

  it('answers a hit at no cost even when the budget is spent, where the same request upstream is refused', async () => {
    const poor = await r.tenant({ budget: { daily_usd: '0.000001' }, policy: { cache: { enabled: true } } })
    const req = ask('Cached before the budget ran out')
    const config = loadConfig(r.env as unknown as ConfigEnv)
    const key = await cacheKey(poor.id, req as ChatRequest, routingInputs({ policy: resolvePolicy({ cache: { enabled: true } }) }, config))
    const completion = { id: 'chatcmpl-stored', object: 'chat.completion', created: 1, model: 'gpt-4.1', choices: [{ index: 0, message: { role: 'assistant', content: 'Stored.', refusal: null }, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }
    const stored: CachedAnswer = { v: 1, completion: completion as never, usage: { input: 5, cachedInput: 0, cacheWrite: 0, output: 2, reasoning: 0 }, model: 'gpt-4.1', provider: 'openai', tier: 'premium', cost_nano: 26_000, stored_at: Date.now() }
    await env().TRIAGE_KV.put(key, JSON.stringify(stored))
    const refused = await chat(req, poor.api_key, { 'x-triage-cache': 'off' })
    expect(refused.status).toBe(429)
    const hit = await chat(req, poor.api_key)
    expect(hit.status).toBe(200)
    expect(hit.headers.get('x-triage-cache')).toBe('hit')
    expect(Number(hit.headers.get('x-triage-cost-usd'))).toBe(0)
    expect(((await hit.json()) as any).choices[0].message.content).toBe('Stored.')
  })

  it('never stores an error or a cut stream', async () => {
    const bad = ask('Fail please [[fault:400]]')
    expect((await chat(bad)).status).toBe(400)
    const before = upstream()
    expect((await chat(bad)).status).toBe(400)
    expect(upstream()).toBeGreaterThan(before)
    const cut = ask('Cut me off [[fault:cut-mid-stream;after=2]]', { model: 'gpt-4.1', stream: true })
    await (await chat(cut)).text()
    const again = await chat(cut)
    expect(again.headers.get('x-triage-cache')).toBe('miss')
    await again.text()
  })
})
