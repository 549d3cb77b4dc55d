/**
 * The Anthropic Messages format at the front door (src/anthropic): request validation and translation, the
 * mappings shared with the Anthropic adapter (both directions), the SSE format, and prompt-caching money.
 */
import { describe, expect, it } from 'vitest'
import {
  anthropicSse, finishReason, parseMessagesRequest, stopReason, toAnthropicMessage, toAnthropicUsage, toChatRequest, usageFromAnthropic,
} from '../../src/anthropic'
import { toAnthropicRequest } from '../../src/providers/anthropic'
import { asksHourCache, cost, worstCase } from '../../src/money'
import type { ChatCompletionChunk, Usage } from '../../src/openai/types'
import { ApiError } from '../../src/http/errors'

const hour = { type: 'ephemeral', ttl: '1h' } as const
const eph = { type: 'ephemeral' } as const

/** A Messages body with every block type, cache_control on every kind of block, tools and tool_choice. */
const full = {
  model: 'claude-sonnet-4-6',
  max_tokens: 300,
  system: [{ type: 'text', text: 'You are terse.', cache_control: hour }, { type: 'text', text: 'Use metric units.' }],
  messages: [
    { role: 'user', content: [
      { type: 'text', text: 'Look at these.', cache_control: eph },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ] },
    { role: 'assistant', content: [
      { type: 'text', text: 'Checking the weather.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' }, cache_control: eph },
    ] },
    { role: 'user', content: [
      { type: 'tool_result', tool_use_id: 'toolu_1', content: '21°C', is_error: false },
      { type: 'text', text: 'And tomorrow?' },
    ] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Paris', day: 1 } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'rain' }], is_error: true }] },
  ],
  tools: [{ name: 'get_weather', description: 'Weather by city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, cache_control: eph }],
  tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
  stop_sequences: ['\n\nHuman:', 'END'],
  metadata: { user_id: 'u-42' },
  temperature: 0.5,
  top_p: 0.9,
}

const parse = (body: unknown) => {
  const r = parseMessagesRequest(body)
  if (!r.ok) throw new Error(r.message)
  return r.request
}

describe('the Messages request', () => {
  it('translates to the internal request and back to the same Anthropic body, cache_control unchanged', () => {
    const req = toChatRequest(parse(full))
    expect(req.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user', 'assistant', 'tool'])
    expect(req).toMatchObject({ max_tokens: 300, stop: ['\n\nHuman:', 'END'], user: 'u-42', temperature: 0.5, top_p: 0.9, parallel_tool_calls: false,
      tool_choice: { type: 'function', function: { name: 'get_weather' } } })
    const upstream = toAnthropicRequest(req, 'claude-upstream', true)
    const { is_error: _, ...firstResult } = full.messages[2].content[0] as Record<string, unknown>
    expect(upstream).toEqual({
      ...full,
      model: 'claude-upstream',
      stream: true,
      messages: [full.messages[0], full.messages[1], { role: 'user', content: [firstResult, full.messages[2].content[1]] }, full.messages[3], full.messages[4]],
      tool_choice: full.tool_choice,
    })
  })

  it('takes a string system prompt and string contents', () => {
    const req = toChatRequest(parse({ model: 'auto', max_tokens: 5, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] }))
    expect(req.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }])
    expect(toAnthropicRequest(req, 'm', false)).toMatchObject({ system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] })
  })

  it('maps tool_choice any/none/auto and leaves earlier thinking blocks out', () => {
    const base = { model: 'auto', max_tokens: 5, tools: full.tools, messages: [{ role: 'user', content: 'hi' }] }
    expect(toChatRequest(parse({ ...base, tool_choice: { type: 'any' } })).tool_choice).toBe('required')
    expect(toChatRequest(parse({ ...base, tool_choice: { type: 'none' } })).tool_choice).toBe('none')
    expect(toChatRequest(parse(base)).tool_choice).toBe('auto')
    const req = toChatRequest(parse({ model: 'auto', max_tokens: 5, messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Hello' }] },
      { role: 'user', content: 'more' },
    ] }))
    expect(req.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Hello' }] })
  })

  it('refuses what Anthropic refuses, naming the field', () => {
    const bad = (body: unknown) => { const r = parseMessagesRequest(body); return r.ok ? 'ok' : r.message }
    expect(bad({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })).toMatch(/^max_tokens: /)
    expect(bad({ model: 'auto', max_tokens: 5, messages: [] })).toMatch(/^messages: /)
    expect(bad({ model: 'auto', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] })).toMatch(/^messages\.0\.role: /)
    expect(bad({ model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] })).toMatch(/^messages\.0\.content/)
    expect(bad({ model: 'auto', max_tokens: 5, temperature: 1.5, messages: [{ role: 'user', content: 'x' }] })).toMatch(/^temperature: /)
    expect(bad({ model: 'auto', max_tokens: 5, system: [{ type: 'text', text: 'x', cache_control: { type: 'persistent' } }], messages: [{ role: 'user', content: 'x' }] })).toMatch(/^system\.0\.cache_control/)
    expect(bad([])).toMatch(/JSON object/)
  })
})

