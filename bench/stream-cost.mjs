#!/usr/bin/env node
// What workerd itself charges per stream read and write, measured on Miniflare (issue 6: why a gateway that reads
// its upstream's events cannot stay at the floor's CPU). Bounded: 200 warm-up + 1,500 measured requests per path,
// one connection, 127.0.0.1 only. Usage: node bench/stream-cost.mjs [requests] [events per answer: 16]
// (PATHS=/relay/its,/relay/tee,... runs only those paths, in that order, repeats allowed)
// (`node bench/stream-cost.mjs 100 1000` is the long-stream cell's length: what each further event costs the runtime.)
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { cmdline, cpuDeltaMs, processTree, sampleTree } from './procstat.mjs'

const N = Number(process.argv[2] ?? 1500)
const TOKENS = Number(process.argv[3] ?? 16)
const event = (i) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}]}\n\n`
// The upstream writes each event on its own turn, as bench/emulator.mjs does at 0 ms per token.
const completion = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: Array.from({ length: TOKENS }, (_, i) => `tok${i}`).join(' ') }, finish_reason: 'stop' }], usage: { prompt_tokens: 300, completion_tokens: TOKENS, total_tokens: 300 + TOKENS } })
const upstream = http.createServer(async (req, res) => {
  if (req.url.endsWith('?json')) {
    req.resume()
    return req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) }).end(completion))
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  for (let i = 0; i < TOKENS; i++) {
    res.write(event(i))
    await new Promise((r) => setImmediate(r))
  }
  res.end()
})
await new Promise((r) => upstream.listen(0, '127.0.0.1', r))
const mf = new Miniflare({
  modules: true, scriptPath: fileURLToPath(new URL('./workers/stream-cost.js', import.meta.url)), compatibilityDate: '2026-04-01',
  bindings: { UPSTREAM: `http://127.0.0.1:${upstream.address().port}/` }, host: '127.0.0.1', port: 0,
  handleRuntimeStdio(out, err) { out.resume(); err.resume() },
})
try {
  const url = (await mf.ready).origin
  const pid = processTree(process.pid).find((p) => p !== process.pid && cmdline(p).includes('workerd'))
  const cpu = () => sampleTree(pid).cpu
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(1200) }] })
  const call = (path) => new Promise((resolve, reject) => {
    const req = http.request(url + path, { agent, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', resolve) })
    req.on('error', reject)
    req.end(body)
  })
  const rows = []
  const paths = process.env.PATHS?.split(',') ?? ['/made/one', '/made/per-event', '/relay/pipe', '/relay/js', '/relay/its', '/relay/its-ready', '/relay/its-overlap', '/relay/tee', '/body/text', '/body/reader', '/json/pipe', '/json/parsed']
  for (const path of paths) {
    for (let i = 0; i < Math.min(200, N); i++) await call(path)
    const c0 = cpu()
    const t0 = performance.now()
    for (let i = 0; i < N; i++) await call(path)
    rows.push({ path, cpu_us: Math.round((cpuDeltaMs(c0, cpu()) / N) * 1000), wall_us: Math.round(((performance.now() - t0) / N) * 1000) })
  }
  console.log(`workerd CPU and wall time per request, ${N} sequential requests per path, ${TOKENS} SSE events per answer`)
  for (const r of rows) console.log(`${r.path.padEnd(16)} ${String(r.cpu_us).padStart(6)} µs CPU ${String(r.wall_us).padStart(6)} µs wall`)
  const by = Object.fromEntries(rows.map((r) => [r.path, r.cpu_us]))
  if (!process.env.PATHS) {
  console.log(`per event: a JS write costs ${Math.round((by['/made/per-event'] - by['/made/one']) / (TOKENS - 1))} µs; reading the upstream in JS and writing back costs ${Math.round((by['/relay/js'] - by['/relay/pipe']) / TOKENS)} µs more than a native pipe`)
  console.log(`per event: written into an IdentityTransformStream instead of a pull-based ReadableStream: ${Math.round((by['/relay/its'] - by['/relay/js']) / TOKENS)} µs`)
  console.log(`request body: a reader loop costs ${by['/body/reader'] - by['/body/text']} µs more than one text()`)
  console.log(`JSON: reading and parsing both bodies and serialising the answer costs ${by['/json/parsed'] - by['/json/pipe']} µs of CPU more than piping them`)
  console.log(`per event: a tee (native pipe to the client, a JS reader beside it) costs ${Math.round((by['/relay/tee'] - by['/relay/pipe']) / TOKENS)} µs more than a native pipe; the relay ${Math.round((by['/relay/its'] - by['/relay/pipe']) / TOKENS)} µs`)
  }
} finally {
  await mf.dispose()
  upstream.close()
}
