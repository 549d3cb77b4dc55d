/**
 * Any OpenAI-compatible endpoint is one TRIAGE_MODELS entry: two extra endpoints at once, each with its own key,
 * a model pinned on each; the answers come from the right endpoint with the right key, and each model's own price
 * is what is charged. Plus Azure OpenAI (deployment URL, `api-version`, `api-key` header).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { testRouter, emulatorVars, EMU, type TestRouter } from '../api/helpers'
import { createEmulator, type Emulator } from '../fixtures/emulator.mjs'

const GROQ = 'http://groq.test/openai/v1'
const TOGETHER = 'http://together.test/v1'
const AZURE = 'http://azure.test'

const models = {
  'llama-groq': {
    provider: 'openai-compatible', base_url: GROQ, api_key_env: 'GROQ_API_KEY', upstream: 'llama-3.1-8b-instant', tier: 'trivial',
    price: { input: '0.05', output: '0.08', source: 'test', checked: '2026-12-06' },
  },
  'qwen-together': {
    provider: 'openai-compatible', base_url: TOGETHER, api_key_env: 'TOGETHER_API_KEY', upstream: 'Qwen/Qwen2.5-7B-Instruct-Turbo', tier: 'medium',
    price: { input: '0.30', output: '0.30', source: 'test', checked: '2026-12-06' },
  },
  'o4-mini-eu': {
    provider: 'azure-openai', base_url: AZURE, deployment: 'reasoning-prod', api_version: '2024-10-21', api_key_env: 'AZURE_OPENAI_API_KEY',
    upstream: 'o4-mini', tier: 'premium', price: { input: '1.10', cached_input: '0.275', output: '4.40', source: 'test', checked: '2026-12-06' },
  },
}

let r: TestRouter
let key: string
let groq: Emulator
let together: Emulator
let azure: Emulator
beforeEach(async () => {
  r = testRouter({
    ...emulatorVars,
    TRIAGE_MODELS: JSON.stringify(models),
    GROQ_API_KEY: 'gsk-groq-key-1',
    TOGETHER_API_KEY: 'tgp-together-key-2',
    AZURE_OPENAI_API_KEY: 'azure-key-3',
  })
  groq = createEmulator({ apiKey: 'gsk-groq-key-1' })
  together = createEmulator({ apiKey: 'tgp-together-key-2' })
  azure = createEmulator({ apiKey: 'azure-key-3' })
  // Each endpoint is its own emulator; anything else would reach no one.
  vi.mocked(globalThis.fetch).mockImplementation((input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    const emu = url.startsWith(GROQ) ? groq : url.startsWith(TOGETHER) ? together : url.startsWith(AZURE) ? azure : url.startsWith(EMU) ? r.emulator : undefined
    if (!emu) throw new Error(`unexpected fetch to ${url}`)
    return emu.fetch(input as RequestInfo, init)
  })
  key = (await r.tenant()).api_key
})
afterEach(() => vi.restoreAllMocks())

/** Usage at prices in nano-USD per 1M tokens, rounded up once (money/'s rule), as the decimal the headers carry. */
function expectedUsd(prompt: number, completion: number, inputNanoPerM: number, outputNanoPerM: number): string {
  const nano = (BigInt(prompt * inputNanoPerM + completion * outputNanoPerM) + 999_999n) / 1_000_000n
  return `0.${nano.toString().padStart(9, '0').replace(/0+$/, '')}`
}

