/**
 * Hostile clients and keys: constant-time comparison is what decides; wrong keys get one consistent 401 and learn
 * nothing; no key, key hash or secret appears in any log line, error message or dashboard; admin routes refuse
 * tenant keys and tenant routes refuse the admin token; CORS is off by default and configurable.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testRouter, emulatorVars, ADMIN, EMU, parseSSE } from '../api/helpers'
import { expectValid } from '../support/openai-spec'
import { hashKey, generateApiKey, forgetTenant } from '../../src/tenants'

afterEach(() => vi.restoreAllMocks())

/** Provider keys distinctive enough to grep for. */
const SECRETS = {
  OPENAI_API_KEY: 'sk-openai-SECRET-4f1c2d3e4f5a6b7c',
  DEEPSEEK_API_KEY: 'sk-deepseek-SECRET-8a9b0c1d2e3f4a5b',
  ANTHROPIC_API_KEY: 'sk-ant-SECRET-6c7d8e9f0a1b2c3d',
  CLOUDFLARE_API_TOKEN: 'cf-SECRET-token-5e6f7a8b9c0d1e2f',
}
const vars = { ...emulatorVars, ...SECRETS }
/** Fast failures and a breaker of its own, so a fault run neither takes long nor trips other tests' breaker. */
const faultVars = { ...vars, TRIAGE_MAX_ATTEMPTS: '2', TRIAGE_RETRY_BASE_MS: '0', TRIAGE_RETRY_MAX_MS: '0', TRIAGE_BREAKER_FAILURES: '997' }
const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'auto', messages: [{ role: 'user', content }], ...extra })

describe('constant-time comparison', () => {
  it('a tenant key is checked with crypto.subtle.timingSafeEqual against the tenant record', async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    forgetTenant()
    const spy = vi.spyOn(crypto.subtle as SubtleCrypto & { timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean }, 'timingSafeEqual')
    expect((await r.call('/v1/models', { key })).status).toBe(200)
    expect((await r.call('/v1/usage', { key })).status).toBe(200)
    expect(spy).toHaveBeenCalled()
    for (const [a, b] of spy.mock.calls) expect([a.byteLength, b.byteLength]).toEqual([32, 32]) // digests, never the key
  })

  it('the admin token is compared in constant time (digests of both sides)', async () => {
    const r = testRouter()
    const spy = vi.spyOn(crypto.subtle as SubtleCrypto & { timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean }, 'timingSafeEqual')
    const ok = await r.call('/admin/tenants', { headers: { authorization: `Bearer ${ADMIN}` } })
    expect(ok.status).toBe(200)
    const bad = await r.call('/admin/tenants', { headers: { authorization: `Bearer ${ADMIN.slice(0, -1)}X` } })
    expect(bad.status).toBe(401)
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2)
    for (const [a, b] of spy.mock.calls) expect([a.byteLength, b.byteLength]).toEqual([32, 32])
  })
})

describe('brute force', () => {
  it('200 wrong keys of every shape get the same 401 body; none reaches a provider or the ledger', async () => {
    const r = testRouter(vars)
    const { api_key: real } = await r.tenant()
    const fetchSpy = globalThis.fetch as unknown as { mock: { calls: unknown[][] } }
    const before = fetchSpy.mock.calls.length
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1)
    const wrong = [
      ...Array.from({ length: 100 }, () => generateApiKey()),                    // right shape, random
      ...Array.from({ length: 47 }, (_, i) => flip(real, 4 + i % 43)),          // the real key with one character changed
      real.slice(0, -1), real + 'x', real.toUpperCase(), real.slice(4), ' ' + real + 'x', ADMIN, await hashKey(real),
      ...Array.from({ length: 46 }, (_, i) => 'trg_' + 'A'.repeat(i)),          // wrong lengths
    ]
    const bodies = new Set<string>()
    for (const k of wrong) {
      const res = await r.call('/v1/chat/completions', { json: chat('hi'), headers: { authorization: `Bearer ${k}` } })
      expect(res.status).toBe(401)
      expect(res.headers.get('x-triage-tier')).toBeNull()
      const text = await res.text()
      expectValid('ErrorResponse', JSON.parse(text))
      if (k.trim().length > 8) expect(text).not.toContain(k.trim())
      bodies.add(text)
    }
    expect(bodies.size).toBe(1)
    expect(JSON.parse([...bodies][0]).error.code).toBe('invalid_api_key')
    expect(fetchSpy.mock.calls.slice(before).filter((c) => String(c[0] instanceof Request ? c[0].url : c[0]).startsWith(EMU))).toEqual([])
    // x-api-key is treated the same way.
    const x = await r.call('/v1/chat/completions', { json: chat('hi'), headers: { 'x-api-key': generateApiKey() } })
    expect(await x.text()).toBe([...bodies][0])
    // The real key still works: nothing was locked or changed by the attempts.
    expect((await r.call('/v1/chat/completions', { key: real, json: chat('hi') })).status).toBe(200)
  })
})

