/**
 * Choosing the model: a pure function from the scorer's decision, the requested model, the tenant's
 * budget cap and what is configured, to a Plan that execution/ runs.
 *
 * - `auto` (the default) routes by score: the decision's tier.
 * - `triage/trivial|medium|premium` pins a tier (`triage/hard` is accepted for premium).
 * - A configured model id pins that model, where the config allows it.
 * - The budget cap lowers the tier (premium → medium → trivial) when the tenant's headroom runs low.
 * - Candidates whose provider has no credentials are left out; when none is left the plan is refused
 *   with a 503 that names the missing settings.
 * - Candidates with no price are left out too (an unpriced model is never run: it could not be charged); when
 *   only unpriced ones are left the plan is refused with a 503 `model_unpriced` naming them.
 *
 * @example
 * plan({ requested: 'auto', decision, config, cap: 'premium', available, stream: false })
 * // → { tier: 'medium', requestedTier: 'medium', candidates: [deepseek-reasoner], downgraded: null }
 */
import { ApiError } from '../http/errors'
import type { Config, ModelSpec, ProviderName, Tier } from '../config'
import { TIERS, minTier, tierRank } from '../scoring/tiers'

export interface Plan {
  /** The tier that will serve the request (after any budget cap). */
  tier: Tier
  /** The tier the request asked for or scored (before the cap). */
  requestedTier: Tier
  /** Ordered: the first is tried first, the rest are fallbacks. */
  candidates: ModelSpec[]
  /** Cascade: try these (trivial) first, validate the answer, escalate to `candidates` when it fails. */
  cascade?: { first: ModelSpec[] }
  /** Why the tier was lowered, for `x-triage-downgraded` (e.g. `premium->medium: budget`), or null. */
  downgraded: string | null
  /** How the model was chosen: by score, by tier alias or by a pinned model id. */
  mode: 'auto' | 'tier' | 'model'
}

export interface PlanInput {
  /** The request's `model` field. */
  requested: string
  /** The scorer's tier and score for this request. */
  decision: { tier: Tier; score: number }
  config: Config
  /** The highest tier the tenant's budget and policy allow now. */
  cap: Tier
  /** Why the cap is below premium (e.g. `budget`), used in the downgrade note. */
  capReason?: string
  /** Whether a provider can be called (credentials or binding present). */
  available: (provider: ProviderName) => boolean
  /** Whether a model has a price (`isPriced` from money/). Unpriced models are never planned. */
  priced: (modelId: string) => boolean
  stream: boolean
}

const TIER_ALIAS: Record<string, Tier> = {
  'triage/trivial': 'trivial',
  'triage/medium': 'medium',
  'triage/premium': 'premium',
  'triage/hard': 'premium',
}

/** The names a client may send as `model`: `auto`, the tier aliases, and the configured model ids. */
export function modelNames(config: Config): string[] {
  return ['auto', 'triage/trivial', 'triage/medium', 'triage/premium', ...Object.keys(config.models)]
}

export function plan(input: PlanInput): Plan {
  const { requested, decision, config, cap, available } = input
  let mode: Plan['mode']
  let requestedTier: Tier
  let pinned: ModelSpec | undefined

  if (requested === 'auto') {
    mode = 'auto'
    requestedTier = decision.tier
  } else if (Object.hasOwn(TIER_ALIAS, requested)) {
    // own keys only: a client's `model: "__proto__"` must not reach Object.prototype
    mode = 'tier'
    requestedTier = TIER_ALIAS[requested]
  } else if (Object.hasOwn(config.models, requested) && config.allowModelPinning) {
    mode = 'model'
    pinned = config.models[requested]
    requestedTier = pinned.tier
  } else {
    throw new ApiError(404, `The model '${truncate(requested)}' does not exist. Use 'auto', a tier alias (triage/trivial, triage/medium, triage/premium) or a model listed by GET /v1/models.`, {
      type: 'invalid_request_error', param: 'model', code: 'model_not_found',
    })
  }

  const tier = minTier(requestedTier, cap)
  const downgraded = tier !== requestedTier ? `${requestedTier}->${tier}: ${input.capReason ?? 'budget'}` : null

  const wanted = pinned && tier === requestedTier ? [pinned] : config.tiers[tier].map((id) => config.models[id])
  const reachable = wanted.filter((m) => available(m.provider))
  if (reachable.length === 0) {
    const missing = [...new Set(wanted.flatMap((m) => config.providers[m.provider].missing))]
    throw new ApiError(503, `No provider is configured for the ${tier} tier (${wanted.map((m) => m.id).join(', ')}). Set ${missing.join(' and ') || 'the provider credentials'} (see README.md#configuration).`, {
      type: 'service_unavailable', code: 'provider_not_configured',
    })
  }
  const candidates = reachable.filter((m) => input.priced(m.id))
  if (candidates.length === 0) {
    throw new ApiError(503, `No model of the ${tier} tier has a price (${reachable.map((m) => m.id).join(', ')}), so Triage refuses to run it. Add a row to TRIAGE_PRICES.`, {
      type: 'service_unavailable', code: 'model_unpriced', param: 'model',
    })
  }

  const result: Plan = { tier, requestedTier, candidates, downgraded, mode }
  const band = config.cascade
  if (band && mode === 'auto' && !input.stream && tierRank(tier) > 0 && decision.score >= band.low && decision.score < band.high) {
    const first = config.tiers.trivial.map((id) => config.models[id]).filter((m) => available(m.provider) && input.priced(m.id))
    if (first.length) result.cascade = { first }
  }
  return result
}

/** Parses a tier name from config or policy (`hard` is an alias of `premium`). */
export function parseTier(s: string): Tier | undefined {
  if (s === 'hard') return 'premium'
  return (TIERS as readonly string[]).includes(s) ? (s as Tier) : undefined
}

const truncate = (s: string) => (s.length > 100 ? `${s.slice(0, 100)}…` : s)
