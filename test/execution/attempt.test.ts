/** Failures are data: each error carries its classification (and, unconfigured, the missing settings); the state after an attempt follows from it alone. */
import { describe, expect, it } from 'vitest'
import { afterFailure, execute } from '../../src/execution'
import { ProviderError, notConfigured, type Provider } from '../../src/providers'
import { buildConfig } from '../../src/config'

const retries = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5_000 }
const http = (status: number, retryAfterMs?: number) => new ProviderError('openai', 'http', `openai answered ${status}`, { status, retryAfterMs })

describe('ProviderError.failure and afterFailure', () => {
  it('classifies every status once: the client’s content, retryable, the provider’s own failure, unconfigured', () => {
    expect([400, 404, 413, 422].map((s) => http(s).failure)).toEqual(['client', 'client', 'client', 'client'])
    expect([408, 409, 429, 500, 503].map((s) => http(s).failure)).toEqual(['retryable', 'retryable', 'retryable', 'retryable', 'retryable'])
    expect([401, 403].map((s) => http(s).failure)).toEqual(['provider', 'provider'])
    expect(new ProviderError('openai', 'invalid', 'x').failure).toBe('provider')
    expect(new ProviderError('openai', 'timeout', 'x').failure).toBe('retryable')
    expect(notConfigured('openai', { missing: ['OPENAI_API_KEY'] })).toMatchObject({ failure: 'unconfigured', missing: ['OPENAI_API_KEY'] })
  })

  it('decides the next state: stop, retry after the jittered backoff or retry-after, or move on', () => {
    expect(afterFailure(http(400), 1, retries, () => 0.5)).toEqual({ state: 'stop', error: expect.any(ProviderError) })
    expect(afterFailure(http(500), 1, retries, () => 0.5)).toEqual({ state: 'retry', waitMs: 150 })
    expect(afterFailure(http(500), 2, retries, () => 1)).toEqual({ state: 'retry', waitMs: 400 })
    expect(afterFailure(http(429, 2_000), 1, retries, () => 0)).toEqual({ state: 'retry', waitMs: 2_000 })
    expect(afterFailure(http(429, 60_000), 1, retries, () => 0)).toEqual({ state: 'next' })
    expect(afterFailure(http(500), 3, retries, () => 0)).toEqual({ state: 'next' })
    expect(afterFailure(http(401), 1, retries, () => 0)).toEqual({ state: 'next' })
    expect(afterFailure(notConfigured('openai', { missing: ['OPENAI_API_KEY'] }), 1, retries, () => 0)).toEqual({ state: 'next' })
  })

  it('names the missing settings of every unconfigured candidate from the errors, not from their messages', async () => {
    const config = buildConfig({})
    const unconfigured = (name: string, missing: string[]): Provider => ({ name, chat: async () => { throw new ProviderError(name, 'unconfigured', 'no key here', { missing }) } })
    const providers = { openai: unconfigured('openai', ['OPENAI_API_KEY']), anthropic: unconfigured('anthropic', ['ANTHROPIC_API_KEY']) }
    const plan = { tier: 'premium' as const, candidates: [config.models['gpt-4.1'], config.models['claude-sonnet-4-6']] }
    const e = await execute(plan, { model: 'auto', messages: [{ role: 'user', content: 'hi' }] }, { providers, config }).catch((e) => e)
    expect(e.kind).toBe('unconfigured')
    expect(e.missing).toEqual(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'])
    expect(e.message).toContain('set OPENAI_API_KEY, ANTHROPIC_API_KEY')
    expect(e.attempts).toBe(0)
  })
})
