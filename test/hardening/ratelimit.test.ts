/**
 * Per-tenant rate limits (src/ratelimit): off unless configured; the tenant's Durable Object path (rpm and tpm,
 * sliding window) and the Workers Rate Limiting binding path (rpm, stubbed binding). A breach is a 429
 * `rate_limit_exceeded` (type `rate_limit_error`) in OpenAI's format with `retry-after`.
 */
import { env } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testRouter, emulatorVars, ADMIN } from '../api/helpers'
import { expectValid } from '../support/openai-spec'
import { SlidingWindow, TenantRates } from '../../src/ratelimit'

afterEach(() => vi.restoreAllMocks())

const ask = (content = 'hi', extra: Record<string, unknown> = {}) => ({ model: 'triage/trivial', messages: [{ role: 'user', content }], ...extra })

async function expectRateLimited(res: Response, limit: 'RPM' | 'TPM') {
  expect(res.status).toBe(429)
  const body: any = await res.json()
  expectValid('ErrorResponse', body)
  expect(body.error.type).toBe('rate_limit_error')
  expect(body.error.code).toBe('rate_limit_exceeded')
  expect(body.error.message).toContain(limit)
  const retry = Number(res.headers.get('retry-after'))
  expect(retry).toBeGreaterThanOrEqual(1)
  expect(retry).toBeLessThanOrEqual(120) // a sliding window frees its last slot at most two periods later
  return body
}

describe('sliding window', () => {
  it('admits up to the limit, then says exactly how long to wait', () => {
    const w = new SlidingWindow(60_000)
    const t0 = 1_800_000_000_000 - (1_800_000_000_000 % 60_000) // a bucket boundary
    for (let i = 0; i < 5; i++) expect(w.admit(t0 + i, 1, 5).ok).toBe(true)
    const refused = w.admit(t0 + 10, 1, 5)
    expect(refused.ok).toBe(false)
    // Next bucket starts at t0+60 s; the 5 then weigh 5 × (1 - t/60 s) and one more fits once that is ≤ 4: t ≥ 12 s.
    expect(refused.retryAfterMs).toBe(60_000 - 10 + 12_000)
    expect(w.admit(t0 + 60_000 + 11_999, 1, 5).ok).toBe(false)
    expect(w.admit(t0 + 60_000 + 12_000, 1, 5).ok).toBe(true)
  })
  it('never admits an amount above the limit, and counts nothing it refuses', () => {
    const r = new TenantRates()
    const now = Date.now()
    expect(r.admit(now, { tpm: 100, tokens: 101 })).toMatchObject({ ok: false, limit: 'tpm', retry_after_ms: null })
    expect(r.admit(now, { rpm: 1, tpm: 100, tokens: 100 }).ok).toBe(true)
    expect(r.admit(now, { rpm: 1, tpm: 100, tokens: 1 })).toMatchObject({ ok: false, limit: 'rpm' })
    expect(r.tokens.used(now)).toBe(100)
  })
})

