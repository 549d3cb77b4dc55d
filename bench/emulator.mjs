#!/usr/bin/env node
// Benchmark upstream: every provider wire format the router speaks, with a configurable time to first token and
// per-token delay, and as little CPU per request as Node allows (plain node:http, no web streams), so the
// benchmark measures the router and not the emulator. The wire formats are the same as the project's emulators
// (test/fixtures/emulator.mjs documents each one and the doc it follows); this file only adds timing. The
// approach (role chunk with the first token, one chunk per event-loop turn at 0 ms) is ../shared/bench/fake-upstream.mjs's.
//
//   POST /openai/v1/chat/completions               OpenAI chat completions, JSON or SSE (+ include_usage chunk, [DONE])
//   POST /deepseek/chat/completions                DeepSeek: `*reasoner` models stream reasoning_content first
//   POST /anthropic/v1/messages                    Anthropic Messages, JSON or SSE events
//   POST /workers-ai/accounts/:acct/ai/run/:model  Workers AI REST: envelope {result,success,errors,messages} or SSE
//   GET  /stats                                    request counters per wire format
//   POST /timing {firstMs, tokenMs, tokens}        changes the delays and the answer's length (the stream-buffering check, the long-stream cell)
//
// Every reply has TOKENS completion tokens in every format (a reasoner's first half are reasoning tokens), so
// a routed request costs the upstream the same as a direct one.
//
//   node bench/emulator.mjs            env: PORT=0 FIRST_TOKEN_DELAY_MS=0 TOKEN_DELAY_MS=0 TOKENS=16
// Prints one JSON line {"url": "...", "pid": N} when listening (127.0.0.1 only).
import http from 'node:http'
import crypto from 'node:crypto'

const env = process.env
let FIRST_MS = Number(env.FIRST_TOKEN_DELAY_MS ?? 0)
let TOKEN_MS = Number(env.TOKEN_DELAY_MS ?? 0)
let TOKENS = Math.max(1, Number(env.TOKENS ?? 16))

const WORDS = ['The', ' quick', ' brown', ' fox', ' jumps', ' over', ' the', ' lazy', ' dog', '.', ' Lorem', ' ipsum', ' dolor', ' sit', ' amet', ',']
const THINK = ['Let', ' me', ' think', ' about', ' this', ' step', ' by', ' step', '.']
const word = (i, list = WORDS) => list[i % list.length]
const stats = { requests: 0, openai: 0, deepseek: 0, anthropic: 0, workersAi: 0, streams: 0, errors: 0 }

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const tick = () => new Promise((r) => setImmediate(r))
/** Before token i: the first waits FIRST_MS, the others TOKEN_MS (0 = next event-loop turn, a separate write). */
const before = (i) => (i === 0 ? (FIRST_MS > 0 ? sleep(FIRST_MS) : Promise.resolve()) : TOKEN_MS > 0 ? sleep(TOKEN_MS) : tick())

function promptTokens(messages, system) {
  let chars = 0
  const add = (c) => {
    if (typeof c === 'string') chars += c.length
    else if (Array.isArray(c)) for (const p of c) add(p?.text ?? p?.content ?? '')
  }
  for (const m of messages ?? []) add(m?.content)
  if (system) add(system)
  return Math.max(1, Math.ceil(chars / 4))
}
const outputTokens = (cap) => (Number.isFinite(cap) && cap > 0 ? Math.min(TOKENS, cap) : TOKENS)

function sendJson(res, status, obj) {
  const s = JSON.stringify(obj)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(s) })
  res.end(s)
}
function sseStart(res) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': crypto.randomUUID() })
  res.flushHeaders()
}

