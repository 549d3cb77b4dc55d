/**
 * A bounded soak through the real Worker (workerd on loopback, real KV and SQLite Durable Objects): a few thousand
 * mixed requests — JSON and streams, a quarter of them in Anthropic's format on `/v1/messages`, a fifth of them
 * repeated deterministic questions answered from the response cache (recorded at 0), about a tenth embeddings
 * (`/v1/embeddings`, Workers AI and OpenAI), four tenants (one with a tight budget, so leases run short and refill
 * concurrently), 16 at a time — with provider faults injected at random and a few clients that hang up mid-stream.
 *
 * At the end, per tenant: the ledger = the KV totals = Σ of the per-request records, every request that reached
 * the ledger has exactly one record, and every cost a client was told (`x-triage-cost-usd` header or SSE comment)
 * is exactly its record's cost: not one charge lost or doubled. The workerd process's resident memory (VmRSS from
 * /proc/<pid>/status) is sampled after a warm-up and at the end and must stay flat (a coarse bound, printed).
 * No request may fail with "Cannot perform I/O on behalf of a different request" (the ledger client shares one
 * in-flight DO call across concurrent requests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTriage, type Triage } from './faults-harness'

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 3000)
const CONCURRENCY = 16
const WARMUP = 400

let t: Triage
beforeAll(async () => {
  t = await startTriage({
    TRIAGE_PREMIUM_MODELS: 'gpt-4.1,claude-sonnet-4-6',
    TRIAGE_MEDIUM_MODELS: 'deepseek-chat,gpt-4.1-mini',
    TRIAGE_FIRST_BYTE_TIMEOUT_MS: '400',
    TRIAGE_TOTAL_TIMEOUT_MS: '1200',
    TRIAGE_MAX_ATTEMPTS: '2',
    TRIAGE_RETRY_BASE_MS: '5',
    TRIAGE_RETRY_MAX_MS: '40',
  }, { trickleMs: 3 })
}, 120_000)
afterAll(async () => t?.stop())

/** A small deterministic PRNG, so a failing run can be replayed (the seed is printed). */
function rng(seed: number) {
  let s = seed >>> 0
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32)
}

const FAULTS = [
  '429-then-ok;retry-after=0', '500-then-ok', '429;retry-after=0;model=gpt-4.1', '503;model=deepseek-chat', 'invalid-json;model=gpt-4.1',
  'cut-mid-stream;after=2', 'slow-trickle;ms=4', 'stall-first-byte;model=gpt-4.1;ms=3000', 'empty', 'no-usage', 'refusal', 'overloaded-mid-stream', 'invalid-json',
]
const MODELS = ['auto', 'auto', 'triage/trivial', 'triage/medium', 'triage/premium', 'gpt-4.1', 'claude-sonnet-4-6', '@cf/meta/llama-3.2-1b-instruct']
const EMBEDDING_MODELS = ['auto', 'text-embedding-3-small', '@cf/baai/bge-base-en-v1.5']

interface Sent { id: string; tenant: string; status: number; cost?: number; code?: string; stream: boolean; embedding?: boolean; aborted?: boolean; cache?: string | null }

