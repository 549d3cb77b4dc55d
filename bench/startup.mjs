#!/usr/bin/env node
// npm run bench:startup — what it costs to start a Triage isolate, on Miniflare directly (no wrangler dev proxy).
//
//   npm run bench:startup                       10 fresh isolates per figure (≈ 1 min on 2 cores)
//   npm run bench:startup -- --runs 20 --json bench/results/startup.json
//   npm run bench:startup -- --global-only --bundle /tmp/other/index.js   # figure 1 only, for a bundle built elsewhere
//
// Two figures, each the median (and min/max) over --runs fresh workerd processes:
//
//   1. Global-scope CPU: the Worker's bundle as deployed (`wrangler deploy --dry-run --minify --outdir`), loaded
//      the way `wrangler check startup` loads it: a wrapper module imports the bundle's main module inside a
//      request. The figure is workerd's CPU time (/proc, every thread) during that request less its CPU time
//      during the next one: compiling the script and evaluating its top level. (Date.now() does not advance during
//      a request in workerd, and the V8 profiler's clock is wall time, which other processes on a shared machine
//      inflate; CPU time is what they cannot.)
//   2. First request on a cold isolate: a fresh Miniflare running the Worker with wrangler.toml's bindings
//      (scripts/workers.mjs), storage persisted from a setup run (one tenant, created through the admin API), every
//      provider on the emulator server; the wall time of the isolate's very first request, then of a second one
//      (warm) for comparison. Probes: GET /healthz, POST /v1/chat/completions (model auto, JSON), GET /admin/tenants.
//
// Loopback only; every process started here is stopped here.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Miniflare } from 'miniflare'
import { cpuDeltaMs, pidListeningOn, sampleTree } from './procstat.mjs'
import { TRIAGE, triageWorker } from '../scripts/workers.mjs'
import { offlineVars } from '../scripts/offline-env.mjs'
import { startEmulatorServer } from '../test/fixtures/emulator-server.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
process.env.WRANGLER_SEND_METRICS = 'false'

const args = process.argv.slice(2)
const flag = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt }
const RUNS = Math.max(1, Math.min(50, Number(flag('--runs', 10))))
const JSON_OUT = flag('--json', null)
const BUNDLE = flag('--bundle', null)
const GLOBAL_ONLY = args.includes('--global-only')

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-startup-'))
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
  return { median: round(median), min: round(s[0]), max: round(s[s.length - 1]), n: s.length }
}
const round = (x) => Math.round(x * 1000) / 1000
const fmt = (s) => `${s.median.toFixed(2).padStart(7)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`

/** The Worker as it deploys: `wrangler deploy --dry-run --minify --outdir` (the bundle uploaded to Cloudflare). */
async function build() {
  const wrangler = path.join(ROOT, 'node_modules/.bin/wrangler')
  const dir = path.join(tmp, 'build')
  await promisify(execFile)(wrangler, ['deploy', '--dry-run', '--minify', '-c', TRIAGE.config, '--outdir', dir], { cwd: ROOT, env: process.env, maxBuffer: 1 << 24 })
  return path.join(dir, 'index.js')
}

/** Compatibility settings of a Worker, as wrangler reads them from its config. */
async function compat(config) {
  const { unstable_getMiniflareWorkerOptions } = await import('wrangler')
  const { workerOptions: o } = unstable_getMiniflareWorkerOptions(path.join(ROOT, config), undefined, { remoteBindingsEnabled: false })
  return { compatibilityDate: o.compatibilityDate, compatibilityFlags: o.compatibilityFlags ?? [] }
}

/**
 * CPU (ms) spent importing `script` in a fresh isolate: the workerd process's CPU time (every thread, from
 * /proc, nanosecond resolution) during the request that imports it, less its CPU time during the next, identical
 * request (the module is loaded by then, so that one is the request's own cost). CPU time, not wall time: other
 * processes on the machine delay the import but do not add to it.
 */
async function globalScopeCpu(script, settings) {
  const mf = new Miniflare({
    name: 'startup', ...settings, host: '127.0.0.1', port: 0, modulesRoot: path.dirname(script),
    modules: [
      { type: 'ESModule', path: path.join(path.dirname(script), '__startup.mjs'), contents: `export default { async fetch() { await import('./${path.basename(script)}'); return new Response('ok') } }` },
      { type: 'ESModule', path: script },
    ],
  })
  try {
    const url = await mf.ready
    const pids = sampleTree(pidListeningOn(Number(url.port))).pids
    const cpuOf = async () => {
      const before = sampleTree(null, pids).cpu
      const res = await fetch(url)
      if ((await res.text()) !== 'ok') throw new Error('the wrapper did not import the bundle')
      return cpuDeltaMs(before, sampleTree(null, pids).cpu)
    }
    const first = await cpuOf()
    return first - (await cpuOf())
  } finally {
    await mf.dispose()
  }
}

