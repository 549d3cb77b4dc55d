/**
 * Stream back: pipes the provider's OpenAI chunks to the client as SSE as they arrive (never buffered), and
 * reports how the stream ended so spend can be settled.
 *
 * - Each batch of chunks (what one upstream read held) is written as ONE buffer of `data: …` events: one encode
 *   and one socket write per batch, not per chunk. The next upstream read waits until the client has taken that
 *   write, so nothing is read ahead of the client.
 *
 * - Upstream is always asked for usage; when the client did not ask (`stream_options.include_usage`),
 *   the usage-only chunk is dropped and `usage` fields are removed from the others.
 * - A failure after the first byte ends the stream cleanly with an OpenAI error event
 *   (`data: {"error":{…}}`, which the openai SDK raises as an APIError), never a dangling connection.
 * - On client disconnect the upstream is cancelled; `onEnd` still runs (inside `waitUntil`).
 * - Before `data: [DONE]` the lines `onEnd` returns are written as SSE comments (`: x-triage-cost-usd=…`),
 *   which SDKs ignore.
 * - The wire format is an `SseFormat`: OpenAI's (`openaiSse`) or Anthropic's (src/anthropic, for
 *   `/v1/messages`). It only turns batches and the ending into text; the pumping above is the same for both.
 *
 * @example
 * return streamBack(c, { chunks: reply.chunks, format: openaiSse(false), onEnd: async (o) => [`x-triage-cost-usd=${usd}`] })
 */
import type { Context } from 'hono'
import type { ChunkStream } from '../providers/types'
import type { ChatCompletionChunk } from '../openai/types'
import { toApiError, type ApiError } from '../http/errors'

/** A write to the client blocked this long means the client is gone (see streamBack). */
export const CLIENT_STALL_MS = 5_000

export type StreamOutcome =
  | { status: 'ok' }
  | { status: 'upstream_error'; error: ApiError }
  | { status: 'client_abort' }

/** How a stream looks on the wire: each batch of OpenAI chunks, and the ending, as SSE text. */
export interface SseFormat {
  /** One batch of chunks → SSE text ('' writes nothing). */
  batch(chunks: ChatCompletionChunk[]): string
  /** The ending: the error event (`upstream_error`), the `comments` (cost lines) and the end marker (`ok`). */
  end(outcome: StreamOutcome, comments: string[]): string | Promise<string>
}

/**
 * OpenAI's SSE: `data: {chunk}` events, `data: {"error":…}` on a failure, `: comment` lines, `data: [DONE]`.
 * Upstream is always asked for usage; when the client did not ask (`include_usage`), the usage-only chunk is dropped
 * and `usage` fields are removed from the others.
 */
export function openaiSse(includeUsage: boolean): SseFormat {
  return {
    batch(batch) {
      let text = ''
      for (let i = 0; i < batch.length; i++) {
        const chunk = batch[i]
        if (!includeUsage && chunk.usage !== undefined) {
          if (chunk.usage && chunk.choices.length === 0) continue // the usage-only chunk the client did not ask for
          chunk.usage = undefined // JSON.stringify leaves it out (and the object keeps its shape, unlike `delete`)
        }
        text += `data: ${JSON.stringify(chunk)}\n\n`
      }
      return text
    },
    end(outcome, comments) {
      let text = outcome.status === 'upstream_error' ? `data: ${JSON.stringify(outcome.error.toJSON())}\n\n` : ''
      for (const line of comments) text += `: ${line}\n\n`
      if (outcome.status === 'ok') text += 'data: [DONE]\n\n'
      return text
    },
  }
}

export interface StreamBackOptions {
  chunks: ChunkStream
  /** The wire format: `openaiSse(includeUsage)`, or Anthropic's for `/v1/messages`. */
  format: SseFormat
  /** Maps a mid-stream failure to the error the client sees. */
  toError?: (err: unknown) => ApiError
  /** Runs once, however the stream ended. Returns comment lines to write before `[DONE]`. */
  onEnd: (outcome: StreamOutcome) => Promise<string[]>
}

