/**
 * POST /v1/embeddings inside workerd: the real app, real KV and Durable Objects, providers behind the emulators
 * (OpenAI embeddings, Workers AI bge over REST and through the binding). The same ledger path as chat completions:
 * reserve the input bound, settle the provider's usage (or the bound when it reports none).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testRouter, routerEachTest, emulatorVars } from './helpers'
import { embedVector, countTokens } from '../fixtures/emulator.mjs'
import { cost, embeddingInputTokens, formatUsd, inputWorstCase } from '../../src/money'
import { ledgerStub, listRequestRecords } from '../../src/ledger'
import type { Env } from '../../src/env'
import { buildConfig } from '../../src/config'

const t = routerEachTest()
const post = (json: unknown, key = t.key) => t.r.call('/v1/embeddings', { key, json })
const upstream = (path: RegExp) => t.r.emulator.requests.filter((q) => path.test(q.path)).at(-1) as { body: any } | undefined
const err = async (res: Response) => ((await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } }).error
/** The float32 values of an OpenAI base64 embedding. */
const decode = (b64: string) => Array.from(new Float32Array(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer))
const usage = (input: number) => ({ input, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0 })

describe('POST /v1/embeddings', () => {
  it('answers in OpenAI format from the first available model (Workers AI bge over REST), charged the input bound it reserved', async () => {
    const input = ['This is a story about an orange cloud', 'héllo']
    const res = await post({ model: 'auto', input })
    expect(res.status).toBe(200)
    const body: any = await res.json()
    const model = '@cf/baai/bge-small-en-v1.5'
    const bound = embeddingInputTokens(input)
    expect(body).toEqual({
      object: 'list',
      data: input.map((text, index) => ({ object: 'embedding', index, embedding: embedVector(text, 384) })),
      model,
      usage: { prompt_tokens: bound, total_tokens: bound },
    })
    expect(upstream(/\/ai\/run\/@cf\/baai\/bge-small-en-v1\.5$/)?.body).toEqual({ text: input })
    expect(res.headers.get('x-triage-tier')).toBe('embedding')
    expect(res.headers.get('x-triage-model')).toBe(model)
    expect(res.headers.get('x-triage-provider')).toBe('workers-ai')
    // Workers AI reports no usage: the charge is the bound, which is also the reservation
    expect(res.headers.get('x-triage-cost-usd')).toBe(formatUsd(inputWorstCase(bound, model)))
    expect(inputWorstCase(bound, model)).toBe(cost(usage(bound), model))
  })

  it('pins an OpenAI model: dimensions, user and token arrays go upstream, base64 decodes to the vectors, the charge is the reported usage', async () => {
    const input = ['hello big world', 'again']
    const res = await post({ model: 'text-embedding-3-small', input, dimensions: 8, encoding_format: 'base64', user: 'u-1' })
    expect(res.status).toBe(200)
    const body: any = await res.json()
    expect(body.model).toBe('text-embedding-3-small')
    expect(body.data.map((d: any) => decode(d.embedding))).toEqual(input.map((s) => embedVector(s, 8)))
    const tokens = input.reduce((n, s) => n + countTokens(s), 0)
    expect(body.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens })
    expect(upstream(/\/openai\/v1\/embeddings$/)?.body).toEqual({ model: 'text-embedding-3-small', input, encoding_format: 'float', dimensions: 8, user: 'u-1' })
    expect(res.headers.get('x-triage-cost-usd')).toBe(formatUsd(cost(usage(tokens), 'text-embedding-3-small')))

    const ids = await post({ model: 'text-embedding-3-large', input: [[1, 2, 3], [4]] })
    expect(ids.status).toBe(200)
    expect(((await ids.json()) as any).usage.prompt_tokens).toBe(4)
    expect(upstream(/\/openai\/v1\/embeddings$/)?.body.input).toEqual([[1, 2, 3], [4]])
    const one = await post({ model: 'text-embedding-3-large', input: [7, 8] })
    expect(((await one.json()) as any).data).toHaveLength(1)
  })

  it('records each call with tier embedding in the ledger, the per-request records and /v1/usage, claiming no routing savings', async () => {
    const tenant = await t.r.tenant()
    await post({ model: 'auto', input: 'a' }, tenant.api_key)
    await post({ model: 'text-embedding-3-small', input: 'b c' }, tenant.api_key)
    const env = t.r.env as unknown as Env
    await ledgerStub(env, tenant.id).flush()
    const { records } = await listRequestRecords(env.TRIAGE_KV, tenant.id)
    expect(records.map((r) => [r.tier, r.model, r.status, r.estimated, r.score])).toEqual([
      ['embedding', '@cf/baai/bge-small-en-v1.5', 200, true, null],
      ['embedding', 'text-embedding-3-small', 200, false, null],
    ])
    const charged = inputWorstCase(embeddingInputTokens(['a']), '@cf/baai/bge-small-en-v1.5') + cost(usage(2), 'text-embedding-3-small')
    expect(records.reduce((n, r) => n + r.cost_nano, 0)).toBe(charged)
    const u: any = await (await t.r.call('/v1/usage', { key: tenant.api_key })).json()
    const today = u.today
    expect(today.cost_nano).toBe(charged)
    expect(today.by_tier.embedding).toMatchObject({ requests: 2, cost_nano: charged })
    expect(today.saved_nano).toBe(0)
  })

  it('refuses with 429 insufficient_quota when the budget cannot hold the input bound, before any call', async () => {
    const poor = await t.r.tenant({ budget: { daily_usd: 0.000001 } })
    const res = await post({ model: 'text-embedding-3-large', input: 'word '.repeat(2_000) }, poor.api_key)
    expect(res.status).toBe(429)
    expect(await err(res)).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' })
    expect(upstream(/embeddings$/)).toBeUndefined()
  })

  it('validates in OpenAI format with param', async () => {
    const cases: Array<[unknown, string | null]> = [
      [{ model: 'auto' }, 'input'],
      [{ model: 'auto', input: '' }, 'input'],
      [{ model: 'auto', input: [] }, 'input'],
      [{ model: 'auto', input: ['a', 1] }, 'input'],
      [{ model: 'auto', input: [[]] }, 'input'],
      [{ model: 'auto', input: Array(2049).fill('a') }, 'input'],
      [{ input: 'a' }, 'model'],
      [{ model: 'auto', input: 'a', encoding_format: 'hex' }, 'encoding_format'],
      [{ model: 'auto', input: 'a', dimensions: 0 }, 'dimensions'],
      [{ model: 'auto', input: 'a', dimensions: 100 }, 'dimensions'], // bge-small gives 384, no other length
      [{ model: 'text-embedding-3-small', input: 'a', dimensions: 1537 }, 'dimensions'],
      [{ model: 'auto', input: [[1, 2]] }, 'input'], // Workers AI takes text only
      [[1], null],
    ]
    for (const [json, param] of cases) {
      const res = await post(json)
      expect(res.status, JSON.stringify(json).slice(0, 80)).toBe(400)
      const e = await err(res)
      expect(e.type).toBe('invalid_request_error')
      expect(e.param, JSON.stringify(json).slice(0, 80)).toBe(param)
    }
    const unknown = await post({ model: 'text-embedding-ada-002', input: 'a' })
    expect(unknown.status).toBe(404)
    expect(await err(unknown)).toMatchObject({ code: 'model_not_found', param: 'model' })
    const chatModel = await post({ model: 'gpt-4.1', input: 'a' })
    expect(chatModel.status).toBe(404)
    expect((await post({ model: 'auto', input: 'a' }, 'trg_wrong')).status).toBe(401)
    expect(t.r.emulator.requests).toHaveLength(0)
  })

  it("uses the tenant's policy.embedding_model for 'auto', and 404s a policy model that is not offered", async () => {
    const large = await t.r.tenant({ policy: { embedding_model: 'text-embedding-3-large' } })
    const res = await post({ model: 'auto', input: 'hi' }, large.api_key)
    expect(res.headers.get('x-triage-model')).toBe('text-embedding-3-large')
    expect(((await res.json()) as any).data[0].embedding).toHaveLength(3072)
    const stale = await t.r.tenant({ policy: { embedding_model: 'nope' } })
    const bad = await post({ model: 'auto', input: 'hi' }, stale.api_key)
    expect(bad.status).toBe(404)
    expect(await err(bad)).toMatchObject({ code: 'model_not_found', param: 'model' })
  })

  it('a failed upstream call is a 502 and charges nothing', async () => {
    const tenant = await t.r.tenant()
    const res = await post({ model: 'text-embedding-3-small', input: 'boom [[fault:500;times=9]]' }, tenant.api_key)
    expect(res.status).toBe(502)
    const env = t.r.env as unknown as Env
    await ledgerStub(env, tenant.id).flush()
    const { records } = await listRequestRecords(env.TRIAGE_KV, tenant.id)
    expect(records.map((r) => [r.status, r.cost_nano, r.tier])).toEqual([[502, 0, 'embedding']])
  })

  it('lists the offered embedding models in GET /v1/models', async () => {
    const list: any = await (await t.r.call('/v1/models', { key: t.key })).json()
    const ids = list.data.map((m: any) => m.id)
    expect(ids).toEqual(expect.arrayContaining(['auto', '@cf/baai/bge-small-en-v1.5', '@cf/baai/bge-m3', 'text-embedding-3-large']))
    expect(list.data.find((m: any) => m.id === 'text-embedding-3-small').owned_by).toBe('openai')
  })

  it('refuses an unpriced model (503 model_unpriced)', () => {
    expect(() => inputWorstCase(10, 'no-such-embedding-model')).toThrow(expect.objectContaining({ status: 503, code: 'model_unpriced' }))
  })
})

