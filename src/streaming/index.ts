/**
 * Stream back: pipes the provider's OpenAI chunks to the client as SSE, chunk by chunk as they arrive
 * (never buffered), and reports how the stream ended so spend can be settled.
 *
 * - Upstream is always asked for usage; when the client did not ask (`stream_options.include_usage`),
 *   the usage-only chunk is dropped and `usage` fields are removed from the others.
 * - A failure after the first byte ends the stream cleanly with an OpenAI error event
 *   (`data: {"error":{…}}`, which the openai SDK raises as an APIError), never a dangling connection.
 * - On client disconnect the upstream is cancelled; `onEnd` still runs (inside `waitUntil`).
 * - Before `data: [DONE]` the lines `onEnd` returns are written as SSE comments (`: x-triage-cost-usd=…`),
 *   which SDKs ignore.
 *
 * @example
 * return streamBack(c, { chunks: reply.chunks, includeUsage: false, onEnd: async (o) => [`x-triage-cost-usd=${usd}`] })
 */
import type { Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { ChatCompletionChunk } from '../openai/types'
import { toApiError, type ApiError } from '../http/errors'

/** A write to the client blocked this long means the client is gone (see streamBack). */
export const CLIENT_STALL_MS = 5_000

export type StreamOutcome =
  | { status: 'ok' }
  | { status: 'upstream_error'; error: ApiError }
  | { status: 'client_abort' }

export interface StreamBackOptions {
  chunks: ReadableStream<ChatCompletionChunk>
  includeUsage: boolean
  /** Maps a mid-stream failure to the error the client sees. */
  toError?: (err: unknown) => ApiError
  /** Runs once, however the stream ended. Returns comment lines to write before `[DONE]`. */
  onEnd: (outcome: StreamOutcome) => Promise<string[]>
}

export function streamBack(c: Context, opts: StreamBackOptions): Response {
  let finished!: () => void
  const done = new Promise<void>((resolve) => (finished = resolve))
  c.executionCtx.waitUntil(done)

  return streamSSE(c, async (sse) => {
    const reader = opts.chunks.getReader()
    let clientGone = false
    let markGone!: () => void
    const gone = new Promise<void>((resolve) => (markGone = resolve))
    const onGone = () => {
      if (clientGone) return
      clientGone = true
      markGone()
      reader.cancel().catch(() => {})
    }
    // A disconnect shows up as the response stream's cancel, or (with the `enable_request_signal` compatibility
    // flag) as the request's abort signal; workerd may give only the latter while a write waits on backpressure.
    sse.onAbort(onGone)
    c.req.raw.signal?.addEventListener('abort', onGone, { once: true })
    /**
     * A write that gives up when the client is gone. Measured in workerd: after some hang-ups neither signal comes
     * and the pending write never settles, so a write blocked for CLIENT_STALL_MS (the client has left hundreds of
     * KB unread) also counts as gone — and the request is settled instead of waiting for the ledger's expiry.
     */
    const write = (text: string) => {
      let timer!: ReturnType<typeof setTimeout>
      const stalled = new Promise<void>((resolve) => {
        timer = setTimeout(() => (onGone(), resolve()), CLIENT_STALL_MS)
      })
      return Promise.race([sse.write(text), gone, stalled]).finally(() => clearTimeout(timer))
    }
    let outcome: StreamOutcome = { status: 'ok' }
    try {
      for (;;) {
        const { done: end, value } = await reader.read()
        if (end) break
        if (clientGone) break
        if (!opts.includeUsage && 'usage' in value) {
          if (value.usage && value.choices.length === 0) continue
          delete (value as { usage?: unknown }).usage
        }
        await write(`data: ${JSON.stringify(value)}\n\n`)
      }
      if (clientGone) outcome = { status: 'client_abort' }
    } catch (err) {
      outcome = clientGone ? { status: 'client_abort' } : { status: 'upstream_error', error: (opts.toError ?? toApiError)(err) }
    }
    try {
      const trailer = await opts.onEnd(outcome)
      if (!clientGone) {
        if (outcome.status === 'upstream_error') await write(`data: ${JSON.stringify(outcome.error.toJSON())}\n\n`)
        for (const line of trailer) await write(`: ${line}\n\n`)
        if (outcome.status === 'ok') await write('data: [DONE]\n\n')
      }
    } finally {
      finished()
    }
  })
}
