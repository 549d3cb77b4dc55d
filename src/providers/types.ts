/**
 * The one interface every provider adapter implements. Adapters translate an OpenAI-shaped request to their
 * provider's wire format and normalise what comes back to OpenAI shapes, so everything after them
 * (execution, streaming back, settling spend) knows only OpenAI shapes.
 */
import type { ChatRequest } from '../openai/request'
import type { EmbeddingCall } from '../openai/embeddings'
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../openai/types'
import type * as z from 'zod/mini'

/**
 * A key of `config.providers`: a provider's own name (`openai`, `workers-ai`, …) for the built-in connections, or
 * `<provider>:<model id>` for a model that names its own endpoint in TRIAGE_MODELS.
 */
export type ProviderName = string

export type { EmbeddingCall } from '../openai/embeddings'

/** What an adapter needs to know about the model it calls (config's ModelSpec has these and more). */
export interface ModelTarget {
  id: string
  /** The key of its connection in `config.providers`. */
  provider: ProviderName
  /** The model name sent to the provider. */
  upstream: string
  /** Output tokens for a request that names no cap. */
  maxOutputTokens?: number
}

/** Connection settings for one provider or endpoint. One without credentials is `configured: false`. */
export interface ProviderSettings {
  /** The registry entry (`providers/<adapter>/`) that calls it. */
  adapter: string
  configured: boolean
  /** The env var(s) that would configure it, for the 503 message. */
  missing: string[]
  apiKey?: string
  baseUrl: string
  /** Workers AI only. */
  accountId?: string
  /** Azure OpenAI: the `api-version` query parameter. */
  apiVersion?: string
}

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

/** One vector per input, in input order, and the provider's usage (`input` only; `estimated` when it reported none). */
export interface EmbeddingReply {
  vectors: number[][]
  usage: Usage
}

export interface Provider {
  readonly name: ProviderName
  /** Throws ProviderError for anything that is not a usable reply. */
  chat(req: ChatRequest, model: ModelTarget, opts: CallOptions): Promise<ProviderReply>
  /**
   * Embeddings, for providers that serve them (OpenAI and OpenAI-compatible servers: `POST {base}/embeddings`;
   * Workers AI: the `@cf/baai/bge-*` models). Absent when the provider has none; the `/v1/embeddings` handler then
   * refuses the model. Throws ProviderError like `chat`; an input the model cannot take (token arrays on Workers AI)
   * is an `http` 400 naming it.
   */
  embed?(req: EmbeddingCall, model: ModelTarget, opts: Pick<CallOptions, 'signal'>): Promise<EmbeddingReply>
}

/** Whether a failure is worth retrying on the same model, and how the client should see it if all fails. */
export type ProviderErrorKind =
  | 'http' // the provider answered with a non-2xx status
  | 'network' // connection refused / reset / DNS
  | 'timeout' // no first byte, or not finished, in time
  | 'invalid' // a 2xx whose body is not what the provider documents
  | 'unconfigured' // no credentials for this provider

/**
 * Upstream 4xx statuses that are not the request's fault: Triage's own key (401/403), a timeout or conflict
 * (408/409), rate limiting (429). Every other 4xx is the client's content.
 */
const NOT_THE_CLIENTS_FAULT = new Set([401, 403, 408, 409, 429])

/**
 * What a failure means for execution and for the client, decided once from kind and status:
 * - `client`: the upstream refused the request's content (400, 404, 413, 422, …): no retry, no fallback, a 4xx;
 * - `retryable`: 408/409/429, 5xx, network errors, timeouts: retry, then fall back;
 * - `provider`: the provider failed in a way retrying will not fix (401/403, an unreadable body): fall back;
 * - `unconfigured`: nothing went out; fall back, and name `missing` if nothing else answers.
 */
export type FailureClass = 'client' | 'retryable' | 'provider' | 'unconfigured'

export interface ProviderErrorOptions {
  status?: number
  retryAfterMs?: number
  upstreamBody?: string
  /** `unconfigured` only: the settings that would configure the provider, e.g. `['OPENAI_API_KEY']`. */
  missing?: readonly string[]
}

