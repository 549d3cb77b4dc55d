/**
 * The dashboard's arithmetic, pure: spend records and totals in, figures out. No I/O, no clock.
 *
 * Money stays in integer nano-USD until it is formatted. Savings come from the ledger's totals: at settle time the
 * ledger prices each request on the reference premium model (`premium_nano`, rules in src/ledger/premium.ts), so
 * savings are exact at any scale. Latency, error, fallback and cascade figures come from per-request records.
 *
 * @example
 * savingsOf(dailyTotals)
 * // { requests: 812, actual_nano: 41_300, premium_nano: 1_204_000, saved_nano: 1_162_700, saved_fraction: 0.9657 }
 */
import { TIERS, type Tier } from '../scoring/tiers'
import { cacheSavings } from '../cache'
import { headroomOf, tierCap, tightestWindow, type WindowHeadroom } from '../ledger/headroom'
import type { SpendRecord, SpendTotals } from '../ledger'
import type { Tenant } from '../tenants'

// ---- small maths ----

/** Nearest-rank percentile of numbers (any order); null for none. `percentile([1, 2, 3, 4], 50)` → 2. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

/** a / b, or null when b is 0. */
export const rate = (a: number, b: number): number | null => (b > 0 ? a / b : null)

// ---- savings ----

export interface Savings {
  requests: number
  actual_nano: number
  /** What the same requests would have cost on the reference premium model. */
  premium_nano: number
  saved_nano: number
  /** saved / premium, or null when nothing would have been spent. */
  saved_fraction: number | null
  /** Of `saved_nano`, what response-cache hits saved (each: what its answer cost when stored), and how many there were. */
  cache_saved_nano: number
  cache_hits: number
}

/** Savings of a set of period totals (any tenants, any days; do not mix days and months). */
export function savingsOf(totals: SpendTotals[]): Savings {
  let requests = 0
  let actual_nano = 0
  let premium_nano = 0
  for (const t of totals) {
    requests += t.requests
    actual_nano += t.nano
    premium_nano += t.premium_nano
  }
  const cache = cacheSavings(totals)
  return {
    requests, actual_nano, premium_nano, saved_nano: premium_nano - actual_nano, saved_fraction: rate(premium_nano - actual_nano, premium_nano),
    cache_saved_nano: cache.saved_nano, cache_hits: cache.hits,
  }
}

/** Savings per UTC day (of settlement), oldest first, for the given days, from daily totals of any tenants. */
export const savingsByDay = (totals: SpendTotals[], days: string[]): Array<{ day: string } & Savings> =>
  days.map((day) => ({ day, ...savingsOf(totals.filter((t) => t.period === day)) }))

// ---- per-provider, cascade, outcomes ----

export interface ProviderStats {
  provider: string
  requests: number
  /** Latency of successful (200) requests, start to settle, in ms. */
  latency_p50_ms: number | null
  latency_p95_ms: number | null
  errors: number
  /** Errors (status not 200 and not a client abort, or unsettled) / requests. */
  error_rate: number | null
  fallbacks: number
  /** Requests that needed more than one upstream attempt (retry or fallback; a cascade escalation not counted) / requests. */
  fallback_rate: number | null
}

export interface CascadeStats {
  accepted: number
  escalated: number
  /** accepted / (accepted + escalated), or null when the cascade never ran. */
  accept_rate: number | null
  escalate_rate: number | null
}

export type Outcome = 'ok' | 'error' | 'client_closed' | 'unsettled'

export function outcomeOf(r: Pick<SpendRecord, 'status'>): Outcome {
  if (r.status === 200) return 'ok'
  if (r.status === 499) return 'client_closed'
  if (r.status === 'unsettled') return 'unsettled'
  return 'error'
}

/** Whether a request needed another upstream attempt beyond the cascade's planned one. */
export function usedFallback(r: Pick<SpendRecord, 'attempts' | 'cascade'>): boolean {
  return r.attempts > (r.cascade === 'escalated' ? 2 : 1)
}

/** Summary of a set of requests: per-provider health, cascade, outcomes. */
export interface Summary {
  providers: ProviderStats[]
  cascade: CascadeStats
  outcomes: Record<Outcome, number>
  downgraded: number
}

export function summarize(records: SpendRecord[]): Summary {
  const byProvider = new Map<string, { latencies: number[]; requests: number; errors: number; fallbacks: number }>()
  const outcomes: Record<Outcome, number> = { ok: 0, error: 0, client_closed: 0, unsettled: 0 }
  let accepted = 0
  let escalated = 0
  let downgraded = 0
  for (const r of records) {
    const outcome = outcomeOf(r)
    outcomes[outcome]++
    if (r.downgraded) downgraded++
    if (r.cascade === 'accepted') accepted++
    else if (r.cascade === 'escalated') escalated++
    const key = r.provider ?? r.calls[r.calls.length - 1]?.provider ?? 'unattributed'
    let p = byProvider.get(key)
    if (!p) byProvider.set(key, (p = { latencies: [], requests: 0, errors: 0, fallbacks: 0 }))
    p.requests++
    if (outcome === 'ok' && r.latency_ms !== null) p.latencies.push(r.latency_ms)
    if (outcome === 'error' || outcome === 'unsettled') p.errors++
    if (usedFallback(r)) p.fallbacks++
  }
  const providers = [...byProvider.entries()]
    .map(([provider, p]): ProviderStats => ({
      provider,
      requests: p.requests,
      latency_p50_ms: percentile(p.latencies, 50),
      latency_p95_ms: percentile(p.latencies, 95),
      errors: p.errors,
      error_rate: rate(p.errors, p.requests),
      fallbacks: p.fallbacks,
      fallback_rate: rate(p.fallbacks, p.requests),
    }))
    .sort((a, b) => b.requests - a.requests || a.provider.localeCompare(b.provider))
  return {
    providers,
    cascade: { accepted, escalated, accept_rate: rate(accepted, accepted + escalated), escalate_rate: rate(escalated, accepted + escalated) },
    outcomes,
    downgraded,
  }
}