/** One request: its wall time, and (given workerd's pids) workerd's CPU time while it ran. */
async function timed(url, init, pids) {
  const before = pids && sampleTree(null, pids).cpu
  const t0 = performance.now()
  const res = await fetch(url, init)
  const body = await res.text()
  const ms = performance.now() - t0
  return { ms, cpuMs: pids ? cpuDeltaMs(before, sampleTree(null, pids).cpu) : null, status: res.status, body }
}

async function main() {
  if (!BUNDLE) console.error(`building (wrangler deploy --dry-run --minify) in ${tmp} ...`)
  const script = BUNDLE ? path.resolve(BUNDLE) : await build()
  const bytes = fs.statSync(script).size

  // 1. global scope
  const settings = await compat(TRIAGE.config)
  const cpu = []
  for (let i = 0; i < RUNS; i++) cpu.push(await globalScopeCpu(script, settings))

  if (GLOBAL_ONLY) {
    console.log(`${script}: ${bytes} B; global-scope CPU (workerd CPU time of the import), ms, ${RUNS} runs: ${fmt(stats(cpu))}`)
    return
  }

  // 2. the first request on a cold isolate
  const emulator = await startEmulatorServer(0)
  const vars = offlineVars(emulator.url)
  const persist = path.join(tmp, 'persist')
  const start = async () => {
    const mf = new Miniflare({
      host: '127.0.0.1', port: 0, kvPersist: path.join(persist, 'kv'), durableObjectsPersist: path.join(persist, 'do'),
      ...(await triageWorker(script, vars)),
      handleRuntimeStdio(stdout, stderr) { stdout.resume(); stderr.resume() },
    })
    const url = await mf.ready
    return { mf, url: url.origin, pids: sampleTree(pidListeningOn(Number(url.port))).pids }
  }
  const admin = { authorization: `Bearer ${vars.ADMIN_TOKEN}`, 'content-type': 'application/json' }
  const setup = await start()
  const created = await timed(`${setup.url}/admin/tenants`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'startup', budget: { daily_usd: 1000 } }) })
  await setup.mf.dispose()
  if (created.status !== 201) throw new Error(`POST /admin/tenants: ${created.status} ${created.body.slice(0, 300)}`)
  const key = JSON.parse(created.body).api_key
  const probes = {
    'GET /healthz': ['/healthz', {}],
    'POST /v1/chat/completions': ['/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Say hello.' }] }) }],
    'GET /admin/tenants': ['/admin/tenants?limit=1', { headers: admin }],
  }
  const first = {}
  for (const name of Object.keys(probes)) first[name] = { cold: [], warm: [], coldCpu: [], warmCpu: [] }
  for (let i = 0; i < RUNS; i++) {
    for (const [name, [p, init]] of Object.entries(probes)) {
      const { mf, url, pids } = await start()
      try {
        const cold = await timed(url + p, init, pids)
        const warm = await timed(url + p, init, pids)
        if (cold.status !== 200 || warm.status !== 200) throw new Error(`${name}: ${cold.status}/${warm.status} ${cold.body.slice(0, 300)}`)
        first[name].cold.push(cold.ms)
        first[name].warm.push(warm.ms)
        first[name].coldCpu.push(cold.cpuMs)
        first[name].warmCpu.push(warm.cpuMs)
      } finally {
        await mf.dispose()
      }
    }
  }
  await emulator.close()

  const result = {
    commit: await promisify(execFile)('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).then((r) => r.stdout.trim(), () => null),
    bundleBytes: bytes,
    runs: RUNS,
    globalScopeCpuMs: stats(cpu),
    firstRequestMs: Object.fromEntries(Object.entries(first).map(([k, v]) => [k, { cold: stats(v.cold), warm: stats(v.warm), coldCpu: stats(v.coldCpu), warmCpu: stats(v.warmCpu) }])),
  }
  const lines = [
    `Triage start-up (${result.commit}; ${RUNS} fresh isolates per figure; ${os.cpus().length}× ${os.cpus()[0]?.model ?? ''})`,
    `bundle (minified): ${bytes} B`,
    `global-scope CPU (workerd CPU time of the import), ms: ${fmt(result.globalScopeCpuMs)}`,
    'first request on a cold isolate — and the second request, warm: wall ms and workerd CPU ms, median (min–max):',
    ...Object.entries(result.firstRequestMs).map(([k, v]) => `  ${k.padEnd(26)} cold wall ${fmt(v.cold)}  cpu ${fmt(v.coldCpu)}   warm wall ${fmt(v.warm)}  cpu ${fmt(v.warmCpu)}`),
  ]
  console.log(lines.join('\n'))
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(result, null, 2) + '\n')
}

try {
  await main()
} finally {
  fs.rmSync(tmp, { recursive: true, force: true })
}
