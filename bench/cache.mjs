#!/usr/bin/env node
// npm run bench:cache — the response cache (src/cache) on Miniflare, bounded (≈ 30–60 s on 2 cores), 127.0.0.1 only.
//
//   1. Storage: the latency of a cache hit in KV against the Workers Cache API (caches.default), one operation per
//      request (bench/workers/cache-store.js), a ~2 KB stored answer, interleaved, next to a request that does nothing.
//   2. Triage: a miss (upstream called: bench/emulator.mjs at --first-ms/--token-ms) against a hit (answered from the
//      cache), JSON and SSE, as a real tenant whose policy enables the cache, sequential requests on one connection.
//
//   node bench/cache.mjs [--requests N (per cell, default 300, max 2000)] [--first-ms N] [--token-ms N]
//
// Miniflare runs KV and the Cache API locally (SQLite and files): the figures compare the two code paths on one
// machine, not Cloudflare's network (docs/BENCHMARKS.md#response-cache).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { startBenchEmulator } from './upstream.mjs'
import { TRIAGE, bundleWorker, triageWorker } from '../scripts/workers.mjs'
import { offlineVars, DEV_ADMIN_TOKEN } from '../scripts/offline-env.mjs'

process.env.WRANGLER_SEND_METRICS = 'false'
const HERE = path.dirname(fileURLToPath(import.meta.url))
const arg = (name, def) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : def
}
const N = Math.min(2000, arg('--requests', 300))
const FIRST_MS = arg('--first-ms', 0)
const TOKEN_MS = arg('--token-ms', 0)

const stoppers = []
const cleanup = async () => { while (stoppers.length) await stoppers.pop()().catch(() => {}) }
setTimeout(async () => { console.error('bench:cache: wall-clock guard (180 s) hit, stopping'); await cleanup(); process.exit(3) }, 180_000).unref()

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
function request(method, url, body, headers = {}) {
  const u = new URL(url)
  if (u.hostname !== '127.0.0.1') throw new Error(`refusing non-loopback URL ${url}`)
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
    const t0 = process.hrtime.bigint()
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, agent,
      headers: { 'content-type': 'application/json', ...headers, ...(data ? { 'content-length': data.length } : {}) } }, (res) => {
      let b = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { b += d })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: b, ms: Number(process.hrtime.bigint() - t0) / 1e6 }))
    })
    req.on('error', reject)
    req.end(data)
  })
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] }
const stats = (xs) => ({ n: xs.length, p50_ms: +pct(xs, 50).toFixed(3), p95_ms: +pct(xs, 95).toFixed(3), mean_ms: +(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3) })

// A stored answer of the size Triage stores for a short completion (~2 KB).
const answer = JSON.stringify({ v: 1, completion: { id: 'chatcmpl-x', object: 'chat.completion', created: 1, model: 'gpt-4.1', choices: [{ index: 0, message: { role: 'assistant', content: 'word '.repeat(300), refusal: null }, logprobs: null, finish_reason: 'stop' }] }, usage: { input: 20, cachedInput: 0, cacheWrite: 0, output: 300, reasoning: 0 }, model: 'gpt-4.1', provider: 'openai', tier: 'premium', cost_nano: 2_440_000, stored_at: Date.now() })

async function storage() {
  const mf = new Miniflare({
    host: '127.0.0.1', port: 0, modules: true, scriptPath: path.join(HERE, 'workers/cache-store.js'), compatibilityDate: '2026-04-01',
    kvNamespaces: ['KV'], handleRuntimeStdio(out, err) { out.resume(); err.resume() },
  })
  stoppers.push(() => mf.dispose())
  const url = (await mf.ready).origin
  const KEYS = 50
  for (let k = 0; k < KEYS; k++) {
    await request('POST', `${url}/kv/put?k=${k}`, answer)
    await request('POST', `${url}/cache/put?k=${k}`, answer)
  }
  const t = { noop: [], kv: [], cache: [] }
  for (let i = 0; i < 100; i++) for (const p of ['noop', 'kv/get', 'cache/get']) await request('GET', `${url}/${p}?k=${i % KEYS}`) // warm-up
  for (let i = 0; i < N; i++) {
    const a = await request('GET', `${url}/noop`)
    const b = await request('GET', `${url}/kv/get?k=${i % KEYS}`)
    const c = await request('GET', `${url}/cache/get?k=${i % KEYS}`)
    if (b.body !== 'hit' || c.body !== 'hit') throw new Error(`expected hits, got kv=${b.body} cache=${c.body}`)
    t.noop.push(a.ms); t.kv.push(b.ms); t.cache.push(c.ms)
  }
  return { noop: stats(t.noop), kv_get_hit: stats(t.kv), cache_api_match_hit: stats(t.cache) }
}

