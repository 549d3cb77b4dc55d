/**
 * The request path with a tenant near the end of its budget (issue 14 item 7: fit before refusing) and /v1/route
 * showing the reservation the request really makes (issue 14 item 10). Providers are the emulators.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { testRouter, emulatorVars, type TestRouter } from './helpers'
import { expectValid } from '../support/openai-spec'
import { ledgerStub, listRequestRecords } from '../../src/ledger'
import { parseUsd } from '../../src/money'
import type { Env } from '../../src/env'

/** An expert regulatory analysis: scores premium (the rubric in docs/ROUTING.md). */
const HARD = 'Analyse whether our HR chatbot that screens CVs is a high-risk system under the EU AI Act, and what GDPR ' +
  'obligations apply (DPIA, Article 22, transparency). Cite the articles and give a compliance plan.'
const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'auto', messages: [{ role: 'user', content }], ...extra })

let r: TestRouter
beforeEach(() => {
  r = testRouter()
})
afterEach(() => vi.restoreAllMocks())

const lastChatCall = () => r.emulator.requests.filter((q) => q.path.endsWith('/chat/completions') || q.path.includes('/ai/run/')).at(-1)!
async function records(tenant: string) {
  const env = r.env as unknown as Env
  await ledgerStub(env, tenant).flush()
  return (await listRequestRecords(env.TRIAGE_KV, tenant)).records
}

describe('/v1/route shows the reservation the request really makes (issue 14 item 10)', () => {
  it('the maximum over the candidates, Claude as fallback included, and exactly what chat reserves', async () => {
    const t = await r.tenant({ budget: { daily_usd: 10 } })
    const body = ask('Hi', { model: 'triage/premium' })
    const route: any = await (await r.call('/v1/route', { key: t.api_key, json: body })).json()
    const res = await r.call('/v1/chat/completions', { key: t.api_key, json: body })
    expect(res.status).toBe(200)
    const [record] = await records(t.id)
    expect(parseUsd(route.estimated_max_cost_usd)).toBe(record.reserved_nano)
    // gpt-4.1 alone: 4,096 × $8/M ≈ $0.033; Claude at $15/M makes the premium reservation ≈ 1.9× that
    expect(Number(route.estimated_max_cost_usd)).toBeGreaterThan(0.06)
    expect(route.max_tokens).toBe(4096)
  })
})

describe('fit before refusing (issue 14 item 7)', () => {
  it('auto: a hard request with $0.02 left steps down to medium instead of a 429 (premium needs up to $0.06)', async () => {
    const t = await r.tenant({ budget: { daily_usd: 0.02 } })
    expect(((await (await r.call('/v1/route', { json: ask(HARD) })).json()) as any).tier).toBe('premium')
    const res = await r.call('/v1/chat/completions', { key: t.api_key, json: ask(HARD) })
    expect(res.status).toBe(200)
    expectValid('CreateChatCompletionResponse', await res.json())
    expect(res.headers.get('x-triage-tier')).toBe('medium')
    expect(res.headers.get('x-triage-downgraded')).toBe('premium->medium: budget')
    const [record] = await records(t.id)
    expect(record).toMatchObject({ tier: 'medium', requested_tier: 'premium', downgraded: 'premium->medium: budget' })
    expect(record.reserved_nano).toBeLessThanOrEqual(20_000_000)
  })

  it('then caps max_tokens to what the budget affords, sends that cap upstream and says so; "hi" on the default cap too', async () => {
    const t = await r.tenant({ budget: { daily_usd: 0.0005 } })
    for (const content of [HARD, 'hi']) {
      const res = await r.call('/v1/chat/completions', { key: t.api_key, json: ask(content) })
      expect(res.status).toBe(200)
      const note = res.headers.get('x-triage-downgraded')!
      const m = /max_tokens 4096->(\d+): budget$/.exec(note)
      expect(m, note).not.toBeNull()
      expect(res.headers.get('x-triage-tier')).toBe('trivial')
      expect(lastChatCall().body.max_tokens).toBe(Number(m![1]))
    }
    for (const rec of await records(t.id)) expect(rec.reserved_nano).toBeLessThanOrEqual(500_000)
  })

  it('a pinned model keeps its model and only has its cap shrunk, told in x-triage-downgraded; the stream too', async () => {
    const t = await r.tenant({ budget: { daily_usd: 0.01 } })
    for (const stream of [false, true]) {
      const res = await r.call('/v1/chat/completions', { key: t.api_key, json: ask('Hi', { model: 'gpt-4.1', stream }) })
      expect(res.status).toBe(200)
      await res.text()
      expect(res.headers.get('x-triage-model')).toBe('gpt-4.1')
      const m = /^max_tokens 4096->(\d+): budget$/.exec(res.headers.get('x-triage-downgraded') ?? '')
      expect(m).not.toBeNull()
      expect(lastChatCall().body).toMatchObject({ model: 'gpt-4.1', max_tokens: Number(m![1]) })
    }
  })

  it('refuses (429 insufficient_quota) only when even a minimal answer on the cheapest candidate does not fit', async () => {
    const t = await r.tenant({ budget: { daily_usd: 0.00001 } })
    const res = await r.call('/v1/chat/completions', { key: t.api_key, json: ask('hi') })
    expect(res.status).toBe(429)
    const body: any = await res.json()
    expectValid('ErrorResponse', body)
    expect(body.error.code).toBe('insufficient_quota')
    // With a smaller minimal answer the same budget serves it.
    const lenient = testRouter({ ...emulatorVars, TRIAGE_MIN_OUTPUT_TOKENS: '8' })
    const t2 = await lenient.tenant({ budget: { daily_usd: 0.00001 } })
    const ok = await lenient.call('/v1/chat/completions', { key: t2.api_key, json: ask('hi') })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('x-triage-downgraded')).toMatch(/^max_tokens 4096->\d+: budget$/)
  })
})
