import { describe, expect, it } from 'vitest'
import { buildConfig, ConfigError, DEFAULT_TIERS } from '../../src/config'
import { DEFAULT_THRESHOLDS } from '../../src/scoring'

describe('config', () => {
  it('is valid with an empty environment, with documented defaults', () => {
    const c = buildConfig({})
    expect(c.tiers).toEqual(DEFAULT_TIERS)
    expect(c.tiers.trivial[0]).toBe('@cf/meta/llama-3.2-3b-instruct')
    expect(c.tiers.medium[0]).toBe('deepseek-reasoner')
    expect(c.thresholds).toEqual(DEFAULT_THRESHOLDS)
    expect(c.providers.openai).toMatchObject({ configured: false, missing: ['OPENAI_API_KEY'], baseUrl: 'https://api.openai.com/v1' })
    expect(c.providers['workers-ai'].missing).toEqual(['CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_API_TOKEN'])
    expect(c.cascade).toBeNull()
  })

  it('reads tiers, models, thresholds, limits and credentials from vars', () => {
    const c = buildConfig({
      TRIAGE_MODELS: JSON.stringify({ 'qwen-local': { provider: 'openai', upstream: 'qwen2.5:7b', tier: 'trivial' } }),
      TRIAGE_TRIVIAL_MODELS: 'qwen-local, @cf/meta/llama-3.2-1b-instruct',
      TRIAGE_THRESHOLD_MEDIUM: '0.4',
      TRIAGE_THRESHOLD_PREMIUM: '0.8',
      TRIAGE_CASCADE: '0.3-0.5',
      TRIAGE_MAX_BODY_BYTES: '2048',
      OPENAI_API_KEY: 'sk-x',
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1/',
    })
    expect(c.tiers.trivial).toEqual(['qwen-local', '@cf/meta/llama-3.2-1b-instruct'])
    expect(c.models['qwen-local']).toEqual({ id: 'qwen-local', provider: 'openai', upstream: 'qwen2.5:7b', tier: 'trivial' })
    expect(c.thresholds).toEqual({ medium: 0.4, premium: 0.8 })
    expect(c.cascade).toEqual({ low: 0.3, high: 0.5 })
    expect(c.limits.maxBodyBytes).toBe(2048)
    expect(c.providers.openai).toMatchObject({ configured: true, baseUrl: 'http://127.0.0.1:11434/v1' })
  })

  it('routes providers through a Cloudflare AI Gateway when configured', () => {
    const c = buildConfig({ AI_GATEWAY_URL: 'https://gateway.ai.cloudflare.com/v1/acct/gw', AI_GATEWAY_PROVIDERS: 'openai,anthropic' })
    expect(c.providers.openai.baseUrl).toBe('https://gateway.ai.cloudflare.com/v1/acct/gw/openai')
    expect(c.providers.anthropic.baseUrl).toBe('https://gateway.ai.cloudflare.com/v1/acct/gw/anthropic')
    expect(c.providers.deepseek.baseUrl).toBe('https://api.deepseek.com')
  })

  it('refuses an invalid config with a message naming every bad field', () => {
    let err: unknown
    try {
      buildConfig({ TRIAGE_THRESHOLD_MEDIUM: 'high', TRIAGE_MAX_BODY_BYTES: '-5', OPENAI_BASE_URL: 'ftp://x', TRIAGE_MODELS: '{not json', ADMIN_TOKEN: 'short' })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    const msg = (err as ConfigError).message
    for (const field of ['TRIAGE_THRESHOLD_MEDIUM', 'TRIAGE_MAX_BODY_BYTES', 'OPENAI_BASE_URL', 'TRIAGE_MODELS', 'ADMIN_TOKEN']) expect(msg).toContain(field)
  })

  it('checks cross-field rules: unknown tier models, threshold order', () => {
    expect(() => buildConfig({ TRIAGE_MEDIUM_MODELS: 'nope' })).toThrow(/TRIAGE_MEDIUM_MODELS: unknown model 'nope'/)
    expect(() => buildConfig({ TRIAGE_THRESHOLD_MEDIUM: '0.9', TRIAGE_THRESHOLD_PREMIUM: '0.2' })).toThrow(/TRIAGE_THRESHOLD_MEDIUM/)
  })

  it('reads the fields a model refuses, and refuses fields every request needs or that are not field names', () => {
    expect(buildConfig({}).models['gpt-4.1'].unsupported).toEqual(['reasoning_effort'])
    expect(buildConfig({}).models['deepseek-reasoner'].unsupported).toEqual(['logprobs', 'top_logprobs'])
    expect(buildConfig({}).models['claude-sonnet-4-6'].unsupported).toBeUndefined()
    const c = buildConfig({ TRIAGE_MODELS: JSON.stringify({ 'o-local': { provider: 'openai', tier: 'premium', unsupported: ['temperature', 'top_p'] } }) })
    expect(c.models['o-local']).toEqual({ id: 'o-local', provider: 'openai', upstream: 'o-local', tier: 'premium', unsupported: ['temperature', 'top_p'] })
    expect(() => buildConfig({ TRIAGE_MODELS: JSON.stringify({ x: { provider: 'openai', tier: 'premium', unsupported: ['max_tokens'] } }) }))
      .toThrow(/TRIAGE_MODELS: 'x': 'max_tokens' cannot be unsupported/)
    expect(() => buildConfig({ TRIAGE_MODELS: JSON.stringify({ x: { provider: 'openai', tier: 'premium', unsupported: ['Temp erature'] } }) }))
      .toThrow(/TRIAGE_MODELS.*request field names/)
  })

  it("reads a model's default output cap, and refuses one that is not a positive whole number", () => {
    expect(buildConfig({}).models['deepseek-reasoner'].maxOutputTokens).toBe(32_768)
    expect(buildConfig({}).models['gpt-4.1'].maxOutputTokens).toBeUndefined()
    const c = buildConfig({ TRIAGE_MODELS: JSON.stringify({ o3: { provider: 'openai', tier: 'premium', max_output_tokens: 25_000 } }) })
    expect(c.models.o3.maxOutputTokens).toBe(25_000)
    for (const bad of [0, 1.5, '100', 2_000_000]) {
      expect(() => buildConfig({ TRIAGE_MODELS: JSON.stringify({ o3: { provider: 'openai', tier: 'premium', max_output_tokens: bad } }) }))
        .toThrow(/TRIAGE_MODELS\.o3\.max_output_tokens/)
    }
  })

  it('ignores bindings and empty strings', () => {
    expect(() => buildConfig({ TRIAGE_KV: {}, OPENAI_API_KEY: '' })).not.toThrow()
    expect(buildConfig({ OPENAI_API_KEY: '' }).providers.openai.configured).toBe(false)
  })
})

describe('config: models that name their own endpoint, and nothing ignored in silence', () => {
  it('refuses a per-model base_url on a provider that has none (it used to be ignored: phi4-mini went to api.openai.com)', () => {
    const env = { TRIAGE_MODELS: JSON.stringify({ 'phi4-mini': { provider: 'openai', base_url: 'http://127.0.0.1:11434/v1', tier: 'trivial' } }) }
    expect(() => buildConfig(env)).toThrow(ConfigError)
    expect(() => buildConfig(env)).toThrow(/TRIAGE_MODELS\.phi4-mini: .*base_url.*provider "openai-compatible"/)
  })

  it('builds one connection per endpoint entry, with the key from the variable it names', () => {
    const c = buildConfig({
      GROQ_API_KEY: 'gsk-1',
      TRIAGE_MODELS: JSON.stringify({
        'phi4-mini': { provider: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1/', tier: 'trivial', price: { input: '0', output: '0' } },
        'llama-groq': { provider: 'openai-compatible', base_url: 'https://api.groq.com/openai/v1', api_key_env: 'GROQ_API_KEY', upstream: 'llama-3.1-8b-instant', tier: 'trivial' },
        'mistral-small': { provider: 'openai-compatible', base_url: 'https://api.mistral.ai/v1', api_key_env: 'MISTRAL_API_KEY', tier: 'medium' },
      }),
    })
    expect(c.models['phi4-mini']).toEqual({ id: 'phi4-mini', provider: 'openai-compatible:phi4-mini', upstream: 'phi4-mini', tier: 'trivial' })
    expect(c.providers['openai-compatible:phi4-mini']).toMatchObject({ adapter: 'openai-compatible', configured: true, missing: [], baseUrl: 'http://127.0.0.1:11434/v1' })
    expect(c.providers['openai-compatible:llama-groq']).toMatchObject({ configured: true, apiKey: 'gsk-1', baseUrl: 'https://api.groq.com/openai/v1' })
    expect(c.providers['openai-compatible:mistral-small']).toMatchObject({ configured: false, missing: ['MISTRAL_API_KEY'] })
    expect(JSON.parse(c.priceOverrides!)).toEqual({ 'phi4-mini': { input: '0', output: '0' } })
  })

  it('refuses unknown providers, unknown entry keys, missing endpoint fields and a model priced twice', () => {
    let err: ConfigError | undefined
    try {
      buildConfig({
        TRIAGE_PRICES: JSON.stringify({ b: { input: '1', output: '1' } }),
        TRIAGE_MODELS: JSON.stringify({
          a: { provider: 'groq', tier: 'trivial' },
          b: { provider: 'openai-compatible', base_url: 'http://x.test/v1', tier: 'trivial', price: { input: '1', output: '2' } },
          c: { provider: 'openai-compatible', tier: 'trivial' },
          d: { provider: 'azure-openai', base_url: 'https://r.openai.azure.com', deployment: 'dep', api_key_env: 'K', tier: 'premium', temprature: 1 },
        }),
      })
    } catch (e) {
      err = e as ConfigError
    }
    expect(err).toBeInstanceOf(ConfigError)
    const msg = err!.message
    expect(msg).toMatch(/TRIAGE_MODELS\.a\.provider: unknown provider 'groq' \(one of: .*openai-compatible/)
    expect(msg).toMatch(/TRIAGE_MODELS\.b\.price: 'b' is priced in TRIAGE_PRICES too/)
    expect(msg).toMatch(/TRIAGE_MODELS\.c\.base_url: required/)
    expect(msg).toMatch(/TRIAGE_MODELS\.d\.api_version/)
    expect(msg).toMatch(/TRIAGE_MODELS\.d: unknown key 'temprature'/)
  })

  it('reports every bad variable and every broken rule in one error, TRIAGE_PRICES included', () => {
    let err: ConfigError | undefined
    try {
      buildConfig({
        TRIAGE_THRESHOLD_MEDIUM: 'high',
        TRIAGE_MEDIUM_MODELS: 'nope',
        TRIAGE_RETRY_BASE_MS: '9000',
        TRIAGE_RETRY_MAX_MS: '100',
        TRIAGE_PRICES: '{"gpt-4.1":{"input":"cheap"}}',
      })
    } catch (e) {
      err = e as ConfigError
    }
    expect(err).toBeInstanceOf(ConfigError)
    const named = err!.problems.map((p) => p.split(/[.:]/)[0])
    for (const v of ['TRIAGE_THRESHOLD_MEDIUM', 'TRIAGE_MEDIUM_MODELS', 'TRIAGE_RETRY_BASE_MS', 'TRIAGE_PRICES']) expect(named, v).toContain(v)
    expect(err!.message).toMatch(/TRIAGE_PRICES\.gpt-4\.1\.input: must be a USD amount/)
  })

  it('refuses a TRIAGE_PRICES that is not JSON, by name', () => {
    expect(() => buildConfig({ TRIAGE_PRICES: '{oops' })).toThrow(/TRIAGE_PRICES: must be JSON/)
  })
})