describe('soak', () => {
  it(`${REQUESTS} mixed requests with random faults: no charge lost or doubled, memory flat`, async () => {
    const seed = Date.now() % 100_000
    const random = rng(seed)
    const tenants = [
      await t.createTenant({ name: 'soak-a', policy: { cache: { enabled: true } } }), // the response cache on by policy (others opt in per request)
      await t.createTenant({ name: 'soak-b' }),
      await t.createTenant({ name: 'soak-c', budget: { daily_usd: 1000, monthly_usd: 5000 } }),
      await t.createTenant({ name: 'soak-tight', budget: { daily_usd: 3 } }),
    ]
    const sent: Sent[] = []
    const faultCounts = new Map<string, number>()
    const rss: Array<[number, number]> = []
    let heapWarm = 0
    let next = 0
    const t0 = Date.now()

    async function one(i: number): Promise<void> {
      const tenant = tenants[Math.floor(random() * tenants.length)]
      const embedding = random() < 0.1 // POST /v1/embeddings: the same ledger ops, tier `embedding`
      const stream = !embedding && random() < 0.5
      const model = embedding ? EMBEDDING_MODELS[Math.floor(random() * EMBEDDING_MODELS.length)] : MODELS[Math.floor(random() * MODELS.length)]
      // A fifth are deterministic questions from a small pool, cache on: repeats are answered from the response cache at 0.
      const cached = !embedding && random() < 0.2
      const fault = !cached && random() < 0.3 ? FAULTS[Math.floor(random() * FAULTS.length)] : null
      if (fault) faultCounts.set(fault.split(';')[0], (faultCounts.get(fault.split(';')[0]) ?? 0) + 1)
      const abort = stream && random() < 0.03
      const anthropic = !embedding && random() < 0.25 // POST /v1/messages: the same path, the same money
      const id = `soak-${seed}-${i}`
      const content = cached ? `Cached question ${Math.floor(random() * 8)}` : `Request ${i}: ${random() < 0.3 ? 'Prove that the sum of two even integers is even and explain each step carefully' : 'hi there'}${fault ? ` [[fault:${fault}]]` : ''}`
      const ac = new AbortController()
      const timer = setTimeout(() => ac.abort(new Error(`request ${id} (${model}, ${stream ? 'stream' : 'json'}, ${fault}) took over 15 s`)), 15_000)
      try {
        const capped = random() < 0.3
        const res = await fetch(`${t.url}/v1/${anthropic ? 'messages' : embedding ? 'embeddings' : 'chat/completions'}`, {
          method: 'POST', signal: ac.signal,
          headers: { [anthropic ? 'x-api-key' : 'authorization']: anthropic ? tenant.api_key : `Bearer ${tenant.api_key}`, 'content-type': 'application/json', 'x-request-id': id, ...(cached ? { 'x-triage-cache': 'on' } : {}) },
          body: JSON.stringify(embedding
            ? { model, input: capped ? content : [content, `second text of ${i}`] }
            : { model, stream, messages: [{ role: 'user', content }], ...(capped ? { max_tokens: 64 } : anthropic ? { max_tokens: 4096 } : {}), ...(cached ? { temperature: 0 } : {}) }),
        })
        const s: Sent = { id, tenant: tenant.id, status: res.status, stream, cache: res.headers.get('x-triage-cache'), ...(embedding ? { embedding } : {}) }
        sent.push(s)
        if (res.status !== 200) {
          const body = (await res.json()) as { error: { code?: string; type: string } }
          // Anthropic's shape has no code; its 429 here is the budget (the soak's tenants have no rate limits).
          s.code = anthropic ? (res.status === 429 ? 'insufficient_quota' : body.error.type) : body.error.code
          return
        }
        if (!stream) {
          await res.arrayBuffer()
          s.cost = Math.round(Number(res.headers.get('x-triage-cost-usd')) * 1e9)
          return
        }
        if (abort) {
          const reader = res.body!.getReader()
          await reader.read()
          ac.abort()
          await reader.cancel().catch(() => {})
          s.aborted = true
          return
        }
        const text = await res.text()
        const m = /^: x-triage-cost-usd=([\d.]+)$/m.exec(text)
        expect(m, `cost comment in stream ${id}`).toBeTruthy()
        s.cost = Math.round(Number(m![1]) * 1e9)
      } finally {
        clearTimeout(timer)
      }
    }

    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = next++
        if (i === WARMUP) heapWarm = await t.heapBytes()
        if (i === WARMUP || i === REQUESTS - 1 || i % 500 === 0) {
          rss.push([i, t.rssKb()])
          if (process.env.SOAK_VERBOSE) console.log(`[soak] ${i} sent after ${Date.now() - t0} ms`)
        }
        await one(i)
      }
    }))
    const elapsed = Date.now() - t0
    const heapEnd = await t.heapBytes()

    // ---- money: per tenant, three views agree; one record per request that reached the ledger ----
    let lost = 0
    let doubled = 0
    let mismatched = 0
    let recordsTotal = 0
    for (const tenant of tenants) {
      const money = await t.spend(tenant.id, 30_000)
      expect(money.kv, `KV total ${tenant.id}`).toBe(money.ledger)
      expect(money.recordsTotal, `Σ records ${tenant.id}`).toBe(money.ledger)
      expect(money.kvRequests).toBe(money.records.length)
      recordsTotal += money.records.length
      const byId = new Map<string, number>()
      for (const r of money.records) byId.set(r.request_id, (byId.get(r.request_id) ?? 0) + 1)
      const costById = new Map(money.records.map((r) => [r.request_id, r.cost_nano]))
      for (const s of sent.filter((x) => x.tenant === tenant.id)) {
        // Refused before anything was reserved: no record expected (auth, validation, budget).
        const reachedLedger = !(s.status === 429 && s.code === 'insufficient_quota') && !(s.status >= 400 && s.status < 500 && s.status !== 429)
        const count = byId.get(s.id) ?? 0
        if (reachedLedger && count === 0) {
          lost++
          console.log(`[soak] no record for ${JSON.stringify(s)}`)
        }
        if (count > 1) doubled++
        if (!reachedLedger && count !== 0) doubled++
        if (s.cost !== undefined && costById.get(s.id) !== s.cost) mismatched++
      }
    }
    const statuses = new Map<string, number>()
    for (const s of sent) statuses.set(`${s.status}${s.code ? ` ${s.code}` : ''}`, (statuses.get(`${s.status}${s.code ? ` ${s.code}` : ''}`) ?? 0) + 1)
    // Hard errors: I/O attempted for another request (what sharing one in-flight DO call across requests could cause).
    const ioErrors = t.logs.filter((l) => /Cannot perform I\/O on behalf of a different request/i.test(l)).length
    // workerd's warning that a promise created by a finished request was resolved by another one (counted, reported).
    const crossWarnings = t.logs.filter((l) => /resolved or rejected from a different request context/.test(l)).length
    if (crossWarnings && process.env.SOAK_VERBOSE) {
      const first = t.logs.findIndex((l) => /different request/.test(l))
      console.log(`[soak] first cross-request warning at log line ${first} of ${t.logs.length}:\n${t.logs.slice(Math.max(0, first - 6), first + 3).join('\n')}`)
    }
    const warm = rss.find(([i]) => i === WARMUP)?.[1] ?? rss[0][1]
    const end = t.rssKb()
    console.log(
      `[soak] ${sent.length} requests (${sent.filter((s) => s.stream).length} streams, ${sent.filter((s) => s.embedding).length} embeddings, ${sent.filter((s) => s.aborted).length} client aborts) ` +
      `in ${(elapsed / 1000).toFixed(1)} s, concurrency ${CONCURRENCY}, seed ${seed}; faults injected: ${[...faultCounts].map(([k, v]) => `${k} ×${v}`).join(', ')} ` +
      `(${[...faultCounts.values()].reduce((a, b) => a + b, 0)} total); outcomes: ${[...statuses].map(([k, v]) => `${k} ×${v}`).join(', ')}; ` +
      `cache hits ${sent.filter((s) => s.cache === 'hit').length} (misses ${sent.filter((s) => s.cache === 'miss').length}); records ${recordsTotal}; charges lost ${lost}, doubled ${doubled}, client/ledger mismatches ${mismatched}; ` +
      `cross-request I/O errors ${ioErrors}, cross-request promise warnings ${crossWarnings}; ` +
      `isolate JS heap after GC: ${(heapWarm / 1e6).toFixed(2)} MB at request ${WARMUP} → ${(heapEnd / 1e6).toFixed(2)} MB at the end; ` +
      `workerd RSS ${rss.map(([i, kb]) => `@${i} ${(kb / 1024).toFixed(0)}`).join(' ')} → end ${(end / 1024).toFixed(0)} MB`,
    )
    expect(sent.length).toBe(REQUESTS)
    expect(sent.filter((s) => s.cache === 'hit').length).toBeGreaterThan(0) // hits are in the mix, and the sums above hold with them
    expect(sent.filter((s) => s.cache === 'hit' && s.cost !== undefined && s.cost !== 0)).toEqual([]) // a hit is free
    expect(lost).toBe(0)
    expect(doubled).toBe(0)
    expect(mismatched).toBe(0)
    expect(ioErrors).toBe(0)
    expect([...statuses.keys()].filter((k) => k.startsWith('500'))).toEqual([]) // never an internal error
    expect(statuses.get('503 ledger_unavailable') ?? 0).toBe(0)
    // The isolate's memory stays flat: its live JS heap after a full GC grows by less than 1 MB over the run (a leak
    // of even 1 KB per request would show as several MB).
    expect(heapEnd - heapWarm).toBeLessThan(1_000_000)
    // The workerd process (VmRSS) also holds Miniflare's local KV store and the Durable Object's SQLite pages, which
    // grow with the data written (on Cloudflare they live outside the Worker). A coarse bound on gross leaks.
    const last = rss.at(-1)!
    const perRequestKb = (last[1] - warm) / Math.max(1, last[0] - WARMUP)
    console.log(`[soak] workerd RSS growth after warm-up: ${perRequestKb.toFixed(1)} KB/request`)
    if (warm > 0) expect(perRequestKb).toBeLessThan(128)
  }, 120_000)
})
