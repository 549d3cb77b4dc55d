#!/usr/bin/env node
// npm run bench — what Triage adds on top of calling the provider directly, next to a bare pass-through Worker
// (the floor: the limit of workerd on this machine) and the Portkey AI Gateway, all in one run (issue 6).
//
//   npm run bench                       full matrix + Portkey (≈ 6–9 min on 2 cores)
//   npm run bench -- --smoke            a few hundred requests per target, no Portkey (< 60 s; test/node/bench-smoke.test.ts)
//
// What it does, in order:
//   1. builds the Worker like a deploy: `wrangler deploy --dry-run --outdir` (the bundle it runs) and
//      `--minify --outdir` (the bundle it sizes, raw and gzip);
//   2. starts bench/emulator.mjs (every provider wire format, configurable time to first token / per-token delay);
//   3. starts, each on its own Miniflare (`new Miniflare()`, so each has its own workerd process to sample), with
//      no wrangler dev / unstable_startWorker proxy in front: Triage (the router; scripts/workers.mjs: the built
//      bundle with wrangler.toml's KV and TenantLedger SQLite DO, every provider pointed at the emulator), the floor
//      (bench/workers/floor.js), and the ledger worker (bench/workers/ledger.ts);
//   4. optionally Portkey (@portkey-ai/gateway, pinned in bench/portkey/: a temp copy of it, `npm ci` there);
//   5. drives closed-loop load (bounded in requests and seconds, 127.0.0.1 only) at direct / floor / router /
//      portkey, interleaved per cell: JSON and SSE × concurrency, `model: "auto"` with the project's own prompts
//      (bench/prompts.jsonl: chit-chat to proofs, EN/JA/ZH, over all three tiers), as a real tenant;
//   6. checks that streams are not buffered, measures the scorer, the ledger's reserve+settle throughput, and
//      writes bench/results/<date>.json and a table.
//
// Options [defaults; --smoke defaults in brackets after]:
//   --smoke              small run: duration 1.5 s/cell, requests 150/cell, c=1,16, no Portkey, no idle wait
//   --duration S         measured seconds per cell [6]            --requests N   max measured requests per cell [40000]
//   --concurrency LIST   [1,16,64]                                --modes LIST   [json,stream]
//   --rounds N           repeat the interleaved matrix; table shows per-cell medians [1]
//   --prewarm S          unmeasured seconds per target before the matrix, at c=16 [6; smoke 1]
//   --idle-wait S        before each cell wait up to S s for other processes to use < 0.25 cores [4; smoke 0]
//   --first-ms N --token-ms N --tokens N   emulator timing [0 0 16]
//   --no-portkey         skip Portkey                             --portkey-dir DIR   reuse a Portkey copy there
//   --ledger-ops N       reserve+settle pairs per ledger run [5000; smoke 1000]
//   --long-events N      events per answer in the long-stream cell, 0 = no such cell [1000]
//   --long-concurrency LIST   concurrency of the long-stream cell [1,16; smoke 1]
//   --out FILE           results JSON [bench/results/<YYYY-MM-DD>.json; smoke: bench/results/<date>-smoke.json]
//   --quiet              only the final table
import { spawn, execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { promptBodies, runLoad } from './load.mjs'
import { startBenchEmulator } from './upstream.mjs'
import { TRIAGE, bundleWorker, triageWorker } from '../scripts/workers.mjs'
import { startSampler, sampleTree, cpuDeltaMs, pidListeningOn, machineBusyMs } from './procstat.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '..')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const execFileP = promisify(execFile)
process.env.WRANGLER_SEND_METRICS = 'false'

// ---------------------------------------------------------------- options
function parseArgs(argv) {
  const smoke = argv.includes('--smoke')
  const o = {
    smoke, duration: smoke ? 1.5 : 6, requests: smoke ? 150 : 40_000, concurrency: smoke ? [1, 16] : [1, 16, 64], modes: ['json', 'stream'],
    rounds: 1, prewarm: smoke ? 1 : 6, idleWait: smoke ? 0 : 4, firstMs: 0, tokenMs: 0, tokens: 16, portkey: !smoke, portkeyDir: null,
    ledgerOps: smoke ? 1000 : 5000, out: null, quiet: false, longEvents: 1000, longConcurrency: smoke ? [1] : [1, 16],
  }
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]
    const v = () => { const x = argv[++i]; if (x === undefined) throw new Error(`${k} needs a value`); return x }
    switch (k) {
      case '--smoke': break
      case '--duration': o.duration = Math.min(60, Number(v())); break
      case '--requests': o.requests = Math.min(500_000, Number(v())); break
      case '--concurrency': o.concurrency = v().split(',').map(Number); break
      case '--modes': o.modes = v().split(','); break
      case '--rounds': o.rounds = Math.min(5, Number(v())); break
      case '--prewarm': o.prewarm = Number(v()); break
      case '--idle-wait': o.idleWait = Number(v()); break
      case '--first-ms': o.firstMs = Number(v()); break
      case '--token-ms': o.tokenMs = Number(v()); break
      case '--tokens': o.tokens = Number(v()); break
      case '--no-portkey': o.portkey = false; break
      case '--portkey': o.portkey = true; break
      case '--portkey-dir': o.portkeyDir = v(); break
      case '--long-events': o.longEvents = Math.min(100_000, Number(v())); break
      case '--long-concurrency': o.longConcurrency = v().split(',').map(Number); break
      case '--ledger-ops': o.ledgerOps = Math.min(200_000, Number(v())); break
      case '--out': o.out = v(); break
      case '--quiet': o.quiet = true; break
      case '-h': case '--help': o.help = true; break
      default: throw new Error(`unknown argument ${k}`)
    }
  }
  for (const m of o.modes) if (!['json', 'stream'].includes(m)) throw new Error(`bad mode ${m}`)
  return o
}

