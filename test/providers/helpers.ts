/** Shared helpers for provider and execution tests: config pointed at the in-process emulator, chunk collection. */
import { expect } from 'vitest'
import { buildConfig, type ModelSpec } from '../../src/config'
import type { ChatRequest } from '../../src/openai/request'
import { parseChatRequest } from '../../src/openai/request'
import type { ChatCompletionChunk } from '../../src/openai/types'
import type { ChunkStream } from '../../src/providers/types'
import { createEmulator } from '../fixtures/emulator.mjs'
import { offlineVars } from '../../scripts/offline-env.mjs'
import { expectValid } from '../support/openai-spec'

export const EMU = 'http://emulator.test'

/** Env vars pointing every provider at the emulator: the same set `npm run dev:offline` and the e2e tests use. */
export const emulatorEnv: Record<string, string> = offlineVars(EMU)

export function setup(extraEnv: Record<string, string> = {}) {
  const emu = createEmulator({ trickleMs: 5 })
  const config = buildConfig({ ...emulatorEnv, ...extraEnv })
  return { emu, config }
}

export function request(body: Record<string, unknown>): ChatRequest {
  const r = parseChatRequest({ model: 'auto', ...body })
  if (!r.ok) throw new Error(r.message)
  return r.request
}

export const user = (content: string, extra: Record<string, unknown> = {}) => request({ messages: [{ role: 'user', content }], ...extra })

export function model(config: ReturnType<typeof buildConfig>, id: string): ModelSpec {
  const m = config.models[id]
  if (!m) throw new Error(`no model ${id}`)
  return m
}

/** Reads a chunk stream to the end (or its error), validating every chunk against OpenAI's schema. `batches` = chunks per `next()`. */
export async function collect(chunks: ChunkStream): Promise<{ chunks: ChatCompletionChunk[]; batches: number[]; text: string; reasoning: string; error?: unknown }> {
  const out: ChatCompletionChunk[] = []
  const batches: number[] = []
  let text = ''
  let reasoning = ''
  for (;;) {
    let batch: ChatCompletionChunk[] | null
    try {
      batch = await chunks.next()
    } catch (error) {
      return { chunks: out, batches, text, reasoning, error }
    }
    if (batch === null) return { chunks: out, batches, text, reasoning }
    expect(batch.length, 'a batch is never empty').toBeGreaterThan(0)
    batches.push(batch.length)
    for (const chunk of batch) {
      expectValid('CreateChatCompletionStreamResponse', chunk)
      out.push(chunk)
      for (const c of chunk.choices) {
        text += c.delta.content ?? ''
        reasoning += (c.delta as { reasoning_content?: string }).reasoning_content ?? ''
      }
    }
  }
}

export const signal = () => new AbortController().signal

/**
 * A fetch that answers what `upstream` answers, but hands a 2xx body over in the pieces `split` makes of its text:
 * by default the whole body in ONE read, as when a fast upstream's events pile up in the socket buffer. `pulls[i]`
 * counts how many times the reader of the i-th response asked for bytes (the stream has highWaterMark 0, so
 * nothing is pulled before it is asked for).
 *
 * @example
 * const up = piecewiseFetch(emu.fetch)   // every event of the answer in one read
 */
export function piecewiseFetch(upstream: typeof fetch, split: (sse: string) => string[] = (sse) => [sse]): { fetch: typeof fetch; pulls: number[] } {
  const pulls: number[] = []
  const enc = new TextEncoder()
  const fetchImpl: typeof fetch = async (input, init) => {
    const res = await upstream(input, init)
    if (!res.ok || !res.body) return res
    const parts = split(await res.text()).map((p) => enc.encode(p))
    const i = pulls.push(0) - 1
    const body = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          pulls[i]++
          const next = parts.shift()
          if (next) c.enqueue(next)
          else c.close()
        },
      },
      { highWaterMark: 0 },
    )
    return new Response(body, { status: res.status, headers: res.headers })
  }
  return { fetch: fetchImpl, pulls }
}
