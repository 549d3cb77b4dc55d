/**
 * Keeps `npm run bench` from rotting: runs `bench/run.mjs --smoke` (a few hundred requests per target, no Portkey)
 * and checks that the harness produced sane numbers for every cell. No timing bars here: the machine is shared,
 * and measured figures belong in the benchmark's output (docs/BENCHMARKS.md), not in a test.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../..')

interface Cell {
  label: string
  mode: 'json' | 'stream'
  concurrency: number
  requests: number
  errors: number
  rps: number | null
  p50: number | null
  p99: number | null
  ttftP50: number | null
  serverCpuMsPerReq: number | null
  rssPeakMiB: number | null
  delta?: { p50Ms: number | null; p99Ms: number | null; ttftP50Ms: number | null }
}

describe('npm run bench -- --smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'triage-bench-smoke-'))
  const out = join(dir, 'results.json')
  let results: any
  let stdout = ''

  beforeAll(async () => {
    const r = await promisify(execFile)(process.execPath, ['bench/run.mjs', '--smoke', '--quiet', '--out', out], {
      cwd: ROOT, timeout: 110_000, maxBuffer: 1 << 24, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    })
    stdout = r.stdout
    results = JSON.parse(readFileSync(out, 'utf8'))
  }, 120_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('completes without a fatal error and prints the table', () => {
    expect(results.fatal).toBeUndefined()
    expect(stdout).toMatch(/Δp50/)
    expect(stdout).toMatch(/bars:/)
  })

  it('measures every target in every cell, with no failed request', () => {
    const cells: Cell[] = results.summary
    for (const label of ['direct', 'floor', 'router']) {
      for (const mode of ['json', 'stream'] as const) {
        for (const c of results.config.concurrency as number[]) {
          const cell = cells.find((x) => x.label === label && x.mode === mode && x.concurrency === c)
          expect(cell, `${label} ${mode} c=${c}`).toBeDefined()
          expect(cell!.errors, `${label} ${mode} c=${c} errors`).toBe(0)
          expect(cell!.requests).toBeGreaterThanOrEqual(Math.min(results.config.requests, 20))
          expect(cell!.rps).toBeGreaterThan(0)
          expect(cell!.p50).toBeGreaterThan(0)
          expect(cell!.p99!).toBeGreaterThanOrEqual(cell!.p50!)
          if (mode === 'stream') expect(cell!.ttftP50).toBeGreaterThan(0)
          // CPU and RSS come from /proc of the target's own process (the emulator for direct, workerd otherwise).
          expect(cell!.serverCpuMsPerReq).toBeGreaterThan(0)
          expect(cell!.rssPeakMiB).toBeGreaterThan(1)
          if (label !== 'direct') {
            expect(Number.isFinite(cell!.delta!.p50Ms)).toBe(true)
            if (mode === 'stream') expect(Number.isFinite(cell!.delta!.ttftP50Ms)).toBe(true)
          }
        }
      }
    }
  })

  it('routes the bench prompts over more than one tier, as a real tenant', () => {
    expect(results.routingMix.errors).toBe(0)
    expect(Object.keys(results.routingMix.tiers).length).toBeGreaterThan(1)
  })

  it('reports the scorer, the ledger (exactly charged), the bundle and the stream check', () => {
    expect(results.scorer.medianUs).toBeGreaterThan(0)
    expect(results.scorer.p99Us).toBeGreaterThanOrEqual(results.scorer.medianUs)
    expect(results.ledger.map((l: any) => l.tenants)).toEqual([1, 100])
    for (const l of results.ledger) {
      expect(l.exact).toBe(true)
      expect(l.opsPerSec).toBeGreaterThan(0)
    }
    expect(results.bundle.rawBytes).toBeGreaterThan(results.bundle.gzipBytes)
    expect(results.bundle.wranglerGzipKiB).toBeGreaterThan(0)
    expect(results.streamBuffering.byTarget.router.ok).toBeGreaterThan(0)
    expect(results.bars.length).toBeGreaterThanOrEqual(6)
    expect(results.portkey.skipped).toBe('smoke run')
  })
})
