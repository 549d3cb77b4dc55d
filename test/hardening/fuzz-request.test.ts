/**
 * Fuzzing the request validator through the real app (auth → parse → …, in workerd): every malformed request gets a
 * 4xx in OpenAI's error format (checked against OpenAI's published ErrorResponse schema), never a 5xx or an
 * unhandled exception. A generated request that happens to be valid must get a valid completion instead.
 */
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { testRouter, emulatorVars, type TestRouter } from '../api/helpers'
import { expectValid } from '../support/openai-spec'
import { counted, report, FUZZ_SEED } from './fuzz'

const counters = { json: { n: 0 }, mutation: { n: 0 }, text: { n: 0 }, messages: { n: 0 } }
let r: TestRouter
let key: string
let unhandled: string[] = []

beforeAll(async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {}) // the per-request log line, thousands of times
  r = testRouter({ ...emulatorVars, TRIAGE_MAX_BODY_BYTES: '65536', TRIAGE_MAX_MESSAGES: '50', TRIAGE_MAX_ATTEMPTS: '1', TRIAGE_BREAKER_FAILURES: '1000' })
  key = (await r.tenant({ budget: { daily_usd: 1000 } })).api_key
})
afterEach(() => {
  expect(unhandled, 'unhandled errors logged').toEqual([])
})
afterAll(() => {
  vi.restoreAllMocks()
  report('request validator (through the app)', counters)
})

/** Sends one body; asserts the outcome is a well-formed 4xx, or (rarely) a valid answer. Returns the status. */
async function check(body: string, contentType = 'application/json'): Promise<number> {
  const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    const line = a.map(String).join(' ')
    if (line.includes('unhandled error')) unhandled.push(line)
  })
  try {
    const res = await r.call('/v1/chat/completions', { key, method: 'POST', headers: { 'content-type': contentType }, body })
    const text = await res.text()
    if (res.status === 200) {
      if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
        expect(text).toMatch(/data: /)
      } else expectValid('CreateChatCompletionResponse', JSON.parse(text))
      return 200
    }
    if (res.status < 400 || res.status >= 500) throw new Error(`status ${res.status} for ${body.slice(0, 300)}: ${text.slice(0, 300)}`)
    const err = JSON.parse(text)
    expectValid('ErrorResponse', err)
    expect(err.error.message.length).toBeGreaterThan(10)
    expect(res.headers.get('content-type')).toContain('application/json')
    return res.status
  } finally {
    spy.mockRestore()
  }
}

const valid = () => ({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] as unknown[] })
const junk = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, '', ' ', '__proto__', 'constructor', [], {}, { __proto__: { admin: true } }, '\u0000', '\ud800', 'a'.repeat(2000)),
)

describe('request validator fuzz', () => {
  it('arbitrary JSON bodies → 4xx OpenAI errors', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), counted(counters.json, async (v) => {
      await check(JSON.stringify(v))
    })), { numRuns: 2500, seed: FUZZ_SEED })
  }, 60_000)

  it('one field of a valid request replaced by junk (or junk added) → 4xx, or a valid answer', async () => {
    const paths = ['model', 'messages', 'messages.0', 'messages.0.role', 'messages.0.content', 'messages.0.content.0', 'messages.0.name',
      'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'n', 'stream', 'stream_options', 'stop', 'tools', 'tools.0', 'tool_choice',
      'response_format', 'seed', 'logit_bias', 'user', 'metadata', 'parallel_tool_calls', 'messages.1', 'messages.0.tool_calls']
    await fc.assert(fc.asyncProperty(fc.constantFrom(...paths), junk, counted(counters.mutation, async (path, value) => {
      const body: any = valid()
      const parts = path.split('.')
      let node = body
      for (const p of parts.slice(0, -1)) {
        if (node[p] === undefined || typeof node[p] !== 'object' || node[p] === null) node[p] = /^\d+$/.test(p) ? {} : []
        node = node[p]
      }
      node[parts.at(-1)!] = value
      // Streams are a different answer shape; keep the request's own stream flag off unless it is the mutated field.
      await check(JSON.stringify(body))
    })), { numRuns: 800, seed: FUZZ_SEED })
  }, 120_000)

  it('arbitrary bytes and content types → 4xx (415 / 400), never a crash', async () => {
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ maxLength: 400 }).map((s) => `{"model":"auto","messages":[${s}`), fc.constant('')),
      fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', '', 'application/x-www-form-urlencoded', 'application/vnd.api+json', 'multipart/form-data; boundary=x'),
      counted(counters.text, async (body, type) => {
        const status = await check(body, type)
        if (!/json/.test(type)) expect(status).toBe(415)
      })), { numRuns: 1500, seed: FUZZ_SEED })
  }, 60_000)

  it('messages of arbitrary shape and role → 4xx, or a valid answer', async () => {
    const part = fc.oneof(
      fc.record({ type: fc.constantFrom('text', 'image_url', 'input_audio', 'file', 'refusal', 'video', ''), text: fc.oneof(fc.string(), junk) }, { requiredKeys: ['type'] }),
      junk,
    )
    const message = fc.record({
      role: fc.oneof(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function', 'root', 'USER', ''), junk),
      content: fc.oneof(fc.string({ maxLength: 50 }), fc.array(part, { maxLength: 4 }), junk),
      name: fc.oneof(fc.string(), junk),
      tool_call_id: fc.oneof(fc.string(), junk),
      tool_calls: fc.oneof(fc.array(fc.record({ id: fc.string(), type: fc.constantFrom('function', 'x'), function: fc.record({ name: fc.string(), arguments: fc.oneof(fc.string(), junk) }) }), { maxLength: 2 }), junk),
    }, { requiredKeys: [] })
    await fc.assert(fc.asyncProperty(fc.array(message, { minLength: 0, maxLength: 6 }), counted(counters.messages, async (messages) => {
      await check(JSON.stringify({ model: 'auto', messages: messages.map((m) => ({ ...m, content: typeof m.content === 'string' ? m.content.replace(/\[\[/g, '[ [') : m.content })) }))
    })), { numRuns: 1500, seed: FUZZ_SEED })
  }, 120_000)
})