describe('the mappings shared with the Anthropic adapter', () => {
  it('stop reasons: stopReason inverts finishReason', () => {
    for (const stop of ['end_turn', 'max_tokens', 'tool_use', 'refusal'] as const) expect(stopReason(finishReason(stop))).toBe(stop)
    expect(stopReason('function_call')).toBe('tool_use')
    expect(stopReason(null)).toBe('end_turn')
  })

  it('usage: toAnthropicUsage inverts usageFromAnthropic, 1-hour cache writes included', () => {
    const wire = { input_tokens: 7, cache_creation_input_tokens: 30, cache_read_input_tokens: 100, cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 }, output_tokens: 9 }
    const u = usageFromAnthropic(wire)
    expect(u).toEqual({ input: 137, cachedInput: 100, cacheWrite: 30, cacheWrite1h: 20, output: 9, reasoning: 0 })
    expect(toAnthropicUsage(u)).toEqual(wire)
    expect(usageFromAnthropic({ input_tokens: 5, output_tokens: 1 })).toEqual({ input: 5, cachedInput: 0, cacheWrite: 0, output: 1, reasoning: 0 })
  })
})

describe('the answer in Anthropic format', () => {
  const usage: Usage = { input: 20, cachedInput: 5, cacheWrite: 10, output: 4, reasoning: 0 }
  it('a completion with text and a tool call → a message with text and tool_use blocks', () => {
    const msg = toAnthropicMessage({
      id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4.1',
      choices: [{ index: 0, logprobs: null, finish_reason: 'tool_calls', message: { role: 'assistant', content: 'Let me check.', refusal: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } }],
    }, usage)
    expect(msg).toEqual({
      id: 'chatcmpl-1', type: 'message', role: 'assistant', model: 'gpt-4.1',
      content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }],
      stop_reason: 'tool_use', stop_sequence: null,
      usage: { input_tokens: 5, cache_read_input_tokens: 5, cache_creation_input_tokens: 10, cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 0 }, output_tokens: 4 },
    })
  })

  it('a stream of chunks → message_start, ping, one block per text run and tool call, message_delta with usage, message_stop', async () => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] }) as ChatCompletionChunk
    const sse = anthropicSse(Promise.resolve(usage))
    let text = sse.batch([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hi' }), chunk({ content: ' there' })])
    text += sse.batch([
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({}, 'tool_calls'),
      { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 20, completion_tokens: 4, total_tokens: 24 } },
    ])
    text += await sse.end({ status: 'ok' }, ['x-triage-cost-usd=0.001'])
    const events = text.split('\n\n').filter(Boolean).map((e) => {
      if (e.startsWith(':')) return { comment: e.slice(2) }
      const [ev, data] = e.split('\n')
      const json = JSON.parse(data.slice(6))
      expect(ev.slice(7)).toBe(json.type)
      return json
    })
    expect(events.map((e) => e.type ?? 'comment')).toEqual([
      'message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'comment', 'message_stop',
    ])
    expect(events[2]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })
    expect(events[4]).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } })
    expect(events[6]).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'f', input: {} } })
    expect(events[8]).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '1}' } })
    expect(events[10]).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: toAnthropicUsage(usage) })
  })

  it('a failure mid-stream → an Anthropic error event, no message_stop', async () => {
    const sse = anthropicSse(Promise.resolve(usage))
    const text = await sse.end({ status: 'upstream_error', error: new ApiError(502, 'upstream failed') }, [])
    expect(text).toBe(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: 'upstream failed' } })}\n\n`)
  })
})

describe('prompt caching money', () => {
  const u = (p: Partial<Usage>): Usage => ({ input: 0, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0, ...p })
  it('prices cache writes at 1.25× input (5 minutes) and 2× (1 hour), reads at 0.1×', () => {
    // claude-sonnet-4-6: input $3, 5m write $3.75, 1h write $6, read $0.30 per 1M tokens.
    expect(cost(u({ input: 1_000_000, cacheWrite: 1_000_000 }), 'claude-sonnet-4-6')).toBe(3_750_000_000)
    expect(cost(u({ input: 1_000_000, cacheWrite: 1_000_000, cacheWrite1h: 1_000_000 }), 'claude-sonnet-4-6')).toBe(6_000_000_000)
    expect(cost(u({ input: 1_000_000, cacheWrite: 1_000_000, cacheWrite1h: 400_000 }), 'claude-sonnet-4-6')).toBe(600_000 * 3_750 + 400_000 * 6_000)
    expect(cost(u({ input: 1_000_000, cachedInput: 1_000_000 }), 'claude-sonnet-4-6')).toBe(300_000_000)
  })

  it('reserves at the 1-hour write rate only for requests that ask for it', () => {
    const five = toChatRequest(parse({ model: 'auto', max_tokens: 1, system: [{ type: 'text', text: 'x'.repeat(3000), cache_control: eph }], messages: [{ role: 'user', content: 'hi' }] }))
    const long = toChatRequest(parse({ model: 'auto', max_tokens: 1, system: [{ type: 'text', text: 'x'.repeat(3000), cache_control: hour }], messages: [{ role: 'user', content: 'hi' }] }))
    expect([asksHourCache(five), asksHourCache(long)]).toEqual([false, true])
    const out = 15_000 // one output token at $15/1M, in nano-USD
    const inputTokens = (worstCase(five, 'claude-sonnet-4-6') - out) / 3_750 // priced at the 5-minute write rate
    expect(worstCase(long, 'claude-sonnet-4-6')).toBe(Math.ceil(inputTokens * 6_000) + out)
  })
})
