/**
 * POST /v1/embeddings driven by the official `openai` SDK (`client.embeddings.create`), against the real Worker on
 * Miniflare and the emulators: float and base64 answers, both providers, and a budget refusal as the SDK reports it.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRouter, type Router } from './harness'
import { countTokens, embedVector } from '../fixtures/emulator.mjs'

let router: Router
let client: OpenAI

beforeAll(async () => {
  router = await startRouter()
  const tenant = await router.createTenant({ name: 'embeddings' })
  client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: tenant.api_key, maxRetries: 0 })
})
afterAll(async () => router?.stop())

const input = ['This is a story about an orange cloud', 'This is a story about a llama']

describe('openai SDK → /v1/embeddings', () => {
  it('float: the policy default (Workers AI bge-small), with the triage headers', async () => {
    const { data, response } = await client.embeddings.create({ model: 'auto', input, encoding_format: 'float' }).withResponse()
    expect(data.object).toBe('list')
    expect(data.model).toBe('@cf/baai/bge-small-en-v1.5')
    expect(data.data.map((d) => [d.object, d.index])).toEqual([['embedding', 0], ['embedding', 1]])
    expect(data.data.map((d) => d.embedding)).toEqual(input.map((s) => embedVector(s, 384)))
    expect(data.usage.prompt_tokens).toBeGreaterThan(0)
    expect(response.headers.get('x-triage-tier')).toBe('embedding')
    expect(Number(response.headers.get('x-triage-cost-usd'))).toBeGreaterThan(0)
  })

  it("base64: the SDK's default encoding, decoded by the SDK to the same floats; and asked for explicitly", async () => {
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input, dimensions: 16 })
    expect(decoded.data.map((d) => d.embedding)).toEqual(input.map((s) => embedVector(s, 16)))
    const tokens = input.reduce((n, s) => n + countTokens(s), 0) // the emulator's count, passed on
    expect(decoded.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens })
    const raw = await client.embeddings.create({ model: 'text-embedding-3-small', input: input[0], encoding_format: 'base64' })
    const b64 = raw.data[0].embedding as unknown as string
    expect(typeof b64).toBe('string')
    const floats = Array.from(new Float32Array(Uint8Array.from(Buffer.from(b64, 'base64')).buffer))
    expect(floats).toEqual(embedVector(input[0], 1536))
  })

  it('errors as the SDK expects: NotFoundError for an unknown model, BadRequestError with param, RateLimitError on an empty budget', async () => {
    await expect(client.embeddings.create({ model: 'text-embedding-ada-002', input: 'x' })).rejects.toMatchObject({ status: 404, code: 'model_not_found', param: 'model' })
    await expect(client.embeddings.create({ model: 'auto', input: '' })).rejects.toBeInstanceOf(OpenAI.BadRequestError)
    await expect(client.embeddings.create({ model: 'auto', input: '' })).rejects.toMatchObject({ param: 'input' })
    const poor = await router.createTenant({ name: 'poor', budget: { daily_usd: 0.000001 } })
    const broke = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: poor.api_key, maxRetries: 0 })
    const refused = broke.embeddings.create({ model: 'text-embedding-3-large', input: 'word '.repeat(2_000) })
    await expect(refused).rejects.toBeInstanceOf(OpenAI.RateLimitError)
    await expect(broke.embeddings.create({ model: 'text-embedding-3-large', input: 'word '.repeat(2_000) })).rejects.toMatchObject({ code: 'insufficient_quota' })
  })
})
