/**
 * The response cache end to end with the official `openai` SDK: a second identical request is a hit (header `hit`,
 * cost 0), the emulator saw one call, and the hit streams back through the SDK like a live answer.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRouter, type Router } from './harness'
import { expectValid } from '../support/openai-spec'

let router: Router
let client: OpenAI

beforeAll(async () => {
  router = await startRouter()
  const tenant = await router.createTenant({ name: 'cache', policy: { cache: { enabled: true, ttl_s: 600 } } })
  client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: tenant.api_key, maxRetries: 0 })
})
afterAll(async () => router?.stop())

describe('openai SDK → Triage response cache', () => {
  it('answers a second identical request from the cache: hit, cost 0, one upstream call', async () => {
    const body = { model: 'auto', temperature: 0, messages: [{ role: 'user' as const, content: 'What is the boiling point of water at sea level?' }] }
    const before = router.emulator.emulator.requests.length
    const first = await client.chat.completions.create(body).withResponse()
    expect(first.response.headers.get('x-triage-cache')).toBe('miss')
    expect(Number(first.response.headers.get('x-triage-cost-usd'))).toBeGreaterThan(0)
    // The miss is stored after it settles, in waitUntil, after the answer was sent: give that write a moment.
    await new Promise((r) => setTimeout(r, 200))
    const second = await client.chat.completions.create(body).withResponse()
    expect(second.response.headers.get('x-triage-cache')).toBe('hit')
    expect(Number(second.response.headers.get('x-triage-cost-usd'))).toBe(0)
    expectValid('CreateChatCompletionResponse', JSON.parse(JSON.stringify(second.data)))
    expect(second.data.choices[0].message.content).toBe(first.data.choices[0].message.content)
    expect(router.emulator.emulator.requests.length - before).toBe(1)

    const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } })
    let text = ''
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe(first.data.choices[0].message.content)
    expect(usage?.completion_tokens).toBe(first.data.usage?.completion_tokens)
    expect(router.emulator.emulator.requests.length - before).toBe(1)
  })
})
