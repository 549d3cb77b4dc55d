import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config'
import { createProviders } from '../../src/providers'
import { ProviderError } from '../../src/providers/types'
import { createEmulator } from '../fixtures/emulator.mjs'
import { expectValid } from '../support/openai-spec'
import { collect, emulatorEnv, model, request, setup, signal, user } from './helpers'

const LLAMA = '@cf/meta/llama-3.2-3b-instruct'

describe('workers-ai adapter through the AI binding', () => {
  // No WORKERS_AI_BASE_URL and no credentials: the binding is the only transport.
  const bindingOnly = () => {
    const emu = createEmulator()
    const config = buildConfig({})
    return { emu, config, p: createProviders(config, { AI: emu.ai as unknown as Ai }, emu.fetch) }
  }

  it('answers JSON from env.AI.run with usage', async () => {
    const { emu, config, p } = bindingOnly()
    const reply = await p['workers-ai'].chat(user('how are you', { temperature: 0.2 }), model(config, LLAMA), { signal: signal(), stream: false })
    if (reply.kind !== 'json') throw new Error()
    expectValid('CreateChatCompletionResponse', reply.completion)
    expect(reply.completion.choices[0].message.content).toBe('Echo: how are you')
    expect(reply.usage).toEqual({ input: 3, cachedInput: 0, cacheWrite: 0, output: 4, reasoning: 0 })
    expect(emu.ai.calls[0].model).toBe(LLAMA)
    expect(emu.ai.calls[0].inputs).toMatchObject({ messages: [{ role: 'user', content: 'how are you' }], temperature: 0.2, max_tokens: config.limits.defaultMaxOutputTokens })
    expect(emu.ai.calls[0].options.signal).toBeInstanceOf(AbortSignal)
    expect(emu.requests.filter((r) => !r.path.startsWith('binding:'))).toEqual([])
  })

  it('streams the binding SSE into OpenAI chunks, with the usage of the last event', async () => {
    const { config, p } = bindingOnly()
    const reply = await p['workers-ai'].chat(user('stream me please', { stream: true }), model(config, LLAMA), { signal: signal(), stream: true })
    if (reply.kind !== 'stream') throw new Error()
    const g = await collect(reply.chunks)
    expect(g.error).toBeUndefined()
    expect(g.text).toBe('Echo: stream me please')
    expect(g.chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 })
    expect(await reply.usage).toEqual({ input: 3, cachedInput: 0, cacheWrite: 0, output: 4, reasoning: 0 })
  })

  it('reports finish_reason length when the reply used the whole max_tokens (JSON and stream)', async () => {
    const { config, p } = bindingOnly()
    const json = await p['workers-ai'].chat(user('one two three four five', { max_tokens: 3 }), model(config, LLAMA), { signal: signal(), stream: false })
    if (json.kind !== 'json') throw new Error()
    expect(json.completion.choices[0].finish_reason).toBe('length')
    expect(json.completion.choices[0].message.content).toBe('Echo: one two')
    const s = await p['workers-ai'].chat(user('one two three four five', { max_tokens: 3, stream: true }), model(config, LLAMA), { signal: signal(), stream: true })
    if (s.kind !== 'stream') throw new Error()
    const g = await collect(s.chunks)
    expect(g.chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('length')
  })

  it('estimates usage (estimated: true) when an older model sends none', async () => {
    const { config, p } = bindingOnly()
    const reply = await p['workers-ai'].chat(user('count these words [[fault:no-usage]]', { stream: true }), model(config, LLAMA), { signal: signal(), stream: true })
    if (reply.kind !== 'stream') throw new Error()
    await collect(reply.chunks)
    const u = await reply.usage
    expect(u.estimated).toBe(true)
    expect(u.output).toBeGreaterThan(0)
    expect(u.input).toBeGreaterThan(0)
  })

  it('turns Workers AI tool calls ({name, arguments: object}) into OpenAI tool_calls', async () => {
    const { config, p } = bindingOnly()
    const tools = [{ type: 'function', function: { name: 'add', parameters: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] } } }]
    const reply = await p['workers-ai'].chat(request({ messages: [{ role: 'user', content: 'please add' }], tools }), model(config, LLAMA), { signal: signal(), stream: false })
    if (reply.kind !== 'json') throw new Error()
    expectValid('CreateChatCompletionResponse', reply.completion)
    expect(reply.completion.choices[0].finish_reason).toBe('tool_calls')
    expect((reply.completion.choices[0].message.tool_calls![0] as any).function).toEqual({ name: 'add', arguments: '{"a":42}' })
  })

  it('maps a capacity error thrown by the binding to a retryable 429', async () => {
    const { config, p } = bindingOnly()
    const e = await p['workers-ai'].chat(user('x [[fault:429]]'), model(config, LLAMA), { signal: signal(), stream: false }).catch((e) => e)
    expect(e).toBeInstanceOf(ProviderError)
    expect(e.status).toBe(429)
    expect(e.retryable).toBe(true)
  })

  it('a binding that cannot authenticate (local dev, not logged in) is reported as unconfigured, naming the settings', async () => {
    const config = buildConfig({})
    const ai = { run: async () => { throw new Error('10000: Authentication error: you must be logged in to use Workers AI') } }
    const p = createProviders(config, { AI: ai as unknown as Ai }, createEmulator().fetch)
    const e = await p['workers-ai'].chat(user('x'), model(config, LLAMA), { signal: signal(), stream: false }).catch((e) => e)
    expect(e.kind).toBe('unconfigured')
    expect(e.message).toContain('CLOUDFLARE_API_TOKEN')
  })

  it('without binding or credentials, names the missing settings', async () => {
    const config = buildConfig({})
    const p = createProviders(config, {}, createEmulator().fetch)
    const e = await p['workers-ai'].chat(user('x'), model(config, LLAMA), { signal: signal(), stream: false }).catch((e) => e)
    expect(e.kind).toBe('unconfigured')
    expect(e.message).toContain('CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN')
  })
})

