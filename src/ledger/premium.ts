/**
 * Savings against premium: what a request would have cost on the reference premium model (the first model of the
 * premium tier), split over its calls so that the totals by tier and by model add up. The ledger computes it at
 * settle time into `SpendRecord.premium_nano` and the `SpendTotals`; the dashboard and `/v1/usage` only read it.
 *
 * - a successful request answered below premium: its answering call's real tokens priced on the reference model;
 * - a successful request answered on premium (cascade escalations included): the premium call's real cost;
 *   (in both cases the request's other calls, retries or a cascade's rejected answer, count 0)
 * - a failed, aborted (499) or unsettled request, an unpriced reference, or a call outside the chat tiers
 *   (`embedding`): each call at its own cost.
 *
 * @example
 * premiumShares({ status: 200, calls: [{ tier: 'medium', tokens: { input: 1000, output: 500, … }, cost_nano: 490, … }] }, 'gpt-4.1')
 * // [6_000_000]: 1000 × $2/M + 500 × $8/M
 */
import { cost, type MoneyConfig } from '../money'
import { TIERS } from '../scoring/tiers'
import type { SpendRecord } from './kv'

export function premiumShares(r: Pick<SpendRecord, 'status' | 'calls'>, reference: string | null, money?: MoneyConfig): number[] {
  const own = r.calls.map((c) => c.cost_nano)
  const last = r.calls.length - 1
  if (r.status !== 200 || last < 0 || !reference) return own
  const { tier, tokens: t, cost_nano } = r.calls[last]
  // A call outside the chat tiers (an embedding) was never routed: it saved nothing.
  if (!(TIERS as readonly string[]).includes(tier)) return own
  let premium = cost_nano
  if (tier !== 'premium') {
    try {
      premium = cost({ input: t.input, cachedInput: t.cached_input, cacheWrite: t.cache_write, output: t.output, reasoning: t.reasoning }, reference, money)
    } catch {
      return own // the reference model has no price: claim nothing
    }
  }
  return own.map((_, i) => (i === last ? premium : 0))
}