describe('openai-compatible endpoints from TRIAGE_MODELS', () => {
  it('sends each pinned model to its own endpoint with its own key, and charges its own price', async () => {
    const a = await r.call('/v1/chat/completions', { key, json: { model: 'llama-groq', messages: [{ role: 'user', content: 'hello from groq' }] } })
    const b = await r.call('/v1/chat/completions', { key, json: { model: 'qwen-together', messages: [{ role: 'user', content: 'hello from together please' }] } })
    expect(a.status, await a.clone().text()).toBe(200)
    expect(b.status, await b.clone().text()).toBe(200)

    // The right endpoint, with the right key (the emulators refuse any other key with 401).
    expect(groq.requests.map((q) => q.path)).toEqual(['/openai/v1/chat/completions'])
    expect(groq.requests[0].headers.authorization).toBe('Bearer gsk-g…')
    expect(groq.requests[0].body.model).toBe('llama-3.1-8b-instant')
    expect(together.requests.map((q) => q.path)).toEqual(['/v1/chat/completions'])
    expect(together.requests[0].headers.authorization).toBe('Bearer tgp-t…')
    expect(together.requests[0].body.model).toBe('Qwen/Qwen2.5-7B-Instruct-Turbo')
    expect(r.emulator.requests.filter((q) => q.path.endsWith('/chat/completions'))).toEqual([]) // nothing went to api.openai.com's stand-in

    const ja: any = await a.json()
    const jb: any = await b.json()
    expect(ja.model).toBe('llama-3.1-8b-instant')
    expect(jb.model).toBe('Qwen/Qwen2.5-7B-Instruct-Turbo')
    expect(a.headers.get('x-triage-model')).toBe('llama-groq')
    expect(a.headers.get('x-triage-provider')).toBe('openai-compatible:llama-groq')
    expect(b.headers.get('x-triage-provider')).toBe('openai-compatible:qwen-together')

    // Each model's own price.
    expect(a.headers.get('x-triage-cost-usd')).toBe(expectedUsd(ja.usage.prompt_tokens, ja.usage.completion_tokens, 50_000_000, 80_000_000))
    expect(b.headers.get('x-triage-cost-usd')).toBe(expectedUsd(jb.usage.prompt_tokens, jb.usage.completion_tokens, 300_000_000, 300_000_000))
    expect(ja.usage.prompt_tokens).toBe(3)
    expect(jb.usage.prompt_tokens).toBe(4)
  })

  it('streams from an endpoint too, and a routed request reaches the endpoint of its tier', async () => {
    const res = await r.call('/v1/chat/completions', { key, json: { model: 'triage/medium', messages: [{ role: 'user', content: 'hi' }], stream: true } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-triage-model')).toBe('deepseek-reasoner') // the tier's list is unchanged: the entry only adds a model
    const pinned = await r.call('/v1/chat/completions', { key, json: { model: 'qwen-together', messages: [{ role: 'user', content: 'hi' }], stream: true } })
    expect(pinned.status).toBe(200)
    expect(await pinned.text()).toContain('data: [DONE]')
    expect(together.requests).toHaveLength(1)
    expect(together.requests[0].body.stream_options).toEqual({ include_usage: true })
  })

  it('answers 503 naming the variable when an endpoint key is not set', async () => {
    r = testRouter({ ...emulatorVars, TRIAGE_MODELS: JSON.stringify(models), TOGETHER_API_KEY: 'tgp-together-key-2' })
    key = (await r.tenant()).api_key
    const res = await r.call('/v1/chat/completions', { key, json: { model: 'llama-groq', messages: [{ role: 'user', content: 'hi' }] } })
    expect(res.status).toBe(503)
    const body: any = await res.json()
    expect(body.error.code).toBe('provider_not_configured')
    expect(body.error.message).toContain('GROQ_API_KEY')
  })

  it('calls an Azure OpenAI deployment: its URL, api-version and api-key header; the cap as max_completion_tokens for an o-series model', async () => {
    const res = await r.call('/v1/chat/completions', { key, json: { model: 'o4-mini-eu', messages: [{ role: 'user', content: 'hello azure' }], max_tokens: 50 } })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(azure.requests).toHaveLength(1)
    const q = azure.requests[0]
    expect(q.path).toBe('/openai/deployments/reasoning-prod/chat/completions')
    expect(q.query).toBe('?api-version=2024-10-21')
    expect(q.headers['api-key']).toBe('azure-key-3…')
    expect(q.headers.authorization).toBeUndefined()
    expect(q.body.max_completion_tokens).toBe(50)
    expect(q.body.max_tokens).toBeUndefined()
    const j: any = await res.json()
    expect(res.headers.get('x-triage-cost-usd')).toBe(expectedUsd(j.usage.prompt_tokens, j.usage.completion_tokens, 1_100_000_000, 4_400_000_000))
  })
})