describe('workers-ai adapter through the REST API', () => {
  it('uses REST (envelope) when WORKERS_AI_BASE_URL is set, even with a binding present', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, { AI: emu.ai as unknown as Ai }, emu.fetch)
    const reply = await p['workers-ai'].chat(user('rest please'), model(config, LLAMA), { signal: signal(), stream: false })
    if (reply.kind !== 'json') throw new Error()
    expectValid('CreateChatCompletionResponse', reply.completion)
    expect(reply.completion.choices[0].message.content).toBe('Echo: rest please')
    expect(reply.usage).toMatchObject({ input: 2, output: 3 })
    expect(emu.ai.calls).toHaveLength(0)
    expect(emu.requests[0].path).toBe(`/workers-ai/accounts/${emulatorEnv.CLOUDFLARE_ACCOUNT_ID}/ai/run/${LLAMA}`)
    expect(emu.requests[0].headers.authorization).toMatch(/^Bearer /)
  })

  it('streams over REST', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const reply = await p['workers-ai'].chat(user('rest stream', { stream: true }), model(config, LLAMA), { signal: signal(), stream: true })
    if (reply.kind !== 'stream') throw new Error()
    const g = await collect(reply.chunks)
    expect(g.text).toBe('Echo: rest stream')
    expect(await reply.usage).toMatchObject({ input: 2, output: 3 })
  })

  it('goes through AI Gateway as {gateway}/workers-ai/{model}', async () => {
    const emu = createEmulator()
    const config = buildConfig({ CLOUDFLARE_ACCOUNT_ID: 'a', CLOUDFLARE_API_TOKEN: 't', AI_GATEWAY_URL: 'https://gateway.ai.cloudflare.com/v1/a/my-gw' })
    const p = createProviders(config, {}, emu.fetch)
    await p['workers-ai'].chat(user('via gateway'), model(config, LLAMA), { signal: signal(), stream: false })
    expect(emu.requests[0].path).toBe(`/v1/a/my-gw/workers-ai/${LLAMA}`)
    expect(config.providers.openai.baseUrl).toBe('https://gateway.ai.cloudflare.com/v1/a/my-gw/openai')
  })

  it('REST errors: envelope message surfaces, token never does', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const e = await p['workers-ai'].chat(user('x [[fault:500]]'), model(config, LLAMA), { signal: signal(), stream: false }).catch((e) => e)
    expect(e.status).toBe(500)
    expect(e.message).not.toContain(emulatorEnv.CLOUDFLARE_API_TOKEN)
  })
})
