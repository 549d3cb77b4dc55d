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
    // A worst-case reservation on the premium tier (4096 output tokens × $8/M ≈ $0.033) exceeds $0.01.
    const tenant = await router.createTenant({ name: 'tiny', budget: { daily_usd: 0.01 } })
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
})