let opt
try { opt = parseArgs(process.argv.slice(2)) } catch (e) { console.error(`bench: ${e.message}`); process.exit(2) }
if (opt.help) {
  console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'))
  process.exit(0)
}
const log = (...a) => { if (!opt.quiet) console.error(...a) }
const round2 = (x, d = 3) => (x == null || Number.isNaN(x) ? null : Math.round(x * 10 ** d) / 10 ** d)

// ---------------------------------------------------------------- lifecycle: everything started here is stopped here, by handle/pid
const stoppers = []
async function cleanup() {
  while (stoppers.length) {
    const s = stoppers.pop()
    try { await s() } catch {}
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { await cleanup(); process.exit(130) })
const nTargets = 3 + (opt.portkey ? 1 : 0)
const cells = opt.rounds * opt.modes.length * opt.concurrency.length * nTargets + (opt.longEvents > 0 ? opt.longConcurrency.length * nTargets : 0)
const guardS = cells * (opt.duration + opt.idleWait + 25) + nTargets * (opt.prewarm + 20) + (opt.portkey ? 300 : 0) + 240
setTimeout(async () => { console.error(`bench: wall-clock guard (${guardS} s) hit, stopping`); await cleanup(); process.exit(3) }, guardS * 1000).unref()

function spawnChild(cmd, args, o = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...o })
  stoppers.push(() => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode) return resolve()
    const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL') } catch {} }, 3000)
    child.once('exit', () => { clearTimeout(t); resolve() })
    try { process.kill(child.pid, 'SIGTERM') } catch { clearTimeout(t); resolve() }
  }))
  return child
}

function request(method, url, body, headers = {}, timeoutMs = 30_000) {
  const u = new URL(url)
  if (u.hostname !== '127.0.0.1') throw new Error(`refusing non-loopback URL ${url}`)
  return new Promise((resolve) => {
    const data = body === undefined ? null : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
    const t0 = process.hrtime.bigint()
    const req = http.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, agent: false,
      headers: { 'content-type': 'application/json', ...headers, ...(data ? { 'content-length': data.length } : {}) } }, (res) => {
      let b = ''
      res.setEncoding('utf8')
      res.on('data', (d) => { b += d })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: b, ms: Number(process.hrtime.bigint() - t0) / 1e6 }))
    })
    req.on('error', (e) => resolve({ status: 0, error: e.message, body: '', ms: Number(process.hrtime.bigint() - t0) / 1e6 }))
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)))
    req.end(data)
  })
}

// ---------------------------------------------------------------- steps
async function buildBundles(dir) {
  const wrangler = path.join(ROOT, 'node_modules/.bin/wrangler')
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' }
  const run = async (args) => (await execFileP(wrangler, args, { cwd: ROOT, env, maxBuffer: 1 << 24 }))
  // The Worker as it deploys: --outdir (the bundle that runs here) and --minify (the bundle that is sized).
  const sized = async (config) => {
    const raw = path.join(dir, 'raw'), min = path.join(dir, 'min')
    await run(['deploy', '--dry-run', '-c', config, '--outdir', raw])
    const m = await run(['deploy', '--dry-run', '-c', config, '--minify', '--outdir', min])
    const w = /Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/.exec(m.stdout + m.stderr)
    const js = fs.readFileSync(path.join(min, 'index.js'))
    const size = {
      command: `wrangler deploy --dry-run -c ${config} --minify --outdir <tmp>`,
      rawBytes: js.length, gzipBytes: zlib.gzipSync(js).length,
      wranglerUploadKiB: w ? Number(w[1]) : null, wranglerGzipKiB: w ? Number(w[2]) : null,
    }
    size.gzipKiB = round2(size.gzipBytes / 1024, 2)
    return { script: path.join(raw, 'index.js'), size }
  }
  const triage = await sized(TRIAGE.config)
  const ledgerOut = await bundleWorker('bench/workers/ledger.ts', path.join(dir, 'ledger', 'index.js'))
  return { script: triage.script, ledgerScript: ledgerOut, bundle: triage.size }
}

async function startEmulator() {
  const { url, pid } = await startBenchEmulator(
    { FIRST_TOKEN_DELAY_MS: String(opt.firstMs), TOKEN_DELAY_MS: String(opt.tokenMs), TOKENS: String(opt.tokens) },
    (cmd, args, o) => {
      const child = spawnChild(cmd, args, o)
      child.stderr.on('data', (d) => log(`[emulator] ${String(d).trim()}`))
      return child
    })
  return { url, pid }
}

