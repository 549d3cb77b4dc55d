import { describe, expect, it } from 'vitest'
import { createProviders } from '../../src/providers'
import { ProviderError } from '../../src/providers/types'
import { countTokens } from '../fixtures/emulator.mjs'
import { expectValid } from '../support/openai-spec'
import { collect, emulatorEnv, model, request, setup, signal, user } from './helpers'

describe('openai-compatible adapter (OpenAI)', () => {
  it('answers JSON, passes unknown fields through and reads usage incl. cached tokens', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const req = request({
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello there world' }],
      seed: 7,
      logit_bias: { '50256': -100 },
    })
    const reply = await p.openai.chat(req, model(config, 'gpt-4.1'), { signal: signal(), stream: false })
    expect(reply.kind).toBe('json')
    if (reply.kind !== 'json') return
    expectValid('CreateChatCompletionResponse', reply.completion)
    expect(reply.completion.choices[0].message.content).toBe('Echo: hello there world')
    expect(reply.usage).toEqual({ input: 5, cachedInput: 2, cacheWrite: 0, output: 4, reasoning: 0 })
    const sent = emu.requests[0]
    expect(sent.path).toBe('/openai/v1/chat/completions')
    expect(sent.body.seed).toBe(7)
    expect(sent.body.logit_bias).toEqual({ '50256': -100 })
    expect(sent.body.model).toBe('gpt-4.1')
    expect(sent.body.stream).toBe(false)
    expect(sent.body.stream_options).toBeUndefined()
    expect(sent.headers.authorization.startsWith(`Bearer ${emulatorEnv.OPENAI_API_KEY.slice(0, 5)}`)).toBe(true) // the emulator logs only a prefix
  })

  it('streams chunks as they arrive, always asks for usage, and ends with the usage chunk', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const req = user('one two three', { stream: true })
    const reply = await p.openai.chat(req, model(config, 'gpt-4.1'), { signal: signal(), stream: true })
    if (reply.kind !== 'stream') throw new Error('expected a stream')
    const got = await collect(reply.chunks)
    expect(got.error).toBeUndefined()
    expect(got.text).toBe('Echo: one two three')
    const last = got.chunks[got.chunks.length - 1]
    expect(last.choices).toEqual([])
    expect(last.usage?.prompt_tokens).toBe(3)
    expect(await reply.usage).toEqual({ input: 3, cachedInput: 0, cacheWrite: 0, output: 4, reasoning: 0 })
    expect(emu.requests[0].body.stream_options).toEqual({ include_usage: true })
  })

  it('keeps tool calls (JSON and streamed deltas)', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } }]
    const json = await p.openai.chat(request({ messages: [{ role: 'user', content: 'cats' }], tools, tool_choice: 'required' }), model(config, 'gpt-4.1'), { signal: signal(), stream: false })
    if (json.kind !== 'json') throw new Error()
    expectValid('CreateChatCompletionResponse', json.completion)
    expect(json.completion.choices[0].finish_reason).toBe('tool_calls')
    expect(JSON.parse((json.completion.choices[0].message.tool_calls![0] as any).function.arguments)).toEqual({ q: 'cats' })
    const s = await p.openai.chat(request({ messages: [{ role: 'user', content: 'cats' }], tools, tool_choice: 'required', stream: true }), model(config, 'gpt-4.1'), { signal: signal(), stream: true })
    if (s.kind !== 'stream') throw new Error()
    const got = await collect(s.chunks)
    const args = got.chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? [])).map((t) => t.function?.arguments ?? '').join('')
    expect(JSON.parse(args)).toEqual({ q: 'cats' })
  })

  it('maps upstream errors: 400 keeps the message, 429 carries retry-after, the key never leaks', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const e400 = await p.openai.chat(user('x [[fault:400]]'), model(config, 'gpt-4.1'), { signal: signal(), stream: false }).catch((e) => e)
    expect(e400).toBeInstanceOf(ProviderError)
    expect(e400.status).toBe(400)
    expect(e400.retryable).toBe(false)
    const e429 = await p.openai.chat(user('x [[fault:429;retry-after=3]]'), model(config, 'gpt-4.1'), { signal: signal(), stream: false }).catch((e) => e)
    expect(e429.status).toBe(429)
    expect(e429.retryAfterMs).toBe(3000)
    expect(e429.retryable).toBe(true)
    expect(JSON.stringify(e429) + e429.message).not.toContain(emulatorEnv.OPENAI_API_KEY)
  })

  it("sends the output cap as max_completion_tokens to OpenAI's reasoning models, which answer 400 to max_tokens", async () => {
    const models = JSON.stringify({ o3: { provider: 'openai', tier: 'premium' }, 'o4-mini': { provider: 'openai', tier: 'premium' }, 'gpt-5.1': { provider: 'openai', tier: 'premium' } })
    const { emu, config } = setup({ TRIAGE_MODELS: models })
    const p = createProviders(config, {}, emu.fetch)
    for (const id of ['o3', 'o4-mini', 'gpt-5.1']) {
      const reply = await p.openai.chat(request({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 }), model(config, id), { signal: signal(), stream: false })
      expect(reply.kind).toBe('json')
      expect(emu.requests.at(-1)!.body).toMatchObject({ model: id, max_completion_tokens: 50 })
      expect(emu.requests.at(-1)!.body).not.toHaveProperty('max_tokens')
    }
    // Both sent: max_completion_tokens wins, as it does for the reservation.
    await p.openai.chat(request({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 50, max_completion_tokens: 20 }), model(config, 'o3'), { signal: signal(), stream: false })
    expect(emu.requests.at(-1)!.body).toMatchObject({ max_completion_tokens: 20 })
    expect(emu.requests.at(-1)!.body).not.toHaveProperty('max_tokens')
    // Other models get the request's field as it is.
    await p.openai.chat(request({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 }), model(config, 'gpt-4.1'), { signal: signal(), stream: false })
    expect(emu.requests.at(-1)!.body).toMatchObject({ model: 'gpt-4.1', max_tokens: 50 })
    // What the emulator (like OpenAI) answers when max_tokens does reach a reasoning model.
    const res = await emu.fetch('http://emulator.test/openai/v1/chat/completions', {
      method: 'POST', headers: { authorization: 'Bearer sk-x', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'o3', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).error).toMatchObject({ param: 'max_tokens', code: 'unsupported_parameter' })
  })

  it('sends a cap when the request has none: the model\'s maxOutputTokens, else TRIAGE_DEFAULT_MAX_TOKENS', async () => {
    const models = JSON.stringify({ o3: { provider: 'openai', tier: 'premium' }, big: { provider: 'openai', upstream: 'gpt-4.1', tier: 'premium', max_output_tokens: 9000 } })
    const { emu, config } = setup({ TRIAGE_MODELS: models, TRIAGE_DEFAULT_MAX_TOKENS: '1000' })
    const p = createProviders(config, {}, emu.fetch)
    const hi = () => request({ messages: [{ role: 'user', content: 'hi' }] })
    await p.openai.chat(hi(), model(config, 'gpt-4.1'), { signal: signal(), stream: false })
    expect(emu.requests.at(-1)!.body.max_tokens).toBe(1000)
    const streamed = await p.openai.chat(hi(), model(config, 'big'), { signal: signal(), stream: true })
    if (streamed.kind === 'stream') await collect(streamed.chunks)
    expect(emu.requests.at(-1)!.body.max_tokens).toBe(9000)
    await p.openai.chat(hi(), model(config, 'o3'), { signal: signal(), stream: false })
    expect(emu.requests.at(-1)!.body).toMatchObject({ max_completion_tokens: 1000 })
    expect(emu.requests.at(-1)!.body).not.toHaveProperty('max_tokens')
    await p.deepseek.chat(hi(), model(config, 'deepseek-reasoner'), { signal: signal(), stream: false })
    expect(emu.requests.at(-1)!.body.max_tokens).toBe(32_768)
    await p.deepseek.chat(hi(), model(config, 'deepseek-chat'), { signal: signal(), stream: false })
    expect(emu.requests.at(-1)!.body.max_tokens).toBe(1000)
  })

  it('throws unconfigured naming the missing setting', async () => {
    const { emu } = setup()
    const { buildConfig } = await import('../../src/config')
    const config = buildConfig({})
    const p = createProviders(config, {}, emu.fetch)
    const e = await p.openai.chat(user('hi'), config.models['gpt-4.1'], { signal: signal(), stream: false }).catch((e) => e)
    expect(e).toBeInstanceOf(ProviderError)
    expect(e.kind).toBe('unconfigured')
    expect(e.message).toContain('OPENAI_API_KEY')
    expect(countTokens('a b')).toBe(2)
  })
})

describe('Cloudflare AI Gateway', () => {
  it('sends each provider to its documented gateway path', async () => {
    const { createEmulator } = await import('../fixtures/emulator.mjs')
    const { buildConfig } = await import('../../src/config')
    const emu = createEmulator()
    const config = buildConfig({
      AI_GATEWAY_URL: 'https://gateway.ai.cloudflare.com/v1/acc/gw/',
      OPENAI_API_KEY: 'sk-o-0123456789', DEEPSEEK_API_KEY: 'sk-d-0123456789', ANTHROPIC_API_KEY: 'sk-ant-0123456789',
    })
    const p = createProviders(config, {}, emu.fetch)
    for (const id of ['gpt-4.1', 'deepseek-chat', 'claude-sonnet-4-6']) {
      const m = model(config, id)
      await p[m.provider].chat(user('via gateway'), m, { signal: signal(), stream: false })
    }
    expect(emu.requests.map((r) => r.path)).toEqual([
      '/v1/acc/gw/openai/chat/completions',
      '/v1/acc/gw/deepseek/chat/completions',
      '/v1/acc/gw/anthropic/v1/messages',
    ])
  })
})