describe('admin and tenant credentials do not cross', () => {
  it('admin routes refuse tenant keys; tenant routes refuse the admin token', async () => {
    const r = testRouter()
    const t = await r.tenant()
    for (const [path, init] of [
      ['/admin/tenants', {}], [`/admin/tenants/${t.id}`, {}], [`/admin/tenants/${t.id}/usage`, {}], ['/admin/metrics', {}],
      ['/admin/tenants', { json: { name: 'evil' } }], [`/admin/tenants/${t.id}/keys`, { json: {} }],
    ] as const) {
      for (const headers of [{ authorization: `Bearer ${t.api_key}` }, { 'x-admin-token': t.api_key }] as Record<string, string>[]) {
        const res = await r.call(path, { ...init, headers })
        expect([401, 403], `${path} with a tenant key`).toContain(res.status)
        expectValid('ErrorResponse', await res.json())
      }
    }
    for (const [path, init] of [['/v1/chat/completions', { json: chat('hi') }], ['/v1/usage', {}], ['/v1/route', { json: chat('hi') }]] as const) {
      for (const headers of [{ authorization: `Bearer ${ADMIN}` }, { 'x-api-key': ADMIN }] as Record<string, string>[]) {
        const res = await r.call(path, { ...init, headers })
        expect(res.status, `${path} with the admin token`).toBe(401)
        const body: any = await res.json()
        expectValid('ErrorResponse', body)
        expect(JSON.stringify(body)).not.toContain(ADMIN)
      }
    }
    const dash = await r.call('/dashboard', { headers: { authorization: `Bearer ${t.api_key}` } })
    expect(dash.status).not.toBe(200)
  })
})

