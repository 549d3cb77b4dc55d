/**
 * Stream back, through the whole router (adapter → execute → streamBack) and read the way a client's socket would:
 * the chunks one upstream read holds reach the client as ONE body read (one write), the cost comment and `[DONE]`
 * follow, and a failure after some chunks still delivers those chunks before the error event.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app'
import { testRouter, parseSSE, emulatorVars } from '../api/helpers'
import { piecewiseFetch } from '../providers/helpers'
import { expectValid } from '../support/openai-spec'

afterEach(() => vi.restoreAllMocks())

/** Routes every upstream answer through `piecewiseFetch` (one read per piece); returns a caller that reads the body read by read. */
async function router(split?: (sse: string) => string[]) {
  vi.spyOn(console, 'log').mockImplementation(() => {})
  const r = testRouter({ ...emulatorVars, TRIAGE_MAX_ATTEMPTS: '1' })
  const { api_key: key } = await r.tenant({ budget: { daily_usd: 1000 } })
  const emu = r.emulator as { fetch: typeof fetch }
  const up = piecewiseFetch(emu.fetch, split)
  emu.fetch = up.fetch
  const app = createApp()
  return {
    up,
    /** The body's reads, decoded, in order. */
    async reads(json: Record<string, unknown>): Promise<string[]> {
      const ctx = createExecutionContext()
      const res = await app.fetch(
        new Request('http://triage.test/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(json) }),
        r.env,
        ctx,
      )
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/event-stream')
      const reader = res.body!.getReader()
      const decoder = new TextDecoder()
      const out: string[] = []
      for (let x = await reader.read(); !x.done; x = await reader.read()) out.push(decoder.decode(x.value))
      await waitOnExecutionContext(ctx)
      return out
    },
  }
}

const ask = (model: string, content: string, extra: Record<string, unknown> = {}) => ({ model, stream: true, messages: [{ role: 'user', content }], ...extra })

describe('streamBack: one batch, one write', () => {
  it('every event of one upstream read reaches the client in ONE body read; then the cost comment and [DONE]', async () => {
    const r = await router()
    for (const includeUsage of [false, true]) {
      const reads = await r.reads(ask('gpt-4.1', 'one two three four five six', { stream_options: { include_usage: includeUsage } }))
      expect(r.up.pulls.at(-1)).toBe(1)
      expect(reads).toHaveLength(2)
      const answer = parseSSE(reads[0])
      const chunks = answer.data.map((d) => JSON.parse(d))
      expect(chunks.length).toBeGreaterThan(5) // role, six words, finish (+ usage)
      for (const c of chunks) expectValid('CreateChatCompletionStreamResponse', c)
      expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Echo: one two three four five six')
      expect(answer.comments).toEqual([])
      if (includeUsage) expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number) } })
      else expect(chunks.every((c) => !('usage' in c))).toBe(true)
      const tail = parseSSE(reads[1])
      expect(tail.data).toEqual(['[DONE]'])
      expect(tail.comments.some((c) => /^x-triage-cost-usd=0\.\d+$/.test(c))).toBe(true)
    }
  })

  it('an answer in several upstream reads is written as it comes: one client read per upstream read', async () => {
    const r = await router((sse) => {
      const ev = sse.split(/(?<=\n\n)/)
      return [ev.slice(0, 3).join(''), ev.slice(3, 5).join(''), ev.slice(5).join('')]
    })
    const reads = await r.reads(ask('gpt-4.1', 'one two three four five six'))
    expect(r.up.pulls.at(-1)).toBe(3)
    expect(reads.slice(0, 3).map((t) => parseSSE(t).data.length)).toEqual([3, 2, expect.any(Number)])
    expect(parseSSE(reads.at(-1)!).data).toEqual(['[DONE]'])
  })

  it('an upstream error after some chunks: those chunks reach the client first, then the error event and the cost', async () => {
    const r = await router()
    // Anthropic's mid-stream `error` event, in the same upstream read as the text before it.
    const reads = await r.reads(ask('claude-sonnet-4-6', 'alpha beta gamma [[fault:overloaded-mid-stream]]'))
    expect(reads).toHaveLength(2)
    const answer = parseSSE(reads[0])
    const chunks = answer.data.map((d) => JSON.parse(d))
    for (const c of chunks) expectValid('CreateChatCompletionStreamResponse', c)
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('Echo: alpha beta gamma')
    const tail = parseSSE(reads[1])
    expect(tail.data).toHaveLength(1)
    const err = JSON.parse(tail.data[0])
    expectValid('ErrorResponse', err)
    expect(err.error.message).toMatch(/anthropic/)
    expect(tail.comments.some((c) => /^x-triage-cost-usd=0\.\d+$/.test(c))).toBe(true)
    expect(reads.join('')).not.toContain('[DONE]')
  })
})
