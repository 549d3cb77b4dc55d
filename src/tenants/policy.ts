/**
 * A tenant's policy: how Triage routes and spends for them. Every field is optional; defaults apply.
 *
 * @example
 * parsePolicy({ thresholds: { premium: 0.8 }, downgrade_at_remaining_fraction: { premium: 0.3 } })
 * // → { thresholds: { premium: 0.8 }, downgrade_at_remaining_fraction: { premium: 0.3, medium: 0.05 }, log_prompts: false }
 */
import * as z from 'zod/mini'
import { TIERS } from '../scoring/tiers'
import { thresholdsForQuality } from '../scoring'

/** Bounds of a cache TTL in seconds (policy `cache.ttl_s` and the `x-triage-cache-ttl` header). */
export const CACHE_TTL_BOUNDS = Object.freeze({ min: 1, max: 86_400, default: 300 })

const fraction = z.number().check(z.gte(0), z.lte(1))

export const PolicySchema = z.strictObject({
  /** Score thresholds for this tenant (override the global TRIAGE_THRESHOLD_*). */
  thresholds: z.optional(z.strictObject({ medium: z.optional(fraction), premium: z.optional(fraction) })),
  /**
   * Instead of thresholds: the share of premium quality to keep (0.5–1, e.g. 0.95). Triage uses the cheapest
   * thresholds that keep it on its calibration data (`thresholdsForQuality`, docs/ROUTING.md).
   */
  quality_target: z.optional(z.number().check(z.gte(0.5), z.lte(1))),
  /**
   * Budget-aware routing: a tier is allowed only while the remaining fraction of every budget window is at least
   * this much. Defaults: premium needs ≥ 20% remaining (else medium), medium needs ≥ 5% (else trivial). 0 = never downgrade.
   */
  downgrade_at_remaining_fraction: z.optional(z.strictObject({ premium: z.optional(fraction), medium: z.optional(fraction) })),
  /** Whether prompts may be logged. Off by default; Triage records no prompt text either way today. */
  log_prompts: z.optional(z.boolean()),
  /** Stored now; enforced by the rate-limit issue. */
  rate_limits: z.optional(z.strictObject({
    rpm: z.optional(z.int().check(z.gte(1), z.lte(1_000_000))),
    tpm: z.optional(z.int().check(z.gte(1), z.lte(1_000_000_000))),
  })),
  /** Tiers this tenant may use; absent = all. */
  allowed_tiers: z.optional(z.array(z.enum(TIERS)).check(z.minLength(1))),
  /** The embedding model `/v1/embeddings` uses for this tenant (an id of config.embeddings.models); absent = the configured default. */
  embedding_model: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  /**
   * Response cache (src/cache): `enabled` = on for requests without an `x-triage-cache` header; `ttl_s` = how long
   * an answer is served; `deterministic_only` (default true) = only `temperature: 0` requests; `tools` (default
   * false) = requests with tools may be cached too.
   */
  cache: z.optional(z.strictObject({
    enabled: z.optional(z.boolean()),
    ttl_s: z.optional(z.int().check(z.gte(CACHE_TTL_BOUNDS.min), z.lte(CACHE_TTL_BOUNDS.max))),
    deterministic_only: z.optional(z.boolean()),
    tools: z.optional(z.boolean()),
  })),
}).check(z.refine((p) => !(p.thresholds && p.quality_target !== undefined), {
  message: 'set either thresholds or quality_target, not both', path: ['quality_target'],
}))

export type PolicyInput = z.infer<typeof PolicySchema>

export interface Policy {
  /** The policy's thresholds, or those its quality target chose. */
  thresholds?: { medium?: number; premium?: number }
  quality_target?: number
  downgrade_at_remaining_fraction: { premium: number; medium: number }
  log_prompts: boolean
  rate_limits?: { rpm?: number; tpm?: number }
  allowed_tiers?: Array<(typeof TIERS)[number]>
  embedding_model?: string
  /** Present when the tenant's policy sets it; `cachePolicy()` gives the defaults otherwise. */
  cache?: CachePolicy
}

/** The response cache's policy, defaults filled in. */
export interface CachePolicy {
  enabled: boolean
  ttl_s: number
  deterministic_only: boolean
  tools: boolean
}

/**
 * The response cache's policy with defaults: off unless enabled (a request may still opt in with
 * `x-triage-cache: on`), 300 s, deterministic requests only, no requests with tools.
 */
export function cachePolicy(c: PolicyInput['cache'] | CachePolicy | undefined): CachePolicy {
  return {
    enabled: c?.enabled ?? false,
    ttl_s: c?.ttl_s ?? CACHE_TTL_BOUNDS.default,
    deterministic_only: c?.deterministic_only ?? true,
    tools: c?.tools ?? false,
  }
}


export const DEFAULT_DOWNGRADE = Object.freeze({ premium: 0.2, medium: 0.05 })

/** Policy with defaults filled in. */
export function resolvePolicy(p: PolicyInput | undefined): Policy {
  return {
    ...(p?.thresholds ? { thresholds: p.thresholds } : {}),
    ...(p?.quality_target !== undefined ? { quality_target: p.quality_target, thresholds: targetThresholds(p.quality_target) } : {}),
    downgrade_at_remaining_fraction: {
      premium: p?.downgrade_at_remaining_fraction?.premium ?? DEFAULT_DOWNGRADE.premium,
      medium: p?.downgrade_at_remaining_fraction?.medium ?? DEFAULT_DOWNGRADE.medium,
    },
    log_prompts: p?.log_prompts ?? false,
    ...(p?.rate_limits ? { rate_limits: p.rate_limits } : {}),
    ...(p?.allowed_tiers ? { allowed_tiers: p.allowed_tiers } : {}),
    ...(p?.embedding_model ? { embedding_model: p.embedding_model } : {}),
    ...(p?.cache ? { cache: cachePolicy(p.cache) } : {}),
  }
}

/** The thresholds a quality target stands for (computed once per target). */
function targetThresholds(target: number): { medium: number; premium: number } {
  let t = byTarget.get(target)
  if (!t) {
    const q = thresholdsForQuality(target)
    byTarget.set(target, (t = { medium: q.medium, premium: q.premium }))
  }
  return t
}
const byTarget = new Map<number, { medium: number; premium: number }>()
