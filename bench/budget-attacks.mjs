#!/usr/bin/env node
// npm run bench:budget-attacks [-- --before <git ref>] [--json]
//
// Re-measures issue 14's budget attacks on the ledger, inside workerd (one Miniflare on 127.0.0.1, bounded: about
// 15 s per tree), with bench/workers/budget-attacks.ts:
//   1. the budget cut (item 3): 4 isolates × 4 concurrent requests; the operator cuts the budget to half of what was
//      spent; how many requests are still served after the cut, and more than 1 s after it;
//   2. the sequential client (item 8): one request at a time on a random isolate of 16; how much of the budget it
//      spends before its first refusal, and what that refusal says;
//   3. the hot path: one isolate's reserve+settle at c=1 back to back, c=1 with 1.5 s gaps (an idle tenant), and
//      c=16: DO calls per request, and how many requests waited for one.
// With --before <ref> (e.g. main), the same worker is also run against that commit's src/ (git archive into a
// temporary directory), so the table shows before and after from one run.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const before = args.includes('--before') ? args[args.indexOf('--before') + 1] : null
const asJson = args.includes('--json')

async function bundle(root, outfile) {
  const { build } = await import('esbuild')
  await build({
    entryPoints: [path.join(root, 'bench/workers/budget-attacks.ts')], outfile, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022',
    external: ['cloudflare:*', 'node:*'], conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'],
    nodePaths: [path.join(ROOT, 'node_modules')], tsconfig: path.join(ROOT, 'tsconfig.json'), logLevel: 'error',
  })
  return outfile
}

async function run(label, script) {
  const { Miniflare } = await import('miniflare')
  const mf = new Miniflare({
    host: '127.0.0.1', port: 0, modules: true, scriptPath: script, modulesRoot: path.dirname(script),
    compatibilityDate: '2026-04-26', compatibilityFlags: ['nodejs_compat'],
    kvNamespaces: ['TRIAGE_KV'], durableObjects: { TENANT_LEDGER: { className: 'TenantLedger', useSQLite: true } },
    handleRuntimeStdio() {},
  })
  try {
    const url = (await mf.ready).origin
    const post = async (p, body) => {
      const r = await fetch(`${url}${p}`, { method: 'POST', body: JSON.stringify(body) })
      const j = await r.json()
      if (!r.ok) throw new Error(`${label} ${p}: ${j.error}`)
      return j
    }
    return {
      label,
      cut: await post('/cut', { isolates: 4, concurrency: 4, beforeMs: 2_000, afterMs: 3_000 }),
      sequential: await post('/sequential', { isolates: 16, budgetUsd: '0.01', reserve: 200_000 }),
      hot: [
        await post('/hotpath', { ops: 2_000, concurrency: 1 }),
        await post('/hotpath', { ops: 4, concurrency: 1, gapMs: 1_500 }),
        await post('/hotpath', { ops: 4_000, concurrency: 16 }),
      ],
    }
  } finally {
    await mf.dispose()
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-attacks-'))
try {
  const results = []
  if (before) {
    const dir = path.join(tmp, 'before')
    fs.mkdirSync(path.join(dir, 'bench/workers'), { recursive: true })
    execFileSync('sh', ['-c', `git -C "${ROOT}" archive "${before}" src | tar -x -C "${dir}"`])
    fs.copyFileSync(path.join(ROOT, 'bench/workers/budget-attacks.ts'), path.join(dir, 'bench/workers/budget-attacks.ts'))
    results.push(await run(`before (${before})`, await bundle(dir, path.join(tmp, 'before.js'))))
  }
  results.push(await run('after (this tree)', await bundle(ROOT, path.join(tmp, 'after.js'))))
  if (asJson) console.log(JSON.stringify(results, null, 2))
  else {
    for (const r of results) {
      const c = r.cut, s = r.sequential
      console.log(`\n== ${r.label}`)
      console.log(`budget cut (item 3): ${c.isolates} isolates × ${c.concurrencyPerIsolate}; ${c.inFlightAtCut} in flight at the cut; served after the cut: ${c.servedAfterCut} ` +
        `(more than 1 s after: ${c.servedMoreThan1sAfterCut}, last at +${c.lastServedMsAfterCut ?? '-'} ms); spent after the cut ${c.spentAfterCutOverReservation.toFixed(1)} reservations; final spend ${c.finalSpendOfNewBudgetPct}% of the new budget`)
      console.log(`sequential client (item 8): ${s.served} served, ${s.spentPctAtFirstRefusal}% of the budget spent at the first refusal ` +
        `(x-should-retry ${s.refusal?.retry ?? '-'}); slowest reserve ${s.slowestReserveMs} ms; ${s.seconds} s`)
      console.log(`  refusal: ${s.refusal?.message ?? '-'}`)
      for (const h of r.hot) {
        console.log(`hot path c=${h.concurrency}${h.gapMs ? `, ${h.gapMs} ms apart` : ''}: ${h.ops} reserve+settle, ${h.opsPerSec}/s, DO calls ${h.doSyncsPerOp}/request, ` +
          `requests that waited for the DO ${h.waitedForDOPerOp}/request`)
      }
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true })
}
