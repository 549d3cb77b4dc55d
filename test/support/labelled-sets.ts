/**
 * The labelled request sets in data/ (the calibration set, the blind probe sets), as the scoring tests read them:
 * one JSONL row per request (format: docs/ROUTING.md), each scored with the shipped weights and default thresholds.
 *
 * @example
 * const files = (import.meta as unknown as GlobMeta).glob('../../data/probe8/*.jsonl', { query: '?raw', import: 'default', eager: true })
 * const decided = scoreRows(rowsOf(files)) // [{ r: { id, lang, label, … }, d: { tier, score, … } }, …]
 */
import { score, type Decision } from '../../src/scoring'
import type { ChatRequest } from '../../src/openai/request'

/**
 * Vite's `import.meta.glob`: it inlines the files at build time (the tests run inside workerd, which has no file
 * system). Each test calls it with its own literal pattern, which Vite needs to see.
 */
export type GlobMeta = { glob: (p: string, o: object) => Record<string, string> }

export interface Row {
  id: string
  lang: string
  category: string
  label: 'trivial' | 'medium' | 'premium'
  request: Pick<ChatRequest, 'messages' | 'tools'>
  why: string
  group?: string
}

/** The rows of the globbed JSONL files (file name → text). */
export const rowsOf = (files: Record<string, string>): Row[] =>
  Object.values(files).flatMap((text) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Row))

/** Each row with the scorer's decision on its request (`model: "auto"`, default thresholds). */
export const scoreRows = (rows: Row[]): { r: Row; d: Decision }[] =>
  rows.map((r) => ({ r, d: score({ model: 'auto', ...r.request } as ChatRequest) }))
