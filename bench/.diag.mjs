import { spawn, execFileSync } from 'node:child_process'
import http from 'node:http'
import fs from 'node:fs'
import { Miniflare } from 'miniflare'
import { unstable_getMiniflareWorkerOptions } from 'wrangler'
import { offlineVars } from '../scripts/offline-env.mjs'
import { sampleTree, pidListeningOn } from './procstat.mjs'
const dir = '/tmp/diagbuild'
execFileSync('node_modules/.bin/wrangler', ['deploy', '--dry-run', '--outdir', dir], { stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } })
const emu = spawn(process.execPath, ['bench/emulator.mjs'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TOKENS: process.argv[3] ?? '16' } })
const info = await new Promise((r) => emu.stdout.once('data', (d) => r(JSON.parse(String(d)))))
const { workerOptions: w } = unstable_getMiniflareWorkerOptions('wrangler.toml', undefined, { remoteBindingsEnabled: false })
const mf = new Miniflare({ host: '127.0.0.1', port: 0, modules: true, scriptPath: dir + '/index.js', modulesRoot: dir, compatibilityDate: w.compatibilityDate, bindings: offlineVars(info.url), kvNamespaces: w.kvNamespaces, durableObjects: w.durableObjects, handleRuntimeStdio(o, e) { o.resume(); e.on('data', (d) => process.stderr.write(d)) } })
const url = (await mf.ready).origin
const post = (path, body, headers = {}) => fetch(url + path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })
const t = await (await post('/admin/tenants', { name: 'd', budget: { daily_usd: '100000' } }, { authorization: 'Bearer dev-admin-token-change-me' })).json()
const rows = fs.readFileSync('../shared/routebench/dev.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).prompt)
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
const one = (prompt, stream) => new Promise((resolve) => {
  const body = Buffer.from(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: prompt }], max_tokens: 256, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }))
  const t0 = performance.now(); let tHead, tFirst
  const u = new URL(url + '/v1/chat/completions')
  const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${t.api_key}`, 'content-length': body.length } }, (res) => {
    tHead = performance.now(); let n = 0
    res.on('data', () => { if (!tFirst) tFirst = performance.now(); n++ })
    res.on('end', () => resolve({ tier: res.headers['x-triage-tier'], head: tHead - t0, first: tFirst - t0, total: performance.now() - t0, reads: n }))
  })
  req.end(body)
})
const mode = process.argv[2] === 'json' ? false : true
const pid = pidListeningOn(Number(new URL(url).port))
for (let k = 0; k < 2; k++) {
  const res = []
  const c0 = sampleTree(pid).cpuMs
  for (let i = 0; i < 150; i++) res.push(await one(rows[i * 7 % rows.length], mode))
  console.log('tokens', process.argv[3], 'cpu ms/req', ((sampleTree(pid).cpuMs - c0) / 150).toFixed(3))
  const by = {}
  for (const r of res) (by[r.tier] ??= []).push(r)
  for (const [tier, rs] of Object.entries(by)) {
    const tot = rs.map((r) => r.total).sort((a, b) => a - b)
    const slow = rs.filter((r) => r.total > 50)
    console.log(tier, 'n', rs.length, 'p50', tot[rs.length >> 1].toFixed(2), 'max', tot.at(-1).toFixed(1), 'slow>50ms', slow.length, slow.slice(0, 3).map((r) => JSON.stringify({ h: r.head.toFixed(1), f: r.first.toFixed(1), t: r.total.toFixed(1), reads: r.reads })).join(' '))
  }
}
await mf.dispose(); emu.kill()
