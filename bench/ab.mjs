#!/usr/bin/env node
// A/B of two source trees of Triage on Miniflare directly, under the same load at the same time: both Workers run
// side by side (each its own workerd process), and the load alternates between them in short slices, so a machine
// shared with other jobs weighs on both alike. Per side: median over slices of workerd CPU per request (/proc, per
// thread) and of the slice's p50 latency (and TTFT p50 for streams).
//
//   node bench/ab.mjs --a <dir with src/> --b <dir with src/> [--mode json|stream] [-c 1] [--slices 8] [--slice-s 2] [--tokens 16]
//   e.g. mkdir /tmp/a && git archive HEAD src | tar -x -C /tmp/a && node bench/ab.mjs --a /tmp/a --b .
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { promptBodies, runLoad } from './load.mjs'
import { startBenchEmulator } from './upstream.mjs'
import { triageWorker } from '../scripts/workers.mjs'
import { pidListeningOn, startSampler } from './procstat.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '..')
const arg = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : d }
const sides = { A: path.resolve(arg('--a')), B: path.resolve(arg('--b', ROOT)) }
const mode = arg('--mode', 'json'), c = Number(arg('-c', 1)), slices = Number(arg('--slices', 8)), sliceS = Number(arg('--slice-s', 2)), tokens = arg('--tokens', '16')
process.env.WRANGLER_SEND_METRICS = 'false'

const stops = []
const emu = await startBenchEmulator({ TOKENS: tokens })
const emuUrl = emu.url
stops.push(() => emu.child.kill('SIGTERM'))
try {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-ab-'))
  stops.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const { build } = await import('esbuild')
  const { offlineVars, DEV_ADMIN_TOKEN } = await import(path.join(ROOT, 'scripts/offline-env.mjs'))
  const vars = offlineVars(emuUrl)
  const bodies = promptBodies(Number(tokens) + 8)
  const t = {}
  for (const [name, dir] of Object.entries(sides)) {
    const outfile = path.join(tmp, name, 'index.js')
    // as wrangler.toml builds it: minified, no keepNames
    await build({ entryPoints: [path.join(dir, 'src/index.ts')], outfile, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', minify: true,
      external: ['cloudflare:*', 'node:*'], conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], nodePaths: [path.join(ROOT, 'node_modules')],
      tsconfig: path.join(ROOT, 'tsconfig.json'), logLevel: 'error' })
    const mf = new Miniflare({ host: '127.0.0.1', port: 0, ...(await triageWorker(outfile, vars)), handleRuntimeStdio(o, e) { o.resume(); e.resume() } })
    stops.push(() => mf.dispose())
    const url = (await mf.ready).origin
    const res = await fetch(`${url}/admin/tenants`, { method: 'POST', headers: { authorization: `Bearer ${vars.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ab', budget: { daily_usd: '100000', monthly_usd: '1000000' } }) })
    const key = (await res.json()).api_key
    t[name] = { dir, url, pid: pidListeningOn(Number(new URL(url).port)), load: (d, n = 1e6) => runLoad({ url: `${url}/v1/chat/completions`, stream: mode === 'stream', concurrency: c, duration: d, requests: n, headers: { authorization: `Bearer ${key}` }, bodies }), rows: [] }
  }
  for (const s of Object.values(t)) await s.load(2)
  for (let i = 0; i < slices; i++) {
    for (const name of i % 2 ? ['B', 'A'] : ['A', 'B']) {
      const s = t[name]
      const sm = startSampler(s.pid)
      const r = await s.load(sliceS)
      const cpu = sm.stop()
      s.rows.push({ cpu: cpu.cpuMs / r.requests, p50: r.latencyMs.p50, ttft: r.ttftMs?.p50 ?? null, rps: r.rps, errors: r.errors })
    }
  }
  const med = (xs) => { const v = xs.filter((x) => x != null).sort((a, b) => a - b); const m = v.length >> 1; return v.length ? (v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2) : null }
  console.log(`${mode} c=${c}, ${slices} slices of ${sliceS} s per side, alternating; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  for (const [name, s] of Object.entries(t)) {
    console.log(`${name} ${s.dir}: CPU/req ${med(s.rows.map((r) => r.cpu)).toFixed(3)} ms  p50 ${med(s.rows.map((r) => r.p50)).toFixed(3)} ms` +
      (mode === 'stream' ? `  ttft50 ${med(s.rows.map((r) => r.ttft)).toFixed(3)} ms` : '') + `  ${med(s.rows.map((r) => r.rps)).toFixed(0)} req/s  errors ${s.rows.reduce((a, r) => a + r.errors, 0)}` +
      `  (CPU per slice: ${s.rows.map((r) => r.cpu.toFixed(2)).join(' ')})`)
  }
} finally {
  for (const s of stops.reverse()) { try { await s() } catch {} }
}
