/**
 * What the input-token bound (src/money/estimate.ts: UTF-8 bytes + framing) costs in over-reservation.
 *
 * Over the committed ordinary prompts (bench/data/ordinary-prompts.json) it prints, per prompt and in total:
 * the byte bound, the old estimate (ASCII ÷ 3, other code units × 1, before issue 14), the real token counts of
 * OpenAI's cl100k_base and o200k_base tokenisers (js-tiktoken, a devDependency: its ranks ship in the package), the
 * ratios, and what the bound does to a whole reservation (input + the default output cap) on gpt-4.1 and
 * deepseek-reasoner. Then the adversarial inputs of issue 14, to show the bound holds where the old estimate did not.
 *
 * @example npm run bench:estimate
 */
import fs from 'node:fs'
import { build } from 'esbuild'
import { Tiktoken } from 'js-tiktoken/lite'
import cl100k from 'js-tiktoken/ranks/cl100k_base'
import o200k from 'js-tiktoken/ranks/o200k_base'

const root = new URL('..', import.meta.url)
const bundled = await build({ entryPoints: [new URL('src/money/estimate.ts', root).pathname], bundle: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'silent' })
const { estimateInputTokens } = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`)

/** The estimate Triage used before issue 14 (src/money/estimate.ts at 48539d6), kept here only to compare. */
function oldEstimate(req) {
  const t = (s) => {
    let ascii = 0
    let other = 0
    for (let i = 0; i < s.length; i++) s.charCodeAt(i) < 128 ? ascii++ : other++
    return Math.ceil(ascii / 3) + other
  }
  let n = 4
  for (const m of req.messages) {
    n += 4
    if (typeof m.content === 'string') n += t(m.content)
    else if (Array.isArray(m.content)) for (const p of m.content) n += p.type === 'text' ? t(p.text) : p.type === 'image_url' ? 1600 : t(JSON.stringify(p))
    if (m.tool_calls) n += t(JSON.stringify(m.tool_calls))
    if (m.name) n += t(m.name)
  }
  if (req.tools) n += t(JSON.stringify(req.tools))
  return n
}

/** OpenAI's documented way to count a chat's prompt tokens (3 per message + its fields, 3 to prime the reply). */
function realTokens(enc, req) {
  let n = 3
  for (const m of req.messages) {
    n += 3 + enc.encode(m.role).length
    if (typeof m.content === 'string') n += enc.encode(m.content).length
    if (m.tool_calls) n += enc.encode(JSON.stringify(m.tool_calls)).length
    if (m.tool_call_id) n += enc.encode(m.tool_call_id).length
    if (m.name) n += 1 + enc.encode(m.name).length
  }
  if (req.tools) n += enc.encode(JSON.stringify(req.tools)).length
  return n
}

const encoders = { cl100k: new Tiktoken(cl100k), o200k: new Tiktoken(o200k) }
const { prompts } = JSON.parse(fs.readFileSync(new URL('bench/data/ordinary-prompts.json', root), 'utf8'))

// Whole reservations: input at the input rate + the default output cap at the output rate (nano-USD per 1M tokens).
const MODELS = { 'gpt-4.1': { input: 2000, output: 8000, cap: 4096 }, 'deepseek-reasoner': { input: 280, output: 420, cap: 32_768 } }
const reserve = (m, inTokens) => inTokens * m.input + m.cap * m.output

const rows = []
for (const p of prompts) {
  const req = { model: 'auto', messages: p.messages, ...(p.tools ? { tools: p.tools } : {}) }
  rows.push({ name: p.name, bound: estimateInputTokens(req), old: oldEstimate(req), cl100k: realTokens(encoders.cl100k, req), o200k: realTokens(encoders.o200k, req), req })
}
const sum = (k) => rows.reduce((a, r) => a + r[k], 0)
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const f = (x) => x.toFixed(2)

console.log(`${'prompt'.padEnd(42)} ${'bound'.padStart(6)} ${'old'.padStart(5)} ${'cl100k'.padStart(6)} ${'o200k'.padStart(6)}  bound/old  bound/cl100k  bound/o200k`)
for (const r of rows) {
  console.log(`${r.name.replace(/\s+/g, ' ').slice(0, 42).padEnd(42)} ${String(r.bound).padStart(6)} ${String(r.old).padStart(5)} ${String(r.cl100k).padStart(6)} ${String(r.o200k).padStart(6)}  ${f(r.bound / r.old).padStart(9)}  ${f(r.bound / r.cl100k).padStart(12)}  ${f(r.bound / r.o200k).padStart(11)}`)
}
console.log()
console.log(`${rows.length} ordinary prompts, input tokens in total: bound ${sum('bound')}, old estimate ${sum('old')}, cl100k ${sum('cl100k')}, o200k ${sum('o200k')}`)
console.log(`bound / old estimate: ${f(sum('bound') / sum('old'))} in total, median ${f(median(rows.map((r) => r.bound / r.old)))}, max ${f(Math.max(...rows.map((r) => r.bound / r.old)))}`)
console.log(`bound / real (cl100k): ${f(sum('bound') / sum('cl100k'))} in total, median ${f(median(rows.map((r) => r.bound / r.cl100k)))}; (o200k): ${f(sum('bound') / sum('o200k'))} in total, median ${f(median(rows.map((r) => r.bound / r.o200k)))}`)
console.log(`old estimate / real (cl100k): ${f(sum('old') / sum('cl100k'))} in total, min ${f(Math.min(...rows.map((r) => r.old / r.cl100k)))}`)
for (const [id, m] of Object.entries(MODELS)) {
  const ratios = rows.map((r) => reserve(m, r.bound) / reserve(m, r.old))
  console.log(`whole reservation on ${id} (output cap ${m.cap}): new / old ${f(rows.reduce((a, r) => a + reserve(m, r.bound), 0) / rows.reduce((a, r) => a + reserve(m, r.old), 0))} in total, median ${f(median(ratios))}, max ${f(Math.max(...ratios))}`)
}

// ---- adversarial: dense inputs that beat the old estimate ----
const adversarial = {
  'a a a …': 'a '.repeat(1000),
  '1 2 3 …': Array.from({ length: 1000 }, (_, i) => i + 1).join(' '),
  base64: Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 7919 + 13) % 256)).toString('base64'),
  punctuation: '!?.,;:-()[]{}"\'/\\|@#$%^&*+=<>~`'.repeat(50),
  emoji: '😀🎉🚀🔥💡🌍🍕🐱'.repeat(100),
  'rare CJK': '𠀀𠀁𠀂𠀃𪚥𪚲鱻龘靐齉'.repeat(75),
}
console.log()
console.log(`${'adversarial'.padEnd(14)} ${'bytes'.padStart(6)} ${'bound'.padStart(6)} ${'old'.padStart(6)} ${'cl100k'.padStart(6)} ${'o200k'.padStart(6)}  real/old  real/bound`)
for (const [name, text] of Object.entries(adversarial)) {
  const req = { model: 'auto', messages: [{ role: 'user', content: text }] }
  const bound = estimateInputTokens(req)
  const old = oldEstimate(req)
  const real = Math.max(realTokens(encoders.cl100k, req), realTokens(encoders.o200k, req))
  const bytes = Buffer.byteLength(text)
  console.log(`${name.padEnd(14)} ${String(bytes).padStart(6)} ${String(bound).padStart(6)} ${String(old).padStart(6)} ${String(realTokens(encoders.cl100k, req)).padStart(6)} ${String(realTokens(encoders.o200k, req)).padStart(6)}  ${f(real / old).padStart(8)}  ${f(real / bound).padStart(10)}`)
  if (real > bound) process.exitCode = 1
}
