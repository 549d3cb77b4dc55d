/**
 * Response cache (exact match), opt-in per tenant policy (`policy.cache`) and per request (`x-triage-cache: on|off`,
 * `x-triage-cache-ttl: <s>`). `complete()` (api/chat.ts) calls it at two points: `lookup()` after auth and parse,
 * before anything is reserved (a hit is answered at no cost and recorded by the ledger at 0 with what it saved,
 * api/cached.ts), and `store()` after a miss has settled, in waitUntil.
 *
 * - Key: the tenant plus the normalised request and what routing depends on (key.ts). Never across tenants.
 * - Cached only when deterministic (`temperature: 0`, unless the policy sets `deterministic_only: false`), and with
 *   tools only when the policy sets `tools: true`. Stored only for a whole answer (`finish_reason` stop or length,
 *   tool_calls when tools are allowed), one choice; never an error or a cut stream.
 * - TTL: the header's, else the policy's (1 s … 1 day). A lookup serves an answer younger than its own TTL.
 * - Storage: KV (`TRIAGE_KV`, keys `cache:<tenant>:<sha-256>`): it works on every route, workers.dev included, where
 *   the Cache API does nothing, and a hit is global; KV's own expiry (≥ 60 s) removes what the TTL check no longer
 *   serves. `npm run bench:cache` measures both on Miniflare (docs/BENCHMARKS.md#response-cache).
 *
 * @example
 * const cache = await responseCache(c.req.raw.headers, c.env, tenant, req, config)   // null: not opted in
 * const hit = await cache?.lookup()
 * // … on a miss, once settled: c.executionCtx.waitUntil(cache.store({ completion, usage, model, provider, tier, cost_nano }))
 */
import type { ChatRequest } from '../openai/request'
import type { ChatCompletion, Usage } from '../openai/types'
import type { Config } from '../config'
import { ApiError } from '../http/errors'
import { thresholdsFor } from '../routing'
import { cachePolicy, CACHE_TTL_BOUNDS, type CachePolicy, type Tenant } from '../tenants'
import type { SpendTotals } from '../ledger/kv'
import { cacheKey, type RoutingInputs } from './key'

export { cacheKey, canonicalJson, keyedRequest, IGNORED_FIELDS, type RoutingInputs } from './key'
export { recordChunks, replayChunks } from './replay'

/** One stored answer: the OpenAI completion (what every reply format is written from), and what it cost. */
export interface CachedAnswer {
  v: 1
  completion: ChatCompletion
  usage: Usage
  model: string
  provider: string
  tier: string
  /** What the answer cost when it was stored: what a hit saves. */
  cost_nano: number
  /** ms since the epoch. */
  stored_at: number
}

export interface ResponseCache {
  /** `miss` when the request may be cached; `bypass` (with `reason`) when it opted in but may not be. */
  readonly status: 'miss' | 'bypass'
  readonly reason?: string
  readonly key: string
  readonly ttl_s: number
  /** The stored answer, if one younger than `ttl_s` exists. Never throws: a failed read is a miss. */
  lookup(): Promise<CachedAnswer | null>
  /** Stores a whole answer (no-op when bypassed or not storable). Never throws. */
  store(answer: Omit<CachedAnswer, 'v' | 'stored_at'>): Promise<void>
}

/** The tier (and model) under which the ledger records cache hits: `by_tier.cache` in the spend totals. */
export const CACHE_TIER = 'cache'

/** Cache hits of some spend totals and what they saved (each hit's premium equivalent is its saving, at cost 0). */
export function cacheSavings(totals: Iterable<Pick<SpendTotals, 'by_tier'>>): { hits: number; saved_nano: number } {
  let hits = 0
  let saved_nano = 0
  for (const t of totals) {
    const b = t.by_tier[CACHE_TIER]
    if (b) {
      hits += b.requests
      saved_nano += b.premium_nano - b.nano
    }
  }
  return { hits, saved_nano }
}

/** KV's smallest expirationTtl: shorter TTLs are enforced by the age check on lookup. */
export const KV_MIN_TTL_S = 60

