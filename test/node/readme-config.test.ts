/**
 * Every configuration example in the README and the provider and budget docs works as written: each ```dotenv
 * block loads as a whole, and each inline JSON of models or prices loads as TRIAGE_MODELS / TRIAGE_PRICES; every
 * model an example adds or routes to is priced (the README's `qwen-local` example once made every trivial request
 * answer 503 model_unpriced).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildConfig, TIERS } from '../../src/config'
import { isPriced } from '../../src/money'

const DOCS = ['README.md', 'docs/PROVIDERS.md', 'docs/BUDGETS.md']
const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8')

/** `KEY=value` lines of a dotenv block (single-quoted values unquoted; comments skipped). */
function dotenv(block: string): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const line of block.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim())
    if (m) vars[m[1]] = m[2].replace(/^'(.*)'$/, '$1')
  }
  return vars
}

/** Inline code spans that are JSON objects of objects: model entries (they have `provider`) or price rows. */
function inlineJson(text: string): Array<{ kind: 'models' | 'prices'; json: string }> {
  const out: Array<{ kind: 'models' | 'prices'; json: string }> = []
  for (const m of text.matchAll(/`(\{"[^`]*\})`/g)) {
    let v: unknown
    try {
      v = JSON.parse(m[1])
    } catch {
      continue
    }
    const rows = Object.values(v as Record<string, unknown>)
    if (!rows.length || !rows.every((r) => r && typeof r === 'object' && !Array.isArray(r))) continue
    if (rows.every((r) => 'provider' in (r as object) && 'tier' in (r as object))) out.push({ kind: 'models', json: m[1] })
    else if (rows.every((r) => 'input' in (r as object) || 'neurons' in (r as object))) out.push({ kind: 'prices', json: m[1] })
  }
  return out
}

function expectRoutable(vars: Record<string, string>, where: string) {
  const config = buildConfig(vars)
  const added = Object.keys(JSON.parse(vars.TRIAGE_MODELS ?? '{}'))
  const routed = TIERS.flatMap((t) => config.tiers[t])
  for (const id of new Set([...added, ...routed])) expect(isPriced(id, config), `${where}: ${id} has no price`).toBe(true)
}

describe('configuration examples in the docs', () => {
  const blocks = DOCS.flatMap((f) => [...read(f).matchAll(/```dotenv\n([\s\S]*?)```/g)].map((m, i) => ({ where: `${f} dotenv block ${i + 1}`, vars: dotenv(m[1]) })))
  const inline = DOCS.flatMap((f) => inlineJson(read(f)).map((x, i) => ({ where: `${f} inline ${x.kind} ${i + 1}`, ...x })))

  it('finds the examples (the README has its dotenv blocks and inline models)', () => {
    expect(blocks.filter((b) => b.where.startsWith('README')).length).toBeGreaterThanOrEqual(2)
    expect(inline.filter((x) => x.kind === 'models').length).toBeGreaterThanOrEqual(2)
    expect(blocks.length).toBeGreaterThanOrEqual(5)
    expect(inline.filter((x) => x.kind === 'prices').length).toBeGreaterThanOrEqual(1)
  })

  it('every dotenv block loads, and every model it adds or routes to is priced', () => {
    for (const b of blocks) expectRoutable(b.vars, b.where)
  })

  it('every inline TRIAGE_MODELS and TRIAGE_PRICES example loads, its models priced', () => {
    for (const x of inline) {
      if (x.kind === 'models') expectRoutable({ TRIAGE_MODELS: x.json }, x.where)
      else expect(() => buildConfig({ TRIAGE_PRICES: x.json }), x.where).not.toThrow()
    }
  })
})
