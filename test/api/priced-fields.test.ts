/**
 * Request fields that change the price (issue 14, item 5): `service_tier`, `prediction`, `web_search_options`,
 * `audio` / `modalities`. Each is either priced (reserved and settled at the rates it is billed at) or refused with a
 * 400 naming the field, before anything is reserved or sent upstream (src/money/fields.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testRouter, parseSSE } from './helpers'
import { expectValid } from '../support/openai-spec'

afterEach(() => vi.restoreAllMocks())

const nano = (usd: string | null | undefined) => Math.round(Number(usd) * 1e9)
const ask = (extra: Record<string, unknown>, content = 'one two three four') => ({ model: 'gpt-4.1', messages: [{ role: 'user', content }], max_tokens: 10, ...extra })

describe('priced fields', () => {
  it('service_tier "priority" on gpt-4.1: reserved and settled at the published priority rates ($3.50 / $14.00 per 1M), JSON and stream', async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    const route: any = await (await r.call('/v1/route', { key, json: ask({ service_tier: 'priority' }) })).json()
    const standard: any = await (await r.call('/v1/route', { key, json: ask({}) })).json()
    expect(nano(route.estimated_max_cost_usd)).toBeGreaterThan(nano(standard.estimated_max_cost_usd))
    const res = await r.call('/v1/chat/completions', { key, json: ask({ service_tier: 'priority' }) })
    expect(res.status).toBe(200)
    const body: any = await res.json()
    expect(body.service_tier).toBe('priority')
    const { prompt_tokens: p, completion_tokens: o } = body.usage
    // ⌈(p × 3.50 + o × 14.00) / 1e6 USD⌉ in nano-USD
    expect(nano(res.headers.get('x-triage-cost-usd'))).toBe(p * 3_500 + o * 14_000)
    expect(nano(res.headers.get('x-triage-cost-usd'))).toBeLessThanOrEqual(nano(route.estimated_max_cost_usd))
    const s = await r.call('/v1/chat/completions', { key, json: ask({ service_tier: 'priority', stream: true, stream_options: { include_usage: true } }) })
    const { data, comments } = parseSSE(await s.text())
    const usage = JSON.parse(data.at(-2)!).usage
    expect(nano(comments.find((l) => l.startsWith('x-triage-cost-usd='))!.split('=')[1])).toBe(usage.prompt_tokens * 3_500 + usage.completion_tokens * 14_000)
  })

  it('"flex", "auto" and "default" are allowed at standard rates; "priority" on a model with no priority rates, or an unknown tier, is a 400 naming service_tier', async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    for (const tier of ['flex', 'auto', 'default']) {
      const res = await r.call('/v1/chat/completions', { key, json: ask({ service_tier: tier }) })
      expect(res.status, tier).toBe(200)
      const u = ((await res.json()) as any).usage
      expect(nano(res.headers.get('x-triage-cost-usd'))).toBe(u.prompt_tokens * 2_000 + u.completion_tokens * 8_000)
    }
    for (const [model, tier] of [['deepseek-chat', 'priority'], ['claude-sonnet-4-6', 'priority'], ['gpt-4.1', 'scale']]) {
      const res = await r.call('/v1/chat/completions', { key, json: ask({ model, service_tier: tier }) })
      expect(res.status, `${model} ${tier}`).toBe(400)
      const e: any = await res.json()
      expectValid('ErrorResponse', e)
      expect(e.error).toMatchObject({ type: 'invalid_request_error', param: 'service_tier', code: 'unsupported_priced_field' })
    }
    expect(r.emulator.requests.filter((q) => q.body?.service_tier === 'priority' || q.body?.service_tier === 'scale')).toEqual([])
  })

  it('web_search_options, audio and modalities with "audio" are refused with a 400 naming the field; nothing is sent upstream or charged', async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    const cases: Array<[string, Record<string, unknown>]> = [
      ['web_search_options', { web_search_options: { search_context_size: 'high' } }],
      ['audio', { audio: { voice: 'alloy', format: 'wav' } }],
      ['modalities', { modalities: ['text', 'audio'] }],
    ]
    for (const [param, extra] of cases) {
      for (const model of ['gpt-4.1', 'auto']) {
        const res = await r.call('/v1/chat/completions', { key, json: ask({ ...extra, model }) })
        expect(res.status, `${param} ${model}`).toBe(400)
        const e: any = await res.json()
        expectValid('ErrorResponse', e)
        expect(e.error.param).toBe(param)
        expect(e.error.message).toContain(param)
      }
    }
    expect(r.emulator.requests).toEqual([])
    // Text-only modalities are fine.
    expect((await r.call('/v1/chat/completions', { key, json: ask({ modalities: ['text'] }) })).status).toBe(200)
  })

  it('prediction: its rejected tokens are billed as output, the reservation covers them, and they are charged exactly', async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    const prediction = { type: 'content', content: Array.from({ length: 60 }, (_, i) => `p${i}`).join(' ') }
    const b = ask({ prediction }, 'one two')
    const route: any = await (await r.call('/v1/route', { key, json: b })).json()
    const res = await r.call('/v1/chat/completions', { key, json: b })
    expect(res.status).toBe(200)
    const u = ((await res.json()) as any).usage
    expect(u.completion_tokens_details.rejected_prediction_tokens).toBe(60)
    expect(u.completion_tokens).toBeGreaterThan(10) // past max_tokens: the rejected prediction counts as output
    const cost = nano(res.headers.get('x-triage-cost-usd'))
    expect(cost).toBe(u.prompt_tokens * 2_000 + u.completion_tokens * 8_000)
    expect(cost).toBeLessThanOrEqual(nano(route.estimated_max_cost_usd))
  })
})
