// The committed calibration set (data/calibration/*.jsonl, labelled by the rubric in docs/ROUTING.md) run through
// score() with the default thresholds. A request labelled medium or premium ("hard") that lands on trivial is the
// worst routing mistake; easy requests should mostly stay on the cheap tier.
import { describe, expect, it } from 'vitest'
import { score } from '../../src/scoring'
import type { ChatRequest } from '../../src/openai/request'

const files = import.meta.glob('../../data/calibration/*.jsonl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>

interface Row { id: string; lang: string; category: string; label: 'trivial' | 'medium' | 'premium'; request: Omit<ChatRequest, 'model'>; why: string; group?: string }
const rows: Row[] = Object.values(files).flatMap((text) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Row))
const LANGS = ['en', 'es', 'de', 'fr', 'ja', 'zh', 'ko']
const decided = rows.map((r) => ({ r, d: score({ model: 'auto', ...r.request } as ChatRequest) }))

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

  it('sends no request labelled medium or premium to the trivial tier', () => {
    const missed = decided.filter(({ r, d }) => r.label !== 'trivial' && d.tier === 'trivial').map(({ r, d }) => `${r.id} (${d.score})`)
    expect(missed).toEqual([])
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
