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

  // Tolerance: the share the default medium cut is trained to keep out of fold (scripts/scoring/train.mjs
  // MAX_HARD_TO_TRIVIAL, 2.5%), and the sealed bar (3%) in each of en, ja and zh. The shipped weights are trained on
  // this set, so this is in-sample (22 of 1,379 land there, 1.6%); the out-of-fold shares are the honest figures
  // (npm run train:scorer -- --curve: 2.0% overall, en 2.1%, ja 1.5%, zh 1.4%). What slips through is mostly a
  // short request whose demand has no cue ("Code un jeu du pendu en Python avec tkinter", "Terraform module for an
  // AWS VPC: public + private subnets across 3 AZs"). The cut was 0.13 (1.5%) until blind probe sets showed the
  // easy side failing its bar while the hard side kept room: docs/ROUTING.md, "Round 4".
  it('sends (almost) no request labelled medium or premium to the trivial tier', () => {
    const hard = decided.filter(({ r }) => r.label !== 'trivial')
    const missed = hard.filter(({ d }) => d.tier === 'trivial').map(({ r, d }) => `${r.id} (${d.score})`)
    expect(missed.length, missed.join(', ')).toBeLessThanOrEqual(Math.floor(0.025 * hard.length))
    for (const lang of ['en', 'ja', 'zh']) {
      const own = hard.filter(({ r }) => r.lang === lang)
      const slipped = own.filter(({ d }) => d.tier === 'trivial').length
      expect.soft(slipped / own.length, `${lang}: ${slipped} of ${own.length}`).toBeLessThanOrEqual(0.03)
    }
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
