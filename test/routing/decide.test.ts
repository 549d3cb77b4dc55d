/**
 * decide(): the one routing decision (issue 16 part 3) and fitting the budget before refusing (issue 14 item 7).
 */
import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config'
import { decide } from '../../src/routing'
import { headroomOf } from '../../src/ledger/headroom'
import { worstCase } from '../../src/money'
import { parseChatRequest, requestedMaxTokens, withOutputCap, type ChatRequest } from '../../src/openai/request'
import { resolvePolicy } from '../../src/tenants'

const KEYS = { DEEPSEEK_API_KEY: 'k', OPENAI_API_KEY: 'k', ANTHROPIC_API_KEY: 'k', CLOUDFLARE_ACCOUNT_ID: 'a', CLOUDFLARE_API_TOKEN: 't' }
const config = buildConfig(KEYS)
const available = () => true
const tenant = { policy: resolvePolicy(undefined) }
/** An expert regulatory analysis: scores premium (the rubric in docs/ROUTING.md). */
const HARD = 'Analyse whether our HR chatbot that screens CVs is a high-risk system under the EU AI Act, and what GDPR ' +
  'obligations apply (DPIA, Article 22, transparency). Cite the articles and give a compliance plan.'
const request = (body: Record<string, unknown>): ChatRequest => {
  const r = parseChatRequest(body)
  if (!r.ok) throw new Error(r.message)
  return r.request
}
const ask = (content: string, extra: Record<string, unknown> = {}) => request({ model: 'auto', messages: [{ role: 'user', content }], ...extra })
/** A fresh budget of `nano` a day, nothing spent: 100% left, so the policy's tier cap does not bind. */
const fresh = (nano: number) => headroomOf({ daily: nano, monthly: null }, { daily: 0, monthly: 0 }, Date.UTC(2026, 3, 30, 12))
const run = (req: ChatRequest, nano?: number, cfg = config) => decide({ req, config: cfg, tenant, headroom: nano === undefined ? undefined : fresh(nano), available })

describe('decide: the reservation', () => {
  it('is the worst case over every model that may run: Claude, the premium fallback, costs ~1.9× gpt-4.1', () => {
    const req = ask('Hi', { model: 'triage/premium' })
    const d = run(req)
    expect(d.plan.candidates.map((m) => m.id)).toEqual(['gpt-4.1', 'claude-sonnet-4-6'])
    expect(d.reservation).toBe(Math.max(worstCase(req, 'gpt-4.1', config), worstCase(req, 'claude-sonnet-4-6', config)))
    expect(d.reservation).toBeGreaterThan(1.8 * worstCase(req, 'gpt-4.1', config))
  })

  it('includes the cascade’s first models', () => {
    const cascade = buildConfig({ ...KEYS, TRIAGE_CASCADE: '0-1', TRIAGE_MODELS: JSON.stringify({ '@cf/qwen/qwen2.5-coder-32b-instruct': { provider: 'workers-ai', tier: 'trivial', max_output_tokens: 200_000 } }), TRIAGE_TRIVIAL_MODELS: '@cf/qwen/qwen2.5-coder-32b-instruct' })
    const req = ask(HARD)
    const d = run(req, undefined, cascade)
    expect(d.plan.cascade?.first.map((m) => m.id)).toEqual(['@cf/qwen/qwen2.5-coder-32b-instruct'])
    // 200K output tokens at ~$1/M: the cheap first try is the most expensive model that may run here
    expect(d.reservation).toBe(worstCase(req, '@cf/qwen/qwen2.5-coder-32b-instruct', cascade))
    expect(d.reservation).toBeGreaterThan(Math.max(...d.plan.candidates.map((m) => worstCase(req, m.id, cascade))))
  })

  it('normalises the output cap once: the smaller of max_completion_tokens and max_tokens, in one field', () => {
    const d = run(ask('Hi', { model: 'triage/medium', max_completion_tokens: 1, max_tokens: 30_000 }))
    expect(d.request.max_completion_tokens).toBe(1)
    expect(d.request).not.toHaveProperty('max_tokens')
    expect(d.reservation).toBe(worstCase(ask('Hi', { max_tokens: 1 }), 'deepseek-reasoner', config))
    // a null in the other field is dropped too: one field goes upstream
    expect(run(ask('Hi', { max_tokens: null, max_completion_tokens: 5 })).request).not.toHaveProperty('max_tokens')
    expect(withOutputCap({ max_tokens: 7 })).toEqual({ max_tokens: 7 })
    expect(withOutputCap({}, 812)).toEqual({ max_tokens: 812 })
  })
})

