/**
 * SSE reassembly under arbitrary chunk boundaries, extending test/providers/stream.test.ts (which replays one fixed
 * emulator stream per provider): here the streams themselves are generated — arbitrary Unicode (multi-byte UTF-8,
 * astral emoji, combining marks), LF or CRLF line endings, keep-alive comments — and the cut points are biased to
 * the places that break naive parsers: inside a multi-byte character and inside a `data:` field name. Every
 * well-formed stream must reassemble exactly: the same chunks (deep-equal), text and usage as the unsplit stream.
 * The last property runs the whole router (provider adapter → execute → stream back) and checks what the client
 * reads.
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { createProviders } from '../../src/providers'
import { collect, model, setup, signal, user } from '../providers/helpers'
import { testRouter, parseSSE } from '../api/helpers'
import { counted, report, fastCaller, FUZZ_SEED } from './fuzz'

const counters = { openai: { n: 0 }, anthropic: { n: 0 }, 'workers-ai': { n: 0 }, router: { n: 0 } }
afterAll(() => report('SSE reassembly', counters))

const ENC = new TextEncoder()

interface Wire { bytes: Uint8Array; text: string; usage: { input: number; output: number } }

/** The stream a provider would send for these pieces, in its own wire format. */
function wire(format: 'openai' | 'anthropic' | 'workers-ai', pieces: string[], eol: string, comments: boolean[]): Wire {
  const usage = { input: 7, output: pieces.length }
  const events: string[] = []
  const ev = (data: unknown, event?: string) => `${event ? `event: ${event}${eol}` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}${eol}${eol}`
  const chunk = (delta: unknown, finish: string | null = null) => ({ id: 'chatcmpl-fz', object: 'chat.completion.chunk', created: 1767225600, model: 'gpt-4.1', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })
  if (format === 'openai') {
    events.push(ev(chunk({ role: 'assistant', content: '' })))
    for (const p of pieces) events.push(ev(chunk({ content: p })))
    events.push(ev(chunk({}, 'stop')))
    events.push(ev({ id: 'chatcmpl-fz', object: 'chat.completion.chunk', created: 1767225600, model: 'gpt-4.1', choices: [], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } }))
    events.push(ev('[DONE]'))
  } else if (format === 'anthropic') {
    events.push(ev({ type: 'message_start', message: { id: 'msg_fz', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input, output_tokens: 1 } } }, 'message_start'))
    events.push(ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'))
    for (const p of pieces) events.push(ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } }, 'content_block_delta'))
    events.push(ev({ type: 'content_block_stop', index: 0 }, 'content_block_stop'))
    events.push(ev({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output } }, 'message_delta'))
    events.push(ev({ type: 'message_stop' }, 'message_stop'))
  } else {
    for (const p of pieces) events.push(ev({ response: p }))
    events.push(ev({ response: '', usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } }))
    events.push(ev('[DONE]'))
  }
  const text = events.map((e, i) => (comments[i % comments.length] ? `: keep-alive${eol}${e}` : e)).join('')
  return { bytes: ENC.encode(text), text: pieces.join(''), usage }
}

/** Byte offsets where a split is most likely to break a parser: inside a UTF-8 sequence, inside `data:`/`event:`, between CR and LF. */
function nastyOffsets(bytes: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i]
    if ((b & 0xc0) === 0x80) out.push(i) // continuation byte: the split lands inside a character
    if (bytes[i - 1] === 13 && b === 10) out.push(i)
    if (b === 0x61 /* a */ && bytes[i - 1] === 0x64 /* d */) out.push(i, i + 1, i + 2, i + 3) // d|ata: da|ta: …
  }
  return out
}

function splitFetch(bytes: Uint8Array, cuts: number[], headers: Record<string, string>): typeof fetch {
  return async () => {
    const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b)
    const parts: Uint8Array[] = []
    let prev = 0
    for (const p of [...points, bytes.length]) {
      parts.push(bytes.slice(prev, p))
      prev = p
    }
    return new Response(new ReadableStream({ pull(c) { const next = parts.shift(); if (next) c.enqueue(next); else c.close() } }), { status: 200, headers })
  }
}

