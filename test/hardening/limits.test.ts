/**
 * Limits, each with a clear OpenAI-format error: body size (413), number of messages (400), depth of nested
 * content (400), header sizes (431). Deeply nested JSON (a million `[`) is refused without stalling the isolate;
 * the time it takes is printed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testRouter, emulatorVars } from '../api/helpers'
import { expectValid } from '../support/openai-spec'
import { HEADER_LIMITS } from '../../src/http/body'

afterEach(() => vi.restoreAllMocks())

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toContain('application/json')
  const body: any = await res.json()
  expectValid('ErrorResponse', body)
  expect(body.error.code).toBe(code)
  return body.error as { message: string; param: string | null; type: string }
}

const small = { ...emulatorVars, TRIAGE_MAX_BODY_BYTES: '4096', TRIAGE_MAX_MESSAGES: '10', TRIAGE_MAX_CONTENT_DEPTH: '8' }

describe('request limits', () => {
  it('body size: 413 request_too_large, whether content-length is declared, absent or lying', async () => {
    const r = testRouter(small)
    const { api_key: key } = await r.tenant()
    const big = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(5000) }] })
    const e = await expectError(await r.call('/v1/chat/completions', { key, json: JSON.parse(big) }), 413, 'request_too_large')
    expect(e.message).toContain('4096 bytes')
    // Streamed with no content-length: the cap is applied while reading.
    const stream = new ReadableStream({ start(c) { for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode(big.slice(i * 500, (i + 1) * 500))); c.close() } })
    await expectError(await r.call('/v1/chat/completions', { key, method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit), 413, 'request_too_large')
    // A lying content-length (small) does not get a big body past the cap.
    await expectError(await r.call('/v1/chat/completions', { key, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '10' }, body: big }), 413, 'request_too_large')
    // The limit is in bytes, not characters: 2-byte 'é' up to exactly 4096 bytes passes the size check, one byte more does not.
    const sized = (bytes: number) => {
      const head = '{"model":"auto","messages":[{"role":"user","content":"'
      const tail = '"}]}'
      const room = bytes - head.length - tail.length
      return head + 'é'.repeat(Math.floor(room / 2)) + 'x'.repeat(room % 2) + tail
    }
    expect(new TextEncoder().encode(sized(4096)).length).toBe(4096)
    const fits = await r.call('/v1/chat/completions', { key, method: 'POST', headers: { 'content-type': 'application/json' }, body: sized(4096) })
    expect(fits.status).not.toBe(413)
    const over = new TextEncoder().encode(sized(4097))
    expect(over.length).toBe(4097)
    await expectError(await r.call('/v1/chat/completions', { key, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '4096' }, body: over }), 413, 'request_too_large')
    await expectError(await r.call('/v1/chat/completions', { key, method: 'POST', headers: { 'content-type': 'application/json' }, body: sized(4097) }), 413, 'request_too_large')
  })

  it('number of messages: 400 too_many_messages naming `messages`', async () => {
    const r = testRouter(small)
    const { api_key: key } = await r.tenant()
    const e = await expectError(await r.call('/v1/chat/completions', { key, json: { model: 'auto', messages: Array.from({ length: 11 }, () => ({ role: 'user', content: 'a' })) } }), 400, 'too_many_messages')
    expect(e.param).toBe('messages')
    expect(e.message).toContain('limit is 10')
  })

  it('depth of nested content: 400 too_deeply_nested', async () => {
    const r = testRouter(small)
    const { api_key: key } = await r.tenant()
    let deep: unknown = 'x'
    for (let i = 0; i < 12; i++) deep = [deep]
    const e = await expectError(await r.call('/v1/chat/completions', { key, json: { model: 'auto', messages: [{ role: 'user', content: deep }] } }), 400, 'too_deeply_nested')
    expect(e.message).toContain('8 levels')
  })

  it('header sizes: one oversized header, or too many bytes of headers in total, is a 431 in OpenAI format', async () => {
    const r = testRouter()
    const { api_key: key } = await r.tenant()
    const body = { model: 'auto', messages: [{ role: 'user', content: 'hi' }] }
    const one = await expectError(
      await r.call('/v1/chat/completions', { key, json: body, headers: { 'x-junk': 'a'.repeat(HEADER_LIMITS.maxHeaderBytes) } }), 431, 'request_header_fields_too_large')
    expect(one.param).toBe('x-junk')
    const many: Record<string, string> = {}
    for (let i = 0; i < 10; i++) many[`x-h${i}`] = 'b'.repeat(4000)
    const total = await expectError(await r.call('/v1/chat/completions', { key, json: body, headers: many }), 431, 'request_header_fields_too_large')
    expect(total.message).toContain(`${HEADER_LIMITS.maxTotalHeaderBytes} bytes`)
    // Applies before auth and on every route (nothing reads a hostile header first).
    await expectError(await r.call('/admin/tenants', { headers: { authorization: `Bearer ${'c'.repeat(9000)}` } }), 431, 'request_header_fields_too_large')
    // Normal headers pass.
    expect((await r.call('/v1/chat/completions', { key, json: body, headers: { 'x-ok': 'd'.repeat(2000) } })).status).toBe(200)
  })
})

describe('deeply nested JSON does not stall the isolate', () => {
  const cases: Array<[string, () => string]> = [
    ['1e6 unclosed [', () => '['.repeat(1_000_000)],
    ['1e6 balanced [ ]', () => '['.repeat(1_000_000) + ']'.repeat(1_000_000)],
    ['2e5 nested {"a":', () => '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000)],
    ['messages content nested 1e5 deep', () => `{"model":"auto","messages":[{"role":"user","content":${'['.repeat(100_000)}"x"${']'.repeat(100_000)}}]}`],
  ]
  for (const [name, make] of cases) {
    it(`${name}: a 400 in OpenAI format, quickly`, async () => {
      const r = testRouter(emulatorVars)
      const { api_key: key } = await r.tenant()
      const text = make()
      const t0 = performance.now()
      const res = await r.call('/v1/chat/completions', { key, method: 'POST', headers: { 'content-type': 'application/json' }, body: text })
      const ms = performance.now() - t0
      expect(res.status).toBe(400)
      const body: any = await res.json()
      expectValid('ErrorResponse', body)
      expect(['invalid_json', 'too_deeply_nested']).toContain(body.error.code)
      console.log(`[limits] ${name} (${(text.length / 1e6).toFixed(1)} MB): ${res.status} ${body.error.code} in ${ms.toFixed(0)} ms`)
      expect(ms).toBeLessThan(3_000)
      // The isolate still serves.
      expect((await r.call('/v1/chat/completions', { key, json: { model: 'auto', messages: [{ role: 'user', content: 'still alive?' }] } })).status).toBe(200)
    })
  }
})