export function streamBack(c: Context, opts: StreamBackOptions): Response {
  const encoder = new TextEncoder()
  const chunks = opts.chunks
  const format = opts.format
  // workerd's native byte pipe: each write goes straight to the response, and resolves once the client's socket has
  // taken it (backpressure). Cheaper per write than a JS ReadableStream's pull (bench/stream-cost.mjs: /relay/its).
  const { readable, writable } = new IdentityTransformStream()
  const writer = writable.getWriter()

  // The request lives until onEnd has settled the spend, however the stream ends (end() resolves this).
  let finished!: () => void
  c.executionCtx.waitUntil(new Promise<void>((resolve) => (finished = resolve)))

  let ended = false // onEnd has run (or is running)
  let clientGone = false
  let writeSince = 0 // when the pending write started; 0 = none pending
  let watchdog: ReturnType<typeof setTimeout> | undefined

  /** Runs onEnd once; returns the trailer the client should still get (none when it is gone). */
  const end = async (outcome: StreamOutcome): Promise<string> => {
    if (ended) return ''
    ended = true
    if (watchdog !== undefined) clearTimeout(watchdog)
    try {
      const trailer = await opts.onEnd(outcome)
      if (clientGone) return ''
      return await format.end(outcome, trailer)
    } finally {
      finished()
    }
  }
  /** The client hung up (a failed write, the request's abort signal, or a write stuck for CLIENT_STALL_MS): stop upstream, settle. */
  const gone = () => {
    if (clientGone || ended) return
    clientGone = true
    chunks.cancel().catch(() => {})
    writer.abort().catch(() => {})
    void end({ status: 'client_abort' })
  }
  /** Writes to the client; false when it is gone. */
  const write = async (text: string): Promise<boolean> => {
    writeSince = Date.now()
    try {
      await writer.write(encoder.encode(text))
      return !clientGone
    } catch {
      gone()
      return false
    } finally {
      writeSince = 0
    }
  }
  /**
   * One timer per stream (not per chunk): workerd may report neither a cancel nor an abort for some hang-ups, so a
   * client that has not taken a write for CLIENT_STALL_MS is taken as gone and the request is settled.
   */
  const arm = (ms: number) => {
    watchdog = setTimeout(() => {
      if (ended) return
      const stuck = writeSince === 0 ? 0 : Date.now() - writeSince
      if (stuck >= CLIENT_STALL_MS) return gone()
      arm(CLIENT_STALL_MS - stuck)
    }, ms)
  }
  c.req.raw.signal?.addEventListener('abort', gone, { once: true })
  arm(CLIENT_STALL_MS)

  /** One batch of upstream chunks per write, each write waited for: nothing is read ahead and nothing is buffered. */
  const pump = async (): Promise<void> => {
    for (;;) {
      let batch
      try {
        batch = await chunks.next()
      } catch (err) {
        if (clientGone) return
        const tail = await end({ status: 'upstream_error', error: (opts.toError ?? toApiError)(err) })
        if (tail && !(await write(tail))) return
        return writer.close().catch(() => {})
      }
      if (clientGone) return
      if (batch === null) {
        const tail = await end({ status: 'ok' })
        if (tail && !(await write(tail))) return
        return writer.close().catch(() => {})
      }
      const text = format.batch(batch)
      if (text && !(await write(text))) return
    }
  }
  // An unexpected throw still settles, as an upstream error.
  c.executionCtx.waitUntil(
    pump().catch(async (err) => {
      writer.abort(err).catch(() => {})
      if (!ended) await end({ status: 'upstream_error', error: toApiError(err) }).catch(() => {})
    }),
  )
  c.header('content-type', 'text/event-stream')
  c.header('cache-control', 'no-cache')
  return c.body(readable, 200)
}
