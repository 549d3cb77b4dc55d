import { describe, expect, it } from 'vitest'
import { createProviders } from '../../src/providers'
import { finishReason, toAnthropicRequest } from '../../src/providers/anthropic'
import { expectValid } from '../support/openai-spec'
import { collect, model, request, setup, signal, user } from './helpers'

const weather = [{ type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }]

describe('anthropic adapter', () => {
  it('translates the request: system/developer, images, tools, tool results, stop, max_tokens, headers', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const req = request({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'developer', content: 'Use metric units.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny 21C' },
      ],
      tools: weather,
      stop: 'END',
      temperature: 1.5,
    })
    const reply = await p.anthropic.chat(req, model(config, 'claude-sonnet-4-6'), { signal: signal(), stream: false })
    if (reply.kind !== 'json') throw new Error()
    expectValid('CreateChatCompletionResponse', reply.completion)
    expect(reply.completion.choices[0].message.content).toBe('Tool result: sunny 21C')
    const sent = emu.requests[0]
    expect(sent.path).toBe('/anthropic/v1/messages')
    expect(sent.headers['anthropic-version']).toBe('2023-06-01')
    expect(sent.headers['x-api-key']).toBeTruthy()
    expect(sent.body.system).toEqual([{ type: 'text', text: 'You are terse.' }, { type: 'text', text: 'Use metric units.' }])
    expect(sent.body.messages[0].content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } })
    expect(sent.body.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] })
    expect(sent.body.messages[2]).toEqual({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny 21C' }] })
    expect(sent.body.tools[0]).toEqual({ name: 'get_weather', description: 'Weather by city', input_schema: weather[0].function.parameters })
    expect(sent.body.tool_choice).toEqual({ type: 'auto' })
    expect(sent.body.stop_sequences).toEqual(['END'])
    expect(sent.body.max_tokens).toBe(config.limits.defaultMaxOutputTokens)
    expect(sent.body.temperature).toBe(1)
  })

  it('answers a tool call (JSON): tool_use → tool_calls, stop_reason tool_use → finish_reason tool_calls, cache usage', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const req = request({
      messages: [{ role: 'user', content: 'hello' }, { role: 'assistant', content: 'hi' }, { role: 'user', content: 'Paris' }],
      tools: weather,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    })
    const reply = await p.anthropic.chat(req, model(config, 'claude-sonnet-4-6'), { signal: signal(), stream: false })
    if (reply.kind !== 'json') throw new Error()
    expectValid('CreateChatCompletionResponse', reply.completion)
    const choice = reply.completion.choices[0]
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.content).toBe('Calling get_weather.')
    expect((choice.message.tool_calls![0] as any).function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' })
    expect(emu.requests[0].body.tool_choice).toEqual({ type: 'tool', name: 'get_weather' })
    // prompt 3 tokens, 2 of them earlier turns → cache_read 2, input_tokens 1; normalised input = 3
    expect(reply.usage).toMatchObject({ input: 3, cachedInput: 2, cacheWrite: 0 })
    expect(reply.completion.usage).toMatchObject({ prompt_tokens: 3, prompt_tokens_details: { cached_tokens: 2 } })
  })

  it('streams text and tool use (input_json_delta) as OpenAI chunks, with usage', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const text = await p.anthropic.chat(user('good morning', { stream: true }), model(config, 'claude-sonnet-4-6'), { signal: signal(), stream: true })
    if (text.kind !== 'stream') throw new Error()
    const t = await collect(text.chunks)
    expect(t.error).toBeUndefined()
    expect(t.text).toBe('Echo: good morning')
    expect(t.chunks[0].choices[0].delta.role).toBe('assistant')
    expect(t.chunks.at(-2)!.choices[0].finish_reason).toBe('stop')
    expect(t.chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3 })
    expect(await text.usage).toEqual({ input: 2, cachedInput: 0, cacheWrite: 0, output: 3, reasoning: 0 })

    const tool = await p.anthropic.chat(request({ messages: [{ role: 'user', content: 'Rome' }], tools: weather, tool_choice: 'required', stream: true }), model(config, 'claude-sonnet-4-6'), { signal: signal(), stream: true })
    if (tool.kind !== 'stream') throw new Error()
    const g = await collect(tool.chunks)
    const deltas = g.chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []))
    expect(deltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } })
    expect(deltas[0].id).toMatch(/^toolu_/)
    expect(JSON.parse(deltas.map((d) => d.function?.arguments ?? '').join(''))).toEqual({ city: 'Rome' })
    expect(g.chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('tool_calls')
    expect(emu.requests[1].body.tool_choice).toEqual({ type: 'any' })
  })

  it('maps an error event mid-stream to a ProviderError and keeps usage', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const reply = await p.anthropic.chat(request({ messages: [{ role: 'user', content: 'Oslo [[fault:overloaded-mid-stream]]' }], stream: true }), model(config, 'claude-sonnet-4-6'), { signal: signal(), stream: true })
    if (reply.kind !== 'stream') throw new Error()
    const g = await collect(reply.chunks)
    expect(g.text).toBe('Echo: Oslo')
    expect((g.error as any).kind).toBe('http')
    expect((g.error as any).status).toBe(529)
    const u = await reply.usage
    expect(u.output).toBeGreaterThan(0)
  })

  it('maps stop reasons and requires max_tokens', () => {
    expect(finishReason('end_turn')).toBe('stop')
    expect(finishReason('stop_sequence')).toBe('stop')
    expect(finishReason('max_tokens')).toBe('length')
    expect(finishReason('tool_use')).toBe('tool_calls')
    expect(finishReason('refusal')).toBe('content_filter')
    expect(toAnthropicRequest(user('x', { max_tokens: 12 }), 'm', false).max_tokens).toBe(12)
  })
})
