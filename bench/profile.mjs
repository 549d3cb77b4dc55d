#!/usr/bin/env node
// A V8 CPU profile of Triage's isolate under load, on Miniflare directly (the inspector, Chrome DevTools Protocol):
// which functions the request path spends its time in. Bundled unminified (scripts/workers.mjs's esbuild build), so
// the names are the source's. Prints the top functions by self time and by total time, and writes the .cpuprofile
// (open it in Chrome DevTools' Performance panel).
//
//   node bench/profile.mjs [--mode json|stream] [-c 1] [--duration 6] [--tokens 16] [--out FILE.cpuprofile]
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import WebSocket from 'ws'
import { promptBodies, runLoad } from './load.mjs'
import { startBenchEmulator } from './upstream.mjs'
import { TRIAGE, bundleWorker, triageWorker } from '../scripts/workers.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '..')
const arg = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? process.argv[i + 1] : d }
const mode = arg('--mode', 'json'), c = Number(arg('-c', 1)), duration = Number(arg('--duration', 6)), tokens = arg('--tokens', '16')
const out = arg('--out', path.join(os.tmpdir(), `triage-${mode}-c${c}.cpuprofile`))
process.env.WRANGLER_SEND_METRICS = 'false'

const free = () => new Promise((r) => { const s = http.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)) }) })
const emu = await startBenchEmulator({ TOKENS: tokens })
const emuUrl = emu.url
const stops = [() => emu.child.kill('SIGTERM')]
try {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-prof-'))
  stops.push(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const script = await bundleWorker(TRIAGE.entry, path.join(tmp, 'index.js'))
  const { offlineVars, DEV_ADMIN_TOKEN } = await import(path.join(ROOT, 'scripts/offline-env.mjs'))
  const vars = offlineVars(emuUrl)
  const inspectorPort = await free()
  const mf = new Miniflare({ host: '127.0.0.1', port: 0, inspectorPort, ...(await triageWorker(script, vars)), handleRuntimeStdio(o, e) { o.resume(); e.resume() } })
  stops.push(() => mf.dispose())
  const url = (await mf.ready).origin
  const res = await fetch(`${url}/admin/tenants`, { method: 'POST', headers: { authorization: `Bearer ${vars.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'prof', budget: { daily_usd: '100000', monthly_usd: '1000000' } }) })
  const tenant = await res.json()
  const bodies = promptBodies(Number(tokens) + 8)
  const load = (d) => runLoad({ url: `${url}/v1/chat/completions`, stream: mode === 'stream', concurrency: c, duration: d, requests: 1e6, headers: { authorization: `Bearer ${tenant.api_key}` }, bodies })
  await load(3)

  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()
  const t = targets.find((x) => x.title.endsWith('core:user:triage'))
  const ws = new WebSocket(t.webSocketDebuggerUrl)
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)))
  let id = 0
  const send = (method, params = {}) => new Promise((resolve) => {
    const mine = ++id
    const on = (m) => { const d = JSON.parse(String(m)); if (d.id === mine) { ws.off('message', on); resolve(d.result) } }
    ws.on('message', on)
    ws.send(JSON.stringify({ id: mine, method, params }))
  })
  await send('Profiler.enable')
  await send('Profiler.setSamplingInterval', { interval: 100 })
  await send('Profiler.start')
  const r = await load(duration)
  const { profile } = await send('Profiler.stop')
  ws.close()
  fs.writeFileSync(out, JSON.stringify(profile))

  // self and total time per function (µs per request), from the samples
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const ch of n.children ?? []) parent.set(ch, n.id)
  const dt = profile.timeDeltas, counts = new Map()
  for (let i = 0; i < profile.samples.length; i++) counts.set(profile.samples[i], (counts.get(profile.samples[i]) ?? 0) + (dt[i + 1] ?? 0))
  const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`
  const self = new Map(), total = new Map()
  for (const [nid, us] of counts) {
    const n = byId.get(nid)
    self.set(key(n), (self.get(key(n)) ?? 0) + us)
    const seen = new Set()
    for (let p = nid; p != null; p = parent.get(p)) { const k = key(byId.get(p)); if (!seen.has(k)) { seen.add(k); total.set(k, (total.get(k) ?? 0) + us) } }
  }
  const per = (us) => (us / r.requests).toFixed(1).padStart(8)
  console.log(`${mode} c=${c}: ${r.requests} requests, ${r.rps.toFixed(0)} req/s, p50 ${r.latencyMs?.p50} ms; µs of samples per request; profile: ${out}`)
  console.log('self:'); for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(per(v), k)
  console.log('total:'); for (const [k, v] of [...total].sort((a, b) => b[1] - a[1]).slice(0, 60)) console.log(per(v), k)
} finally {
  for (const s of stops.reverse()) { try { await s() } catch {} }
}
