/**
 * Thresholds that mean something to a user: a quality target ("keep 95% of premium quality") becomes the cheapest
 * pair of cut points that keeps that share on the calibration data, and any pair of cut points gets its expected
 * cost and quality.
 *
 * The data is a table baked into `weights.ts` by `npm run train:scorer`: routebench2 dev rows binned by their
 * out-of-fold score (100 bins of 0.01), each bin holding the summed cost and measured quality of each tier; and the
 * calibration set binned the same way (requests labelled trivial, and labelled medium or premium). A pair of
 * cut points is then evaluated exactly at the bin edges (cut points are rounded to 0.01).
 *
 * @example
 * const t = thresholdsForQuality(0.95)   // { medium: 0.23, premium: 1, cost: 0.209, quality: 0.967, reached: true, ... }
 * expectedOutcome(t).cost                // 0.209: 21% of what sending everything to premium would cost
 * expectedOutcome(DEFAULT_THRESHOLDS)    // the expected cost and quality of the default setting
 */
import type { Thresholds } from './index'
import { OUTCOMES } from './weights'

export type TierSums = { trivial: readonly number[]; medium: readonly number[]; premium: readonly number[] }

/** Per-score-bin sums, made by `npm run train:scorer`. Bin k holds the rows whose score s has floor(100·s) = k. */
export interface OutcomeTable {
  /** Number of bins (100: steps of 0.01). */
  bins: number
  /** routebench2 dev rows per bin. */
  rows: readonly number[]
  /** routebench2 dev rows: summed cost (USD) and summed measured quality (0..1 per row) of each tier, per bin. */
  cost: TierSums
  quality: TierSums
  /** Calibration set: requests labelled trivial, and labelled medium or premium ("hard"), per bin. */
  easy: readonly number[]
  hard: readonly number[]
  /** The largest share of calibration hard requests a chosen setting may send to trivial (e.g. 0.03). */
  maxHardToTrivial: number
  /** What the table was made from, for display. */
  source: string
}

/** Expected outcome of a pair of cut points. */
export interface Outcome {
  /** Cost as a share of sending every request to premium (routebench2 prices and output lengths). */
  cost: number
  /** Measured quality as a share of all-premium quality (can exceed 1 where medium beats premium). */
  quality: number
  /** Share of requests per tier. */
  mix: { trivial: number; medium: number; premium: number }
  /** Calibration set: share of hard requests (labelled medium or premium) sent to trivial. */
  hardToTrivial: number
  /** Calibration set: share of easy requests (labelled trivial) sent to trivial. */
  easyToTrivial: number
}

/** A chosen pair of cut points with its expected outcome. */
export interface QualityPlan extends Thresholds, Outcome {
  /** The quality target asked for. */
  target: number
  /** False when no allowed setting reaches the target: the plan is then the best quality the table allows. */
  reached: boolean
}

/** The bin edge (0..bins) nearest to a cut point. */
const edge = (t: number, bins: number): number => Math.min(bins, Math.max(0, Math.round(t * bins)))

/** Running sums (index k = sum of bins below k), made once per table. */
interface Cumulative { rows: Float64Array; cost: Float64Array[]; quality: Float64Array[]; easy: Float64Array; hard: Float64Array }
const cumulatives = new WeakMap<OutcomeTable, Cumulative>()

function cumulative(table: OutcomeTable): Cumulative {
  let c = cumulatives.get(table)
  if (c) return c
  const run = (xs: readonly number[]): Float64Array => {
    const out = new Float64Array(table.bins + 1)
    for (let k = 0; k < table.bins; k++) out[k + 1] = out[k] + (xs[k] ?? 0)
    return out
  }
  const tiers = (s: TierSums): Float64Array[] => [run(s.trivial), run(s.medium), run(s.premium)]
  c = { rows: run(table.rows), cost: tiers(table.cost), quality: tiers(table.quality), easy: run(table.easy), hard: run(table.hard) }
  cumulatives.set(table, c)
  return c
}

/** Outcome with cut points given as bin edges a ≤ b. */
function outcomeAt(a: number, b: number, table: OutcomeTable): Outcome {
  const B = table.bins
  const c = cumulative(table)
  const part = ([t, m, p]: Float64Array[]): number => t[a] + (m[b] - m[a]) + (p[B] - p[b])
  const allCost = c.cost[2][B], allQuality = c.quality[2][B], n = c.rows[B], hard = c.hard[B], easy = c.easy[B]
  return {
    cost: allCost > 0 ? part(c.cost) / allCost : 0,
    quality: allQuality > 0 ? part(c.quality) / allQuality : 0,
    mix: n > 0 ? { trivial: c.rows[a] / n, medium: (c.rows[b] - c.rows[a]) / n, premium: (n - c.rows[b]) / n } : { trivial: 0, medium: 0, premium: 0 },
    hardToTrivial: hard > 0 ? c.hard[a] / hard : 0,
    easyToTrivial: easy > 0 ? c.easy[a] / easy : 0,
  }
}

/**
 * Expected cost, quality and tier mix of a pair of cut points (score ≥ medium → medium, ≥ premium → premium),
 * from the table. Pure. Cut points are rounded to the table's bins (0.01).
 *
 * @example expectedOutcome({ medium: 0.2, premium: 0.57 }) // { cost: 0.247, quality: 0.971, mix: {...}, ... }
 */
export function expectedOutcome(t: Thresholds, table: OutcomeTable = OUTCOMES): Outcome {
  const a = edge(t.medium, table.bins)
  return outcomeAt(a, Math.max(a, edge(t.premium, table.bins)), table)
}

/**
 * The cheapest pair of cut points whose expected quality is at least `target` (a share of premium quality,
 * e.g. 0.95), among the pairs that send at most `table.maxHardToTrivial` of the calibration set's hard requests
 * to trivial. Ties in cost go to the higher quality. When no allowed pair reaches the target, the pair with the
 * best quality is returned with `reached: false`. Pure; about 5,000 pairs are evaluated (well under a millisecond).
 *
 * @example thresholdsForQuality(0.95) // { medium: 0.23, premium: 1, cost: 0.209, quality: 0.967, reached: true, ... }
 */
export function thresholdsForQuality(target: number, table: OutcomeTable = OUTCOMES): QualityPlan {
  const B = table.bins
  let best: { a: number; b: number; o: Outcome } | undefined
  let top: { a: number; b: number; o: Outcome } | undefined
  for (let a = 0; a <= B; a++) {
    for (let b = a; b <= B; b++) {
      const o = outcomeAt(a, b, table)
      if (o.hardToTrivial > table.maxHardToTrivial + 1e-12) continue
      if (!top || o.quality > top.o.quality + 1e-12 || (Math.abs(o.quality - top.o.quality) <= 1e-12 && o.cost < top.o.cost)) top = { a, b, o }
      if (o.quality + 1e-12 < target) continue
      if (!best || o.cost < best.o.cost - 1e-12 || (Math.abs(o.cost - best.o.cost) <= 1e-12 && o.quality > best.o.quality)) best = { a, b, o }
    }
  }
  const pick = best ?? top ?? { a: 0, b: B, o: outcomeAt(0, B, table) }
  return { medium: pick.a / B, premium: pick.b / B, ...pick.o, target, reached: !!best }
}