/** One Miniflare (its own workerd process) running one ES-module script, or the given `workers` (the first gets the port). */
async function startWorkerd(name, scriptPath, extra) {
  const { Miniflare } = await import('miniflare')
  const stdio = { bytes: 0, tail: '' }
  const mf = new Miniflare({
    host: '127.0.0.1', port: 0,
    ...(extra.workers ? { workers: extra.workers } : {
      name, modules: true, scriptPath, modulesRoot: path.dirname(scriptPath),
      compatibilityDate: extra.compatibilityDate, compatibilityFlags: extra.compatibilityFlags ?? [],
      bindings: extra.bindings ?? {}, kvNamespaces: extra.kvNamespaces, durableObjects: extra.durableObjects,
    }),
    // The Worker's own logs (Triage writes one JSON line per request) are read and counted, not printed.
    handleRuntimeStdio(stdout, stderr) {
      for (const s of [stdout, stderr]) s.on('data', (d) => { stdio.bytes += d.length; stdio.tail = (stdio.tail + d).slice(-2000) })
    },
  })
  stoppers.push(() => mf.dispose())
  const url = (await mf.ready).origin
  const pid = pidListeningOn(Number(new URL(url).port))
  return { name, url, pid, mf, stdio }
}

function workerdOptionsFromWranglerToml() {
  // wrangler's own reading of wrangler.toml into Miniflare options (the same path vitest-pool-workers takes).
  return import('wrangler').then(({ unstable_getMiniflareWorkerOptions }) => {
    const prev = process.env.WRANGLER_LOG
    process.env.WRANGLER_LOG = 'error'
    try {
      const { workerOptions: w } = unstable_getMiniflareWorkerOptions(path.join(ROOT, 'wrangler.toml'), undefined, { remoteBindingsEnabled: false })
      // `[ai]` is left out: the AI binding always reaches Cloudflare. WORKERS_AI_BASE_URL + account + token send
      // the trivial tier over Workers AI's REST wire format to the emulator instead (src/providers/workers-ai).
      return { compatibilityDate: w.compatibilityDate, compatibilityFlags: w.compatibilityFlags, kvNamespaces: w.kvNamespaces, durableObjects: w.durableObjects, vars: w.bindings ?? {} }
    } finally {
      if (prev === undefined) delete process.env.WRANGLER_LOG; else process.env.WRANGLER_LOG = prev
    }
  })
}

