/** A bad configuration answers a named `invalid_configuration`, whichever variable is wrong (TRIAGE_PRICES included). */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testRouter, emulatorVars } from '../api/helpers'

afterEach(() => vi.restoreAllMocks())

describe('invalid configuration on the request path', () => {
  it('a malformed TRIAGE_PRICES is a named invalid_configuration, not an opaque 500', async () => {
    const r = testRouter({ ...emulatorVars, TRIAGE_PRICES: '{"gpt-4.1":{"input":"2.00"}}' })
    const res = await r.call('/v1/chat/completions', { json: { model: 'auto', messages: [{ role: 'user', content: 'hi' }] }, key: 'sk-anything' })
    expect(res.status).toBe(500)
    const body: any = await res.json()
    expect(body.error.code).toBe('invalid_configuration')
    expect(body.error.message).toMatch(/TRIAGE_PRICES\.gpt-4\.1: needs "input" and "output"/)
  })

  it("answers in Anthropic's shape on /v1/messages", async () => {
    const r = testRouter({ ...emulatorVars, TRIAGE_PRICES: '{oops' })
    const res = await r.call('/v1/messages', { json: { model: 'auto', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, headers: { 'x-api-key': 'trg_anything' } })
    expect(res.status).toBe(500)
    const body: any = await res.json()
    expect(body).toEqual({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('TRIAGE_PRICES') } })
  })

  it('names every bad variable at once', async () => {
    const r = testRouter({ ...emulatorVars, TRIAGE_PRICES: '{oops', TRIAGE_MAX_ATTEMPTS: 'many', TRIAGE_MODELS: '{"m":{"provider":"openai","tier":"trivial","base_url":"http://127.0.0.1:11434/v1"}}' })
    const res = await r.call('/v1/models')
    expect(res.status).toBe(500)
    const body: any = await res.json()
    for (const v of ['TRIAGE_PRICES', 'TRIAGE_MAX_ATTEMPTS', 'TRIAGE_MODELS.m']) expect(body.error.message).toContain(v)
  })
})
