/**
 * The routing decision, once, for both endpoints: `POST /v1/chat/completions` runs it, `POST /v1/route` shows it.
 * Pure: the request, the tenant, its headroom and the config in; the score, the plan, the request as it will be sent
 * and its reservation out. Its dependencies (provider availability) are passed in.
 *
 * 1. Score the request with the tenant's thresholds.
 * 2. Cap the tier by the tenant's policy and the fraction of budget left (`tierCap`).
 * 3. Normalise the output cap to one value (the smaller of `max_completion_tokens` and `max_tokens`).
 * 4. Plan: the tier's models, fallbacks, cascade.
 * 5. Reserve the worst case over every model that may run: the cascade's first models and every candidate.
 * 6. Fit before refusing, when that worst case exceeds what the tenant has left:
 *    - `model: "auto"` steps down a tier at a time, and takes the first tier whose worst case fits;
 *    - else the output cap shrinks to what the budget affords: on the tier that affords the longest answer for
 *      `auto`, on the requested model or tier otherwise (a pinned model or tier keeps its model);
 *    - when not even a minimal answer (`limits.minOutputTokens`, or the client's own smaller cap) fits on the
 *      cheapest candidate, the decision is that minimal answer there, which the ledger then refuses (429, naming
 *      what it would cost).
 *    Every change is announced in `downgraded` (`x-triage-downgraded`), e.g. `premium->medium; max_tokens 4096->812: budget`.
 *
 * @example
 * const d = decide({ req, tenant, headroom: budget.headroom(), config, available: providerAvailability(config, env) })
 * await budget.reserve(requestId, d.reservation, { model: d.plan.candidates[0].id, tier: d.plan.tier })
 * await execute(d.plan, d.request, deps)
 */
import type { Config, ProviderName, Tier } from '../config'
import { minTier, TIERS, tierRank } from '../scoring/tiers'
import { ApiError } from '../http/errors'
import { tierCap, type Headroom } from '../ledger/headroom'
import { affordableOutput, isPriced, worstCase } from '../money'
import { outputCap, requestedMaxTokens, withOutputCap, type ChatRequest } from '../openai/request'
import { expectedOutcome, score, type Decision, type Outcome, type Thresholds } from '../scoring'
import type { Tenant } from '../tenants'
import { plan, type Plan } from './plan'

export interface DecideInput {
  /** The request as parsed. */
  req: ChatRequest
  config: Config
  /** The tenant: its thresholds and policy. Absent for an anonymous /v1/route. */
  tenant?: Pick<Tenant, 'policy'>
  /** What the tenant has left now (`Budget.headroom()`). Absent: nothing to fit. */
  headroom?: Headroom
  /** Whether a provider can be called (credentials or binding present). */
  available: (provider: ProviderName) => boolean
}

export interface Routing {
  /** The scorer's decision. */
  decision: Decision
  plan: Plan
  /** The request as it will be sent: one output cap, shrunk to the budget when it had to be. */
  request: ChatRequest
  /** nano-USD to reserve: the worst case over every model that may run (cascade first models and fallbacks). */
  reservation: number
}

/** The tenant's score thresholds: its policy's override, else the configured ones. */
export function thresholdsFor(tenant: Pick<Tenant, 'policy'> | undefined, config: Config): Thresholds {
  const t = tenant?.policy.thresholds
  return { medium: t?.medium ?? config.thresholds.medium, premium: t?.premium ?? config.thresholds.premium }
}

/** The routing setting in force for a tenant, and what it is expected to cost and keep (for /v1/route and the dashboard). */
export interface RoutingSetting {
  thresholds: Thresholds
  /** The quality target that chose the thresholds (the tenant's policy, else TRIAGE_QUALITY_TARGET), or null. */
  quality_target: number | null
  /**
   * On the calibration data (`scoring/target.ts`): cost as a share of sending everything to premium, quality as a
   * share of premium quality, the tier mix, and the share of labelled-hard calibration requests sent to trivial.
   */
  expected: Outcome
}

/**
 * @example routingSetting(tenant, config) // { thresholds: { medium: 0.22, premium: 0.83 }, quality_target: 0.95, expected: { cost: 0.201, quality: 0.962, … } }
 */
export function routingSetting(tenant: Pick<Tenant, 'policy'> | undefined, config: Config): RoutingSetting {
  const thresholds = thresholdsFor(tenant, config)
  return { thresholds, quality_target: tenant?.policy.quality_target ?? (tenant?.policy.thresholds ? null : config.qualityTarget), expected: expectedOutcome(thresholds) }
}

