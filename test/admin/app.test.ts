/**
 * The admin side of the one Worker (createApp): errors from the one handler, the one admin-auth middleware and its
 * back-off, the body cap, 405s, tenant deletion, and the start-up check of ADMIN_TOKEN.
 */
import { env as testEnv } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import { buildConfig } from '../../src/config'
import { adminTokenProblem } from '../../src/config/admin-token'
import { authenticate, forgetTenant } from '../../src/tenants'
import { MAX_ADMIN_BODY_BYTES, THROTTLE } from '../../src/admin'
import { DEV_ADMIN_TOKEN } from '../../scripts/offline-env.mjs'
import { ADMIN, emulatorVars, testRouter } from '../api/helpers'
import { fakeCtx } from '../ledger/helpers'
import { expectValid } from '../support/openai-spec'

const auth = (token = ADMIN, ip = '192.0.2.1') => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', 'cf-connecting-ip': ip })

describe('errors on admin paths', () => {
  it('an unexpected failure is a logged 500 in OpenAI format, with the request id, and nothing of the failure', async () => {
    const kv = new Proxy(testEnv.TRIAGE_KV, { get: (t, k) => (k === 'list' ? () => Promise.reject(new Error('KV exploded: secret-detail')) : Reflect.get(t, k).bind(t)) })
    const logs: string[] = []
    const spy = vi.spyOn(console, 'error').mockImplementation((line: string) => void logs.push(String(line)))
    const res = await createApp().request('/admin/tenants', { headers: { ...auth(), 'x-request-id': 'req-admin-fail-1' } }, { ...testEnv, ...emulatorVars, TRIAGE_KV: kv }, fakeCtx())
    spy.mockRestore()
    expect(res.status).toBe(500)
    expect(res.headers.get('x-request-id')).toBe('req-admin-fail-1')
    const text = await res.text()
    expectValid('ErrorResponse', JSON.parse(text))
    expect(text).not.toContain('secret-detail')
    const line = logs.find((l) => l.includes('req-admin-fail-1'))
    expect(line).toContain('unhandled error')
    expect(line).toContain('/admin/tenants')
  })

  it('caps the admin body (declared or streamed) with a 413 in OpenAI format', async () => {
    const r = testRouter()
    const big = JSON.stringify({ name: 'x'.repeat(MAX_ADMIN_BODY_BYTES) })
    const declared = await r.call('/admin/tenants', { method: 'POST', headers: auth(), body: big })
    expect(declared.status).toBe(413)
    expect(((await declared.json()) as any).error).toMatchObject({ code: 'request_too_large', type: 'invalid_request_error' })
    const chunks = [new TextEncoder().encode(big.slice(0, 10)), new TextEncoder().encode(big.slice(10))]
    const body = new ReadableStream({ pull(c) { const next = chunks.shift(); if (next) c.enqueue(next); else c.close() } })
    const streamed = await r.call('/admin/tenants', { method: 'POST', headers: auth(), body, duplex: 'half' } as RequestInit)
    expect(streamed.status).toBe(413)
    expectValid('ErrorResponse', await streamed.json())
  })

  it('answers a known admin path with the wrong method 405, naming the methods it takes', async () => {
    const r = testRouter()
    const res = await r.call('/admin/tenants', { method: 'PUT', headers: auth(), body: '{}' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('GET, POST')
    expect(((await res.json()) as any).error.code).toBe('method_not_allowed')
    expect((await r.call('/admin/nothing-here', { headers: auth() })).status).toBe(404)
  })

  it('keeps CORS on /v1/usage', async () => {
    const r = testRouter({ ...emulatorVars, TRIAGE_CORS_ORIGINS: 'https://app.example' })
    const { api_key } = await r.tenant()
    const res = await r.call('/v1/usage', { key: api_key, headers: { origin: 'https://app.example' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example')
    const pre = await r.call('/v1/usage', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } })
    expect(pre.status).toBe(204)
  })
})

describe('admin auth', () => {
  it('slows a client after repeated wrong tokens (429 with retry-after, even for the right token), not other clients', async () => {
    const r = testRouter()
    const wrong = auth(`${ADMIN.slice(0, -1)}Z`, '198.51.100.7')
    for (let i = 0; i < THROTTLE.free + 1; i++) {
      const res = await r.call('/admin/tenants', { headers: wrong })
      expect(res.status, `wrong token #${i + 1}`).toBe(401)
    }
    const slowed = await r.call('/admin/tenants', { headers: auth(ADMIN, '198.51.100.7') })
    expect(slowed.status).toBe(429)
    expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    const body = (await slowed.json()) as any
    expectValid('ErrorResponse', body)
    expect(body.error.code).toBe('admin_auth_throttled')
    // The sign-in form is slowed the same way.
    const form = await r.call('/dashboard/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://triage.test', 'cf-connecting-ip': '198.51.100.7' }, body: new URLSearchParams({ token: ADMIN }).toString() })
    expect(form.status).toBe(429)
    expect(form.headers.get('set-cookie')).toBeNull()
    // Another client is not affected, and a right token clears its own count.
    expect((await r.call('/admin/tenants', { headers: auth(ADMIN, '198.51.100.8') })).status).toBe(200)
  })

  it('a tenant key is refused without counting as a guess', async () => {
    const r = testRouter()
    const { api_key } = await r.tenant()
    for (let i = 0; i < THROTTLE.free + 3; i++) {
      const res = await r.call('/admin/tenants', { headers: auth(api_key, '198.51.100.9') })
      expect(res.status).toBe(401)
      expect(((await res.json()) as any).error.message).toMatch(/Tenant API keys cannot use the admin API/)
    }
    expect((await r.call('/admin/tenants', { headers: auth(ADMIN, '198.51.100.9') })).status).toBe(200)
  })

  it('without ADMIN_TOKEN the admin API and the dashboard are closed (503), the request path is not', async () => {
    const r = testRouter({ ...emulatorVars, ADMIN_TOKEN: '' })
    for (const path of ['/admin/tenants', '/admin/metrics', '/dashboard']) {
      const res = await r.call(path, { headers: auth() })
      expect(res.status, path).toBe(503)
      expect(((await res.json()) as any).error.code).toBe('admin_disabled')
    }
    expect((await r.call('/healthz')).status).toBe(200)
  })
})

describe('a weak ADMIN_TOKEN', () => {
  it('is refused at start-up with a message saying what is wrong and how to make one', async () => {
    expect(adminTokenProblem('test-admin-token-0123456789')).toMatch(/at least 32 characters \(it has 27\).*openssl rand -hex 32/)
    expect(adminTokenProblem('a'.repeat(40))).toMatch(/repeated/)
    expect(adminTokenProblem('0123456789abcdef0123456789abcdef')).toMatch(/repeated/)
    expect(adminTokenProblem('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab')).toMatch(/too predictable/)
    expect(adminTokenProblem('correct horse battery staple, 2026!')).toMatch(/may hold only/)
    expect(() => buildConfig({ ADMIN_TOKEN: 'dev-admin-token-change-me' })).toThrow(/ADMIN_TOKEN: must be at least 32 characters/)
    // The whole Worker refuses to run with it: every route answers 500 invalid_configuration naming the variable.
    const r = testRouter({ ...emulatorVars, ADMIN_TOKEN: 'dev-admin-token-change-me' })
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    const res = await r.call('/healthz')
    spy.mockRestore()
    expect(res.status).toBe(500)
    const body = (await res.json()) as any
    expect(body.error).toMatchObject({ code: 'invalid_configuration', type: 'server_error' })
    expect(body.error.message).toContain('ADMIN_TOKEN')
  })

  it('random tokens, the tests\' and dev:offline\'s own pass', () => {
    for (const t of [ADMIN, DEV_ADMIN_TOKEN, 'f08a78373cd7146eecc15745abc181f5', 'kq2M9xV+Lr7/Tz4pWn8sYb1cHf6dJg3=']) expect(adminTokenProblem(t), t).toBeNull()
    expect(buildConfig({ ADMIN_TOKEN: DEV_ADMIN_TOKEN }).adminToken).toBe(DEV_ADMIN_TOKEN)
  })
})

describe('DELETE /admin/tenants/:id', () => {
  it('revokes every key and removes the tenant from lists; its spend records stay for audit', async () => {
    const r = testRouter()
    const t = await r.tenant()
    const chat = await r.call('/v1/chat/completions', { key: t.api_key, json: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] } })
    expect(chat.status).toBe(200)
    const second = (await (await r.call(`/admin/tenants/${t.id}/keys`, { method: 'POST', headers: auth() })).json()) as any
    const env = r.env as unknown as typeof testEnv
    // The ledger has flushed the request's spend to KV.
    await vi.waitFor(async () => expect((await env.TRIAGE_KV.list({ prefix: `req:${t.id}:` })).keys.length).toBeGreaterThan(0), { timeout: 10_000 })
    const spendBefore = (await env.TRIAGE_KV.list({ prefix: `spend:${t.id}:` })).keys.map((k) => k.name)
    expect(spendBefore.length).toBeGreaterThan(0)

    const del = await r.call(`/admin/tenants/${t.id}`, { method: 'DELETE', headers: auth() })
    expect(del.status).toBe(200)
    const body = (await del.json()) as any
    expect(body).toMatchObject({ object: 'tenant', id: t.id, deleted: true })
    expect(body.revoked_keys).toHaveLength(2)
    expect(body.revoked_keys).toContain(second.key_id)

    forgetTenant()
    for (const key of [t.api_key, second.api_key]) {
      await expect(authenticate(new Headers({ authorization: `Bearer ${key}` }), env)).rejects.toMatchObject({ status: 401 })
      expect((await r.call('/v1/chat/completions', { key, json: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] } })).status).toBe(401)
    }
    expect((await r.call(`/admin/tenants/${t.id}`, { headers: auth() })).status).toBe(404)
    const list = (await (await r.call('/admin/tenants?limit=1000', { headers: auth() })).json()) as any
    expect(list.data.map((x: { id: string }) => x.id)).not.toContain(t.id)
    // Spend totals and per-request records are kept.
    expect((await env.TRIAGE_KV.list({ prefix: `spend:${t.id}:` })).keys.map((k) => k.name)).toEqual(spendBefore)
    expect((await env.TRIAGE_KV.list({ prefix: `req:${t.id}:` })).keys.length).toBeGreaterThan(0)
    expect((await r.call(`/admin/tenants/${t.id}`, { method: 'DELETE', headers: auth() })).status).toBe(404)
  })
})
