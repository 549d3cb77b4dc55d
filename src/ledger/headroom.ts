/**
 * Which budget window binds, pure: limits and spend in, headroom out; no I/O, no clock of its own. The request path
 * (`Budget.headroom()`, routing's tier cap) and the dashboard (`budgetStatus`) both read a tenant's standing here.
 *
 * Two windows (daily, monthly) can bind in two senses:
 * - the one with the **least money left** binds a reservation (`Headroom.window`, `remaining_nano`);
 * - the one with the **smallest fraction left** binds the tier cap (`tightestWindow`, `tierCap`).
 *
 * @example
 * const h = headroomOf({ daily: 1e9, monthly: null }, { daily: 850e6, monthly: 850e6 }, Date.now())
 * h.remaining_nano                                   // 150_000_000, h.window === 'daily'
 * tierCap(tenant, h)                                 // { cap: 'medium', reason: 'budget: 15.0% of daily budget left' }
 */
import type { Tier } from '../scoring/tiers'
import type { Policy } from '../tenants/policy'
import { dayOf, dayResetsAt, monthOf, monthResetsAt, type Window } from './periods'

export interface WindowHeadroom {
  period: string
  limit_nano: number
  spent_nano: number
  remaining_nano: number
  resets_at: string
}

/** What the tenant has left. */
export interface Headroom {
  /** The smaller of the windows' remaining amounts; null when the tenant has no budget (unlimited). May be negative. */
  remaining_nano: number | null
  daily?: WindowHeadroom
  monthly?: WindowHeadroom
  /** The window that binds (least remaining). */
  window?: Window
  resets_at: string | null
}

const WINDOWS = ['daily', 'monthly'] as const

/**
 * A tenant's headroom from its limits (null = no limit in that window) and its spend in the current day and month.
 *
 * @example headroomOf({ daily: 1000, monthly: 10_000 }, { daily: 10, monthly: 9_000 }, now).window // 'monthly'
 */
export function headroomOf(limits: Record<Window, number | null>, spent: Record<Window, number>, now: number): Headroom {
  const out: Headroom = { remaining_nano: null, resets_at: null }
  for (const w of WINDOWS) {
    const limit = limits[w]
    if (limit === null) continue
    const h: WindowHeadroom = {
      period: w === 'daily' ? dayOf(now) : monthOf(now),
      limit_nano: limit,
      spent_nano: spent[w],
      remaining_nano: limit - spent[w],
      resets_at: w === 'daily' ? dayResetsAt(now) : monthResetsAt(now),
    }
    out[w] = h
    if (out.remaining_nano === null || h.remaining_nano < out.remaining_nano) {
      out.remaining_nano = h.remaining_nano
      out.window = w
      out.resets_at = h.resets_at
    }
  }
  return out
}

/**
 * The window with the smallest fraction of its limit left (never below 0), or undefined when no window has a limit.
 *
 * @example tightestWindow(h) // { window: 'daily', fraction: 0.15 }
 */
export function tightestWindow(headroom: Headroom): { window: Window; fraction: number } | undefined {
  let out: { window: Window; fraction: number } | undefined
  for (const w of WINDOWS) {
    const h = headroom[w]
    if (!h) continue
    const fraction = h.limit_nano > 0 ? Math.max(0, h.remaining_nano) / h.limit_nano : 0
    if (!out || fraction < out.fraction) out = { window: w, fraction }
  }
  return out
}

/**
 * Budget-aware routing: the highest tier the tenant's remaining budget allows, and why it is lower than premium.
 * Defaults (policy `downgrade_at_remaining_fraction`): premium needs ≥ 20% of every window left, medium ≥ 5%.
 *
 * @example tierCap(tenant, { remaining_nano: 1e8, daily: { limit_nano: 1e9, … }, … }) // { cap: 'medium', reason: 'budget: 10.0% of daily budget left' }
 */
export function tierCap(tenant: { policy: Pick<Policy, 'downgrade_at_remaining_fraction'> }, headroom: Headroom): { cap: Tier; reason?: string } {
  const tight = tightestWindow(headroom)
  if (!tight) return { cap: 'premium' }
  const d = tenant.policy.downgrade_at_remaining_fraction
  const reason = `budget: ${(tight.fraction * 100).toFixed(1)}% of ${tight.window} budget left`
  if (tight.fraction < d.medium) return { cap: 'trivial', reason }
  if (tight.fraction < d.premium) return { cap: 'medium', reason }
  return { cap: 'premium' }
}
