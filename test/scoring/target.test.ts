import { describe, expect, it } from 'vitest'
import { DEFAULT_THRESHOLDS, expectedOutcome, OUTCOMES, thresholdsForQuality, type OutcomeTable } from '../../src/scoring'

/**
 * A small table worked by hand: 4 bins of 0.25. Each bin holds one routebench-style row:
 * bin 0: trivial is as good as premium; bin 1: trivial fails, medium and premium succeed;
 * bin 2: only premium succeeds; bin 3: nothing succeeds. Costs: trivial 1, medium 10, premium 50 per row.
 * Calibration: one easy request in bin 0, one hard in bin 1.
 */
const T: OutcomeTable = {
  bins: 4,
  rows: [1, 1, 1, 1],
  cost: { trivial: [1, 1, 1, 1], medium: [10, 10, 10, 10], premium: [50, 50, 50, 50] },
  quality: { trivial: [1, 0, 0, 0], medium: [1, 1, 0, 0], premium: [1, 1, 1, 0] },
  easy: [1, 0, 0, 0],
  hard: [0, 1, 0, 0],
  maxHardToTrivial: 0,
  source: 'hand-made',
}

describe('expectedOutcome', () => {
  it('computes cost and quality as shares of all-premium, and the tier mix', () => {
    expect(expectedOutcome({ medium: 1, premium: 1 }, T)).toMatchObject({ cost: 4 / 200, quality: 1 / 3, mix: { trivial: 1, medium: 0, premium: 0 }, hardToTrivial: 1, easyToTrivial: 1 })
    expect(expectedOutcome({ medium: 0, premium: 0 }, T)).toMatchObject({ cost: 1, quality: 1, mix: { trivial: 0, medium: 0, premium: 1 }, hardToTrivial: 0, easyToTrivial: 0 })
    // bin 0 trivial, bins 1-2 medium, bin 3 premium: cost 1 + 10 + 10 + 50, quality 1 + 1 + 0 + 0
    const o = expectedOutcome({ medium: 0.25, premium: 0.75 }, T)
    expect(o.cost).toBeCloseTo(71 / 200, 12)
    expect(o.quality).toBeCloseTo(2 / 3, 12)
    expect(o.mix).toEqual({ trivial: 0.25, medium: 0.5, premium: 0.25 })
  })

  it('rounds cut points to the bins and treats premium below medium as premium = medium', () => {
    expect(expectedOutcome({ medium: 0.26, premium: 0.74 }, T)).toEqual(expectedOutcome({ medium: 0.25, premium: 0.75 }, T))
    expect(expectedOutcome({ medium: 0.5, premium: 0.2 }, T)).toEqual(expectedOutcome({ medium: 0.5, premium: 0.5 }, T))
  })
})

describe('thresholdsForQuality', () => {
  it('picks the cheapest pair that keeps the target, within the calibration constraint', () => {
    // 2/3 of premium quality: trivial on bin 0, medium on bin 1, trivial (cheapest) on bins 2-3 is not a
    // monotone policy; the cheapest monotone one sends bin 0 to trivial and the rest to medium (cost 31/200)
    const p = thresholdsForQuality(2 / 3, T)
    expect(p).toMatchObject({ medium: 0.25, premium: 1, reached: true })
    expect(p.cost).toBeCloseTo(31 / 200, 12)
    expect(p.hardToTrivial).toBe(0)
    // full quality needs premium on bin 2 at least
    const full = thresholdsForQuality(1, T)
    expect(full.quality).toBe(1)
    expect(full.medium).toBe(0.25)
    expect(full.premium).toBeLessThanOrEqual(0.5)
  })

  it('never sends more hard calibration requests to trivial than the table allows', () => {
    const p = thresholdsForQuality(0.3, T) // all-trivial would reach 1/3, but sends the hard request to trivial
    expect(p.medium).toBeLessThanOrEqual(0.25)
    expect(p.hardToTrivial).toBe(0)
  })

  it('says when a target cannot be reached, and returns the best quality instead', () => {
    const p = thresholdsForQuality(1.5, T)
    expect(p.reached).toBe(false)
    expect(p.quality).toBe(1)
  })

  it('costs more for a higher target, on the shipped table', () => {
    let last = 0
    for (const target of [0.85, 0.9, 0.95, 0.97, 0.99]) {
      const p = thresholdsForQuality(target)
      expect(p.reached).toBe(true)
      expect(p.quality).toBeGreaterThanOrEqual(target - 1e-9)
      expect(p.cost).toBeGreaterThanOrEqual(last - 1e-12)
      expect(p.hardToTrivial).toBeLessThanOrEqual(OUTCOMES.maxHardToTrivial + 1e-12)
      last = p.cost
    }
  })

  it('describes the default thresholds: at least 95% of premium quality for at most 35% of its cost', () => {
    const o = expectedOutcome(DEFAULT_THRESHOLDS)
    expect(o.quality).toBeGreaterThanOrEqual(0.95)
    expect(o.cost).toBeLessThanOrEqual(0.35)
  })
})
