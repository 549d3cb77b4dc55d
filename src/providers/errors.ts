/**
 * Upstream failures → ProviderError (what execution retries on), and ProviderError → ApiError (what the client sees).
 *
 * @example
 * const res = await post(ctx, 'openai', url, headers, body, signal)   // throws ProviderError on non-2xx / network
 * throw toApiError(err)                                                // 400 / 502 / 503 / 504, never the key
 */
import { ApiError } from '../http/errors'
import { readBytesCapped } from '../http/body'
import type { ProviderName } from './types'
import { ProviderError, UPSTREAM_LIMITS } from './types'

const MAX_MESSAGE = 300

/**
 * `retry-after` in seconds or as an HTTP date, or OpenAI's `retry-after-ms`; undefined when absent or unreadable.
 *
 * @example parseRetryAfter(new Headers({ 'retry-after': '2' })) // 2000
 */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms')
  if (ms && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms))
  const v = headers.get('retry-after')?.trim()
  if (!v) return undefined
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000)
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Keeps an upstream message short and free of anything that looks like a credential. */
export function sanitize(message: string, secrets: Array<string | undefined> = []): string {
  let m = message
  for (const s of secrets) if (s && s.length >= 4) m = m.split(s).join('[redacted]')
  m = m
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}/g, '[redacted]')
    .replace(/\bsk-ant-[A-Za-z0-9_-]{8,}/g, '[redacted]')
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]')
    .replace(/\s+/g, ' ')
    .trim()
  return m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE)}…` : m
}

/** The human message inside an upstream error body (OpenAI, Anthropic and Cloudflare shapes), else the raw text. */
export function upstreamMessage(text: string): string {
  try {
    const j = JSON.parse(text) as Record<string, any>
    const m =
      (typeof j?.error === 'string' ? j.error : undefined) ??
      j?.error?.message ??
      j?.errors?.[0]?.message ??
      j?.message
    if (typeof m === 'string' && m) return m
  } catch {
    // not JSON: fall through
  }
  return text || 'no details'
}

/** A ProviderError from a non-2xx upstream response. Reads (a bounded part of) the body. */
export async function httpError(provider: ProviderName, res: Response, secrets: Array<string | undefined>): Promise<ProviderError> {
  let text = ''
  try {
    text = (await res.text()).slice(0, 4096)
  } catch {
    // body unreadable: the status says enough
  }
  const message = sanitize(upstreamMessage(text), secrets)
  return new ProviderError(provider, 'http', `${provider} answered ${res.status}: ${message}`, {
    status: res.status,
    retryAfterMs: parseRetryAfter(res.headers),
    upstreamBody: sanitize(text, secrets),
  })
}

/** An error thrown while calling or reading an upstream → ProviderError. An abort carries its reason through. */
export function asProviderError(provider: ProviderName, err: unknown, signal?: AbortSignal): ProviderError {
  if (err instanceof ProviderError) return err
  if (signal?.aborted) {
    const r = signal.reason
    if (r instanceof ProviderError) return r
    return new ProviderError(provider, 'network', `${provider} call aborted`)
  }
  const msg = err instanceof Error ? err.message : String(err)
  return new ProviderError(provider, 'network', `${provider} connection failed: ${sanitize(msg)}`)
}

/**
 * POSTs JSON to an upstream. Resolves with a 2xx Response; throws ProviderError (http with status and
 * retry-after, or network) otherwise. The API key is never part of any message.
 */
export async function postJson(
  provider: ProviderName,
  fetchImpl: typeof fetch,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  secrets: Array<string | undefined>,
): Promise<Response> {
  let res: Response
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
    })
  } catch (e) {
    throw asProviderError(provider, e, signal)
  }
  if (!res.ok) throw await httpError(provider, res, secrets)
  return res
}

/**
 * Reads a 2xx JSON body of at most `maxBytes` (UPSTREAM_LIMITS.maxAnswerBytes: an upstream that sends 50 MB is
 * not read whole); a body that is larger, or not JSON, is `invalid`.
 */
export async function readJson(provider: ProviderName, res: Response, signal: AbortSignal, maxBytes: number = UPSTREAM_LIMITS.maxAnswerBytes): Promise<any> {
  let text = ''
  try {
    const decoder = new TextDecoder()
    const tooBig = () => new ProviderError(provider, 'invalid', `${provider} returned a JSON body larger than ${maxBytes} bytes`, { status: res.status })
    for (const part of await readBytesCapped(res, maxBytes, tooBig)) text += decoder.decode(part, { stream: true })
    text += decoder.decode()
  } catch (e) {
    throw asProviderError(provider, e, signal)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new ProviderError(provider, 'invalid', `${provider} returned a body that is not JSON`, { status: res.status })
  }
}

/**
 * What the client sees when a provider fails and nothing else could answer:
 * - unconfigured → 503 naming the missing setting(s);
 * - timeout → 504;
 * - an upstream 4xx caused by the request's content (400, 404, 413, 422, …) → 400 with the upstream's message, sanitised;
 * - 401/403 from upstream (Triage's own key is bad), 408/409/429, 5xx, network, invalid bodies → 502.
 */
export function toApiError(err: ProviderError): ApiError {
  const p = err.provider
  if (err.failure === 'unconfigured') {
    return new ApiError(503, err.message, { type: 'service_unavailable', code: 'provider_not_configured' })
  }
  if (err.kind === 'timeout') {
    return new ApiError(504, `The upstream provider (${p}) did not answer in time.`, { type: 'timeout_error', code: 'upstream_timeout' })
  }
  const s = err.status
  if (err.failure === 'client') {
    const detail = err.opts.upstreamBody ? sanitize(upstreamMessage(err.opts.upstreamBody)) : err.message
    return new ApiError(s === 413 ? 413 : 400, `The upstream provider (${p}) rejected the request: ${detail}`, {
      type: 'invalid_request_error',
      code: 'upstream_bad_request',
    })
  }
  const why =
    s === 429
      ? 'is rate limiting Triage'
      : s === 401 || s === 403
        ? 'refused Triage\'s credentials'
        : err.kind === 'invalid'
          ? `returned an unreadable answer (${err.message})`
          : err.kind === 'network'
            ? 'could not be reached or dropped the connection'
            : `failed${s ? ` (HTTP ${s})` : ''}`
  return new ApiError(502, `The upstream provider (${p}) ${why}.`, { type: 'upstream_error', code: 'upstream_error' })
}