async function startEmulator() {
  const emu = await startBenchEmulator({ FIRST_TOKEN_DELAY_MS: String(FIRST_MS), TOKEN_DELAY_MS: String(TOKEN_MS) }, (cmd, args, o) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...o })
    stoppers.push(async () => { if (child.exitCode === null) child.kill('SIGTERM') })
    return child
  })
  return emu.url
}

async function triage() {
  const emu = await startEmulator()
  const script = await bundleWorker(TRIAGE.entry, path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'triage-bench-cache-')), 'index.js'))
  const mf = new Miniflare({ host: '127.0.0.1', port: 0, ...(await triageWorker(script, offlineVars(emu))), handleRuntimeStdio(out, err) { out.resume(); err.resume() } })
  stoppers.push(() => mf.dispose())
  const url = (await mf.ready).origin
  const created = await request('POST', `${url}/admin/tenants`, { name: 'bench-cache', budget: { daily_usd: '100000' }, policy: { cache: { enabled: true, ttl_s: 3600 } } }, { authorization: `Bearer ${DEV_ADMIN_TOKEN}` })
  if (created.status !== 201) throw new Error(`POST /admin/tenants: ${created.status} ${created.body.slice(0, 300)}`)
  const key = JSON.parse(created.body).api_key
  const out = {}
  for (const mode of ['json', 'stream']) {
    const body = (i) => ({ model: 'triage/premium', temperature: 0, stream: mode === 'stream', messages: [{ role: 'user', content: `Bench question ${mode} ${i}: what is ${i} + ${i}?` }] })
    const call = (i) => request('POST', `${url}/v1/chat/completions`, body(i), { authorization: `Bearer ${key}` })
    for (let i = 0; i < 30; i++) await call(-1 - i) // warm-up (misses, then their hits below are not measured)
    const miss = []
    const hit = []
    for (let i = 0; i < N; i++) {
      const m = await call(i)
      if (m.status !== 200 || m.headers['x-triage-cache'] !== 'miss') throw new Error(`expected a miss: ${m.status} ${m.headers['x-triage-cache']}`)
      miss.push(m.ms)
    }
    for (let i = 0; i < N; i++) {
      const h = await call(i)
      if (h.status !== 200 || h.headers['x-triage-cache'] !== 'hit') throw new Error(`expected a hit: ${h.status} ${h.headers['x-triage-cache']}`)
      hit.push(h.ms)
    }
    out[mode] = { miss: stats(miss), hit: stats(hit) }
  }
  return out
}

try {
  const t0 = Date.now()
  const result = { requests_per_cell: N, emulator: { first_ms: FIRST_MS, token_ms: TOKEN_MS }, storage: await storage(), triage: await triage(), seconds: 0 }
  result.seconds = Math.round((Date.now() - t0) / 100) / 10
  console.log(JSON.stringify(result, null, 2))
  const row = (name, s) => console.log(`${name.padEnd(34)} p50 ${s.p50_ms.toFixed(3).padStart(8)} ms   p95 ${s.p95_ms.toFixed(3).padStart(8)} ms   mean ${s.mean_ms.toFixed(3).padStart(8)} ms`)
  console.log('\nstorage, one op per request (Miniflare):')
  row('  request doing nothing', result.storage.noop)
  row('  KV get (hit)', result.storage.kv_get_hit)
  row('  Cache API match (hit)', result.storage.cache_api_match_hit)
  for (const mode of ['json', 'stream']) {
    console.log(`Triage, ${mode}:`)
    row('  miss (upstream called)', result.triage[mode].miss)
    row('  hit (from the cache)', result.triage[mode].hit)
  }
} finally {
  await cleanup()
  agent.destroy()
}