export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    readonly kind: ProviderErrorKind,
    message: string,
    readonly opts: ProviderErrorOptions = {},
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
  /** The settings that would configure the provider (`unconfigured` errors), else empty. */
  get missing(): readonly string[] {
    return this.opts.missing ?? []
  }
  /** The one classification execution and `toApiError` both use. */
  get failure(): FailureClass {
    if (this.kind === 'unconfigured') return 'unconfigured'
    if (this.kind === 'network' || this.kind === 'timeout') return 'retryable'
    if (this.kind !== 'http') return 'provider'
    const s = this.opts.status ?? 0
    if (s >= 500 || s === 408 || s === 409 || s === 429) return 'retryable'
    if (s >= 400 && s < 500 && !NOT_THE_CLIENTS_FAULT.has(s)) return 'client'
    return 'provider'
  }
  /** 429, 5xx, network errors and timeouts are retryable; 4xx other than 408/409/429 are not. */
  get retryable(): boolean {
    return this.failure === 'retryable'
  }
}

/**
 * The error an adapter throws when its connection has no credentials: a 503 naming `settings.missing`.
 *
 * @example throw notConfigured('openai', settings)   // "The openai provider is not configured: set OPENAI_API_KEY."
 */
export function notConfigured(name: ProviderName, settings: Pick<ProviderSettings, 'missing'>, detail = ''): ProviderError {
  const what = settings.missing.join(', ') || 'its credentials'
  return new ProviderError(name, 'unconfigured', `The ${name} provider is not configured${detail}: set ${what}.`, { missing: settings.missing })
}

/**
 * What Triage reads from an upstream at most: one SSE event (or unterminated line), and one answer (a stream's
 * bytes, or a JSON body). An honest chunk is a few hundred bytes and an honest answer a few MB; a hostile upstream
 * (a 400 MB line, a 50 MB body) is refused at these limits instead of being buffered.
 */
export const UPSTREAM_LIMITS = { maxEventBytes: 1 << 20, maxAnswerBytes: 16 << 20 } as const

/** What an adapter factory receives. `fetch` is injectable for tests; defaults to the global. */
export interface ProviderContext {
  /** The key it is registered under (`config.providers`); defaults to the adapter's own name. */
  name?: ProviderName
  settings: ProviderSettings
  fetch?: typeof fetch
  /** Workers AI binding, when the Worker has one. */
  ai?: Ai
  /** Output cap sent when neither the request nor the model names one (every adapter sends a cap). Config `limits.defaultMaxOutputTokens`. */
  defaultMaxTokens?: number
}

/** A zod/mini schema of one value (an environment string, or a JSON field of a TRIAGE_MODELS entry). */
export type Schema = z.ZodMiniType

/**
 * One provider, as its folder exports it: the registry (`./registry.ts`) builds the config's environment schema,
 * the TRIAGE_MODELS entry schema and the adapters from these.
 *
 * A provider is either a **connection** read from the environment (`env` + `settings`: OpenAI, DeepSeek,
 * Anthropic, Workers AI), or an **endpoint** that each model entry names itself (`entry`: any OpenAI-compatible
 * server, Azure OpenAI), or both.
 *
 * @example
 * export const groqLike: ProviderModule = { name: 'openai-compatible', env: {}, entry: { fields: { base_url: url }, settings }, create }
 */
export interface ProviderModule {
  /** The name a TRIAGE_MODELS entry gives as `provider`. */
  readonly name: string
  /** The variables it reads: name → schema of the trimmed, non-empty string. */
  readonly env: Readonly<Record<string, Schema>>
  /** A connection's settings from its parsed variables; `gateway` is the AI Gateway base URL when it goes through one. */
  settings?(vars: Readonly<Record<string, unknown>>, gateway: string | undefined): ProviderSettings
  /** Model entries that name their own endpoint: the fields they may carry, and the settings they make. */
  readonly entry?: {
    readonly fields: Readonly<Record<string, Schema>>
    /** `env` is the Worker's whole environment: an entry may name the variable that holds its key. */
    settings(entry: Readonly<Record<string, unknown>>, env: Readonly<Record<string, unknown>>): ProviderSettings
  }
  /** The adapter. */
  create(ctx: ProviderContext): Provider
  /** Whether it can be called with these settings and the Worker's bindings (default: `settings.configured`). */
  available?(settings: ProviderSettings, env: { AI?: unknown }): boolean
}