async function preparePortkey() {
  const src = path.join(HERE, 'portkey')
  const lock = fs.readFileSync(path.join(src, 'package-lock.json'))
  const dir = opt.portkeyDir ?? path.join(os.tmpdir(), `triage-bench-portkey-${createHash('sha256').update(lock).digest('hex').slice(0, 12)}`)
  const entry = path.join(dir, 'node_modules/@portkey-ai/gateway/build/start-server.js')
  if (!fs.existsSync(entry)) {
    log(`portkey: copying ${src} to ${dir} and running npm ci there...`)
    fs.rmSync(dir, { recursive: true, force: true })
    fs.cpSync(src, dir, { recursive: true })
    await execFileP('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, timeout: 240_000, maxBuffer: 1 << 24 })
    if (!fs.existsSync(entry)) throw new Error(`npm ci finished but ${entry} is missing`)
  }
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/@portkey-ai/gateway/package.json'), 'utf8')).version
  return { dir, entry, version }
}

async function startPortkey(pk, emulatorUrl) {
  const port = await freePort()
  const child = spawnChild(process.execPath, [pk.entry, `--port=${port}`, '--headless'], { cwd: pk.dir })
  child.stdout.resume(); child.stderr.resume()
  const t0 = Date.now()
  for (;;) {
    const r = await request('GET', `http://127.0.0.1:${port}/`, undefined, {}, 1000)
    if (r.status > 0) break
    if (Date.now() - t0 > 30_000) throw new Error('portkey did not start listening within 30 s')
    await sleep(50)
  }
  return { url: `http://127.0.0.1:${port}/v1/chat/completions`, pid: child.pid, listenMs: Date.now() - t0,
    headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${emulatorUrl}/openai/v1`, authorization: 'Bearer sk-emulator' } }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = http.createServer()
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
    s.on('error', reject)
  })
}

async function scorerBench(bodies) {
  const { loadScorer } = await import(path.join(ROOT, 'scripts/scoring/bundle.mjs'))
  const { score } = await loadScorer()
  for (let k = 0; k < 3; k++) for (const b of bodies) score(b)
  const times = []
  const passes = opt.smoke ? 1 : 5
  for (let p = 0; p < passes; p++) {
    for (const b of bodies) {
      const t0 = process.hrtime.bigint()
      score(b)
      times.push(Number(process.hrtime.bigint() - t0) / 1000)
    }
  }
  times.sort((a, b) => a - b)
  const q = (f) => times[Math.min(times.length - 1, Math.floor(f * times.length))]
  return { calls: times.length, medianUs: round2(q(0.5), 2), p99Us: round2(q(0.99), 2), maxUs: round2(times.at(-1), 1),
    where: `Node ${process.version} V8, src/scoring bundled by scripts/scoring/bundle.mjs (workerd stops its clock during execution, so it is timed here)` }
}

async function ledgerBench(ledger) {
  const out = []
  for (const tenants of [1, 100]) {
    const run = `${Date.now().toString(36)}${tenants}`
    const setup = await request('POST', `${ledger.url}/setup`, { run, tenants })
    if (setup.status !== 200) throw new Error(`ledger setup: ${setup.status} ${setup.body.slice(0, 300)}`)
    const s0 = sampleTree(ledger.pid)
    const r = await request('POST', `${ledger.url}/run`, { run, tenants, ops: opt.ledgerOps, concurrency: 64 }, {}, 120_000)
    const s1 = sampleTree(ledger.pid)
    if (r.status !== 200) throw new Error(`ledger run: ${r.status} ${r.body.slice(0, 300)}`)
    const j = JSON.parse(r.body)
    out.push({ tenants, ops: j.ops, chargedByDO: j.charged, exact: j.charged === j.ops, seconds: round2(r.ms / 1000), opsPerSec: Math.round(j.ops / (r.ms / 1000)),
      doSyncs: j.syncs, refills: j.refills, servedFromLease: j.local, cpuMsPerOp: round2(cpuDeltaMs(s0.cpu, s1.cpu) / j.ops) })
    log(`ledger: ${tenants} tenant(s): ${j.ops} reserve+settle in ${(r.ms / 1000).toFixed(2)} s = ${Math.round(j.ops / (r.ms / 1000))}/s, DO charged ${j.charged}, ${j.syncs} DO syncs`)
  }
  return out
}

/**
 * The long-stream cell: every answer `opt.longEvents` SSE events long (max_tokens raised to match), streamed at each
 * of `opt.longConcurrency`. With the matrix's stream cell at the same concurrency (`opt.tokens` events) it gives the
 * CPU each further event costs, and, by the same line, how long a stream fits in `CPU_LIMIT_MS` of CPU per request.
 */
const CPU_LIMIT_MS = 10 // Workers Free plan: 10 ms of CPU per request
async function longStreamCells(targets, emulatorUrl, bodies, shortCell) {
  const events = opt.longEvents
  const long = bodies.map((b) => ({ ...b, max_tokens: events + 8 }))
  await request('POST', `${emulatorUrl}/timing`, { tokens: events })
  const rows = []
  try {
    for (const c of opt.longConcurrency) {
      for (const t of targets) {
        if (t.failed.includes('stream')) continue
        const loadOpts = { url: t.url, stream: true, concurrency: c, duration: opt.duration, requests: opt.smoke ? Math.max(8, 2 * c) : opt.requests, headers: t.headers, bodies: long }
        await runLoad({ ...loadOpts, duration: 30, requests: opt.smoke ? c : Math.max(4, c) })
        const st = startSampler(t.pid)
        const r = await runLoad(loadOpts)
        const s = st.stop()
        const cpu = s ? s.cpuMs / Math.max(1, r.requests) : null
        const short = shortCell(t.label, c)?.serverCpuMsPerReq ?? null
        // the line through (opt.tokens, short) and (events, cpu): CPU per further event, and where it reaches the limit
        const perEventMs = cpu != null && short != null ? (cpu - short) / (events - opt.tokens) : null
        const fits = perEventMs > 0 ? Math.floor(opt.tokens + (CPU_LIMIT_MS - short) / perEventMs) : null
        rows.push({ label: t.label, concurrency: c, events, requests: r.requests, errors: r.errors, sampleError: r.sampleError, rps: r.rps,
          p50: r.latencyMs?.p50 ?? null, ttftP50: r.ttftMs?.p50 ?? null, cpuMsPerReq: round2(cpu), shortCpuMsPerReq: short,
          cpuUsPerEvent: cpu != null ? round2((cpu / events) * 1000, 1) : null, marginalUsPerEvent: perEventMs != null ? round2(perEventMs * 1000, 1) : null,
          eventsIn10msCpu: fits })
        log(`long ${t.label.padEnd(8)} c=${String(c).padEnd(3)} ${events} events: ${round2(r.rps, 1)} req/s  p50 ${r.latencyMs?.p50}  cpu/req ${round2(cpu)}  ` +
          `+${perEventMs != null ? round2(perEventMs * 1000, 1) : '-'} µs/event  fits ${fits ?? '-'} events in ${CPU_LIMIT_MS} ms  err ${r.errors}${r.errors ? ' ' + r.sampleError : ''}`)
      }
    }
  } finally {
    await request('POST', `${emulatorUrl}/timing`, { tokens: opt.tokens })
  }
  return { events, cpuLimitMs: CPU_LIMIT_MS, shortEvents: opt.tokens, rows }
}

/** Stream buffering check: with a 20 ms gap between tokens, the first token must come out ~when it comes in. */
async function bufferingCheck(targets, emulatorUrl, bodies) {
  const gap = 20
  await request('POST', `${emulatorUrl}/timing`, { firstMs: 0, tokenMs: gap })
  const out = {}
  try {
    for (const t of targets) {
      const r = await runLoad({ url: t.url, stream: true, concurrency: 1, requests: opt.smoke ? 5 : 20, duration: 20, headers: t.headers, bodies })
      out[t.label] = { ok: r.ok, errors: r.errors, ttftP50: r.ttftMs?.p50 ?? null, latencyP50: r.latencyMs?.p50 ?? null }
    }
  } finally {
    await request('POST', `${emulatorUrl}/timing`, { firstMs: opt.firstMs, tokenMs: opt.tokenMs })
  }
  const d = out.direct, ro = out.router
  const streamMs = (opt.tokens - 1) * gap
  return { tokenGapMs: gap, tokens: opt.tokens, byTarget: out,
    routerAddedTtftMs: d && ro ? round2(ro.ttftP50 - d.ttftP50) : null,
    // Buffered = the first token waits for (part of) the rest of the stream: added TTFT of one token gap or more.
    unbuffered: !!(d && ro && ro.ok > 0 && ro.ttftP50 - d.ttftP50 < gap / 2 && ro.latencyP50 >= streamMs) }
}

const med = (xs) => { const v = xs.filter((x) => x != null && !Number.isNaN(x)).sort((a, b) => a - b); if (!v.length) return null; const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2 }

// ---------------------------------------------------------------- main
const results = { tool: 'triage-bench', startedAt: new Date().toISOString(), smoke: opt.smoke, config: { ...opt },
  machine: { nproc: os.cpus().length, cpu: os.cpus()[0]?.model ?? null, memGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()} ${os.arch()}`, node: process.version },
  versions: {}, runs: [], notes: [] }
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-bench-'))
stoppers.push(async () => fs.rmSync(tmp, { recursive: true, force: true }))

try {
  const pkg = (n) => { try { return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', n, 'package.json'), 'utf8')).version } catch { return null } }
  results.versions = { wrangler: pkg('wrangler'), miniflare: pkg('miniflare'), hono: pkg('hono') }

  log('building (wrangler deploy --dry-run --outdir, and --minify for size)...')
  const built = await buildBundles(tmp)
  results.bundle = built.bundle
  log(`bundle, router: ${built.bundle.rawBytes} B raw, ${built.bundle.gzipBytes} B gzip (wrangler: ${built.bundle.wranglerUploadKiB} KiB / gzip ${built.bundle.wranglerGzipKiB} KiB)`)

  const emu = await startEmulator()
  results.emulator = { url: emu.url, firstTokenDelayMs: opt.firstMs, tokenDelayMs: opt.tokenMs, tokens: opt.tokens }
  log(`emulator: ${emu.url} (pid ${emu.pid})`)

  const w = await workerdOptionsFromWranglerToml()
  const { offlineVars, DEV_ADMIN_TOKEN } = await import(path.join(ROOT, 'scripts/offline-env.mjs'))
  const routerVars = { ...w.vars, ...offlineVars(emu.url) }
  const router = await startWorkerd('triage', null, { workers: [await triageWorker(built.script, offlineVars(emu.url))] })
  const floor = await startWorkerd('floor', path.join(HERE, 'workers/floor.js'), { compatibilityDate: w.compatibilityDate, bindings: { UPSTREAM: `${emu.url}/openai` } })
  const ledger = await startWorkerd('ledger', built.ledgerScript, { ...w, bindings: {} })
  log(`router: ${router.url} (workerd pid ${router.pid}); floor: ${floor.url} (pid ${floor.pid}); ledger worker: ${ledger.url} (pid ${ledger.pid})`)

  // a real tenant, through the admin API, with a budget that will not refuse
  const created = await request('POST', `${router.url}/admin/tenants`, { name: 'bench', budget: { daily_usd: '100000', monthly_usd: '1000000' } },
    { authorization: `Bearer ${routerVars.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN}` })
  if (created.status !== 201) throw new Error(`POST /admin/tenants: ${created.status} ${created.body.slice(0, 400)}`)
  const tenant = JSON.parse(created.body)

  const bodies = promptBodies(256)
  const targets = [
    { label: 'direct', url: `${emu.url}/openai/v1/chat/completions`, headers: { authorization: 'Bearer sk-emulator' }, pid: emu.pid },
    { label: 'floor', url: `${floor.url}/v1/chat/completions`, headers: { authorization: 'Bearer sk-emulator' }, pid: floor.pid },
    { label: 'router', url: `${router.url}/v1/chat/completions`, headers: { authorization: `Bearer ${tenant.api_key}` }, pid: router.pid },
  ]

  if (opt.portkey) {
    try {
      const pk = await preparePortkey()
      const p = await startPortkey(pk, emu.url)
      results.versions['@portkey-ai/gateway'] = pk.version
      results.portkey = { version: pk.version, dir: pk.dir, listenMs: p.listenMs }
      targets.push({ label: 'portkey', ...p })
      log(`portkey ${pk.version}: ${p.url} (pid ${p.pid})`)
    } catch (e) {
      const reason = `Portkey could not be installed or started: ${String(e?.stderr || e?.message || e).trim().slice(0, 600)}`
      results.portkey = { skipped: reason }
      results.notes.push(reason)
      console.error(`bench: ${reason} — continuing without it`)
    }
  } else results.portkey = { skipped: opt.smoke ? 'smoke run' : '--no-portkey' }

  // Routing mix of the prompts (one pass over every prompt, JSON): which tier/model the router picked.
  const mix = { tiers: {}, models: {}, errors: 0 }
  const sample = opt.smoke ? bodies.filter((_, i) => i % 8 === 0) : bodies
  await Promise.all(Array.from({ length: 8 }, async (_, k) => {
    for (let i = k; i < sample.length; i += 8) {
      const r = await request('POST', targets[2].url, sample[i], targets[2].headers)
      if (r.status !== 200) { mix.errors++; if (!mix.sampleError) mix.sampleError = `${r.status} ${r.body.slice(0, 300)}`; continue }
      mix.tiers[r.headers['x-triage-tier']] = (mix.tiers[r.headers['x-triage-tier']] ?? 0) + 1
      mix.models[r.headers['x-triage-model']] = (mix.models[r.headers['x-triage-model']] ?? 0) + 1
    }
  }))
  results.routingMix = { prompts: sample.length, ...mix }
  log(`routing mix over ${sample.length} prompts: ${JSON.stringify(mix.tiers)} ${JSON.stringify(mix.models)}${mix.errors ? ` errors ${mix.errors}: ${mix.sampleError}` : ''}`)

  // probe: one request per target and mode, verbatim error if it fails
  for (const t of targets) {
    t.failed = []
    for (const mode of opt.modes) {
      const r = await runLoad({ url: t.url, stream: mode === 'stream', concurrency: 1, requests: 3, duration: 15, headers: t.headers, bodies })
      if (r.errors) {
        t.failed.push(mode)
        results.notes.push(`${t.label} ${mode} probe failed: ${r.sampleError}`)
        console.error(`[${t.label}] ${mode} probe FAILED: ${r.sampleError}`)
      }
    }
  }

  // prewarm (JIT, pools, lazy init, the tenant's lease): unmeasured
  for (const t of targets) {
    for (const mode of opt.modes) {
      if (t.failed.includes(mode) || !opt.prewarm) continue
      await runLoad({ url: t.url, stream: mode === 'stream', concurrency: 16, duration: opt.prewarm / opt.modes.length, requests: 1e6, headers: t.headers, bodies })
    }
  }

  // cells, interleaved per cell so drift hits every target alike
  for (let round = 1; round <= opt.rounds; round++) {
    for (const mode of opt.modes) {
      for (const c of opt.concurrency) {
        for (const t of targets) {
          if (t.failed.includes(mode)) continue
          const loadOpts = { url: t.url, stream: mode === 'stream', concurrency: c, duration: opt.duration, requests: opt.requests, headers: t.headers, bodies }
          await runLoad({ ...loadOpts, duration: 30, requests: opt.smoke ? Math.max(20, 2 * c) : Math.max(200, 4 * c) })
          let bgCores = null, waited = 0
          for (; opt.idleWait > 0 && waited < opt.idleWait; waited++) {
            const b0 = machineBusyMs(); await sleep(1000); const b1 = machineBusyMs()
            bgCores = b0 == null ? null : round2((b1 - b0) / 1000, 2)
            if (bgCores == null || bgCores < 0.25) break
          }
          const st = startSampler(t.pid)
          const su = t.label !== 'direct' ? startSampler(emu.pid) : null
          const busy0 = machineBusyMs(), self0 = process.cpuUsage()
          const r = await runLoad(loadOpts)
          const busy1 = machineBusyMs(), self1 = process.cpuUsage(self0)
          const s = st.stop(), u = su?.stop()
          const ours = (self1.user + self1.system) / 1000 + (s?.cpuMs ?? 0) + (u?.cpuMs ?? 0)
          const otherCores = busy0 != null ? Math.max(0, round2((busy1 - busy0 - ours) / 1000 / r.elapsedS, 2)) : null
          const run = { label: t.label, mode, concurrency: c, round, requests: r.requests, ok: r.ok, errors: r.errors, errorsByKind: r.errorsByKind, sampleError: r.sampleError,
            elapsedS: r.elapsedS, rps: r.rps, latencyMs: r.latencyMs, ttfbMs: r.ttfbMs, ttftMs: r.ttftMs, clientCpuMsPerReq: r.clientCpuMsPerReq,
            serverCpuMsPerReq: s ? round2(s.cpuMs / Math.max(1, r.requests)) : null, serverRssMiB: s ? { start: round2(s.startRssKb / 1024, 1), peak: round2(s.peakRssKb / 1024, 1) } : null,
            bgCoresBefore: bgCores, otherCores }
          results.runs.push(run)
          const L = r.latencyMs ?? {}
          log(`r${round} ${t.label.padEnd(8)} ${mode.padEnd(6)} c=${String(c).padEnd(3)} ${String(Math.round(r.rps)).padStart(6)} req/s  p50 ${L.p50}  p99 ${L.p99}` +
            `${r.ttftMs ? `  ttft50 ${r.ttftMs.p50}` : ''}  cpu/req ${run.serverCpuMsPerReq}  err ${r.errors}  noise ${otherCores}${r.errors ? ' ' + r.sampleError : ''}`)
        }
      }
    }
  }

  if (opt.longEvents > opt.tokens && opt.modes.includes('stream')) {
    log(`long-stream cell (${opt.longEvents} events per answer)...`)
    const shortCell = (label, c) => { const rs = results.runs.filter((r) => r.label === label && r.mode === 'stream' && r.concurrency === c); return rs.length ? { serverCpuMsPerReq: med(rs.map((r) => r.serverCpuMsPerReq)) } : null }
    results.longStream = await longStreamCells(targets, emu.url, bodies, shortCell)
  }
  log('stream buffering check (20 ms between tokens)...')
  results.streamBuffering = await bufferingCheck(targets.filter((t) => ['direct', 'floor', 'router'].includes(t.label)), emu.url, bodies)
  log('ledger reserve+settle throughput...')
  results.ledger = await ledgerBench(ledger)
  log('scorer...')
  results.scorer = await scorerBench(bodies)
  results.emulatorStats = JSON.parse((await request('GET', `${emu.url}/stats`)).body)
} catch (e) {
  console.error('bench failed:', e?.stack ?? e)
  results.fatal = String(e?.message ?? e)
} finally {
  await cleanup()
}

// ---------------------------------------------------------------- summary, bars, table
results.finishedAt = new Date().toISOString()
const groups = new Map()
for (const r of results.runs) { const k = `${r.label}|${r.mode}|${r.concurrency}`; if (!groups.has(k)) groups.set(k, []); groups.get(k).push(r) }
const summary = []
for (const rs of groups.values()) {
  const g = (f) => med(rs.map(f))
  summary.push({ label: rs[0].label, mode: rs[0].mode, concurrency: rs[0].concurrency, rounds: rs.length,
    requests: rs.reduce((a, r) => a + r.requests, 0), errors: rs.reduce((a, r) => a + r.errors, 0),
    rps: g((r) => r.rps), p50: g((r) => r.latencyMs?.p50), p99: g((r) => r.latencyMs?.p99), ttftP50: g((r) => r.ttftMs?.p50), ttftP99: g((r) => r.ttftMs?.p99),
    serverCpuMsPerReq: g((r) => r.serverCpuMsPerReq), rssPeakMiB: Math.max(0, ...rs.map((r) => r.serverRssMiB?.peak ?? 0)) || null,
    noise: Math.max(0, ...rs.map((r) => r.otherCores ?? 0)) })
}
const find = (label, mode, c) => summary.find((s) => s.label === label && s.mode === mode && s.concurrency === c)
for (const s of summary) {
  const d = find('direct', s.mode, s.concurrency)
  if (!d || s.label === 'direct') continue
  const df = (a, b) => (a != null && b != null ? round2(a - b) : null)
  s.delta = { p50Ms: df(s.p50, d.p50), p99Ms: df(s.p99, d.p99), ttftP50Ms: s.mode === 'stream' ? df(s.ttftP50, d.ttftP50) : null, rpsRatio: d.rps ? round2(s.rps / d.rps) : null }
}
results.summary = summary

// Bars (issue 6). Each: measured value, limit, pass/miss; null when a side is missing.
const bars = []
const bar = (name, value, limit, how) => bars.push({ bar: name, value: round2(value), limit: round2(limit), pass: value == null || limit == null ? null : value <= limit, how })
for (const mode of opt.modes) {
  const r = find('router', mode, 1), f = find('floor', mode, 1)
  bar(`Δp50 c=1 ${mode} ≤ floor + 0.3 ms`, r?.delta?.p50Ms, f?.delta ? f.delta.p50Ms + 0.3 : null, 'router Δp50 vs floor Δp50, same run')
}
for (const mode of opt.modes) {
  const r = find('router', mode, 16), p = find('portkey', mode, 16)
  bar(`Δp50 c=16 ${mode} ≤ ½ Portkey`, r?.delta?.p50Ms, p?.delta ? p.delta.p50Ms / 2 : null, p ? 'router Δp50 vs half of Portkey Δp50, same run' : 'Portkey not measured in this run')
}
if (opt.modes.includes('stream')) {
  const r = find('router', 'stream', 1), f = find('floor', 'stream', 1)
  bar('added TTFT c=1 ≤ floor + 0.5 ms', r?.delta?.ttftP50Ms, f?.delta ? f.delta.ttftP50Ms + 0.5 : null, 'Δttft50 at c=1')
}
for (const mode of opt.modes) {
  const c = opt.concurrency.includes(16) ? 16 : opt.concurrency[0]
  const r = find('router', mode, c), f = find('floor', mode, c)
  bar(`CPU/req ${mode} c=${c} ≤ floor + 0.2 ms`, r?.serverCpuMsPerReq, f?.serverCpuMsPerReq != null ? f.serverCpuMsPerReq + 0.2 : null, 'workerd process tree CPU ms per request (/proc)')
}
// Issue 16's targets: every cell ahead of Portkey in the same run; JSON c=1 within 1.0 ms of the floor, TTFT within 1.5.
const ahead = (name, mode, c, pick) => {
  const r = find('router', mode, c), p = find('portkey', mode, c)
  bar(`(16) ${name} below Portkey's`, r ? pick(r) : null, p ? pick(p) : null, p ? 'router vs Portkey, same run' : 'Portkey not measured in this run')
}
if (opt.modes.includes('json')) { ahead('Δp50 c=1 json', 'json', 1, (s) => s.delta?.p50Ms); ahead('Δp50 c=16 json', 'json', 16, (s) => s.delta?.p50Ms) }
if (opt.modes.includes('stream')) { ahead('Δp50 c=1 stream', 'stream', 1, (s) => s.delta?.p50Ms); ahead('Δttft50 c=1', 'stream', 1, (s) => s.delta?.ttftP50Ms) }
for (const mode of opt.modes) ahead(`CPU/req ${mode} c=16`, mode, 16, (s) => s.serverCpuMsPerReq)
{
  const r = find('router', 'json', 1), f = find('floor', 'json', 1)
  bar('(16) Δp50 c=1 json ≤ floor + 1.0 ms', r?.delta?.p50Ms, f?.delta ? f.delta.p50Ms + 1.0 : null, 'router Δp50 vs floor Δp50, same run')
  const rs = find('router', 'stream', 1), fs_ = find('floor', 'stream', 1)
  bar('(16) Δttft50 c=1 ≤ floor + 1.5 ms', rs?.delta?.ttftP50Ms, fs_?.delta ? fs_.delta.ttftP50Ms + 1.5 : null, 'router Δttft50 vs floor Δttft50, same run')
}
if (results.streamBuffering) bars.push({ bar: 'streams never buffered', value: results.streamBuffering.routerAddedTtftMs, limit: results.streamBuffering.tokenGapMs / 2,
  pass: results.streamBuffering.unbuffered, how: `20 ms between upstream tokens: router TTFT − direct TTFT < 10 ms and the stream still takes ≥ ${(opt.tokens - 1) * 20} ms` })
results.bars = bars

const fmt = (x, d = 2) => (x == null || Number.isNaN(x) ? '-' : Number(x).toFixed(d))
const sgn = (x, d = 2) => (x == null || Number.isNaN(x) ? '-' : (x >= 0 ? '+' : '') + Number(x).toFixed(d))
const rows = [['target', 'mode', 'c', 'req/s', 'p50', 'p99', 'ttft50', 'Δp50', 'Δp99', 'Δttft50', 'rps%', 'CPU/req', 'RSSpeak', 'err', 'noise']]
for (const s of summary) {
  const d = s.delta ?? {}, st = s.mode === 'stream', isD = s.label === 'direct'
  rows.push([s.label, s.mode, String(s.concurrency), fmt(s.rps, 0), fmt(s.p50), fmt(s.p99), st ? fmt(s.ttftP50) : '-',
    isD ? '' : sgn(d.p50Ms), isD ? '' : sgn(d.p99Ms), isD || !st ? '' : sgn(d.ttftP50Ms), isD || d.rpsRatio == null ? '' : fmt(d.rpsRatio * 100, 0) + '%',
    fmt(s.serverCpuMsPerReq, 3), s.rssPeakMiB ? fmt(s.rssPeakMiB, 0) + 'M' : '-', String(s.errors), s.noise > 0.25 ? `!${fmt(s.noise, 1)}` : ''])
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
const table = rows.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n')
const lines = []
lines.push(`\nTriage bench ${results.startedAt}${opt.smoke ? ' (SMOKE: too short for timing claims)' : ''} — ${results.machine.nproc}× ${results.machine.cpu}`)
lines.push(`closed loop, ${opt.duration} s or ${opt.requests} requests per cell, ${opt.rounds} round(s); emulator first=${opt.firstMs} ms token=${opt.tokenMs} ms tokens=${opt.tokens}; model "auto", ${results.routingMix?.prompts ?? '?'} prompts (bench/prompts.jsonl)`)
lines.push(`Δ = target − direct (same mode, c); CPU/req = the target's process tree (workerd for floor/router), ms; noise !x = x cores used by other processes`)
lines.push(table)
if (results.longStream?.rows.length) {
  const L = results.longStream
  const lrows = [['target', 'c', 'events', 'req/s', 'p50', 'CPU/req', 'µs/event', '+µs/event', `events in ${L.cpuLimitMs} ms CPU`, 'err']]
  for (const r of L.rows) lrows.push([r.label, String(r.concurrency), String(r.events), fmt(r.rps, 1), fmt(r.p50), fmt(r.cpuMsPerReq, 3), fmt(r.cpuUsPerEvent, 1),
    fmt(r.marginalUsPerEvent, 1), r.eventsIn10msCpu == null ? '-' : String(r.eventsIn10msCpu), String(r.errors)])
  const lw = lrows[0].map((_, i) => Math.max(...lrows.map((r) => r[i].length)))
  lines.push(`\nlong stream: ${L.events} events per answer; µs/event = CPU/req ÷ events; +µs/event = (CPU/req − the ${L.shortEvents}-event stream cell's at the same c) ÷ ${L.events - L.shortEvents};`)
  lines.push(`events in ${L.cpuLimitMs} ms CPU = the stream length at which that line reaches the Workers Free plan's ${L.cpuLimitMs} ms of CPU per request (whole process tree: an upper bound on the isolate's own CPU)`)
  lines.push(lrows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(lw[i]) : c.padStart(lw[i]))).join('  ')).join('\n'))
}
if (results.routingMix) lines.push(`routing mix: ${JSON.stringify(results.routingMix.tiers)} ${JSON.stringify(results.routingMix.models)}`)
if (results.scorer) lines.push(`scorer: median ${results.scorer.medianUs} µs, p99 ${results.scorer.p99Us} µs over ${results.scorer.calls} calls`)
for (const l of results.ledger ?? []) lines.push(`ledger: ${l.tenants} tenant(s): ${l.opsPerSec} reserve+settle/s (${l.ops} in ${l.seconds} s, ${l.doSyncs} DO syncs, DO charged ${l.chargedByDO}${l.exact ? ' = exact' : ' ≠ ops!'}), ${l.cpuMsPerOp} ms CPU/op`)
if (results.bundle) {
  const b = results.bundle
  lines.push(`bundle (minified): ${b.rawBytes} B raw, ${b.gzipBytes} B gzip; wrangler: ${b.wranglerUploadKiB} KiB / gzip ${b.wranglerGzipKiB} KiB`)
}
if (results.streamBuffering) lines.push(`stream buffering (20 ms/token): ${Object.entries(results.streamBuffering.byTarget).map(([k, v]) => `${k} ttft50 ${fmt(v.ttftP50)} total50 ${fmt(v.latencyP50)}`).join('; ')}`)
lines.push('bars:')
for (const b of bars) lines.push(`  ${b.pass === null ? 'n/a ' : b.pass ? 'PASS' : 'MISS'}  ${b.bar}: ${fmt(b.value, 3)} (limit ${fmt(b.limit, 3)})`)
for (const n of results.notes) lines.push(`note: ${n}`)
if (results.fatal) lines.push(`FATAL: ${results.fatal}`)
const date = results.startedAt.slice(0, 10)
const outFile = opt.out ?? path.join(HERE, 'results', `${date}${opt.smoke ? '-smoke' : ''}.json`)
fs.mkdirSync(path.dirname(outFile), { recursive: true })
fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n')
lines.push(`results: ${path.relative(process.cwd(), outFile) || outFile}`)
console.log(lines.join('\n'))
process.exit(results.fatal ? 1 : 0)
