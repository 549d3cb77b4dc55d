import { describe, expect, it } from 'vitest'
import { createProviders, toApiError } from '../../src/providers'
import { parseRetryAfter, sanitize } from '../../src/providers/errors'
import { ProviderError } from '../../src/providers/types'
import { expectValid } from '../support/openai-spec'
import { collect, emulatorEnv, model, setup, signal, user } from './helpers'

describe('provider errors', () => {
  it('parses retry-after as seconds, HTTP date and retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter(new Headers({ 'retry-after': '7' }), now)).toBe(7000)
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000)
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '1' }), now)).toBe(250)
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined()
  })

  it('sanitises keys and bearer tokens out of upstream messages', () => {
    expect(sanitize('Incorrect API key provided: sk-proj-abcdefghijklmnop', [])).toBe('Incorrect API key provided: [redacted]')
    expect(sanitize('token my-secret-token-value leaked', ['my-secret-token-value'])).toBe('token [redacted] leaked')
    expect(sanitize('auth: Bearer abc.def.ghi')).toBe('auth: Bearer [redacted]')
    expect(sanitize('x'.repeat(1000)).length).toBeLessThanOrEqual(301)
  })

  it('maps ProviderError kinds to OpenAI-format errors with the right status', () => {
    const cases: Array<[ProviderError, number, string]> = [
      [new ProviderError('openai', 'unconfigured', 'The openai provider is not configured: set OPENAI_API_KEY.'), 503, 'OPENAI_API_KEY'],
      [new ProviderError('openai', 'timeout', 'slow'), 504, 'did not answer in time'],
      [new ProviderError('openai', 'http', 'x', { status: 400, upstreamBody: '{"error":{"message":"bad tool schema"}}' }), 400, 'bad tool schema'],
      [new ProviderError('openai', 'http', 'x', { status: 401 }), 502, 'credentials'],
      [new ProviderError('openai', 'http', 'x', { status: 429 }), 502, 'rate limiting'],
      [new ProviderError('openai', 'http', 'x', { status: 503 }), 502, 'HTTP 503'],
      [new ProviderError('openai', 'network', 'x'), 502, 'could not be reached'],
      [new ProviderError('openai', 'invalid', 'x'), 502, 'unreadable'],
    ]
    for (const [err, status, text] of cases) {
      const api = toApiError(err)
      expect(api.status).toBe(status)
      expect(api.message).toContain(text)
      expectValid('ErrorResponse', api.toJSON())
    }
  })

  it('an upstream 401 (our key) never shows the key', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const e = await p.openai.chat(user('x [[fault:401]]'), model(config, 'gpt-4.1'), { signal: signal(), stream: false }).catch((e) => e)
    const api = toApiError(e)
    expect(api.status).toBe(502)
    expect(JSON.stringify(api.toJSON())).not.toContain(emulatorEnv.OPENAI_API_KEY)
  })

  it('a 2xx that is not what the provider documents is `invalid` (JSON and stream)', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    for (const id of ['gpt-4.1', 'claude-sonnet-4-6', '@cf/meta/llama-3.2-3b-instruct']) {
      const m = model(config, id)
      const e = await p[m.provider].chat(user('x [[fault:invalid-json]]'), m, { signal: signal(), stream: false }).catch((e) => e)
      expect(e).toBeInstanceOf(ProviderError)
      expect(e.kind).toBe('invalid')
      const s = await p[m.provider].chat(user('x [[fault:invalid-json]]', { stream: true }), m, { signal: signal(), stream: true })
      if (s.kind !== 'stream') throw new Error()
      const g = await collect(s.chunks)
      expect((g.error as ProviderError).kind).toBe('invalid')
      expect(await s.usage).toMatchObject({ estimated: true })
    }
  })

  it('a cut stream errors the chunks with a network ProviderError and keeps usage (every provider)', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    for (const id of ['gpt-4.1', 'deepseek-reasoner', 'claude-sonnet-4-6', '@cf/meta/llama-3.2-3b-instruct']) {
      const m = model(config, id)
      const s = await p[m.provider].chat(user('alpha beta gamma delta epsilon [[fault:cut-mid-stream;after=3]]', { stream: true }), m, { signal: signal(), stream: true })
      if (s.kind !== 'stream') throw new Error()
      const g = await collect(s.chunks)
      expect(g.error, id).toBeInstanceOf(ProviderError)
      const u = await s.usage
      expect(u.estimated, id).toBe(true)
      expect(u.output, id).toBeGreaterThan(0)
    }
  })
})
