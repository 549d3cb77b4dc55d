/**
 * The one interface every provider adapter implements. Adapters translate an OpenAI-shaped request to their
 * provider's wire format and normalise what comes back to OpenAI shapes, so everything after them
 * (execution, streaming back, settling spend) knows only OpenAI shapes.
 */
import type { ChatRequest } from '../openai/request'
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../openai/types'
import type { ModelSpec, ProviderSettings, ProviderName } from '../config'

export interface CallOptions {
  /** Aborted on client disconnect, timeout, or when execution gives up. */
  signal: AbortSignal
  /** Ask the provider for a stream. */
  stream: boolean
}

export type ProviderReply =
  | { kind: 'json'; completion: ChatCompletion; usage: Usage }
  | {
      kind: 'stream'
      /** OpenAI chunks, as they arrive, a batch at a time. Never buffered. The adapter always asks upstream for usage. */
      chunks: ChunkStream
      /** Resolves when the stream ends or is cut: real usage if the provider sent it, else an estimate (`estimated: true`). Never rejects. */
      usage: Promise<Usage>
    }

/**
 * OpenAI chunks as they arrive, in batches: each `next()` resolves with every chunk parsed from the upstream bytes
 * in hand (at least one), or null at the end. It never reads ahead of what the caller asks for and never buffers
 * the whole answer. One batch per call instead of one stream read per chunk keeps the per-token cost of the
 * stream path down (a batch becomes one write to the client).
 * - A failure (a cut, an upstream error event, bad JSON, a timeout) rejects `next()` with a ProviderError — after
 *   the chunks parsed before it were returned — and every later call rejects the same way.
 * - After `cancel()`, `next()` resolves null. Calls must not overlap: await each before the next.
 *
 * @example
 * for (let batch; (batch = await reply.chunks.next()); ) for (const chunk of batch) send(chunk)
 */
export interface ChunkStream {
  next(): Promise<ChatCompletionChunk[] | null>
  /** Stops the upstream; `usage` resolves with what was used so far. */
  cancel(reason?: unknown): Promise<void>
}

export interface Provider {
  readonly name: ProviderName
  /** Throws ProviderError for anything that is not a usable reply. */
  chat(req: ChatRequest, model: ModelSpec, opts: CallOptions): Promise<ProviderReply>
}

/** Whether a failure is worth retrying on the same model, and how the client should see it if all fails. */
export type ProviderErrorKind =
  | 'http' // the provider answered with a non-2xx status
  | 'network' // connection refused / reset / DNS
  | 'timeout' // no first byte, or not finished, in time
  | 'invalid' // a 2xx whose body is not what the provider documents
  | 'unconfigured' // no credentials for this provider

export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    readonly kind: ProviderErrorKind,
    message: string,
    readonly opts: { status?: number; retryAfterMs?: number; upstreamBody?: string } = {},
  ) {
    super(message)
  }
  get status(): number | undefined {
    return this.opts.status
  }
  /** How long the provider asked us to wait (`retry-after` / `retry-after-ms`), when it said. */
  get retryAfterMs(): number | undefined {
    return this.opts.retryAfterMs
  }
  /** 429, 5xx, network errors and timeouts are retryable; 4xx other than 408/409/429 are not. */
  get retryable(): boolean {
    if (this.kind === 'network' || this.kind === 'timeout') return true
    if (this.kind !== 'http') return false
    const s = this.opts.status ?? 0
    return s === 408 || s === 409 || s === 429 || s >= 500
  }
}

/**
 * What Triage reads from an upstream at most: one SSE event (or unterminated line), and one answer (a stream's
 * bytes, or a JSON body). An honest chunk is a few hundred bytes and an honest answer a few MB; a hostile upstream
 * (a 400 MB line, a 50 MB body) is refused at these limits instead of being buffered.
 */
export const UPSTREAM_LIMITS = { maxEventBytes: 1 << 20, maxAnswerBytes: 16 << 20 } as const

/** What an adapter factory receives. `fetch` is injectable for tests; defaults to the global. */
export interface ProviderContext {
  settings: ProviderSettings
  fetch?: typeof fetch
  /** Workers AI binding, when the Worker has one. */
  ai?: Ai
  /** Output cap sent when neither the request nor the model names one (every adapter sends a cap). Config `limits.defaultMaxOutputTokens`. */
  defaultMaxTokens?: number
}