describe('no key, hash or secret in logs, errors or the dashboard', () => {
  it('a full traffic run: every console line, response body and header is free of secrets', async () => {
    const lines: string[] = []
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, m).mockImplementation((...args: unknown[]) => { lines.push(args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.message} ${a.stack}` : JSON.stringify(a))).join(' ')) })
    }
    const r = testRouter(faultVars)
    const seen: string[] = []
    const call = async (path: string, init: Parameters<typeof r.call>[1] = {}) => {
      const res = await r.call(path, init)
      const text = await res.text()
      seen.push(`${res.status} ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`)
      return text
    }
    const admin = { authorization: `Bearer ${ADMIN}` }
    const t = await r.tenant({ name: 'leaky', policy: { rate_limits: { rpm: 1000 } } })
    const rotated = JSON.parse(await call(`/admin/tenants/${t.id}/keys`, { json: {}, headers: admin })) as { api_key?: string }
    const keys = [t.api_key, rotated.api_key].filter(Boolean) as string[]
    const key = t.api_key
    const faults = ['', '[[fault:429]]', '[[fault:500]]', '[[fault:401]]', '[[fault:invalid-json]]', '[[fault:cut-mid-stream]]', '[[fault:empty]]', '[[fault:400]]']
    for (const f of faults) {
      for (const model of ['triage/trivial', 'triage/medium', 'triage/premium', 'gpt-4.1']) {
        await call('/v1/chat/completions', { key, json: chat(`Explain ${f}`, { model }) })
        await call('/v1/chat/completions', { key, json: chat(`Stream ${f}`, { model, stream: true, stream_options: { include_usage: true } }) })
      }
    }
    await call('/v1/chat/completions', { key, json: { model: 'auto', messages: 'nope' } })
    await call('/v1/chat/completions', { headers: { authorization: `Bearer ${key}x` }, json: chat('hi') })
    await call('/v1/chat/completions', { headers: { authorization: `Bearer ${ADMIN}` }, json: chat('hi') })
    await call('/admin/tenants', { headers: { authorization: `Bearer ${key}` } })
    await call('/admin/tenants', { headers: { authorization: `Bearer ${ADMIN}x` } })
    await call('/v1/usage', { key })
    await call('/v1/route', { key, json: chat('hi') })
    await call('/v1/models', { key })
    await call(`/admin/tenants/${t.id}`, { headers: admin })
    await call(`/admin/tenants/${t.id}/usage`, { headers: admin })
    await call('/admin/tenants', { headers: admin })
    await call('/admin/metrics', { headers: admin })
    await call('/dashboard', { headers: admin })
    await call('/dashboard/', { headers: admin })
    const hashes = await Promise.all(keys.map(hashKey))
    // The key creation and rotation answers are the only place a key is ever shown: leave those two out.
    seen.splice(0, 1)
    const forbidden = [...keys, ...hashes, ...keys.map((k) => k.slice(4)), ADMIN, ...Object.values(SECRETS)]
    expect(lines.length).toBeGreaterThan(40)
    const haystack = [...lines, ...seen]
    for (const s of forbidden) {
      const hit = haystack.find((h) => h.includes(s))
      expect(hit, `secret ${s.slice(0, 8)}… leaked`).toBeUndefined()
    }
    // The request log lines carry the tenant id and no prompt text.
    expect(lines.some((l) => l.includes('"msg":"request"') && l.includes(t.id))).toBe(true)
    expect(lines.some((l) => l.includes('Explain'))).toBe(false)
    void parseSSE
  }, 30_000)
})

describe('CORS', () => {
  it('is off by default: no CORS headers, and a preflight gets no allow-origin', async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    const pre = await r.call('/v1/chat/completions', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } })
    expect(pre.headers.get('access-control-allow-origin')).toBeNull()
    const res = await r.call('/v1/chat/completions', { key, json: chat('hi'), headers: { origin: 'https://evil.example' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('TRIAGE_CORS_ORIGINS allows exactly the listed origins (preflight and responses, errors included)', async () => {
    const r = testRouter({ ...emulatorVars, TRIAGE_CORS_ORIGINS: 'https://app.example, https://other.example' })
    const { api_key: key } = await r.tenant()
    const pre = await r.call('/v1/chat/completions', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST')
    const evil = await r.call('/v1/chat/completions', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })
    expect(evil.headers.get('access-control-allow-origin')).toBeNull()
    const res = await r.call('/v1/chat/completions', { key, json: chat('hi'), headers: { origin: 'https://other.example' } })
    expect(res.headers.get('access-control-allow-origin')).toBe('https://other.example')
    expect(res.headers.get('access-control-expose-headers')).toContain('x-triage-cost-usd')
    const err = await r.call('/v1/chat/completions', { json: chat('hi'), headers: { origin: 'https://app.example' } })
    expect(err.status).toBe(401)
    expect(err.headers.get('access-control-allow-origin')).toBe('https://app.example')
    // The admin API is never cross-origin.
    const adm = await r.call('/admin/tenants', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } })
    expect(adm.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('dashboard security headers (set by the dashboard module)', () => {
  it('a strict CSP, no framing, no referrer', async () => {
    const r = testRouter()
    const res = await r.call('/dashboard/sign-in')
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })
})