describe('rate limits through the app (tenant Durable Object path)', () => {
  it('are off by default: a tenant with only a budget is limited by its budget alone', async () => {
    const r = testRouter()
    const t = await r.tenant()
    const codes = await Promise.all(Array.from({ length: 30 }, () => r.call('/v1/chat/completions', { key: t.api_key, json: ask() }).then((x) => x.status)))
    expect(codes.every((s) => s === 200)).toBe(true)
  })

  it('rpm: the request over the limit is refused with 429 rate_limit_exceeded and retry-after', async () => {
    const r = testRouter()
    const t = await r.tenant({ policy: { rate_limits: { rpm: 5 } } })
    for (let i = 0; i < 5; i++) expect((await r.call('/v1/chat/completions', { key: t.api_key, json: ask() })).status).toBe(200)
    await expectRateLimited(await r.call('/v1/chat/completions', { key: t.api_key, json: ask() }), 'RPM')
    // Another tenant is not affected.
    const other = await r.tenant({ policy: { rate_limits: { rpm: 5 } } })
    expect((await r.call('/v1/chat/completions', { key: other.api_key, json: ask() })).status).toBe(200)
  })

  it('tpm: counts estimated input + max output, refuses the request that does not fit, and a refusal is not charged', async () => {
    const r = testRouter()
    const t = await r.tenant({ policy: { rate_limits: { tpm: 1000 } } })
    const ok = await r.call('/v1/chat/completions', { key: t.api_key, json: ask('hello there', { max_tokens: 600 }) })
    expect(ok.status).toBe(200)
    const body = await expectRateLimited(await r.call('/v1/chat/completions', { key: t.api_key, json: ask('hello again', { max_tokens: 600 }) }), 'TPM')
    expect(body.error.message).toMatch(/limit 1000/)
    // A request larger than the whole limit can never pass: 429, not retryable.
    const huge = await r.call('/v1/chat/completions', { key: t.api_key, json: ask('x', { max_tokens: 5000 }) })
    expect(huge.status).toBe(429)
    expect(huge.headers.get('x-should-retry')).toBe('false')
    expect(((await huge.json()) as any).error.message).toMatch(/too large/)
    // Only the one admitted request reached the ledger.
    const usage: any = await (await r.call(`/admin/tenants/${t.id}/usage`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()
    expect(usage.ledger.daily.spent_nano).toBeGreaterThan(0)
    const stub = env.TENANT_LEDGER.get(env.TENANT_LEDGER.idFromName(t.id)) as any
    const snap = await stub.snapshot()
    expect(snap.charges).toBe(1)
  })

  it('the openai SDK sees RateLimitError-shaped errors (retry-after-ms set for retryable ones)', async () => {
    const r = testRouter()
    const t = await r.tenant({ policy: { rate_limits: { rpm: 1 } } })
    await r.call('/v1/chat/completions', { key: t.api_key, json: ask() })
    const res = await r.call('/v1/chat/completions', { key: t.api_key, json: ask() })
    await expectRateLimited(res, 'RPM')
    expect(Number(res.headers.get('retry-after-ms'))).toBeGreaterThan(0)
  })
})

describe('rate limits with the Workers Rate Limiting binding (stubbed)', () => {
  /** A stub with the binding's semantics: `limit` allowed calls per key per period. */
  function fakeBinding(limit: number) {
    const counts = new Map<string, number>()
    const calls: string[] = []
    return {
      calls,
      counts,
      binding: {
        async limit({ key }: { key: string }) {
          calls.push(key)
          const n = (counts.get(key) ?? 0) + 1
          counts.set(key, n)
          return { success: n <= limit }
        },
      },
    }
  }

  it('rpm goes to the binding (no DO RPC), spread over ⌈rpm / limit⌉ keys, and a breach is a 429 with retry-after 60', async () => {
    const fake = fakeBinding(2)
    const r = testRouter({ ...emulatorVars, RATE_LIMITER: fake.binding, TRIAGE_RATE_LIMITER_LIMIT: '2' })
    const t = await r.tenant({ policy: { rate_limits: { rpm: 6 } } })
    const stub = env.TENANT_LEDGER.get(env.TENANT_LEDGER.idFromName(t.id)) as any
    let served = 0
    for (let i = 0; i < 6; i++) if ((await r.call('/v1/chat/completions', { key: t.api_key, json: ask() })).status === 200) served++
    expect(served).toBe(6)
    expect(new Set(fake.calls)).toEqual(new Set([`${t.id}:0`, `${t.id}:1`, `${t.id}:2`]))
    const res = await r.call('/v1/chat/completions', { key: t.api_key, json: ask() })
    await expectRateLimited(res, 'RPM')
    expect(res.headers.get('retry-after')).toBe('60')
    // The tenant's DO kept no rate window: only budget syncs reached it (rate() was never called).
    expect(await stub.rate({ rpm: 1, tokens: 0 })).toEqual({ ok: true })
  })

  it('tpm still goes to the DO when the binding is bound', async () => {
    const fake = fakeBinding(100)
    const r = testRouter({ ...emulatorVars, RATE_LIMITER: fake.binding })
    const t = await r.tenant({ policy: { rate_limits: { rpm: 100, tpm: 700 } } })
    expect((await r.call('/v1/chat/completions', { key: t.api_key, json: ask('a', { max_tokens: 500 }) })).status).toBe(200)
    await expectRateLimited(await r.call('/v1/chat/completions', { key: t.api_key, json: ask('b', { max_tokens: 500 }) }), 'TPM')
    expect(fake.calls.length).toBe(2)
  })

  it('a tenant without limits never touches the binding', async () => {
    const fake = fakeBinding(1)
    const r = testRouter({ ...emulatorVars, RATE_LIMITER: fake.binding })
    const t = await r.tenant()
    for (let i = 0; i < 3; i++) expect((await r.call('/v1/chat/completions', { key: t.api_key, json: ask() })).status).toBe(200)
    expect(fake.calls).toEqual([])
  })

  it('an invalid TRIAGE_RATE_LIMITER_LIMIT is a named configuration error, like any other variable', async () => {
    const fake = fakeBinding(1)
    for (const bad of ['ten', '0', '2.5']) {
      const r = testRouter({ ...emulatorVars, RATE_LIMITER: fake.binding, TRIAGE_RATE_LIMITER_LIMIT: bad })
      const res = await r.call('/v1/chat/completions', { key: 'trg_whatever', json: ask() })
      expect(res.status).toBe(500)
      const e = ((await res.json()) as any).error
      expect(e.code).toBe('invalid_configuration')
      expect(e.message).toContain('TRIAGE_RATE_LIMITER_LIMIT')
    }
    expect(fake.calls).toEqual([])
  })
})