/** Text pieces: any Unicode, biased to multi-byte and astral characters. */
const piece = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
  fc.string({ unit: fc.constantFrom('é', 'ü', '✓', '€', '中', '文', '🎉', '👩‍💻', 'e\u0301', '\u2028', '"', '\\', ' ', '\t', 'data:', ':'), minLength: 1, maxLength: 6 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }).filter((s) => s.trim().length > 0),
)
const scenario = (bytesFor: (pieces: string[], eol: string, comments: boolean[]) => Wire) =>
  fc.tuple(fc.array(piece, { minLength: 1, maxLength: 10 }), fc.constantFrom('\n', '\r\n'), fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }))
    .chain(([pieces, eol, comments]) => {
      const w = bytesFor(pieces, eol, comments)
      const nasty = nastyOffsets(w.bytes)
      return fc.record({
        w: fc.constant(w),
        cuts: fc.oneof(
          fc.array(fc.nat({ max: w.bytes.length }), { maxLength: 30 }),
          nasty.length ? fc.subarray(nasty) : fc.constant([] as number[]),
        ),
      })
    })

describe('SSE reassembly fuzz (provider adapters)', () => {
  const cases = [
    ['openai', 'gpt-4.1'],
    ['anthropic', ''], // the configured Anthropic model
    ['workers-ai', '@cf/meta/llama-3.2-3b-instruct'],
  ] as const
  for (const [format, id] of cases) {
    it(`${format}: any split of any well-formed stream gives exactly the unsplit chunks, text and usage`, async () => {
      const { config } = setup()
      const m = model(config, id || Object.values(config.models).find((x) => x.provider === 'anthropic')!.id)
      const req = user('hi', { stream: true })
      const headers = { 'content-type': 'text/event-stream' }
      await fc.assert(fc.asyncProperty(scenario((p, e, c) => wire(format, p, e, c)), counted(counters[format], async ({ w, cuts }) => {
        const whole = await createProviders(config, {}, splitFetch(w.bytes, [], headers))[m.provider].chat(req, m, { signal: signal(), stream: true })
        const split = await createProviders(config, {}, splitFetch(w.bytes, cuts, headers))[m.provider].chat(req, m, { signal: signal(), stream: true })
        if (whole.kind !== 'stream' || split.kind !== 'stream') throw new Error('expected streams')
        const [a, b] = [await collect(whole.chunks), await collect(split.chunks)]
        expect(b.error).toBeUndefined()
        // Adapters that mint ids/timestamps per call (Workers AI) differ only there.
        const strip = (cs: typeof a.chunks) => cs.map(({ id: _i, created: _c, ...rest }) => rest)
        expect(strip(b.chunks)).toEqual(strip(a.chunks))
        expect(b.text).toBe(w.text)
        const usage = await split.usage
        expect(usage).toEqual(await whole.usage)
        expect([usage.input, usage.output, usage.estimated]).toEqual([w.usage.input, w.usage.output, undefined])
      })), { numRuns: 1000, seed: FUZZ_SEED })
    }, 60_000)
  }
})

describe('SSE reassembly fuzz (through the router)', () => {
  it('what the client reads is exactly the provider text, with usage and the cost comment', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => {})
    const r = testRouter()
    const { api_key: key } = await r.tenant({ budget: { daily_usd: 1000 } })
    const emu = r.emulator as { fetch: typeof fetch }
    const fast = fastCaller(r.env)
    await fc.assert(fc.asyncProperty(scenario((p, e, c) => wire('openai', p, e, c)), counted(counters.router, async ({ w, cuts }) => {
      emu.fetch = splitFetch(w.bytes, cuts, { 'content-type': 'text/event-stream' })
      const res = await fast.call('/v1/chat/completions', { key, json: { model: 'gpt-4.1', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] } })
      expect(res.status).toBe(200)
      const { data, comments } = parseSSE(await res.text())
      expect(data.at(-1)).toBe('[DONE]')
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d))
      expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(w.text)
      expect(chunks.at(-1).usage).toMatchObject({ prompt_tokens: w.usage.input, completion_tokens: w.usage.output })
      expect(comments.some((c) => /^x-triage-cost-usd=\d/.test(c))).toBe(true)
    })), { numRuns: 300, seed: FUZZ_SEED })
    await fast.settled()
    vi.restoreAllMocks()
  }, 60_000)
})