describe('embedding model configuration', () => {
  afterEach(() => vi.restoreAllMocks())

  it('TRIAGE_EMBEDDING_MODEL is the default; pinning off refuses named models', async () => {
    const r = testRouter({ ...emulatorVars, TRIAGE_EMBEDDING_MODEL: '@cf/baai/bge-base-en-v1.5', TRIAGE_ALLOW_MODEL_PINNING: 'false' })
    const { api_key } = await r.tenant()
    const res = await r.call('/v1/embeddings', { key: api_key, json: { model: 'auto', input: 'x' } })
    expect(res.headers.get('x-triage-model')).toBe('@cf/baai/bge-base-en-v1.5')
    expect(((await res.json()) as any).data[0].embedding).toHaveLength(768)
    expect((await r.call('/v1/embeddings', { key: api_key, json: { model: 'text-embedding-3-small', input: 'x' } })).status).toBe(404)
  })

  it('TRIAGE_EMBEDDING_MODELS limits and orders the offered models; unknown ids are named configuration errors', async () => {
    const r = testRouter({ ...emulatorVars, TRIAGE_EMBEDDING_MODELS: 'text-embedding-3-large,@cf/baai/bge-m3' })
    const { api_key } = await r.tenant()
    const res = await r.call('/v1/embeddings', { key: api_key, json: { model: 'auto', input: 'x' } })
    expect(res.headers.get('x-triage-model')).toBe('text-embedding-3-large')
    expect((await r.call('/v1/embeddings', { key: api_key, json: { model: '@cf/baai/bge-small-en-v1.5', input: 'x' } })).status).toBe(404)
    expect(() => buildConfig({ TRIAGE_EMBEDDING_MODELS: 'bge-tiny', TRIAGE_EMBEDDING_MODEL: 'text-embedding-3-small' })).toThrow(
      /TRIAGE_EMBEDDING_MODELS: unknown embedding model 'bge-tiny'.*TRIAGE_EMBEDDING_MODEL: 'text-embedding-3-small' is not an offered embedding model/,
    )
  })

  it('runs the bge models through the AI binding when there is one', async () => {
    const { CLOUDFLARE_ACCOUNT_ID: _a, CLOUDFLARE_API_TOKEN: _t, ...vars } = emulatorVars
    const r = testRouter(vars)
    r.env.AI = r.emulator.ai
    const { api_key } = await r.tenant()
    const res = await r.call('/v1/embeddings', { key: api_key, json: { model: '@cf/baai/bge-m3', input: ['uno', 'dos'] } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as any).data.map((d: any) => d.embedding)).toEqual([embedVector('uno', 1024), embedVector('dos', 1024)])
    expect(r.emulator.ai.calls.map((c) => [c.model, c.inputs])).toEqual([['@cf/baai/bge-m3', { text: ['uno', 'dos'] }]])
    expect(r.emulator.requests.filter((q) => !q.path.startsWith('binding:'))).toHaveLength(0)
  })
})
