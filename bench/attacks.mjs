#!/usr/bin/env node
// npm run bench:attacks — the overspend attacks of issue 14 (items 1, 2, 5 and 6), re-measured against the real
// Workers (router + admin on one Miniflare, scripts/workers.mjs) in front of the provider emulator server
// (test/fixtures/emulator-server.mjs, which carries the hostile faults), loopback only, about a minute.
//
// Each attack gets a fresh tenant with a daily budget of $BUDGET and is sent in bursts of CONCURRENCY identical
// requests until a whole burst is refused (or MAX requests). Then, per attack:
//   charged   the ledger's spend for the tenant (what the budget counts), against the budget;
//   upstream  what the provider bills for the same calls, from the emulator's own log: the usage each answer
//             reported at the rates of src/money (priority rates when it served priority), or, for a stream Triage
//             cut, the prompt and the tokens the emulator had written when it stopped;
//   overspend max(0, x − budget), in USD, % of the budget, and in worst-case reservations of one request.
//
//   npm run bench:attacks [-- --budget 0.01 --concurrency 16 --max 400]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Miniflare } from 'miniflare'
import { startEmulatorServer } from '../test/fixtures/emulator-server.mjs'
import { offlineVars, DEV_ADMIN_TOKEN } from '../scripts/offline-env.mjs'
import { bundleWorker, bundleWorkers, triageWorkers } from '../scripts/workers.mjs'

process.env.WRANGLER_SEND_METRICS = 'false'
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : d
}
const BUDGET = arg('budget', 0.01)
const CONCURRENCY = arg('concurrency', 16)
const MAX = arg('max', 400)

const words = (n, w = (i) => `w${i}`) => Array.from({ length: n }, (_, i) => w(i)).join(' ')
/** The attacks: a request body per issue item, and what it exploits. */
const ATTACKS = [
  { item: '1', name: 'two output caps (max_completion_tokens 1, max_tokens 30000), deepseek-chat, JSON',
    body: { model: 'deepseek-chat', max_completion_tokens: 1, max_tokens: 30000, messages: [{ role: 'user', content: words(400) }] } },
  { item: '2', name: 'dense input "a a a …" (3,000 tokens), max_tokens 1, gpt-4.1, JSON',
    body: { model: 'gpt-4.1', max_tokens: 1, messages: [{ role: 'user', content: words(3000, () => 'a') }] } },
  { item: '5', name: 'service_tier "priority", gpt-4.1, max_tokens 50, JSON',
    body: { model: 'gpt-4.1', max_tokens: 50, service_tier: 'priority', messages: [{ role: 'user', content: words(40) }] } },
  { item: '5', name: 'prediction of 400 tokens, gpt-4.1, max_tokens 10, JSON',
    body: { model: 'gpt-4.1', max_tokens: 10, prediction: { type: 'content', content: words(400, (i) => `p${i}`) }, messages: [{ role: 'user', content: 'one two' }] } },
  { item: '5', name: 'web_search_options, gpt-4.1 (refused: 400)',
    body: { model: 'gpt-4.1', max_tokens: 10, web_search_options: {}, messages: [{ role: 'user', content: 'search' }] } },
  { item: '6', name: 'upstream ignores max_tokens 10 (endless stream), gpt-4.1',
    body: { model: 'gpt-4.1', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'go [[fault:ignore-max-tokens;tokens=2000;ms=2]]' }] } },
  { item: '6', name: 'upstream ignores max_tokens 10, JSON (2,000 tokens), gpt-4.1',
    body: { model: 'gpt-4.1', max_tokens: 10, messages: [{ role: 'user', content: 'go [[fault:ignore-max-tokens;tokens=2000]]' }] } },
  { item: '6', name: 'absurd usage (completion_tokens 1e308), gpt-4.1, JSON',
    body: { model: 'gpt-4.1', max_tokens: 10, messages: [{ role: 'user', content: 'go [[fault:absurd-usage]]' }] } },
]

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-attacks-'))
const money = await import(await bundleWorker('src/money/index.ts', path.join(tmp, 'money.mjs')))
const emulator = await startEmulatorServer(0)
const vars = offlineVars(emulator.url)
const mf = new Miniflare({ host: '127.0.0.1', port: 0, workers: await triageWorkers(await bundleWorkers(tmp), vars), handleRuntimeStdio(o, e) { o.resume(); e.resume() } })
const url = (await mf.ready).origin
const admin = (p, init = {}) => fetch(`${url}/admin${p}`, { ...init, headers: { authorization: `Bearer ${vars.ADMIN_TOKEN ?? DEV_ADMIN_TOKEN}`, 'content-type': 'application/json' } })

