/**
 * Per-tenant rate limits: requests per minute (rpm) and tokens per minute (tpm), from the tenant's policy
 * `rate_limits: { rpm?, tpm? }`. Off unless configured: a tenant without them costs nothing here (no I/O).
 *
 * Where the counting happens (docs/SECURITY.md#rate-limits):
 * - **rpm with the Workers Rate Limiting binding** (`env.RATE_LIMITER`) when it is bound. The binding has one fixed
 *   limit per namespace (`[ratelimits.simple] limit`, period 60 s), set in wrangler.toml, so a tenant's rpm is
 *   spread over ⌈rpm / limit⌉ keys (`<tenant>:<shard>`), chosen round-robin per isolate: capacity is rpm rounded
 *   up to a multiple of the binding's limit (config `limits.rateLimiterUnit` = `TRIAGE_RATE_LIMITER_LIMIT`, which must
 *   equal it; default 10).
 * - **tpm, and rpm without the binding, in the tenant's Durable Object** (`TenantLedger.rate`, an in-memory sliding
 *   window): one RPC per request, for tenants with limits only. The binding cannot count tokens (every call is 1).
 *
 * Tokens are counted at admission like OpenAI does: the estimated input tokens plus the requested maximum output
 * (`max_completion_tokens` ‖ `max_tokens` ‖ `TRIAGE_DEFAULT_MAX_TOKENS`). Admission comes before routing, so a model's
 * own default cap (`maxOutputTokens`, which the budget reserves) is not known here; the configured default stands in.
 * A breach is a 429 `rate_limit_exceeded` (type `rate_limit_error`) with `retry-after`.
 *
 * @example await enforceRateLimits(c.env, tenant, req, config)   // throws ApiError(429) on a breach
 */
import type { Env } from '../env'
import type { Config } from '../config'
import type { Tenant } from '../tenants'
import type { ChatRequest } from '../openai/request'
import { requestedMaxTokens } from '../openai/request'
import { estimateInputTokens } from '../money'
import { ApiError } from '../http/errors'
import { ledgerStub } from '../ledger/client'
import type { RateResult } from '../ledger/rates'

export { SlidingWindow, TenantRates, type RateRequest, type RateResult, type Admission } from '../ledger/rates'

/** The Rate Limiting binding's period (seconds): the binding refuses until its window rolls over. */
export const BINDING_PERIOD_S = 60
/** How many of a tenant's binding keys one request tries before it is refused. */
const BINDING_PROBES = 3

/** Tokens a request counts against tpm: estimated input + the requested (or default) maximum output. */
export function rateTokens(req: ChatRequest, config: Pick<Config, 'limits'>): number {
  return estimateInputTokens(req) + (requestedMaxTokens(req) ?? config.limits.defaultMaxOutputTokens)
}

let roundRobin = 0

/** Throws ApiError 429 when the tenant is over its rpm or tpm; resolves otherwise. `req`: a chat request, or the tokens an input-only request (embeddings) counts. */
export async function enforceRateLimits(env: Env, tenant: Tenant, req: ChatRequest | number, config: Pick<Config, 'limits'>): Promise<void> {
  const limits = tenant.policy.rate_limits
  if (!limits || (limits.rpm === undefined && limits.tpm === undefined)) return
  let rpm = limits.rpm
  if (rpm !== undefined && env.RATE_LIMITER) {
    await viaBinding(env.RATE_LIMITER, tenant, rpm, config.limits.rateLimiterUnit)
    rpm = undefined
  }
  if (rpm === undefined && limits.tpm === undefined) return
  const tokens = limits.tpm === undefined ? 0 : typeof req === 'number' ? req : rateTokens(req, config)
  let res: RateResult
  try {
    res = await ledgerStub(env, tenant.id).rate({ rpm, tpm: limits.tpm, tokens })
  } catch (err) {
    // Fail open: a rate limit protects capacity, not money (the ledger still refuses what the budget cannot cover).
    console.error(JSON.stringify({ level: 'warn', msg: 'rate limit check failed; admitted', tenant: tenant.id, error: String(err) }))
    return
  }
  if (!res.ok) throw rateLimited(tenant, res, tokens)
}

async function viaBinding(binding: RateLimit, tenant: Tenant, rpm: number, unit: number): Promise<void> {
  const shards = Math.max(1, Math.ceil(rpm / unit))
  const start = roundRobin++ % shards
  for (let i = 0; i < Math.min(shards, BINDING_PROBES); i++) {
    const { success } = await binding.limit({ key: `${tenant.id}:${(start + i) % shards}` })
    if (success) return
  }
  throw rateLimited(tenant, { ok: false, limit: 'rpm', limit_value: rpm, retry_after_ms: BINDING_PERIOD_S * 1000 }, 0)
}

/** The 429 a breach becomes, in OpenAI's format (`rate_limit_exceeded`), with `retry-after` in seconds. */
export function rateLimited(tenant: Tenant, r: RateResult, tokens: number): ApiError {
  const what = r.limit === 'tpm' ? 'tokens per minute (TPM)' : 'requests per minute (RPM)'
  const never = r.retry_after_ms === null
  const seconds = never ? BINDING_PERIOD_S : Math.max(1, Math.ceil((r.retry_after_ms ?? 1000) / 1000))
  const used = r.used !== undefined ? ` Used ${r.used}${r.limit === 'tpm' ? `, requested ${tokens}` : ''}.` : ''
  const message = never
    ? `Request too large for tenant '${tenant.name}': it counts ${tokens} tokens (estimated input + max output) and the limit is ${r.limit_value} ${what}. Lower max_tokens or shorten the prompt.`
    : `Rate limit reached for tenant '${tenant.name}' on ${what}: limit ${r.limit_value}.${used} Please try again in ${seconds}s.`
  return new ApiError(429, message, {
    type: 'rate_limit_error',
    code: 'rate_limit_exceeded',
    headers: {
      'retry-after': String(seconds),
      ...(never ? { 'x-should-retry': 'false' } : { 'retry-after-ms': String(r.retry_after_ms ?? seconds * 1000) }),
    },
  })
}
