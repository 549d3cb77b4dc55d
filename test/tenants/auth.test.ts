import { afterEach, describe, expect, it, vi } from 'vitest'
import { env } from '../ledger/helpers'
import {
  authenticate, createTenant, revokeKey, issueKey, getTenantRecord, putTenantRecord, forgetTenant, generateApiKey,
  hashKey, looksLikeApiKey, secretsEqual, timingSafeEqual, presentedKey, AUTH_CACHE_MS,
} from '../../src/tenants'
import { ApiError } from '../../src/http/errors'

const kv = () => env.TRIAGE_KV
const bearer = (k: string) => new Headers({ authorization: `Bearer ${k}` })
const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure') }, (e) => e as ApiError)

afterEach(() => {
  forgetTenant()
  vi.restoreAllMocks()
})

describe('keys', () => {
  it('are random, prefixed, base62 and 47 characters long', () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey))
    expect(keys.size).toBe(200)
    for (const k of keys) {
      expect(k).toMatch(/^trg_[0-9A-Za-z]{43}$/)
      expect(looksLikeApiKey(k)).toBe(true)
    }
    expect(looksLikeApiKey('sk-abc')).toBe(false)
  })

  it('are stored only as SHA-256 hashes', async () => {
    const { record, apiKey } = await createTenant(kv(), { name: 'hashy' })
    const hash = await hashKey(apiKey)
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(await kv().get(`apikey:${hash}`, 'json')).toMatchObject({ tenant: record.id, key_id: record.keys[0].key_id })
    const stored = await kv().get(`tenant:${record.id}`)
    expect(stored).not.toContain(apiKey)
    expect(stored).not.toContain(apiKey.slice(8))
    // Nothing in KV holds the key itself.
    const all = await kv().list()
    for (const k of all.keys) expect((await kv().get(k.name)) ?? '').not.toContain(apiKey)
  })

  it('compare in constant time', async () => {
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true)
    expect(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false)
    expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false)
    expect(await secretsEqual('a-long-admin-token', 'a-long-admin-token')).toBe(true)
    expect(await secretsEqual('a-long-admin-token', 'a-long-admin-tokeN')).toBe(false)
    const { apiKey } = await createTenant(kv(), { name: 'ct' })
    const spy = vi.spyOn(crypto.subtle as SubtleCrypto & { timingSafeEqual: (a: ArrayBufferView, b: ArrayBufferView) => boolean }, 'timingSafeEqual')
    await authenticate(bearer(apiKey), env)
    expect(spy).toHaveBeenCalled()
  })
})

describe('authenticate', () => {
  it('accepts Authorization: Bearer and x-api-key, and returns the tenant with its policy defaults', async () => {
    const { record, apiKey } = await createTenant(kv(), { name: 'acme', budget: { daily_usd: '5.00' }, policy: { log_prompts: false, thresholds: { premium: 0.8 } } })
    const t = await authenticate(new Request('http://x/v1', { headers: { authorization: `Bearer ${apiKey}` } }), env)
    expect(t).toMatchObject({ id: record.id, name: 'acme', budget: { daily_usd: '5.00' }, disabled: false })
    expect(t.policy).toEqual({ thresholds: { premium: 0.8 }, downgrade_at_remaining_fraction: { premium: 0.2, medium: 0.05 }, log_prompts: false })
    forgetTenant()
    expect((await authenticate(new Headers({ 'x-api-key': apiKey }), env)).id).toBe(record.id)
  })

  it('answers 401 in OpenAI format without echoing the key', async () => {
    const missing = await fail(authenticate(new Headers(), env))
    expect(missing.status).toBe(401)
    expect(missing.code).toBe('missing_api_key')
    const unknown = 'trg_' + 'A'.repeat(43)
    const bad = await fail(authenticate(bearer(unknown), env))
    expect(bad.status).toBe(401)
    expect(bad.code).toBe('invalid_api_key')
    expect(JSON.stringify(bad.toJSON())).not.toContain(unknown)
    const garbage = await fail(authenticate(bearer('sk-live-something-secret'), env))
    expect(JSON.stringify(garbage.toJSON())).not.toContain('something-secret')
    const body = await bad.toResponse().json()
    expect(body).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })
    expect((await fail(authenticate(new Headers({ authorization: 'Basic abc' }), env))).status).toBe(401)
  })

  it('refuses the admin token as a tenant key', async () => {
    const e = await fail(authenticate(bearer('test-admin-token-Xq7Lm2Rb9Kd4Vt8Nc5Hs1Wf6Jz3Pg0Ey'), env))
    expect(e.status).toBe(401)
  })

  it('refuses a revoked key once the isolate cache window has passed (immediately after forgetTenant)', async () => {
    const { record, apiKey } = await createTenant(kv(), { name: 'rev' })
    await authenticate(bearer(apiKey), env)
    const r = (await getTenantRecord(kv(), record.id))!
    await revokeKey(kv(), r, r.keys[0].key_id)
    await putTenantRecord(kv(), r)
    // Within AUTH_CACHE_MS the isolate still trusts its cached lookup (documented window)…
    expect((await authenticate(bearer(apiKey), env)).id).toBe(record.id)
    // …and after it (the admin API also calls forgetTenant in its own isolate) the key is refused.
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + AUTH_CACHE_MS + 1)
    expect((await fail(authenticate(bearer(apiKey), env))).code).toBe('invalid_api_key')
  })

  it('a rotated key works, the old one keeps working until revoked', async () => {
    const { record, apiKey } = await createTenant(kv(), { name: 'rot' })
    const r = (await getTenantRecord(kv(), record.id))!
    const { apiKey: second } = await issueKey(kv(), r)
    await putTenantRecord(kv(), r)
    expect((await authenticate(bearer(second), env)).id).toBe(record.id)
    expect((await authenticate(bearer(apiKey), env)).id).toBe(record.id)
  })

  it('a disabled tenant gets 403', async () => {
    const { record, apiKey } = await createTenant(kv(), { name: 'off' })
    const r = (await getTenantRecord(kv(), record.id))!
    r.disabled = true
    await putTenantRecord(kv(), r)
    const e = await fail(authenticate(bearer(apiKey), env))
    expect(e.status).toBe(403)
    expect(e.code).toBe('tenant_disabled')
  })

  it('a key whose tenant record no longer lists it is refused', async () => {
    const { record, apiKey } = await createTenant(kv(), { name: 'gone' })
    const r = (await getTenantRecord(kv(), record.id))!
    r.keys = []
    await putTenantRecord(kv(), r)
    expect((await fail(authenticate(bearer(apiKey), env))).status).toBe(401)
  })

  it('reads the presented key from either header', () => {
    expect(presentedKey(new Headers({ authorization: 'bearer  trg_x ' }))).toBe('trg_x')
    expect(presentedKey(new Headers({ 'x-api-key': ' trg_y' }))).toBe('trg_y')
    expect(presentedKey(new Headers())).toBeUndefined()
  })
})