describe('decide: fit before refusing', () => {
  it('changes nothing when the worst case fits', () => {
    const d = run(ask(HARD), 1_000_000_000)
    expect(d.plan).toMatchObject({ tier: 'premium', downgraded: null })
    expect(requestedMaxTokens(d.request)).toBeUndefined()
  })

  it('auto steps down a tier first: $0.02 left does not cover premium ($0.06), it covers medium', () => {
    expect(run(ask(HARD)).plan.tier).toBe('premium')
    const d = run(ask(HARD), 20_000_000)
    expect(d.plan).toMatchObject({ tier: 'medium', requestedTier: 'premium', downgraded: 'premium->medium: budget' })
    expect(requestedMaxTokens(d.request)).toBeUndefined() // deepseek-reasoner keeps its own 32K cap
    expect(d.reservation).toBeLessThanOrEqual(20_000_000)
  })

  it('then shrinks max_tokens to what the budget affords, on the tier that affords the longest answer', () => {
    const left = 500_000 // $0.0005: not even trivial's 4,096 tokens ($0.0014)
    const d = run(ask(HARD), left)
    const cap = requestedMaxTokens(d.request)!
    expect(d.plan.tier).toBe('trivial')
    expect(d.plan.downgraded).toBe(`premium->trivial; max_tokens 4096->${cap}: budget`)
    expect(cap).toBeGreaterThanOrEqual(config.limits.minOutputTokens)
    expect(d.reservation).toBeLessThanOrEqual(left)
    // the largest cap that fits: one more token would not
    expect(worstCase({ ...d.request, max_tokens: cap + 1 }, d.plan.candidates[0].id, config)).toBeGreaterThan(left)
  })

  it('fits the default reservation too: "hi" with a tiny budget is answered with a smaller cap', () => {
    const d = run(ask('hi'), 300_000)
    expect(d.plan.tier).toBe('trivial')
    expect(d.plan.downgraded).toMatch(/^max_tokens 4096->\d+: budget$/)
    expect(d.reservation).toBeLessThanOrEqual(300_000)
  })

  it('keeps a pinned model or tier, and only shrinks its cap', () => {
    const pinned = run(ask('Hi', { model: 'gpt-4.1' }), 10_000_000)
    expect(pinned.plan.candidates.map((m) => m.id)).toEqual(['gpt-4.1'])
    expect(pinned.plan.downgraded).toBe(`max_tokens 4096->${requestedMaxTokens(pinned.request)}: budget`)
    expect(requestedMaxTokens(pinned.request)).toBeGreaterThan(1000)
    expect(pinned.reservation).toBeLessThanOrEqual(10_000_000)

    const tier = run(ask('Hi', { model: 'triage/premium' }), 10_000_000)
    expect(tier.plan.candidates.map((m) => m.id)).toEqual(['gpt-4.1', 'claude-sonnet-4-6'])
    expect(tier.plan.downgraded).toMatch(/^max_tokens 4096->\d+: budget$/)
    // the cap fits the dearest model that may run (Claude, at $15/M)
    expect(worstCase(tier.request, 'claude-sonnet-4-6', config)).toBeLessThanOrEqual(10_000_000)
    expect(tier.reservation).toBeLessThanOrEqual(10_000_000)
  })

  it('keeps the client’s own cap in the field it used, only ever lowering it', () => {
    const d = run(ask('Hi', { model: 'gpt-4.1', max_completion_tokens: 3000 }), 10_000_000)
    expect(d.request).not.toHaveProperty('max_tokens')
    expect(d.request.max_completion_tokens).toBeLessThan(3000)
    expect(d.plan.downgraded).toBe(`max_tokens 3000->${d.request.max_completion_tokens}: budget`)
  })

  it('gives up only when not even a minimal answer fits on the cheapest candidate: the ledger then refuses it', () => {
    const left = 10_000 // $0.00001: 256 tokens on the trivial model cost ~$0.00009
    const d = run(ask(HARD), left)
    expect(d.plan.tier).toBe('trivial')
    expect(requestedMaxTokens(d.request)).toBe(256)
    expect(d.reservation).toBeGreaterThan(left)
    // A client asking for less than the minimum is held to its own cap, never raised
    expect(requestedMaxTokens(run(ask('hi', { max_tokens: 10 }), 1).request)).toBe(10)
    // The minimum is configurable: with $0.00003 left, 256 tokens do not fit, 16 do
    const small = buildConfig({ ...KEYS, TRIAGE_MIN_OUTPUT_TOKENS: '16' })
    expect(run(ask(HARD), 30_000).reservation).toBeGreaterThan(30_000)
    const sixteen = run(ask(HARD), 30_000, small)
    expect(sixteen.reservation).toBeLessThanOrEqual(30_000)
    expect(requestedMaxTokens(sixteen.request)).toBeGreaterThanOrEqual(16)
  })

  it('leaves an unlimited tenant, or an anonymous dry run, as it is', () => {
    const unlimited = decide({ req: ask(HARD), config, tenant, headroom: headroomOf({ daily: null, monthly: null }, { daily: 5, monthly: 5 }, 0), available })
    expect(unlimited.plan.downgraded).toBeNull()
    expect(decide({ req: ask(HARD), config, available }).plan.tier).toBe('premium')
  })
})
