/**
 * The simulator's budget replay against the Worker's own ledger: the same sequence of requests, sent to the real
 * Worker (Miniflare, provider emulators) with a small daily budget, then replayed by `npm run simulate --budget`
 * from the log of what the Worker answered. Both must route, refuse and charge every request alike.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRouter, type Router } from '../e2e/harness'
import { offlineVars } from '../../scripts/offline-env.mjs'
import { parseUsd } from '../../src/money'

const run = promisify(execFile)
let router: Router
beforeAll(async () => {
  router = await startRouter()
})
afterAll(async () => router?.stop())

const words = (n: number, seed: number) => Array.from({ length: n }, (_, i) => `w${(i * 7 + seed) % 97}`).join(' ')

/** Easy and hard requests, with long texts so that the emulator's echo costs something. */
function request(i: number) {
  const kinds = [
    `Hi! Please repeat after me: ${words(60, i)}`,
    `Prove rigorously, step by step, that there are infinitely many primes of the form 4k+3, then restate: ${words(80, i)}`,
    `Design a globally distributed rate limiter for 5M requests/s across 300 edge locations, with consistency and failure trade-offs. Notes: ${words(120, i)}`,
    `What is the capital of France? ${words(20, i)}`,
  ]
  return { model: 'auto', messages: [{ role: 'user', content: kinds[i % kinds.length] }], max_tokens: 400 }
}

describe('simulate --budget against the Worker', () => {
  it('refuses, downgrades and charges the same requests as the Worker\'s ledger, to the nano-dollar', async () => {
    const tenant = await router.createTenant({ name: 'replay', budget: { daily_usd: 0.003 } })
    const log: string[] = []
    const worker: Array<{ status: number; tier?: string; model?: string; cost_nano?: number; downgraded?: string | null }> = []
    for (let i = 0; i < 48; i++) {
      const body = request(i)
      const at = new Date().toISOString()
      const res = await fetch(`${router.url}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${tenant.api_key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      })
      const json = (await res.json()) as { usage?: unknown }
      worker.push({
        status: res.status,
        tier: res.headers.get('x-triage-tier') ?? undefined,
        model: res.headers.get('x-triage-model') ?? undefined,
        cost_nano: res.status === 200 ? parseUsd(res.headers.get('x-triage-cost-usd')!) : undefined,
        downgraded: res.headers.get('x-triage-downgraded'),
      })
      log.push(JSON.stringify({ request: body, ...(res.status === 200 ? { response: json } : {}), timestamp: at }))
    }
    const refusedByWorker = worker.filter((w) => w.status === 429).length
    expect(worker.every((w) => w.status === 200 || w.status === 429)).toBe(true)
    expect(refusedByWorker).toBeGreaterThan(0) // the budget does run out

    const dir = mkdtempSync(join(tmpdir(), 'triage-replay-'))
    writeFileSync(join(dir, 'log.jsonl'), log.join('\n'))
    writeFileSync(join(dir, 'vars'), Object.entries(offlineVars(router.emulatorUrl)).map(([k, v]) => `${k}=${v}`).join('\n'))
    const { stdout } = await run(process.execPath, ['scripts/simulate.mjs', join(dir, 'log.jsonl'), '--vars', join(dir, 'vars'), '--budget', 'daily=0.003', '--json', '--per-request'], { maxBuffer: 64 << 20 })
    const sim = JSON.parse(stdout) as {
      budget: { refused: number; spent_nano: number; downgraded: number }
      per_request: Array<{ line: number; tier: string; model: string; cost_nano: number; downgraded: string | null; refused?: boolean }>
    }
    // Request by request: the same refusals, tiers, models, downgrade notes and costs.
    expect(sim.per_request.map((r) => (r.refused ? 429 : 200))).toEqual(worker.map((w) => w.status))
    sim.per_request.forEach((r, i) => {
      if (r.refused) return
      expect({ i, tier: r.tier, model: r.model, cost: r.cost_nano, downgraded: r.downgraded })
        .toEqual({ i, tier: worker[i].tier, model: worker[i].model, cost: worker[i].cost_nano, downgraded: worker[i].downgraded })
    })
    expect(sim.budget.refused).toBe(refusedByWorker)
    const spent = worker.reduce((s, w) => s + (w.cost_nano ?? 0), 0)
    expect(sim.budget.spent_nano).toBe(spent)
    expect(sim.budget.downgraded).toBe(worker.filter((w) => w.downgraded).length)
  })
})
