/**
 * The router's `/v1/messages` driven by the official `@anthropic-ai/sdk`, as a user pointing
 * `ANTHROPIC_BASE_URL` at Triage would, against the provider emulators: JSON, stream, tools, prompt caching,
 * a budget that runs out, and errors in Anthropic's shape.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRouter, type Router } from './harness'

let router: Router
let client: Anthropic

beforeAll(async () => {
  router = await startRouter()
  const tenant = await router.createTenant({ name: 'anthropic-sdk' })
  client = new Anthropic({ baseURL: router.url, apiKey: tenant.api_key, maxRetries: 0 })
})
afterAll(async () => router?.stop())

const weather: Anthropic.Tool = {
  name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}

describe('@anthropic-ai/sdk → Triage → emulators', () => {
  it('answers messages.create in Anthropic format, routed by score, with the triage headers', async () => {
    const { data, response } = await client.messages
      .create({ model: 'auto', max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello to the team.' }] })
      .withResponse()
    expect(data.type).toBe('message')
    expect(data.content).toEqual([{ type: 'text', text: 'Echo: Say hello to the team.' }])
    expect(data.stop_reason).toBe('end_turn')
    expect(data.usage.output_tokens).toBe(6)
    expect(response.headers.get('x-triage-tier')).toBeTruthy()
    expect(response.headers.get('x-triage-model')).toBeTruthy()
    expect(Number(response.headers.get('x-triage-cost-usd'))).toBeGreaterThan(0)
  })

  it('streams: text events, and a final message with stop_reason and usage, from a non-Anthropic provider', async () => {
    const stream = client.messages.stream({ model: 'gpt-4.1', max_tokens: 256, messages: [{ role: 'user', content: 'Count the birds in the tree.' }] })
    let text = ''
    stream.on('text', (t) => (text += t))
    const final = await stream.finalMessage()
    expect(text).toBe('Echo: Count the birds in the tree.')
    expect(final.content).toHaveLength(1)
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'Echo: Count the birds in the tree.' })
    expect(final.stop_reason).toBe('end_turn')
    expect(final.usage.output_tokens).toBe(7)
    expect(final.usage.input_tokens).toBeGreaterThan(0)
  })

  it('calls a tool (JSON and stream), and answers the tool result', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-4-6', max_tokens: 256, tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [{ role: 'user', content: 'Paris' }],
    })
    expect(msg.stop_reason).toBe('tool_use')
    const use = msg.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })

    const streamed = await client.messages
      .stream({ model: 'gpt-4.1', max_tokens: 256, tools: [weather], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'Paris' }] })
      .finalMessage()
    expect(streamed.stop_reason).toBe('tool_use')
    expect(streamed.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })

    const answer = await client.messages.create({
      model: 'claude-sonnet-4-6', max_tokens: 256, tools: [weather],
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: msg.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '21°C and sunny' }] },
      ],
    })
    expect(answer.content).toEqual([{ type: 'text', text: 'Tool result: 21°C and sunny' }])
  })

  it('prompt caching: cache_control reaches Anthropic unchanged; cache writes come back in usage and are charged at their TTL rate', async () => {
    await fetch(`${router.emulatorUrl}/__reset`, { method: 'POST' })
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: 'You are a meticulous meteorologist answering questions.', cache_control: { type: 'ephemeral', ttl: '1h' } }]
    const { data, response } = await client.messages
      .create({ model: 'claude-sonnet-4-6', max_tokens: 64, system, messages: [{ role: 'user', content: 'Rain?' }] })
      .withResponse()
    const sent = (await (await fetch(`${router.emulatorUrl}/__requests`)).json()) as Array<{ path: string; body: any }>
    expect(sent.find((q) => q.path.endsWith('/v1/messages'))!.body.system).toEqual(system)
    expect(data.usage).toMatchObject({ input_tokens: 1, cache_creation_input_tokens: 7, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 7 } })
    // $3/1M input, $6/1M 1-hour cache writes (2× input), $15/1M output: 1×3,000 + 7×6,000 + 2×15,000 nano-USD.
    expect(response.headers.get('x-triage-cost-usd')).toBe('0.000075')

    const streamed = await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 64, system, messages: [{ role: 'user', content: 'Rain?' }] }).finalMessage()
    expect(streamed.usage).toMatchObject({ input_tokens: 1, cache_creation_input_tokens: 7, cache_read_input_tokens: 0 })
  })

  it('refuses once the budget is spent: RateLimitError (429 rate_limit_error), not retried', async () => {
    // $0.0001 is less than the minimal answer (TRIAGE_MIN_OUTPUT_TOKENS) costs on any model: fitting cannot serve it.
    const tenant = await router.createTenant({ name: 'tiny', budget: { daily_usd: 0.0001 } })
    const poor = new Anthropic({ baseURL: router.url, apiKey: tenant.api_key }) // default retries: x-should-retry: false stops them
    const err = await poor.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 4096, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.RateLimitError)
    const e = err as InstanceType<typeof Anthropic.RateLimitError>
    expect(e.status).toBe(429)
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringMatching(/daily budget.*reset/is) } })
  })

  it('rejects a bad key with AuthenticationError and a bad body with BadRequestError, in Anthropic shape', async () => {
    const bad = new Anthropic({ baseURL: router.url, apiKey: 'trg_not_a_key', maxRetries: 0 })
    await expect(bad.messages.create({ model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(Anthropic.AuthenticationError)
    const err = await client.messages.create({ model: 'auto', max_tokens: 0, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.BadRequestError)
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^max_tokens: /) } })
  })

  it('answers what it does not serve under /v1/messages in Anthropic shape too: NotFoundError for the batches API', async () => {
    const err = await client.messages.batches
      .create({ requests: [{ custom_id: 'a', params: { model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] } }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.NotFoundError)
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining('/v1/messages/batches') } })
  })
})
