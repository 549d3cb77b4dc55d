/**
 * The router's side of the two-Worker split (src/admin/service.ts): admin paths go to the ADMIN binding with the
 * router's configuration and request id, provider credentials stay behind, and a router without the binding says
 * so in OpenAI's error format. The admin Worker itself answers nothing directly.
 */
import { env as testEnv } from 'cloudflare:test'
import { describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import AdminWorker from '../../src/admin'
import { adminVars, ADMIN_PATHS, type AdminService } from '../../src/admin/service'
import { emulatorVars, testRouter } from '../api/helpers'
import { fakeCtx } from '../ledger/helpers'
import { expectValid } from '../support/openai-spec'

/** An ADMIN binding that records what it is asked and answers with a fixed, immutable-headed response. */
function recordingAdmin() {
  const seen: Array<{ method: string; url: string; requestId: string | null; body: string; vars: Record<string, string> }> = []
  const service: AdminService = {
    async serve(request, vars) {
      seen.push({ method: request.method, url: request.url, requestId: request.headers.get('x-request-id'), body: await request.text(), vars })
      return Response.json({ ok: true }, { headers: { 'x-from': 'admin' } })
    },
  }
  return { seen, service }
}

describe('the router forwards admin paths to the admin Worker', () => {
  const vars = { ...emulatorVars, OPENAI_API_KEY: 'sk-router-only-1234567890', TRIAGE_CORS_ORIGINS: 'https://app.example' }

  it('sends /admin, /dashboard and /v1/usage (and their sub-paths) with the same method, body and request id', async () => {
    const { seen, service } = recordingAdmin()
    const app = createApp()
    const env = { ...testEnv, ...vars, ADMIN: service }
    const paths = ADMIN_PATHS.flatMap((p) => [p, `${p}/x/y?days=3`])
    for (const path of paths) {
      const res = await app.request(path, { method: 'POST', body: 'payload', headers: { 'x-request-id': 'req-fwd-1' } }, env, fakeCtx())
      expect(res.status).toBe(200)
      expect(res.headers.get('x-from')).toBe('admin')
      // The router's own middleware still runs on the answer.
      expect(res.headers.get('x-request-id')).toBe('req-fwd-1')
    }
    expect(seen.map((s) => new URL(s.url).pathname + new URL(s.url).search)).toEqual(paths)
    for (const s of seen) {
      expect(s).toMatchObject({ method: 'POST', requestId: 'req-fwd-1', body: 'payload' })
    }
  })

  it("passes the router's configuration, without provider credentials", async () => {
    const { seen, service } = recordingAdmin()
    await createApp().request('/admin/tenants', {}, { ...testEnv, ...vars, ADMIN: service }, fakeCtx())
    const got = seen[0].vars
    expect(got.ADMIN_TOKEN).toBe(emulatorVars.ADMIN_TOKEN)
    expect(got.TRIAGE_CORS_ORIGINS).toBe('https://app.example')
    expect(got.OPENAI_BASE_URL).toBe(emulatorVars.OPENAI_BASE_URL)
    for (const k of ['OPENAI_API_KEY', 'DEEPSEEK_API_KEY', 'ANTHROPIC_API_KEY', 'CLOUDFLARE_API_TOKEN']) expect(got).not.toHaveProperty(k)
    expect(adminVars({ ...vars, TRIAGE_KV: testEnv.TRIAGE_KV, EMPTY: '' })).toEqual(got)
  })

  it('keeps CORS on /v1/usage, answered by the router', async () => {
    const { seen, service } = recordingAdmin()
    const env = { ...testEnv, ...vars, ADMIN: service }
    const res = await createApp().request('/v1/usage', { headers: { origin: 'https://app.example' } }, env, fakeCtx())
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example')
    const pre = await createApp().request('/v1/usage', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } }, env, fakeCtx())
    expect(pre.status).toBe(204)
    expect(seen).toHaveLength(1)
  })

  it('an admin Worker that fails answers 500 in OpenAI format, with the request id, and nothing of the failure', async () => {
    const failing: AdminService = { serve: async () => { throw new Error('RPC failed: secret-detail') } }
    const logs: string[] = []
    const spy = vi.spyOn(console, 'error').mockImplementation((line: string) => void logs.push(String(line)))
    const res = await createApp().request('/admin/tenants', { headers: { 'x-request-id': 'req-fail-1' } }, { ...testEnv, ...vars, ADMIN: failing }, fakeCtx())
    spy.mockRestore()
    expect(res.status).toBe(500)
    expect(res.headers.get('x-request-id')).toBe('req-fail-1')
    const text = await res.text()
    expectValid('ErrorResponse', JSON.parse(text))
    expect(text).not.toContain('secret-detail')
    expect(logs.join('\n')).toContain('req-fail-1') // the operator can find it
  })

  it('without an ADMIN binding: 503 admin_unavailable in OpenAI format; the request path still works', async () => {
    const r = testRouter()
    const { api_key } = await r.tenant()
    const env = { ...r.env, ADMIN: undefined }
    const res = await createApp().request('/admin/tenants', { headers: { authorization: `Bearer ${emulatorVars.ADMIN_TOKEN}` } }, env, fakeCtx())
    expect(res.status).toBe(503)
    const body = (await res.json()) as any
    expectValid('ErrorResponse', body)
    expect(body.error).toMatchObject({ type: 'server_error', code: 'admin_unavailable' })
    expect(body.error.message).toContain('wrangler.admin.toml')
    const ok = await createApp().request('/v1/chat/completions', {
      method: 'POST', headers: { authorization: `Bearer ${api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    }, env, fakeCtx())
    expect(ok.status).toBe(200)
  })
})

describe('the admin Worker', () => {
  it('answers nothing on its own URL: it is reached through the router', async () => {
    const worker = new AdminWorker(fakeCtx() as unknown as ExecutionContext, testEnv)
    const res = worker.fetch()
    expect(res.status).toBe(404)
    const body = (await res.json()) as any
    expectValid('ErrorResponse', body)
    expect(body.error.message).toContain('forwards /admin, /dashboard and /v1/usage')
  })

  it('serves the admin API with only KV and the ledger bound, and the vars the router sends', async () => {
    const worker = new AdminWorker(fakeCtx() as unknown as ExecutionContext, { TRIAGE_KV: testEnv.TRIAGE_KV, TENANT_LEDGER: testEnv.TENANT_LEDGER } as never)
    const auth = { authorization: `Bearer ${emulatorVars.ADMIN_TOKEN}`, 'content-type': 'application/json' }
    const created = await worker.serve(new Request('http://triage.test/admin/tenants', { method: 'POST', headers: auth, body: JSON.stringify({ name: 'split' }) }), adminVars(emulatorVars))
    expect(created.status).toBe(201)
    // Without the router's vars there is no admin token, so the admin API is closed.
    const closed = await worker.serve(new Request('http://triage.test/admin/tenants', { headers: auth }), {})
    expect(closed.status).toBe(503)
    expectValid('ErrorResponse', await closed.json())
  })
})