/** What the provider bills for one logged upstream call, in nano-USD (null when its usage is not a real count). */
function upstreamNano(log) {
  const u = log.usage
  if (!u || !Number.isSafeInteger(u.completion_tokens) || !Number.isSafeInteger(u.prompt_tokens)) return null
  const cut = log.body.stream && !log.complete
  const usage = {
    input: u.prompt_tokens, cachedInput: u.prompt_tokens_details?.cached_tokens ?? 0, cacheWrite: 0,
    output: cut ? (log.streamed ?? 0) : u.completion_tokens, reasoning: cut ? 0 : u.completion_tokens_details?.reasoning_tokens ?? 0,
    ...(log.body.service_tier === 'priority' ? { serviceTier: 'priority' } : {}),
  }
  return money.cost(usage, log.body.model)
}

const usd = (n) => `$${(n / 1e9).toFixed(6)}`
const rows = []
for (const attack of ATTACKS) {
  await fetch(`${emulator.url}/__reset`, { method: 'POST' })
  const res = await admin('/tenants', { method: 'POST', body: JSON.stringify({ name: `attack-${rows.length}`, budget: { daily_usd: BUDGET } }) })
  const tenant = await res.json()
  const route = await (await fetch(`${url}/v1/route`, { method: 'POST', headers: { authorization: `Bearer ${tenant.api_key}`, 'content-type': 'application/json' }, body: JSON.stringify(attack.body) })).json()
  const reservation = route.estimated_max_cost_usd ? Math.round(Number(route.estimated_max_cost_usd) * 1e9) : null
  let sent = 0
  let served = 0
  const statuses = new Map()
  while (sent < MAX) {
    const burst = await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      const r = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${tenant.api_key}`, 'content-type': 'application/json' }, body: JSON.stringify(attack.body) })
      await r.arrayBuffer()
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
      return r.status
    }))
    sent += burst.length
    served += burst.filter((s) => s === 200).length
    if (burst.every((s) => s !== 200)) break
  }
  // Wait until every request is settled (no reservation open), then read the ledger.
  let u
  for (let i = 0; i < 100; i++) {
    u = await (await admin(`/tenants/${tenant.id}/usage?days=1&months=1`)).json()
    if (u.ledger.reservations === 0) break
    await new Promise((r) => setTimeout(r, 100))
  }
  const charged = u.ledger.daily.spent_nano
  const log = await (await fetch(`${emulator.url}/__requests`)).json()
  const bills = log.filter((l) => /chat\/completions$/.test(l.path)).map(upstreamNano)
  const upstream = bills.some((b) => b === null) ? null : bills.reduce((a, b) => a + b, 0)
  const budget = Math.round(BUDGET * 1e9)
  const over = (x) => (x === null ? 'n/a' : `${usd(Math.max(0, x - budget))} (${((Math.max(0, x - budget) / budget) * 100).toFixed(1)}%${reservation ? `, ${(Math.max(0, x - budget) / reservation).toFixed(2)} res.` : ''})`)
  rows.push({ item: attack.item, attack: attack.name, sent, served, statuses: Object.fromEntries(statuses), reservation, charged, upstream,
    line: `| ${attack.item} | ${attack.name} | ${served}/${sent} | ${reservation ? usd(reservation) : route.error?.message?.slice(0, 40) ?? '–'} | ${usd(charged)} | ${over(charged)} | ${upstream === null ? 'n/a (absurd usage)' : usd(upstream)} | ${over(upstream)} |` })
  console.error(`[attacks] ${attack.name}: ${served}/${sent} served, statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
}
console.log(`\nOverspend against a daily budget of $${BUDGET} per attack (bursts of ${CONCURRENCY}, one isolate, loopback):\n`)
console.log('| item | attack | served/sent | reservation per request | charged (ledger) | charged over budget | billed upstream | upstream over budget |')
console.log('|---|---|---|---|---|---|---|---|')
for (const r of rows) console.log(r.line)
await mf.dispose()
await emulator.close()
fs.rmSync(tmp, { recursive: true, force: true })