// ---- tier mix ----

export interface TierPoint {
  requests: number
  nano: number
}

export interface TierDay {
  day: string
  by_tier: Record<Tier, TierPoint>
}

/**
 * Charged calls and cost per tier per UTC day, summed over tenants, oldest first. `totals` are daily SpendTotals of
 * any tenants and days; only `days` are kept. A cascade that ran two models counts once under each tier.
 */
export function tierMix(totals: SpendTotals[], days: string[]): TierDay[] {
  const zero = (): Record<Tier, TierPoint> => ({ trivial: { requests: 0, nano: 0 }, medium: { requests: 0, nano: 0 }, premium: { requests: 0, nano: 0 } })
  const out = new Map(days.map((d) => [d, zero()]))
  for (const t of totals) {
    const day = out.get(t.period)
    if (!day) continue
    for (const [tier, b] of Object.entries(t.by_tier)) {
      if (!(TIERS as readonly string[]).includes(tier)) continue
      day[tier as Tier].requests += b.requests
      day[tier as Tier].nano += b.nano
    }
  }
  return days.map((day) => ({ day, by_tier: out.get(day)! }))
}

// ---- budgets ----

export interface WindowStatus {
  period: string
  limit_nano: number
  spent_nano: number
  remaining_nano: number
  /** spent / limit (may exceed 1 by an under-estimated settle). */
  used_fraction: number
  resets_at: string
}

export type TenantState = 'ok' | 'downgraded' | 'refused' | 'disabled'

export interface BudgetStatus {
  daily: WindowStatus | null
  monthly: WindowStatus | null
  /** Spend in the current day and month (also when the window has no limit). */
  spent_today_nano: number
  spent_month_nano: number
  state: TenantState
  /** The highest tier the budget allows now. */
  cap: Tier
  /** Why: e.g. '12.5% of daily budget left; premium needs 20.0%', 'daily budget exhausted; resets …', 'tenant disabled'. */
  reason: string | null
  /** Where the policy steps down: premium needs ≥ this fraction left, medium ≥ that. */
  downgrade_at_remaining_fraction: { premium: number; medium: number }
}

/**
 * A tenant's standing against its budget from the KV totals of today and this month (the ledger's view, flushed
 * within about a second). Refused = disabled or a window with nothing left; downgraded = the cap is below premium.
 */
export function budgetStatus(tenant: Tenant, limits: { daily_nano: number | null; monthly_nano: number | null }, today: SpendTotals, month: SpendTotals, now: number): BudgetStatus {
  const headroom = headroomOf({ daily: limits.daily_nano, monthly: limits.monthly_nano }, { daily: today.nano, monthly: month.nano }, now)
  const window = (h: WindowHeadroom | undefined): WindowStatus | null =>
    h ? { ...h, used_fraction: h.limit_nano > 0 ? h.spent_nano / h.limit_nano : 1 } : null
  const { cap, reason } = tierCap(tenant, headroom)
  const base = { daily: window(headroom.daily), monthly: window(headroom.monthly), spent_today_nano: today.nano, spent_month_nano: month.nano, cap, downgrade_at_remaining_fraction: tenant.policy.downgrade_at_remaining_fraction }
  if (tenant.disabled) return { ...base, state: 'disabled', reason: 'tenant disabled' }
  if (headroom.remaining_nano !== null && headroom.remaining_nano <= 0) {
    return { ...base, state: 'refused', reason: `${headroom.window} budget exhausted; resets ${headroom.resets_at}` }
  }
  const tight = tightestWindow(headroom)
  if (cap !== 'premium' && tight) {
    const needs = cap === 'medium' ? `premium needs ${floorPct(base.downgrade_at_remaining_fraction.premium)}` : `medium needs ${floorPct(base.downgrade_at_remaining_fraction.medium)}`
    return { ...base, state: 'downgraded', reason: reason ? `${floorPct(tight.fraction)} of ${tight.window} budget left; ${needs}` : null }
  }
  return { ...base, state: 'ok', reason: null }
}

/** A fraction as a percentage rounded down to 0.1 (99.99% left reads '99.9%', never '100.0%'). */
export const floorPct = (f: number) => `${(Math.floor(f * 1000 + 1e-9) / 10).toFixed(1)}%`
