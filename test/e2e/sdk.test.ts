/**
 * The router driven by the official `openai` SDK, exactly as users will, against the provider emulators.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRouter, type Router } from './harness'
import { expectValid } from '../support/openai-spec'

let router: Router
let client: OpenAI

beforeAll(async () => {
  // o3 as a pinnable model (not in any tier), with test prices: an unpriced model is never run.
  router = await startRouter({
    TRIAGE_MODELS: JSON.stringify({ o3: { provider: 'openai', tier: 'premium' } }),
    TRIAGE_PRICES: JSON.stringify({ o3: { input: 2, output: 8 } }),
  })
  const tenant = await router.createTenant({ name: 'sdk' })
  client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: tenant.api_key, maxRetries: 0 })
})
afterAll(async () => router?.stop())

describe('openai SDK → Triage → emulators', () => {
  it('answers a JSON call in the OpenAI format, with the routing headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'triage/medium', messages: [{ role: 'user', content: 'Say hello to the team.' }] })
      .withResponse()
    expectValid('CreateChatCompletionResponse', JSON.parse(JSON.stringify(data)))
    expect(data.choices[0].message.content).toBe('Echo: Say hello to the team.')
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0)
    expect(response.headers.get('x-triage-tier')).toBe('medium')
    expect(response.headers.get('x-triage-model')).toBe('deepseek-reasoner')
    expect(response.headers.get('x-triage-provider')).toBe('deepseek')
    expect(Number(response.headers.get('x-triage-cost-usd'))).toBeGreaterThan(0)
    expect(response.headers.get('x-request-id')).toBeTruthy()
  })

  it('streams with include_usage: every chunk is valid, usage arrives last', async () => {
    const stream = await client.chat.completions.create({
      model: 'auto',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Write one word.' }],
    })
    const chunks: OpenAI.ChatCompletionChunk[] = []
    for await (const chunk of stream) chunks.push(chunk)
    for (const chunk of chunks) expectValid('CreateChatCompletionStreamResponse', JSON.parse(JSON.stringify(chunk)))
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')
    expect(text).toBe('Echo: Write one word.')
    const last = chunks.at(-1)!
    expect(last.choices).toEqual([])
    expect(last.usage?.completion_tokens).toBeGreaterThan(0)
  })

  it('streams without include_usage: no usage chunk reaches the client', async () => {
    const stream = await client.chat.completions.create({ model: 'triage/trivial', stream: true, messages: [{ role: 'user', content: 'Hi there' }] })
    const chunks: OpenAI.ChatCompletionChunk[] = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.length).toBeGreaterThan(1)
    expect(chunks.every((c) => c.usage == null && c.choices.length === 1)).toBe(true)
  })

  it('sends reasoning_effort to every tier: the model that refuses it gets the call without it, and says so', async () => {
    for (const model of ['triage/trivial', 'triage/medium', 'triage/premium']) {
      const { data, response } = await client.chat.completions
        .create({ model, reasoning_effort: 'high', messages: [{ role: 'user', content: 'Say hello to the team.' }] })
        .withResponse()
      expect(data.choices[0].message.content).toBe('Echo: Say hello to the team.')
      expect(response.headers.get('x-triage-dropped')).toBe(model === 'triage/premium' ? 'reasoning_effort' : null)
    }
  })

  it("takes max_tokens for an OpenAI reasoning model, which only accepts max_completion_tokens upstream", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'o3', max_tokens: 32, messages: [{ role: 'user', content: 'Say hello to the team.' }] })
      .withResponse()
    expect(response.headers.get('x-triage-model')).toBe('o3')
    expect(data.choices[0].message.content).toBe('Echo: Say hello to the team.')
    const stream = await client.chat.completions.create({ model: 'o3', max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'Hi there' }] })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
    expect(text).toBe('Echo: Hi there')
    const sent = router.emulator.emulator.requests.filter((q) => q.body?.model === 'o3')
    expect(sent).toHaveLength(2)
    for (const q of sent) expect(q.body).toMatchObject({ max_completion_tokens: 32 })
    for (const q of sent) expect(q.body).not.toHaveProperty('max_tokens')
  })

  it('surfaces a schema error as BadRequestError with param', async () => {
    const err = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'wizard', content: 'x' }] as never })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.BadRequestError)
    const e = err as InstanceType<typeof OpenAI.BadRequestError>
    expect(e.status).toBe(400)
    expect(e.param).toBe('messages[0].role')
    expectValid('ErrorResponse', { error: e.error })
  })

  it('lists auto, the tier aliases and the configured models', async () => {
    const ids = (await client.models.list()).data.map((m) => m.id)
    expect(ids).toEqual(expect.arrayContaining(['auto', 'triage/trivial', 'triage/medium', 'triage/premium', 'deepseek-reasoner']))
  })

  it('refuses a wrong key with AuthenticationError', async () => {
    const bad = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: 'trg_not-a-real-key', maxRetries: 0 })
    await expect(bad.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
  })
})
