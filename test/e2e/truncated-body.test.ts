/**
 * A client that half-closes its connection before it has sent the `Content-Length` it declared (issue 14, item 12):
 * the router must answer 400 in OpenAI's format, not 500, and must not log "unhandled error". Driven with a raw
 * socket against both Workers on Miniflare (test/e2e harness), because no HTTP client sends a short body on purpose.
 */
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startRouter, type Router } from './harness'

let router: Router
let key: string
beforeAll(async () => {
  router = await startRouter()
  key = (await router.createTenant({ name: 'truncated' })).api_key
})
afterAll(async () => router?.stop())

/** Sends the headers and `sent` of the body's bytes, then half-closes; resolves with the raw HTTP answer. */
function truncated(url: string, body: string, sent: number, extraHeaders = ''): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), hostname, () => {
      s.write(
        `POST /v1/chat/completions HTTP/1.1\r\nhost: ${hostname}:${port}\r\nauthorization: Bearer ${key}\r\n` +
          `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extraHeaders}connection: close\r\n\r\n`,
      )
      s.end(body.slice(0, sent)) // half-close: no more bytes will come
    })
    let out = ''
    s.setEncoding('utf8')
    s.on('data', (d) => (out += d))
    s.on('end', () => resolve(out))
    s.on('close', () => resolve(out))
    s.on('error', (e) => (out ? resolve(out) : reject(e)))
    s.setTimeout(15_000, () => (s.destroy(), resolve(out)))
  })
}

describe('a truncated request body', () => {
  it('is a 400 incomplete_body in OpenAI format, never a 500, for short and empty bodies', async () => {
    const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(2000) }] })
    // The harness pipes the Worker's stderr to ours: every line it logs passes through this spy.
    const logged: string[] = []
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => (logged.push(String(chunk)), true))
    for (const sent of [0, 10, body.length - 1]) {
      const raw = await truncated(router.url, body, sent)
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1])
      expect(status, raw.slice(0, 300)).toBe(400)
      const json = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, ''))
      expect(json.error).toMatchObject({ type: 'invalid_request_error', code: 'incomplete_body' })
      expect(json.error.message).toMatch(/Content-Length/i)
    }
    spy.mockRestore()
    expect(logged.join('').match(/unhandled error/g) ?? []).toEqual([])
    // The router still serves.
    const ok = await fetch(`${router.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(ok.status).toBe(200)
  })
})
