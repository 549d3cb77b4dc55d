/**
 * SSE framing: whatever way the network splits the upstream bytes (mid-line, mid-UTF-8 character), the chunks and
 * usage that come out are the same. Property-tested with fast-check over every provider's stream format.
 * Batches: what one upstream read holds comes out of one `next()`, nothing is read before it is asked for, and a
 * failure reaches the caller only after the chunks before it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createProviders } from '../../src/providers'
import { estimateTokens } from '../../src/providers/stream'
import { ProviderError } from '../../src/providers/types'
import { collect, model, piecewiseFetch, setup, signal, user } from './helpers'

/** A fetch that answers with `bytes`, cut at the given offsets. */
function splitFetch(bytes: Uint8Array, cuts: number[], headers: Record<string, string>): typeof fetch {
  return async () => {
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
    const parts: Uint8Array[] = []
    let prev = 0
    for (const p of [...points, bytes.length]) {
      if (p > prev) parts.push(bytes.slice(prev, p))
      prev = Math.max(prev, p)
    }
    return new Response(new ReadableStream({ pull(c) { const next = parts.shift(); if (next) c.enqueue(next); else c.close() } }), { status: 200, headers })
  }
}

describe('stream framing', () => {
  for (const id of ['gpt-4.1', 'deepseek-reasoner', 'claude-sonnet-4-6', '@cf/meta/llama-3.2-3b-instruct']) {
    it(`${id}: any byte split gives the same chunks and usage`, async () => {
      const { emu, config } = setup()
      const m = model(config, id)
      const req = user('héllo wörld ✓ naïve café', { stream: true })
      const reference = createProviders(config, {}, emu.fetch)
      const ref = await reference[m.provider].chat(req, m, { signal: signal(), stream: true })
      if (ref.kind !== 'stream') throw new Error()
      const want = await collect(ref.chunks)
      const wantUsage = await ref.usage
      // capture the raw bytes once
      const raw = await emu.fetch(`http://emulator.test${emu.requests[0].path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify(emu.requests[0].body),
      })
      const bytes = new Uint8Array(await raw.arrayBuffer())
      await fc.assert(
        fc.asyncProperty(fc.array(fc.nat({ max: bytes.length }), { maxLength: 40 }), async (cuts) => {
          const p = createProviders(config, {}, splitFetch(bytes, cuts, { 'content-type': 'text/event-stream' }))
          const r = await p[m.provider].chat(req, m, { signal: signal(), stream: true })
          if (r.kind !== 'stream') throw new Error()
          const got = await collect(r.chunks)
          expect(got.error).toBeUndefined()
          expect(got.text).toBe(want.text)
          expect(got.reasoning).toBe(want.reasoning)
          expect(got.chunks.length).toBe(want.chunks.length)
          expect(await r.usage).toEqual(wantUsage)
        }),
        { numRuns: 40 },
      )
    })
  }
})

const MODELS = ['gpt-4.1', 'deepseek-reasoner', 'claude-sonnet-4-6', '@cf/meta/llama-3.2-3b-instruct']
/** An SSE body's events, each with its blank line. */
const events = (sse: string) => sse.split(/(?<=\n\n)/)

describe('stream batches', () => {
  it('a whole answer in one upstream read comes out of ONE next(), read only when asked (every provider)', async () => {
    const { emu, config } = setup()
    for (const id of MODELS) {
      const m = model(config, id)
      const req = user('one two three four five', { stream: true })
      const ref = await createProviders(config, {}, emu.fetch)[m.provider].chat(req, m, { signal: signal(), stream: true })
      if (ref.kind !== 'stream') throw new Error()
      const want = await collect(ref.chunks)
      expect(want.chunks.length, id).toBeGreaterThan(3)

      const up = piecewiseFetch(emu.fetch)
      const r = await createProviders(config, {}, up.fetch)[m.provider].chat(req, m, { signal: signal(), stream: true })
      if (r.kind !== 'stream') throw new Error()
      expect(up.pulls.at(-1), `${id}: nothing read before next()`).toBe(0)
      const got = await collect(r.chunks)
      expect(got.error, id).toBeUndefined()
      expect(got.batches, id).toEqual([want.chunks.length])
      expect(got.text, id).toBe(want.text)
      expect(got.reasoning, id).toBe(want.reasoning)
      expect(await r.usage, id).toEqual(await ref.usage)
      expect(up.pulls.at(-1), `${id}: one upstream read`).toBe(1)
    }
  })

  it('an answer in two upstream reads comes out as two batches, the second read only on the second next()', async () => {
    const { emu, config } = setup()
    for (const id of MODELS) {
      const m = model(config, id)
      const up = piecewiseFetch(emu.fetch, (sse) => {
        const ev = events(sse)
        const half = Math.ceil(ev.length / 2)
        return [ev.slice(0, half).join(''), ev.slice(half).join('')]
      })
      const r = await createProviders(config, {}, up.fetch)[m.provider].chat(user('one two three four five six', { stream: true }), m, { signal: signal(), stream: true })
      if (r.kind !== 'stream') throw new Error()
      const first = await r.chunks.next()
      expect(first?.length, id).toBeGreaterThan(0)
      expect(up.pulls.at(-1), id).toBe(1)
      const rest = await collect(r.chunks)
      expect(rest.error, id).toBeUndefined()
      expect(rest.batches.length, id).toBe(1)
      expect(up.pulls.at(-1), id).toBe(2)
      expect(rest.chunks.at(-1)!.usage, id).toBeTruthy()
    }
  })

  it('an upstream error event after some chunks: those chunks first (same batch), then the error, on every later call', async () => {
    const { emu, config } = setup()
    // Anthropic's documented mid-stream `error` event (the emulator's overloaded-mid-stream), all in one read.
    const m = model(config, 'claude-sonnet-4-6')
    const up = piecewiseFetch(emu.fetch)
    const r = await createProviders(config, {}, up.fetch).anthropic.chat(user('alpha beta gamma [[fault:overloaded-mid-stream]]', { stream: true }), m, { signal: signal(), stream: true })
    if (r.kind !== 'stream') throw new Error()
    const g = await collect(r.chunks)
    expect(g.batches).toEqual([g.chunks.length])
    expect(g.text).toBe('Echo: alpha beta gamma')
    expect(g.error).toBeInstanceOf(ProviderError)
    expect(g.error).toMatchObject({ kind: 'http', status: 529 })
    await expect(r.chunks.next()).rejects.toBe(g.error)
    expect(await r.usage).toMatchObject({ estimated: true })
    expect((await r.usage).output).toBeGreaterThan(0)
    expect(up.pulls.at(-1)).toBe(1)
  })

  it('OpenAI format: chunks before an error event or a bad event are delivered, nothing after it is', async () => {
    const { emu, config } = setup()
    const m = model(config, 'gpt-4.1')
    // OpenAI ends a failing stream with `data: {"error": {…}}`; anything that is not JSON is `invalid`.
    for (const [bad, kind] of [['data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}\n\n', 'http'], ['data: {"id":\n\n', 'invalid']] as const) {
      const up = piecewiseFetch(emu.fetch, (sse) => {
        const ev = events(sse)
        return [ev.slice(0, 3).join('') + bad + ev.slice(3).join('')]
      })
      const r = await createProviders(config, {}, up.fetch).openai.chat(user('one two three four five', { stream: true }), m, { signal: signal(), stream: true })
      if (r.kind !== 'stream') throw new Error()
      const g = await collect(r.chunks)
      expect(g.batches, kind).toEqual([3])
      expect(g.text, kind).toBe('Echo: one')
      expect((g.error as ProviderError).kind, kind).toBe(kind)
      expect(await r.usage, kind).toMatchObject({ estimated: true })
    }
  })

  it('a body that ends before the answer is complete: the chunks first, then a network error', async () => {
    const { emu, config } = setup()
    const m = model(config, 'gpt-4.1')
    const up = piecewiseFetch(emu.fetch, (sse) => [events(sse).slice(0, 4).join('')])
    const r = await createProviders(config, {}, up.fetch).openai.chat(user('one two three four five', { stream: true }), m, { signal: signal(), stream: true })
    if (r.kind !== 'stream') throw new Error()
    const g = await collect(r.chunks)
    expect(g.batches).toEqual([4])
    expect(g.error).toMatchObject({ kind: 'network', message: expect.stringContaining('ended before the answer was complete') })
  })

  it('cancel: the upstream is let go, next() resolves null, usage resolves with what was produced', async () => {
    const { emu, config } = setup()
    const m = model(config, 'gpt-4.1')
    const up = piecewiseFetch(emu.fetch, (sse) => events(sse))
    const r = await createProviders(config, {}, up.fetch).openai.chat(user('one two three four five', { stream: true }), m, { signal: signal(), stream: true })
    if (r.kind !== 'stream') throw new Error()
    const seen = [...(await r.chunks.next())!, ...(await r.chunks.next())!]
    expect(seen).toHaveLength(2)
    await r.chunks.cancel()
    expect(await r.chunks.next()).toBeNull()
    const text = seen.map((c) => c.choices[0].delta.content ?? '').join('')
    expect(text.length).toBeGreaterThan(0)
    expect(await r.usage).toMatchObject({ estimated: true, output: estimateTokens(text.length) })
    expect(up.pulls.at(-1)).toBe(2)
  })
})
