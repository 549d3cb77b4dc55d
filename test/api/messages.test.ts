/**
 * POST /v1/messages inside workerd: the real app, real KV and Durable Objects, providers behind the emulators.
 * The same path as chat completions (auth, score, reserve, settle), answered in Anthropic's format.
 */
import { describe, expect, it } from 'vitest'
import { routerEachTest, parseSSE } from './helpers'
import { cost, formatUsd } from '../../src/money'

const t = routerEachTest()

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'auto', max_tokens: 256, messages: [{ role: 'user', content }], ...extra })
const post = (json: unknown, headers: Record<string, string> = { 'x-api-key': t.key }) => t.r.call('/v1/messages', { json, headers: { 'anthropic-version': '2023-06-01', ...headers } })
const lastUpstream = (path: RegExp) => [...t.r.emulator.requests].reverse().find((q: { path: string }) => path.test(q.path)) as { body: any } | undefined

describe('POST /v1/messages', () => {
  it('answers JSON in Anthropic format with x-api-key auth and every triage header, whichever provider served it', async () => {
    for (const model of ['auto', 'gpt-4.1', 'claude-sonnet-4-6']) {
      const res = await post(ask('What is the capital of France?', { model }))
      expect(res.status, model).toBe(200)
      const msg: any = await res.json()
      expect(msg).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', stop_sequence: null, content: [{ type: 'text', text: 'Echo: What is the capital of France?' }] })
      expect(msg.usage.output_tokens).toBe(7) // the emulator's tokens: 'Echo:' and the six words
      for (const h of ['x-triage-tier', 'x-triage-score', 'x-triage-model', 'x-triage-provider', 'x-triage-cost-usd', 'x-triage-budget-remaining-usd', 'x-request-id']) {
        expect(res.headers.get(h), h).toBeTruthy()
      }
      if (model !== 'auto') expect(res.headers.get('x-triage-model')).toBe(model)
      expect(Number(res.headers.get('x-triage-cost-usd'))).toBeGreaterThan(0)
    }
  })

  it('authenticates with Bearer too', async () => {
    expect((await post(ask('hi'), { authorization: `Bearer ${t.key}` })).status).toBe(200)
  })

  it('streams Anthropic SSE events and ends with the cost comment before message_stop', async () => {
    const res = await post(ask('Tell me a joke', { model: 'triage/medium', stream: true }))
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const text = await res.text()
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1])
    expect(events[0]).toBe('message_start')
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop'])
    expect(events).toContain('content_block_delta')
    const { data, comments } = parseSSE(text)
    const deltas = data.map((d) => JSON.parse(d)).filter((e) => e.type === 'content_block_delta')
    expect(deltas.map((e) => e.delta.text).join('')).toBe('Echo: Tell me a joke') // DeepSeek's reasoning is not text
    const cost = comments.find((c) => c.startsWith('x-triage-cost-usd='))
    expect(Number(cost?.split('=')[1])).toBeGreaterThan(0)
    expect(text.indexOf(': x-triage-cost-usd=')).toBeLessThan(text.indexOf('event: message_stop'))
  })

  it('ends a stream that fails mid-way with an Anthropic error event, and still charges what was produced', async () => {
    const res = await post(ask('Tell me a long story [[fault:overloaded-mid-stream]]', { model: 'claude-sonnet-4-6', stream: true }))
    const text = await res.text()
    const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1])
    expect(events.at(-1)).toBe('error')
    expect(events).not.toContain('message_stop')
    const error = parseSSE(text).data.map((d) => JSON.parse(d)).find((e) => e.type === 'error')
    expect(error).toEqual({ type: 'error', error: { type: 'api_error', message: expect.any(String) } })
    const cost = parseSSE(text).comments.find((c) => c.startsWith('x-triage-cost-usd='))
    expect(Number(cost?.split('=')[1])).toBeGreaterThan(0)
  })

  it('calls tools in Anthropic format from any provider, and takes the tool result back', async () => {
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }]
    for (const model of ['gpt-4.1', 'claude-sonnet-4-6']) {
      const res = await post(ask('Weather in Paris?', { model, tools, tool_choice: { type: 'tool', name: 'get_weather' } }))
      const msg: any = await res.json()
      expect(msg.stop_reason, model).toBe('tool_use')
      const use = msg.content.find((b: any) => b.type === 'tool_use')
      expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Weather in Paris?' } })
      const next = await post({ model, max_tokens: 100, tools, messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: msg.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '21°C' }] },
      ] })
      expect(await next.json()).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'Tool result: 21°C' }] })
    }
  })

  it('errors in Anthropic shape and status: 401, 400 (validation, bad JSON), 429 on budget exhaustion', async () => {
    const shape = async (res: Response, status: number, type: string) => {
      expect(res.status).toBe(status)
      const body: any = await res.json()
      expect(body).toEqual({ type: 'error', error: { type, message: expect.any(String) } })
      return body.error.message as string
    }
    await shape(await post(ask('hi'), {}), 401, 'authentication_error')
    await shape(await post(ask('hi'), { 'x-api-key': 'trg_wrong' }), 401, 'authentication_error')
    expect(await shape(await post({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }), 400, 'invalid_request_error')).toMatch(/^max_tokens: /)
    expect(await shape(await t.r.call('/v1/messages', { method: 'POST', body: '{', headers: { 'x-api-key': t.key, 'content-type': 'application/json' } }), 400, 'invalid_request_error')).toMatch(/JSON/)
    const poor = (await t.r.tenant({ budget: { daily_usd: 0.000001 } })).api_key
    const res = await post(ask('hi', { model: 'claude-sonnet-4-6' }), { 'x-api-key': poor })
    expect(res.headers.get('x-should-retry')).toBe('false')
    expect(await shape(res, 429, 'rate_limit_error')).toMatch(/daily budget/)
  })

  it('answers the errors that come before the handler in Anthropic shape too: 405, 404, an oversized header', async () => {
    const shape = async (res: Response, status: number, type: string) => {
      expect(res.status).toBe(status)
      expect(res.headers.get('x-request-id')).toBeTruthy()
      const body: any = await res.json()
      expect(body).toEqual({ type: 'error', error: { type, message: expect.any(String) } })
      return body.error.message as string
    }
    const get = await t.r.call('/v1/messages', { headers: { 'x-api-key': t.key } })
    expect(get.headers.get('allow')).toBe('POST')
    expect(await shape(get, 405, 'invalid_request_error')).toMatch(/POST \/v1\/messages/)
    expect(await shape(await t.r.call('/v1/messages/batches', { json: {}, headers: { 'x-api-key': t.key } }), 404, 'not_found_error')).toMatch(/Unknown route/)
    await shape(await post(ask('hi'), { 'x-api-key': t.key, 'x-padding': 'x'.repeat(20_000) }), 431, 'invalid_request_error')
    // the OpenAI endpoints keep OpenAI's shape for the same errors
    const openai: any = await (await t.r.call('/v1/chat/completions', { key: t.key })).json()
    expect(openai.error).toMatchObject({ code: 'method_not_allowed' })
  })

  it('passes cache_control through to Anthropic unchanged and charges cache writes by TTL at the published rates', async () => {
    const system = [{ type: 'text', text: 'You are a careful assistant who answers about the weather.', cache_control: { type: 'ephemeral', ttl: '1h' } }]
    const res = await post({ model: 'claude-sonnet-4-6', max_tokens: 50, system, messages: [{ role: 'user', content: [{ type: 'text', text: 'Rain?', cache_control: { type: 'ephemeral' } }] }] })
    expect(res.status).toBe(200)
    const sent = lastUpstream(/\/v1\/messages$/)!.body
    expect(sent.system).toEqual(system)
    expect(sent.messages[0].content).toEqual([{ type: 'text', text: 'Rain?', cache_control: { type: 'ephemeral' } }])
    const msg: any = await res.json()
    // The emulator writes the 10 system tokens to the 1-hour cache; 1 uncached user token; 2 output tokens ("Echo: Rain?").
    expect(msg.usage).toEqual({ input_tokens: 1, cache_creation_input_tokens: 10, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 10 }, output_tokens: 2 })
    const expected = cost({ input: 11, cachedInput: 0, cacheWrite: 10, cacheWrite1h: 10, output: 2, reasoning: 0 }, 'claude-sonnet-4-6')
    expect(expected).toBe(1 * 3_000 + 10 * 6_000 + 2 * 15_000) // nano-USD: $3, $6 (1-hour write = 2×) and $15 per 1M
    expect(res.headers.get('x-triage-cost-usd')).toBe(formatUsd(expected))
  })

  it('passes cache_control on chat-completions content parts through to Anthropic', async () => {
    const part = { type: 'text', text: 'Long shared context.', cache_control: { type: 'ephemeral' } }
    const res = await t.r.call('/v1/chat/completions', { key: t.key, json: { model: 'claude-sonnet-4-6', messages: [{ role: 'system', content: [part] }, { role: 'user', content: 'hi' }] } })
    expect(res.status).toBe(200)
    expect(lastUpstream(/\/v1\/messages$/)!.body.system).toEqual([part])
    const body: any = await res.json()
    expect(body.usage.prompt_tokens).toBe(4) // 3 written to cache + 1, as Anthropic counts them (all input)
    expect(res.headers.get('x-triage-cost-usd')).toBe(formatUsd(cost({ input: 4, cachedInput: 0, cacheWrite: 3, output: 2, reasoning: 0 }, 'claude-sonnet-4-6')))
  })
})
