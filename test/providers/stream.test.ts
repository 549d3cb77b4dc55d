/**
 * SSE framing: whatever way the network splits the upstream bytes (mid-line, mid-UTF-8 character), the chunks and
 * usage that come out are the same. Property-tested with fast-check over every provider's stream format.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createProviders } from '../../src/providers'
import { collect, model, setup, signal, user } from './helpers'

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
