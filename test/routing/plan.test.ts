import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config'
import { plan, providerAvailability, modelNames } from '../../src/routing'
import { ApiError } from '../../src/http/errors'

const config = buildConfig({ DEEPSEEK_API_KEY: 'k', OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k', CLOUDFLARE_ACCOUNT_ID: 'a', CLOUDFLARE_API_TOKEN: 't', TRIAGE_CASCADE: '0.3-0.5' })
const all = () => true
const base = { config, cap: 'premium' as const, available: all, priced: all, stream: false }

describe('plan', () => {
  it('auto routes by the decision, tier aliases pin a tier, model ids pin a model', () => {
    expect(plan({ ...base, requested: 'auto', decision: { tier: 'medium', score: 0.6 } })).toMatchObject({ tier: 'medium', mode: 'auto', downgraded: null })
    expect(plan({ ...base, requested: 'triage/premium', decision: { tier: 'trivial', score: 0.1 } }).candidates.map((m) => m.id)).toEqual(['gpt-4.1', 'claude-sonnet-4-6'])
    expect(plan({ ...base, requested: 'triage/hard', decision: { tier: 'trivial', score: 0.1 } }).tier).toBe('premium')
    expect(plan({ ...base, requested: 'deepseek-chat', decision: { tier: 'trivial', score: 0.1 } }).candidates.map((m) => m.id)).toEqual(['deepseek-chat'])
  })

  it('caps the tier by budget and says so', () => {
    const p = plan({ ...base, requested: 'claude-sonnet-4-6', cap: 'trivial', capReason: 'budget: 3% of daily budget left', decision: { tier: 'premium', score: 0.9 } })
    expect(p.tier).toBe('trivial')
    expect(p.candidates[0].provider).toBe('workers-ai')
    expect(p.downgraded).toBe('premium->trivial: budget: 3% of daily budget left')
  })

  it('leaves out unavailable providers, and refuses with 503 naming the settings when none is left', () => {
    const onlyAnthropic = (p: string) => p === 'anthropic'
    expect(plan({ ...base, requested: 'triage/premium', available: onlyAnthropic, decision: { tier: 'premium', score: 1 } }).candidates.map((m) => m.id)).toEqual(['claude-sonnet-4-6'])
    try {
      const bare = buildConfig({})
      plan({ ...base, config: bare, requested: 'triage/medium', available: providerAvailability(bare, {}), decision: { tier: 'medium', score: 0.5 } })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError)
      expect((e as ApiError).status).toBe(503)
      expect((e as ApiError).message).toContain('DEEPSEEK_API_KEY')
    }
  })

  it('leaves out unpriced models (never run what cannot be charged), and refuses with 503 model_unpriced when none is left', () => {
    const noGpt = (id: string) => id !== 'gpt-4.1'
    expect(plan({ ...base, requested: 'triage/premium', priced: noGpt, decision: { tier: 'premium', score: 1 } }).candidates.map((m) => m.id)).toEqual(['claude-sonnet-4-6'])
    const e = (() => {
      try {
        plan({ ...base, requested: 'triage/premium', priced: () => false, decision: { tier: 'premium', score: 1 } })
      } catch (err) {
        return err as ApiError
      }
    })()
    expect(e).toBeInstanceOf(ApiError)
    expect(e).toMatchObject({ status: 503, code: 'model_unpriced', param: 'model' })
    expect(e!.message).toContain('gpt-4.1, claude-sonnet-4-6')
    expect(e!.message).toContain('TRIAGE_PRICES')
    // The cascade's first try is only planned on a priced model.
    expect(plan({ ...base, requested: 'auto', priced: (id) => id !== config.tiers.trivial[0], decision: { tier: 'medium', score: 0.4 } }).cascade).toBeUndefined()
  })

  it('cascades only auto, non-streaming requests inside the band', () => {
    expect(plan({ ...base, requested: 'auto', decision: { tier: 'medium', score: 0.4 } }).cascade?.first[0].provider).toBe('workers-ai')
    expect(plan({ ...base, requested: 'auto', stream: true, decision: { tier: 'medium', score: 0.4 } }).cascade).toBeUndefined()
    expect(plan({ ...base, requested: 'auto', decision: { tier: 'medium', score: 0.55 } }).cascade).toBeUndefined()
    expect(plan({ ...base, requested: 'triage/medium', decision: { tier: 'medium', score: 0.4 } }).cascade).toBeUndefined()
  })

  it('404s an unknown model with param and code', () => {
    expect(() => plan({ ...base, requested: 'gpt-17', decision: { tier: 'trivial', score: 0 } })).toThrow(ApiError)
  })

  it('knows availability from credentials or the AI binding', () => {
    const bare = buildConfig({})
    expect(providerAvailability(bare, {})('workers-ai')).toBe(false)
    expect(providerAvailability(bare, { AI: { run() {} } })('workers-ai')).toBe(true)
    expect(providerAvailability(bare, { AI: { run() {} } })('openai')).toBe(false)
    expect(modelNames(bare).slice(0, 4)).toEqual(['auto', 'triage/trivial', 'triage/medium', 'triage/premium'])
  })
})
