/**
 * The request id on every answer (src/server/base.ts): set on the Response the route made, and, when that Response's
 * headers cannot be changed (one fetched from elsewhere, a redirect), on Hono's copy of it.
 */
import { env as testEnv } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { baseApp } from '../../src/server/base'
import { emulatorVars } from './helpers'
import { fakeCtx } from '../ledger/helpers'

const env = { ...testEnv, ...emulatorVars }

describe('x-request-id', () => {
  it('is on a JSON answer, a streamed answer and an answer whose headers are immutable', async () => {
    const app = baseApp()
    app.get('/json', (c) => c.json({ ok: true }))
    app.get('/stream', (c) => c.body(new ReadableStream({ start: (s) => (s.enqueue(new TextEncoder().encode('data: x\n\n')), s.close()) })))
    app.get('/redirect', () => Response.redirect('https://example.com/', 302))
    for (const path of ['/json', '/stream', '/redirect']) {
      const res = await app.request(path, { headers: { 'x-request-id': `req-${path.slice(1)}` } }, env, fakeCtx())
      expect(res.headers.get('x-request-id'), path).toBe(`req-${path.slice(1)}`)
      await res.arrayBuffer()
    }
    const redirect = await app.request('/redirect', {}, env, fakeCtx())
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get('location')).toBe('https://example.com/')
    expect(redirect.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })
})
