/**
 * Budgets as a user of the official SDK sees them: an exhausted budget is a RateLimitError with code
 * insufficient_quota, whose message names the budget and when it resets.
 */
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRouter, type Router } from './harness'

let router: Router
beforeAll(async () => {
  router = await startRouter()
})
afterAll(async () => router?.stop())

describe('budgets through the openai SDK', () => {
  it('refuses once the daily budget is spent, with RateLimitError insufficient_quota', async () => {
    // Not even a minimal answer (TRIAGE_MIN_OUTPUT_TOKENS = 256 output tokens × $8/M ≈ $0.002) fits in $0.0001.
    // ($0.01 used to be refused too, against the full 4,096-token reservation; now its cap is shrunk to fit: below.)
    const tenant = await router.createTenant({ name: 'tiny', budget: { daily_usd: 0.0001 } })
    const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: tenant.api_key, maxRetries: 0 })
    const err = await client.chat.completions
      .create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.RateLimitError)
    const e = err as InstanceType<typeof OpenAI.RateLimitError>
    expect(e.code).toBe('insufficient_quota')
    expect(e.message).toMatch(/daily/i)
    expect(e.message).toMatch(/reset/i)
  })

  it('steps down a tier when the budget runs low, and says so', async () => {
    const tenant = await router.createTenant({ name: 'low', budget: { daily_usd: 1 }, policy: { downgrade_at_remaining_fraction: { premium: 1 } } })
    const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: tenant.api_key, maxRetries: 0 })
    // Premium needs 100% of the budget left: the first request is served at premium, and once it is paid for
    // the tenant has less than 100% left.
    const first = await client.chat.completions.create({ model: 'triage/premium', messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    expect(first.response.headers.get('x-triage-tier')).toBe('premium')
    const { response } = await client.chat.completions.create({ model: 'triage/premium', messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    expect(response.headers.get('x-triage-tier')).toBe('medium')
    expect(response.headers.get('x-triage-downgraded')).toMatch(/^premium->medium: budget/)
  })
  it('fits a small budget before refusing: a pinned model keeps its model, its max_tokens shrunk, sent upstream and announced', async () => {
    // $0.01 does not cover gpt-4.1's default 4,096 output tokens (≈ $0.033): it affords ~1,240.
    const tenant = await router.createTenant({ name: 'small', budget: { daily_usd: 0.01 } })
    const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: tenant.api_key, maxRetries: 0 })
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hi to the fit test.' }] }).withResponse()
    expect(data.choices[0].message.content).toBe('Echo: Say hi to the fit test.')
    expect(response.headers.get('x-triage-model')).toBe('gpt-4.1')
    const m = /^max_tokens 4096->(\d+): budget$/.exec(response.headers.get('x-triage-downgraded') ?? '')
    expect(m).not.toBeNull()
    const sent = router.emulator.emulator.requests.filter((q) => JSON.stringify(q.body ?? {}).includes('Say hi to the fit test.'))
    expect(sent).toHaveLength(1)
    expect(sent[0].body).toMatchObject({ model: 'gpt-4.1', max_tokens: Number(m![1]) })
    expect(Number(m![1])).toBeGreaterThan(1000)
    expect(Number(response.headers.get('x-triage-cost-usd'))).toBeLessThanOrEqual(0.01)
  })
})