/** `x-triage-cache` (on|off) and `x-triage-cache-ttl` (whole seconds, 1 … 86400), or a 400. */
export function cacheRequest(headers: Headers, policy: CachePolicy): { on: boolean; ttl_s: number } {
  const mode = headers.get('x-triage-cache')?.trim().toLowerCase()
  if (mode !== undefined && mode !== 'on' && mode !== 'off') {
    throw new ApiError(400, `x-triage-cache must be 'on' or 'off', not '${mode.slice(0, 20)}'.`, { param: 'x-triage-cache', code: 'invalid_header' })
  }
  const ttl = headers.get('x-triage-cache-ttl')?.trim()
  if (ttl !== undefined && (!/^\d{1,6}$/.test(ttl) || +ttl < CACHE_TTL_BOUNDS.min || +ttl > CACHE_TTL_BOUNDS.max)) {
    throw new ApiError(400, `x-triage-cache-ttl must be a whole number of seconds from ${CACHE_TTL_BOUNDS.min} to ${CACHE_TTL_BOUNDS.max}.`, { param: 'x-triage-cache-ttl', code: 'invalid_header' })
  }
  return { on: mode === undefined ? policy.enabled : mode === 'on', ttl_s: ttl !== undefined ? +ttl : policy.ttl_s }
}

/** Why a request that opted in may not be cached, or null when it may. */
export function bypassReason(req: ChatRequest, policy: CachePolicy): string | null {
  if (policy.deterministic_only && req.temperature !== 0) return 'not deterministic (temperature is not 0)'
  const functions = req.functions // the deprecated form of tools, kept by the loose schema
  const tools = (req.tools?.length ?? 0) > 0 || (Array.isArray(functions) && functions.length > 0)
  if (tools && !policy.tools) return 'tools (the policy does not cache them)'
  return null
}

/** Whether an answer is whole and may be stored: one choice, ended by stop or length (tool_calls if allowed). */
export function storable(completion: ChatCompletion, policy: CachePolicy): boolean {
  if (completion.choices.length !== 1) return false
  const f = completion.choices[0].finish_reason
  return f === 'stop' || f === 'length' || (f === 'tool_calls' && policy.tools)
}

/** What routing a request depends on besides the request itself (in the key). */
export function routingInputs(tenant: Pick<Tenant, 'policy'>, config: Config): RoutingInputs {
  return {
    thresholds: thresholdsFor(tenant, config),
    allowed_tiers: tenant.policy.allowed_tiers ?? null,
    tiers: config.tiers,
  }
}

/** The cache for one request, or null when it did not opt in (policy off and no `x-triage-cache: on`, or `off`). */
export async function responseCache(
  headers: Headers,
  env: { TRIAGE_KV: KVNamespace },
  tenant: Pick<Tenant, 'id' | 'policy'>,
  req: ChatRequest,
  config: Config,
): Promise<ResponseCache | null> {
  const policy = cachePolicy(tenant.policy.cache)
  const { on, ttl_s } = cacheRequest(headers, policy)
  if (!on) return null
  const reason = bypassReason(req, policy)
  const key = await cacheKey(tenant.id, req, routingInputs(tenant, config))
  const kv = env.TRIAGE_KV
  return {
    status: reason ? 'bypass' : 'miss',
    ...(reason ? { reason } : {}),
    key,
    ttl_s,
    async lookup() {
      if (reason) return null
      try {
        const hit = await kv.get<CachedAnswer>(key, 'json')
        return hit && hit.v === 1 && Date.now() - hit.stored_at < ttl_s * 1000 ? hit : null
      } catch (err) {
        console.error(JSON.stringify({ level: 'warn', msg: 'response cache read failed', error: String(err) }))
        return null
      }
    },
    async store(answer) {
      if (reason || !storable(answer.completion, policy)) return
      const value: CachedAnswer = { v: 1, ...answer, stored_at: Date.now() }
      try {
        await kv.put(key, JSON.stringify(value), { expirationTtl: Math.max(KV_MIN_TTL_S, ttl_s) })
      } catch (err) {
        console.error(JSON.stringify({ level: 'warn', msg: 'response cache write failed', error: String(err) }))
      }
    },
  }
}
