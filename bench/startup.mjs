#!/usr/bin/env node
// npm run bench:startup — what it costs to start a Triage isolate, on Miniflare directly (no wrangler dev proxy).
//
//   npm run bench:startup                       10 fresh isolates per figure (≈ 1 min on 2 cores)
//   npm run bench:startup -- --runs 20 --json bench/results/startup.json
//
// Two figures, each the median (and min/max) over --runs fresh workerd processes:
//
//   1. Global-scope CPU: the Worker's bundle as deployed (`wrangler deploy --dry-run --minify --outdir`), loaded
//      the way `wrangler check startup` loads it: a wrapper module imports the bundle's main module inside a
//      request, with the V8 CPU profiler on (sampling every 50 µs) over the inspector. The figure is the profile's
//      non-idle time: evaluating every module's top level (compiling the functions it calls) and nothing else.
//      Date.now() does not advance during a request in workerd, so the profiler is the only clock that sees it.
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
import WebSocket from 'ws'
import { TRIAGE, triageWorker } from '../scripts/workers.mjs'
import { offlineVars } from '../scripts/offline-env.mjs'
import { startEmulatorServer } from '../test/fixtures/emulator-server.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
process.env.WRANGLER_SEND_METRICS = 'false'

const args = process.argv.slice(2)
const flag = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt }
const RUNS = Math.max(1, Math.min(50, Number(flag('--runs', 10))))
const JSON_OUT = flag('--json', null)

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-startup-'))
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
  return { median: round(median), min: round(s[0]), max: round(s[s.length - 1]), n: s.length }
}
const round = (x) => Math.round(x * 1000) / 1000

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

/** CPU (ms) spent importing `script` in a fresh isolate: the non-idle time of a CPU profile around the import. */
async function globalScopeCpu(script, settings) {
  const mf = new Miniflare({
    name: 'startup', ...settings, modulesRoot: path.dirname(script), inspectorPort: 0,
    modules: [
      { type: 'ESModule', path: path.join(path.dirname(script), '__startup.mjs'), contents: `export default { async fetch() { await import('./${path.basename(script)}'); return new Response('ok') } }` },
      { type: 'ESModule', path: script },
    ],
  })
  try {
    await mf.ready
    const ws = new WebSocket(new URL('/core:user:startup', await mf.getInspectorURL()).href)
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)))
    let id = 0
    const pending = new Map()
    ws.on('message', (m) => { const d = JSON.parse(String(m)); pending.get(d.id)?.(d.result); pending.delete(d.id) })
    const send = (method, params = {}) => new Promise((resolve) => { pending.set(++id, resolve); ws.send(JSON.stringify({ id, method, params })) })
    await send('Profiler.enable')
    await send('Profiler.setSamplingInterval', { interval: 50 })
    await send('Profiler.start')
    const res = await mf.dispatchFetch('http://startup.test/')
    if ((await res.text()) !== 'ok') throw new Error('the wrapper did not import the bundle')
    const { profile } = await send('Profiler.stop')
    ws.close()
    const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id))
    let us = 0
    profile.samples.forEach((node, i) => { if (!idle.has(node)) us += profile.timeDeltas[i] })
    return us / 1000
  } finally {
    await mf.dispose()
  }
}

function timed(url, init) {
  const t0 = performance.now()
  return fetch(url, init).then(async (res) => {
    const body = await res.text()
    return { ms: performance.now() - t0, status: res.status, body }
  })
}

async function main() {
  console.error(`building (wrangler deploy --dry-run --minify) in ${tmp} ...`)
  const script = await build()
  const bytes = fs.statSync(script).size

  // 1. global scope
  const settings = await compat(TRIAGE.config)
  const cpu = []
  for (let i = 0; i < RUNS; i++) cpu.push(await globalScopeCpu(script, settings))

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
    return { mf, url: (await mf.ready).origin }
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
  for (const name of Object.keys(probes)) first[name] = { cold: [], warm: [] }
  for (let i = 0; i < RUNS; i++) {
    for (const [name, [p, init]] of Object.entries(probes)) {
      const { mf, url } = await start()
      try {
        const cold = await timed(url + p, init)
        const warm = await timed(url + p, init)
        if (cold.status !== 200 || warm.status !== 200) throw new Error(`${name}: ${cold.status}/${warm.status} ${cold.body.slice(0, 300)}`)
        first[name].cold.push(cold.ms)
        first[name].warm.push(warm.ms)
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
    firstRequestMs: Object.fromEntries(Object.entries(first).map(([k, v]) => [k, { cold: stats(v.cold), warm: stats(v.warm) }])),
  }
  const lines = [
    `Triage start-up (${result.commit}; ${RUNS} fresh isolates per figure; ${os.cpus().length}× ${os.cpus()[0]?.model ?? ''})`,
    `bundle (minified): ${bytes} B`,
    `global-scope CPU (V8 profile of the import, non-idle): median ${result.globalScopeCpuMs.median} ms (min ${result.globalScopeCpuMs.min}, max ${result.globalScopeCpuMs.max})`,
    'first request on a cold isolate, wall ms (median; min–max) — and the second request, warm:',
    ...Object.entries(result.firstRequestMs).map(([k, v]) => `  ${k.padEnd(28)} cold ${String(v.cold.median).padStart(8)} (${v.cold.min}–${v.cold.max})   warm ${String(v.warm.median).padStart(7)} (${v.warm.min}–${v.warm.max})`),
  ]
  console.log(lines.join('\n'))
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(result, null, 2) + '\n')
}

try {
  await main()
} finally {
  fs.rmSync(tmp, { recursive: true, force: true })
}
