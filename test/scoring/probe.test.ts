// The probe sets (data/probe8 … data/probe12: written blind, without seeing the scorer's concept lists, features,
// weights, the calibration set or the earlier probe sets, and never trained on) run through score() with the shipped
// weights and default thresholds. Each one's first measurement was blind; some of their misses were read afterwards
// (docs/ROUTING.md, "Round 4"), so they guard the bars rather than estimate them.
// It estimates the sealed common-sense bars of issue 13 on wording the scorer has not seen: in each of en, ja and
// zh, at most 3% of the requests labelled medium or premium on trivial, and at least 85% of the easy ones there.
//
// Do not lower the bars, and do not train on it. (The first probe set failed round 2's scorer: hard -> trivial en 3
// of 35, ja 3 of 34, zh 3 of 35; docs/ROUTING.md "The probe sets".)
import { describe, expect, it } from 'vitest'
import { rowsOf, scoreRows, type GlobMeta } from '../support/labelled-sets'

// data/probe … data/probe7 were measured blind, then read, then folded into the calibration set (docs/ROUTING.md);
// data/probe8 … data/probe12 are the newest, kept out of training; data/probe11 and data/probe12 were written after
// the last change to the scorer and have not been read.
const SETS: Record<string, Record<string, string>> = {
  probe8: (import.meta as unknown as GlobMeta).glob('../../data/probe8/*.jsonl', { query: '?raw', import: 'default', eager: true }),
  probe9: (import.meta as unknown as GlobMeta).glob('../../data/probe9/*.jsonl', { query: '?raw', import: 'default', eager: true }),
  probe10: (import.meta as unknown as GlobMeta).glob('../../data/probe10/*.jsonl', { query: '?raw', import: 'default', eager: true }),
  probe11: (import.meta as unknown as GlobMeta).glob('../../data/probe11/*.jsonl', { query: '?raw', import: 'default', eager: true }),
  probe12: (import.meta as unknown as GlobMeta).glob('../../data/probe12/*.jsonl', { query: '?raw', import: 'default', eager: true }),
}

const BARRED = ['en', 'ja', 'zh']

for (const [name, files] of Object.entries(SETS)) {
  const rows = rowsOf(files)
  const decided = scoreRows(rows)
  const miss = ({ r, d }: (typeof decided)[number]): string => `${r.id} ${r.label}->${d.tier} (${d.score})`

  describe(`data/${name} (written blind, never trained on)`, () => {
    it(`is well formed: unique ${name}-<lang>- ids, labels, a user turn, and enough easy and hard requests in en, ja, zh`, () => {
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length)
      for (const r of rows) {
        expect(r.id.startsWith(`${name}-${r.lang}-`)).toBe(true)
        expect(['trivial', 'medium', 'premium']).toContain(r.label)
        expect(r.request.messages.some((m) => m.role === 'user')).toBe(true)
      }
      for (const lang of BARRED) {
        expect(rows.filter((r) => r.lang === lang && r.label === 'trivial').length).toBeGreaterThanOrEqual(30)
        expect(rows.filter((r) => r.lang === lang && r.label !== 'trivial').length).toBeGreaterThanOrEqual(30)
      }
    })

    it.each(BARRED)('%s: at most 3% of the hard requests (medium or premium) land on trivial', (lang) => {
      const hard = decided.filter(({ r }) => r.lang === lang && r.label !== 'trivial')
      const missed = hard.filter(({ d }) => d.tier === 'trivial').map(miss)
      expect(missed.length / hard.length, `${missed.length} of ${hard.length}: ${missed.join(', ')}`).toBeLessThanOrEqual(0.03)
    })

    it.each(BARRED)('%s: at least 85% of the easy requests land on trivial', (lang) => {
      const easy = decided.filter(({ r }) => r.lang === lang && r.label === 'trivial')
      const missed = easy.filter(({ d }) => d.tier !== 'trivial').map(miss)
      expect(1 - missed.length / easy.length, `${missed.length} of ${easy.length}: ${missed.join(', ')}`).toBeGreaterThanOrEqual(0.85)
    })
  })
}