/** The highest tier the tenant may use now: its budget headroom and its policy's allowed tiers. */
export function capFor(tenant: Pick<Tenant, 'policy'> | undefined, headroom: Headroom | undefined): { cap: Tier; reason?: string } {
  if (!tenant) return { cap: 'premium' }
  const budget = headroom ? tierCap(tenant, headroom) : { cap: 'premium' as const }
  const allowed = tenant.policy.allowed_tiers
  if (!allowed?.length) return budget
  const highest = TIERS.filter((t) => allowed.includes(t)).at(-1)!
  const cap = minTier(budget.cap, highest)
  return cap === budget.cap ? budget : { cap, reason: 'policy: allowed tiers' }
}

export function decide(input: DecideInput): Routing {
  const { config, tenant, headroom, available } = input
  const decision = score(input.req, thresholdsFor(tenant, config))
  const cap = capFor(tenant, headroom)
  const request = withOutputCap(input.req)
  const planFor = (tier: Tier, reason?: string) => plan({
    requested: request.model, decision, config, cap: tier, capReason: reason, available,
    priced: (id) => isPriced(id, config), stream: request.stream === true,
  })
  const first = planFor(cap.cap, cap.reason)
  const chosen: Routing = { decision, plan: first, request, reservation: reserveFor(first, request, config) }
  const left = headroom?.remaining_nano
  if (left == null || chosen.reservation <= left) return chosen

  // Fit: a lower tier at the full cap (auto only), then a smaller cap.
  const options = [chosen]
  if (first.mode === 'auto') {
    for (let rank = tierRank(first.tier) - 1; rank >= 0; rank--) {
      const lower = tryPlan(() => planFor(TIERS[rank], 'budget'))
      if (!lower) continue
      const option = { decision, plan: lower, request, reservation: reserveFor(lower, request, config) }
      if (option.reservation <= left) return option
      options.push(option)
    }
  }
  // The option that affords the longest answer (the higher tier on a tie); when none affords a minimal answer, the
  // one where a minimal answer costs least, which the ledger then refuses with what that least is.
  const minimal = Math.min(config.limits.minOutputTokens, requestedMaxTokens(request) ?? Infinity)
  const caps = options.map((o) => affordable(o, config, left))
  let i = caps.indexOf(Math.max(...caps))
  if (caps[i] < minimal) {
    const least = options.map((o) => reserveFor(o.plan, withOutputCap(request, minimal), config))
    i = least.indexOf(Math.min(...least))
  }
  const best = options[i]
  const from = Math.max(...modelsOf(best.plan).map((m) => outputCap(request, m.maxOutputTokens, config.limits.defaultMaxOutputTokens)))
  const to = Math.min(from, Math.max(caps[i], minimal))
  const capped = withOutputCap(request, to)
  return {
    decision,
    plan: to < from ? { ...best.plan, downgraded: withCapNote(best.plan.downgraded, `max_tokens ${from}->${to}`) } : best.plan,
    request: capped,
    reservation: reserveFor(best.plan, capped, config),
  }
}

/** Every model that may run for a plan: the cascade's first models, then the candidates and their fallbacks. */
const modelsOf = (p: Plan) => [...(p.cascade?.first ?? []), ...p.candidates]

/** The worst case over every model that may run. */
function reserveFor(p: Plan, req: ChatRequest, config: Config): number {
  return Math.max(...modelsOf(p).map((m) => worstCase(req, m.id, config)))
}

/** The largest output cap whose worst case fits in `left` on every model the option may run. */
function affordable(o: Routing, config: Config, left: number): number {
  return Math.min(...modelsOf(o.plan).map((m) => affordableOutput(o.request, m.id, config, left)))
}

/** A lower tier with no reachable or priced model is not an option (its plan is refused with a 503). */
function tryPlan(make: () => Plan): Plan | undefined {
  try {
    return make()
  } catch (err) {
    if (err instanceof ApiError && err.status === 503) return undefined
    throw err
  }
}

/**
 * The downgrade note with the cap change added; changes for the same reason share it.
 *
 * @example withCapNote('premium->medium: budget', 'max_tokens 4096->812') // 'premium->medium; max_tokens 4096->812: budget'
 */
function withCapNote(note: string | null, cap: string): string {
  if (!note) return `${cap}: budget`
  return note.endsWith(': budget') ? `${note.slice(0, -': budget'.length)}; ${cap}: budget` : `${note}; ${cap}: budget`
}
