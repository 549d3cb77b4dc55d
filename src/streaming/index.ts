/**
 * Stream back: pipes the provider's OpenAI chunks to the client as SSE as they arrive (never buffered), and
 * reports how the stream ended so spend can be settled.
 *
 * - One client read takes one batch of chunks (what one upstream read held) and writes it as ONE buffer of
 *   `data: …` events: one encode and one socket write per batch, not per chunk.
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
import type { ChunkStream } from '../providers/types'
import { toApiError, type ApiError } from '../http/errors'

/** A write to the client blocked this long means the client is gone (see streamBack). */
export const CLIENT_STALL_MS = 5_000

export type StreamOutcome =
  | { status: 'ok' }
  | { status: 'upstream_error'; error: ApiError }
  | { status: 'client_abort' }

export interface StreamBackOptions {
  chunks: ChunkStream
  includeUsage: boolean
  /** Maps a mid-stream failure to the error the client sees. */
  toError?: (err: unknown) => ApiError
  /** Runs once, however the stream ended. Returns comment lines to write before `[DONE]`. */
  onEnd: (outcome: StreamOutcome) => Promise<string[]>
}

export function streamBack(c: Context, opts: StreamBackOptions): Response {
  const encoder = new TextEncoder()
  const chunks = opts.chunks
  const includeUsage = opts.includeUsage
  let finished!: () => void
  c.executionCtx.waitUntil(new Promise<void>((resolve) => (finished = resolve)))

  let ended = false // onEnd has run (or is running)
  let clientGone = false
  let pulling = false
  let lastPull = Date.now()
  let watchdog: ReturnType<typeof setTimeout> | undefined
  let out!: ReadableStreamDefaultController<Uint8Array>

  /** Runs onEnd once; returns the trailer bytes the client should still get (none when it is gone). */
  const end = async (outcome: StreamOutcome): Promise<Uint8Array | null> => {
    if (ended) return null
    ended = true
    if (watchdog !== undefined) clearTimeout(watchdog)
    try {
      const trailer = await opts.onEnd(outcome)
      if (clientGone) return null
      let text = outcome.status === 'upstream_error' ? `data: ${JSON.stringify(outcome.error.toJSON())}\n\n` : ''
      for (const line of trailer) text += `: ${line}\n\n`
      if (outcome.status === 'ok') text += 'data: [DONE]\n\n'
      return encoder.encode(text)
    } finally {
      finished()
    }
  }
  /** The client hung up (cancel, the request's abort signal, or no read for CLIENT_STALL_MS): stop upstream, settle. */
  const gone = () => {
    if (clientGone || ended) return
    clientGone = true
    chunks.cancel().catch(() => {})
    void end({ status: 'client_abort' }).then(() => {
      try {
        out.close()
      } catch {}
    })
  }
  /**
   * One timer per stream (not per chunk): workerd may report neither a cancel nor an abort for some hang-ups, so a
   * client that has not asked for the next bytes in CLIENT_STALL_MS is taken as gone and the request is settled.
   */
  const arm = (ms: number) => {
    watchdog = setTimeout(() => {
      if (ended) return
      const idle = Date.now() - lastPull
      if (!pulling && idle >= CLIENT_STALL_MS) return gone()
      arm(pulling ? CLIENT_STALL_MS : CLIENT_STALL_MS - idle)
    }, ms)
  }
  c.req.raw.signal?.addEventListener('abort', gone, { once: true })

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        out = controller
        arm(CLIENT_STALL_MS)
      },
      // Pull-based: one batch of upstream chunks per client read, so nothing is read ahead and nothing is buffered.
      async pull(controller) {
        pulling = true
        try {
          for (;;) {
            let batch
            try {
              batch = await chunks.next()
            } catch (err) {
              if (clientGone) return
              const tail = await end({ status: 'upstream_error', error: (opts.toError ?? toApiError)(err) })
              if (tail) controller.enqueue(tail)
              return controller.close()
            }
            if (clientGone) return
            if (batch === null) {
              const tail = await end({ status: 'ok' })
              if (tail) controller.enqueue(tail)
              return controller.close()
            }
            let text = ''
            for (let i = 0; i < batch.length; i++) {
              const chunk = batch[i]
              if (!includeUsage && chunk.usage !== undefined) {
                if (chunk.usage && chunk.choices.length === 0) continue // the usage-only chunk the client did not ask for
                chunk.usage = undefined // JSON.stringify leaves it out (and the object keeps its shape, unlike `delete`)
              }
              text += `data: ${JSON.stringify(chunk)}\n\n`
            }
            if (text) return controller.enqueue(encoder.encode(text))
          }
        } finally {
          pulling = false
          lastPull = Date.now()
        }
      },
      cancel() {
        gone()
      },
    },
    { highWaterMark: 0 },
  )
  c.header('content-type', 'text/event-stream')
  c.header('cache-control', 'no-cache')
  return c.body(body, 200)
}
