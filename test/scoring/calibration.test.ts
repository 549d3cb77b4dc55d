// The committed calibration set (data/calibration/*.jsonl, labelled by the rubric in docs/ROUTING.md) run through
// score() with the default thresholds. A request labelled medium or premium ("hard") that lands on trivial is the
// worst routing mistake; easy requests should mostly stay on the cheap tier.
import { describe, expect, it } from 'vitest'
import { rowsOf, scoreRows, type GlobMeta } from '../support/labelled-sets'

const files = (import.meta as unknown as GlobMeta).glob('../../data/calibration/*.jsonl', { query: '?raw', import: 'default', eager: true })
const rows = rowsOf(files)
const LANGS = ['en', 'es', 'de', 'fr', 'ja', 'zh', 'ko']
const decided = scoreRows(rows)

describe('calibration set', () => {
  it('is well formed: unique ids, known languages and labels, a user turn, a reason', () => {
    expect(rows.length).toBeGreaterThanOrEqual(500)
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length)
    for (const r of rows) {
      expect(LANGS).toContain(r.lang)
      expect(['trivial', 'medium', 'premium']).toContain(r.label)
      expect(r.id.startsWith(`${r.lang}-`)).toBe(true)
      expect(r.request.messages.some((m) => m.role === 'user')).toBe(true)
      expect(r.why.length).toBeGreaterThan(0)
    }
  })

  // Tolerance: 1.5% of the hard requests (6 of 433 today; 5 land there). The shipped weights are trained on this
  // set, so this is in-sample; the out-of-fold share (npm run bench:score: 1.4%) is the honest figure. What slips
  // through is a bare follow-up ("ok continue and give the final answer") whose demand is only in earlier turns,
  // read at half weight, and requests scoring within 0.01 of the medium cut. Lowering the cut to 0.20 catches
  // those but drops Japanese easy -> trivial below 85% out of fold (docs/ROUTING.md).
  it('sends (almost) no request labelled medium or premium to the trivial tier', () => {
    const hard = decided.filter(({ r }) => r.label !== 'trivial')
    const missed = hard.filter(({ d }) => d.tier === 'trivial').map(({ r, d }) => `${r.id} (${d.score})`)
    expect(missed.length, missed.join(', ')).toBeLessThanOrEqual(Math.floor(0.015 * hard.length))
  })

  it('sends at least 85% of the requests labelled trivial to the trivial tier, in every language', () => {
    for (const lang of LANGS) {
      const easy = decided.filter(({ r }) => r.lang === lang && r.label === 'trivial')
      if (easy.length === 0) continue
      const share = easy.filter(({ d }) => d.tier === 'trivial').length / easy.length
      expect.soft(share, `${lang}: ${easy.length} easy requests`).toBeGreaterThanOrEqual(0.85)
    }
  })

  it('sends most requests labelled premium above the trivial tier and a majority to premium', () => {
    const premium = decided.filter(({ r }) => r.label === 'premium')
    expect(premium.filter(({ d }) => d.tier === 'premium').length / premium.length).toBeGreaterThan(0.5)
  })
})
