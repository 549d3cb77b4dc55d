/**
 * The cache key: the tenant plus the normalised request, hashed (SHA-256, `crypto.subtle`).
 *
 * What goes in: every field of the request as parsed (`ChatRequest`, the same for `/v1/messages`, which is read into
 * it) except those that cannot change the answer (`IGNORED_FIELDS`), plus what routing a `model: "auto"` (or tier
 * alias) request depends on besides the request: the tenant's effective thresholds, its allowed tiers and the
 * configured models of each tier. A policy or configuration change therefore never serves another tier's answer.
 * What the budget has left is not in the key: a hit costs nothing, so there is nothing to step down for.
 *
 * Canonical JSON: object keys sorted at every depth, arrays in order, `undefined` left out.
 *
 * @example
 * await cacheKey('ten_a', { model: 'auto', messages, temperature: 0, stream: true }, routing)
 * // 'cache:ten_a:3f9c…' — the same as without `stream`, never the same as another tenant's
 */
import type { ChatRequest } from '../openai/request'

/**
 * Request fields left out of the key: how the answer is delivered (`stream`, `stream_options`), who asked and
 * labels (`user`, `metadata`, `safety_identifier`), and provider-side storage and scheduling hints (`store`,
 * `service_tier`, `prompt_cache_key`, `prompt_cache_retention`). Everything else — messages, model, temperature,
 * top_p, max tokens, stop, tools, tool_choice, response_format, seed, unknown fields — is in it.
 */
export const IGNORED_FIELDS: readonly string[] = Object.freeze([
  'stream', 'stream_options', 'user', 'metadata', 'safety_identifier', 'store', 'service_tier', 'prompt_cache_key', 'prompt_cache_retention',
])

/** What routing depends on besides the request. */
export interface RoutingInputs {
  thresholds: { medium: number; premium: number }
  allowed_tiers: readonly string[] | null
  tiers: Record<string, readonly string[]>
}

/** JSON with sorted object keys at every depth. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    const sorted: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k]
    return sorted
  })
}

/** The request as it takes part in the key: without IGNORED_FIELDS. */
export function keyedRequest(req: ChatRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(req)) if (!IGNORED_FIELDS.includes(k)) out[k] = v
  return out
}

/** `cache:<tenant>:<sha-256 hex of the canonical JSON of tenant, request and routing inputs>`. */
export async function cacheKey(tenant: string, req: ChatRequest, routing: RoutingInputs): Promise<string> {
  const text = canonicalJson({ v: 1, tenant, request: keyedRequest(req), routing })
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return `cache:${tenant}:${hex}`
}