// ---- OpenAI / DeepSeek chat completions
async function chat(res, body, flavour) {
  const model = String(body.model || 'gpt-4o-mini')
  const reasoner = flavour === 'deepseek' && model.includes('reasoner')
  const id = 'chatcmpl-' + crypto.randomBytes(12).toString('hex')
  const created = Math.floor(Date.now() / 1000)
  const n = outputTokens(body.max_completion_tokens ?? body.max_tokens)
  const finish = n < TOKENS ? 'length' : 'stop'
  const rTok = reasoner ? n >> 1 : 0
  const prompt_tokens = promptTokens(body.messages)
  const usage = { prompt_tokens, completion_tokens: n, total_tokens: prompt_tokens + n }
  if (flavour === 'deepseek') Object.assign(usage, { prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: prompt_tokens })
  if (reasoner) usage.completion_tokens_details = { reasoning_tokens: rTok }
  if (!body.stream) {
    await sleep(FIRST_MS + TOKEN_MS * (n - 1))
    let content = ''
    for (let i = rTok; i < n; i++) content += word(i)
    const message = { role: 'assistant', content, refusal: null }
    if (reasoner) { let r = ''; for (let i = 0; i < rTok; i++) r += word(i, THINK); message.reasoning_content = r }
    return sendJson(res, 200, { id, object: 'chat.completion', created, model, system_fingerprint: 'fp_bench', choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage })
  }
  stats.streams++
  const includeUsage = body.stream_options?.include_usage === true
  let closed = false
  res.on('close', () => { closed = true })
  const chunk = (delta, finish_reason = null) => {
    const o = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_bench', choices: [{ index: 0, delta, logprobs: null, finish_reason }] }
    if (includeUsage) o.usage = null
    return 'data: ' + JSON.stringify(o) + '\n\n'
  }
  sseStart(res)
  for (let i = 0; i < n && !closed; i++) {
    await before(i)
    if (closed) return
    const delta = i < rTok ? { content: null, reasoning_content: word(i, THINK) } : reasoner ? { content: word(i), reasoning_content: null } : { content: word(i) }
    // The role chunk goes out with the first token, as OpenAI and vLLM send it.
    res.write((i === 0 ? chunk(reasoner ? { role: 'assistant', content: null, reasoning_content: '' } : { role: 'assistant', content: '' }) : '') + chunk(delta))
  }
  if (closed) return
  res.write(chunk({}, finish))
  if (includeUsage) res.write('data: ' + JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_bench', choices: [], usage }) + '\n\n')
  res.end('data: [DONE]\n\n')
}

// ---- Anthropic Messages
async function messages(res, body) {
  if (!Number.isFinite(body.max_tokens)) return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } })
  const model = String(body.model || 'claude-sonnet-4-5')
  const id = 'msg_' + crypto.randomBytes(12).toString('hex')
  const input_tokens = promptTokens(body.messages, body.system)
  const n = outputTokens(body.max_tokens)
  const stop_reason = n < TOKENS ? 'max_tokens' : 'end_turn'
  if (!body.stream) {
    await sleep(FIRST_MS + TOKEN_MS * (n - 1))
    let text = ''
    for (let i = 0; i < n; i++) text += word(i)
    return sendJson(res, 200, { id, type: 'message', role: 'assistant', model, content: [{ type: 'text', text }], stop_reason, stop_sequence: null,
      usage: { input_tokens, output_tokens: n, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } })
  }
  stats.streams++
  let closed = false
  res.on('close', () => { closed = true })
  const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`
  sseStart(res)
  res.write(ev('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
    usage: { input_tokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } }) +
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }))
  for (let i = 0; i < n && !closed; i++) {
    await before(i)
    if (!closed) res.write(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word(i) } }))
  }
  if (closed) return
  res.write(ev('content_block_stop', { index: 0 }) + ev('message_delta', { delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: n } }))
  res.end(ev('message_stop', {}))
}

// ---- Workers AI REST
async function workersAi(res, body) {
  const n = outputTokens(body.max_tokens)
  const prompt_tokens = promptTokens(body.messages)
  const usage = { prompt_tokens, completion_tokens: n, total_tokens: prompt_tokens + n }
  if (!body.stream) {
    await sleep(FIRST_MS + TOKEN_MS * (n - 1))
    let response = ''
    for (let i = 0; i < n; i++) response += word(i)
    return sendJson(res, 200, { result: { response, usage }, success: true, errors: [], messages: [] })
  }
  stats.streams++
  let closed = false
  res.on('close', () => { closed = true })
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  res.flushHeaders()
  for (let i = 0; i < n && !closed; i++) {
    await before(i)
    if (!closed) res.write(`data: ${JSON.stringify({ response: word(i), p: 'abcdefgh' })}\n\n`)
  }
  if (closed) return
  res.write(`data: ${JSON.stringify({ response: '', usage })}\n\n`)
  res.end('data: [DONE]\n\n')
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0]
  if (req.method === 'GET' && path === '/stats') return sendJson(res, 200, stats)
  if (req.method === 'GET' && path === '/healthz') return res.end('ok')
  if (req.method === 'POST' && path === '/timing') {
    const parts = []
    req.on('data', (c) => parts.push(c))
    req.on('end', () => {
      const t = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}')
      if (Number.isFinite(t.firstMs)) FIRST_MS = t.firstMs
      if (Number.isFinite(t.tokenMs)) TOKEN_MS = t.tokenMs
      if (Number.isFinite(t.tokens) && t.tokens >= 1) TOKENS = Math.min(100_000, Math.floor(t.tokens))
      sendJson(res, 200, { firstMs: FIRST_MS, tokenMs: TOKEN_MS, tokens: TOKENS })
    })
    return
  }
  const route = /^\/openai\/v1\/chat\/completions$/.test(path) ? 'openai' : /^\/deepseek\/(v1\/)?chat\/completions$/.test(path) ? 'deepseek'
    : /^\/anthropic\/v1\/messages$/.test(path) ? 'anthropic' : /^\/workers-ai\/accounts\/[^/]+\/ai\/run\/.+$/.test(path) ? 'workersAi' : null
  if (!route || req.method !== 'POST') {
    stats.errors++
    return sendJson(res, 404, { error: { message: `Unknown route ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } })
  }
  const parts = []
  req.on('data', (c) => parts.push(c))
  req.on('end', async () => {
    stats.requests++
    stats[route]++
    let body
    try { body = JSON.parse(Buffer.concat(parts).toString('utf8')) } catch { body = null }
    if (!body || typeof body !== 'object' || !Array.isArray(body.messages)) {
      stats.errors++
      return sendJson(res, 400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null } })
    }
    try {
      if (route === 'anthropic') await messages(res, body)
      else if (route === 'workersAi') await workersAi(res, body)
      else await chat(res, body, route)
    } catch (e) {
      stats.errors++
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(e?.message ?? e), type: 'server_error', param: null, code: null } })
      else res.destroy()
    }
  })
})
server.keepAliveTimeout = 65_000
server.headersTimeout = 66_000
server.listen(Number(env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, pid: process.pid, firstMs: FIRST_MS, tokenMs: TOKEN_MS, tokens: TOKENS }))
})
const stop = () => { server.close(() => process.exit(0)); server.closeAllConnections?.(); setTimeout(() => process.exit(0), 1500).unref() }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
