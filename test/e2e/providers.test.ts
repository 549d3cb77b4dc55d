/**
 * Every provider and the execution policy, driven end to end through the official `openai` SDK: the real
 * Worker in front of the emulator server (each wire format as its provider documents it).
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRouter, type Router } from './harness'
import { expectValid } from '../support/openai-spec'

let router: Router
let client: OpenAI

beforeAll(async () => {
  // The cascade on for every auto request (band 0-1), short backoff so retries are quick.
  router = await startRouter({ TRIAGE_CASCADE: '0-1', TRIAGE_RETRY_BASE_MS: '10', TRIAGE_RETRY_MAX_MS: '50' })
  const tenant = await router.createTenant({ name: 'providers' })
  client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: tenant.api_key, maxRetries: 0 })
})
afterAll(async () => router?.stop())

const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}
const json = (v: unknown) => JSON.parse(JSON.stringify(v))

describe('providers through the openai SDK', () => {
  it('Anthropic: a tool call comes back as OpenAI tool_calls, and the tool result goes back in', async () => {
    const first = await client.chat.completions.create({
      model: 'claude-sonnet-4-6', tools: [weather], tool_choice: 'required',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is the weather in Paris?' }],
    })
    expectValid('CreateChatCompletionResponse', json(first))
    const call = first.choices[0].message.tool_calls?.[0]
    expect(first.choices[0].finish_reason).toBe('tool_calls')
    expect(call?.type === 'function' && call.function.name).toBe('get_weather')
    const second = await client.chat.completions.create({
      model: 'claude-sonnet-4-6', tools: [weather],
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        first.choices[0].message,
        { role: 'tool', tool_call_id: call!.id, content: 'Sunny, 21 °C' },
      ],
    })
    expect(second.choices[0].message.content).toContain('Sunny, 21 °C')
  })

  it('Anthropic stream: tool call arguments arrive as OpenAI deltas, usage last', async () => {
    const stream = await client.chat.completions.create({
      model: 'claude-sonnet-4-6', stream: true, stream_options: { include_usage: true }, tools: [weather], tool_choice: 'required',
      messages: [{ role: 'user', content: 'Weather in Tokyo?' }],
    })
    let args = ''
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      expectValid('CreateChatCompletionStreamResponse', json(chunk))
      args += chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(() => JSON.parse(args)).not.toThrow()
    expect(usage?.completion_tokens).toBeGreaterThan(0)
  })

  it('DeepSeek reasoner stream: reasoning_content deltas before the answer', async () => {
    const stream = await client.chat.completions.create({ model: 'deepseek-reasoner', stream: true, messages: [{ role: 'user', content: 'Is 91 prime?' }] })
    let reasoning = ''
    let content = ''
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined
      reasoning += delta?.reasoning_content ?? ''
      content += delta?.content ?? ''
    }
    expect(reasoning.length).toBeGreaterThan(0)
    expect(content).toBe('Echo: Is 91 prime?')
  })

  it('Workers AI (REST wire format) streams on the trivial tier', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'triage/trivial', stream: true, messages: [{ role: 'user', content: 'Say hi' }] })
      .withResponse()
    expect(response.headers.get('x-triage-provider')).toBe('workers-ai')
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
    expect(text).toBe('Echo: Say hi')
  })
})

describe('execution policy through the openai SDK', () => {
  it('retries a 429 with retry-after and succeeds, saying how many attempts it took', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'triage/medium', messages: [{ role: 'user', content: 'hello [[fault:429-then-ok;retry-after=0]]' }] })
      .withResponse()
    expect(data.choices[0].message.content).toContain('Echo: hello')
    expect(Number(response.headers.get('x-triage-attempts'))).toBeGreaterThanOrEqual(2)
  })

  it('falls back to the next premium candidate when the first keeps failing', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'triage/premium', messages: [{ role: 'user', content: 'hello [[fault:500;model=gpt-4.1]]' }] })
      .withResponse()
    expect(response.headers.get('x-triage-model')).toBe('claude-sonnet-4-6')
    expect(response.headers.get('x-triage-provider')).toBe('anthropic')
  })

  it('cascade: accepts a good cheap answer, escalates an empty one (both billed)', async () => {
    // A prompt that scores above trivial (cascading only makes sense there).
    const hard = 'Let $f(x)=x^2+3x$. Find all real $x$ such that $f(f(x))=0$.'
    const ok = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: hard }] }).withResponse()
    expect(ok.response.headers.get('x-triage-cascade')).toBe('accepted')
    expect(ok.response.headers.get('x-triage-provider')).toBe('workers-ai')

    const bad = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: `${hard} [[fault:empty;model=@cf/meta/llama-3.2-3b-instruct]]` }] })
      .withResponse()
    expect(bad.response.headers.get('x-triage-cascade')).toBe('escalated')
    expect(bad.response.headers.get('x-triage-provider')).not.toBe('workers-ai')
    expect(bad.data.choices[0].message.content).toContain('Echo: Let $f(x)')
    // The escalated request is charged for the stronger model too, so it costs more than the accepted one.
    expect(Number(bad.response.headers.get('x-triage-cost-usd'))).toBeGreaterThan(Number(ok.response.headers.get('x-triage-cost-usd')))
  })
})
