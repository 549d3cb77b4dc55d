/**
 * The KV read path for spend: key names, value shapes, and readers. The TenantLedger DO is the only writer.
 *
 * - `spend:<tenant>:<YYYY-MM>` and `spend:<tenant>:<YYYY-MM-DD>` → SpendTotals (absolute totals, rewritten whole)
 * - `req:<tenant>:<ISO settle time>:<ledger id>` → RecordBatch: the per-request records the ledger flushed together
 *   (one UTC day of settle times, keyed by the earliest settle and that record's ledger id), TTL REQUEST_RECORD_TTL_S,
 *   list metadata `{ n }` (how many records). One KV write per flush, not one per request.
 *
 * Keys sort by time, so `list({ prefix: 'req:<tenant>:2026-04-30' })` returns the batches of the records settled
 * that day, in order. A day's records and its `spend:` totals cover the same requests: the ledger totals a charge
 * on the day it settles, so a request that starts before midnight and ends after it counts on the later day.
 *
 * @example const month = await readSpend(env.TRIAGE_KV, tenant.id, '2026-04')
 */
import { lastDays, lastMonths } from './periods'

/** Per-request records live 90 days. */
export const REQUEST_RECORD_TTL_S = 90 * 24 * 3600

export const spendKey = (tenant: string, period: string) => `spend:${tenant}:${period}`
export const requestKey = (tenant: string, settledIso: string, requestId: string) => `req:${tenant}:${settledIso}:${requestId}`

/** The value of a `req:` key: records flushed together, all settled on one UTC day. */
export interface RecordBatch {
  v: 2
  records: SpendRecord[]
}

/** List metadata of a `req:` key. */
export interface RecordBatchMeta {
  n: number
}

/**
 * Groups records into `req:` batches: one per UTC day of their settle time (the day the ledger totals them), oldest
 * first, keyed by its earliest-settled record.
 *
 * @example for (const b of recordBatches(tenant, records)) await kv.put(b.key, JSON.stringify(b.value), { metadata: b.metadata })
 */
export function recordBatches(tenant: string, records: SpendRecord[]): Array<{ key: string; value: RecordBatch; metadata: RecordBatchMeta }> {
  const settled = (r: SpendRecord) => r.settled_at || r.at
  const byDay = new Map<string, SpendRecord[]>()
  for (const r of [...records].sort((a, b) => (settled(a) < settled(b) ? -1 : settled(a) > settled(b) ? 1 : 0))) {
    const day = settled(r).slice(0, 10)
    const list = byDay.get(day)
    if (list) list.push(r)
    else byDay.set(day, [r])
  }
  return [...byDay.values()].map((rs) => ({ key: requestKey(tenant, settled(rs[0]), rs[0].ledger_id), value: { v: 2, records: rs }, metadata: { n: rs.length } }))
}

export interface Bucket {
  nano: number
  /** Charged calls (a cascade that ran two models counts once under each). */
  requests: number
  /** The same traffic on the reference premium model (src/ledger/premium.ts). Read as `nano` from totals older than the field. */
  premium_nano: number
  /** Input and output tokens, summed over calls. Read as 0 from totals older than the field. */
  tokens: { input: number; output: number }
}

/**
 * Totals of one tenant for one UTC day or month. `nano` is the exact sum of its per-request `cost_nano`,
 * `premium_nano` of their `premium_nano`; `requests` counts requests (the buckets count calls).
 */
export interface SpendTotals extends Bucket {
  v: 1
  tenant: string
  period: string
  /** `nano` as a decimal USD string, full precision. */
  usd: string
  by_tier: Record<string, Bucket>
  by_model: Record<string, Bucket>
  /** Requests refused with a 429 in the period, by reason ('daily_budget', 'monthly_budget': spent; 'in_flight': held by requests in flight). Absent when none. */
  refusals?: Record<string, number>
  updated_at: string
}

export interface TokenCounts {
  input: number
  cached_input: number
  cache_write: number
  output: number
  reasoning: number
}

/** One model call within a request, as charged. */
export interface SpendCall {
  model: string
  tier: string
  provider: string
  tokens: TokenCounts
  /** True when the provider sent no usage and the counts were estimated (e.g. a cut stream). */
  estimated?: boolean
  cost_nano: number
  /** This call's share of the request's premium equivalent (src/ledger/premium.ts), set where the record is built (absent in older records: its own cost). */
  premium_nano?: number
}

/** One request's spend record (in a `req:` batch). Read by the dashboard; stable, versioned by `v`. */
export interface SpendRecord {
  v: 1
  /** The request id the client saw (`x-request-id`). */
  request_id: string
  /** The ledger's unique id for this request (request id + random suffix): the idempotency key and the last part of the KV key. */
  ledger_id: string
  tenant: string
  /** When the request started (ISO, UTC). */
  at: string
  /** When the charge was recorded by the ledger (ISO, UTC). Spend totals are per UTC day/month of this time. */
  settled_at: string
  /** HTTP status returned to the client (499 = client went away), or 'unsettled' when charged by expiry. */
  status: number | 'unsettled'
  tier: string | null
  /** The tier the score asked for, before any budget or policy cap (absent in older records). */
  requested_tier?: string | null
  model: string | null
  provider: string | null
  score: number | null
  tokens: TokenCounts
  estimated: boolean
  cost_nano: number
  cost_usd: string
  /** What it would have cost on the reference premium model, set by the ledger (absent in older records). */
  premium_nano?: number
  reserved_nano: number
  latency_ms: number | null
  /** Streams: request start to the answer's first chunk in hand (absent for JSON answers and older records). */
  first_byte_ms?: number
  attempts: number
  cascade: string | null
  downgraded: string | null
  stream: boolean
  calls: SpendCall[]
  price_version: string
  /**
   * Set when the answer came from the response cache (src/cache): nothing was called or charged (`cost_nano` 0,
   * `calls` empty, tier and model `cache`); `saved_nano` is what the answer cost when it was stored, and the ledger
   * counts it as this request's `premium_nano`, so `by_tier.cache` holds the hits and what they saved.
   */
  cache?: CacheHit
}

/** A response-cache hit, as the ledger records it. */
export interface CacheHit {
  saved_nano: number
  /** The model and tier that produced the cached answer. */
  model: string
  tier: string
}

export function emptyTotals(tenant: string, period: string): SpendTotals {
  return { v: 1, tenant, period, nano: 0, usd: '0.00', requests: 0, premium_nano: 0, tokens: { input: 0, output: 0 }, by_tier: {}, by_model: {}, updated_at: new Date(0).toISOString() }
}

/** Totals written before `premium_nano` and `tokens` existed: premium = actual (no savings claimed), tokens 0. */
function upgrade(t: SpendTotals | null): SpendTotals | null {
  for (const b of t ? [t, ...Object.values(t.by_tier), ...Object.values(t.by_model)] : []) {
    b.premium_nano ??= b.nano
    b.tokens ??= { input: 0, output: 0 }
  }
  return t
}

/** Reads one period's totals (zero totals when nothing was spent). */
export async function readSpend(kv: KVNamespace, tenant: string, period: string): Promise<SpendTotals> {
  return upgrade(await kv.get<SpendTotals>(spendKey(tenant, period), 'json')) ?? emptyTotals(tenant, period)
}

/** Reads many periods in bulk (KV bulk get, ≤100 keys per call), in the order given. */
export async function readSpendMany(kv: KVNamespace, tenant: string, periods: string[]): Promise<SpendTotals[]> {
  const out: SpendTotals[] = []
  for (let i = 0; i < periods.length; i += 100) {
    const chunk = periods.slice(i, i + 100)
    const got = await kv.get<SpendTotals>(chunk.map((p) => spendKey(tenant, p)), 'json')
    for (const p of chunk) out.push(upgrade(got.get(spendKey(tenant, p)) ?? null) ?? emptyTotals(tenant, p))
  }
  return out
}

/** The last `days` days and `months` months of a tenant's totals, newest first. */
export async function readUsage(kv: KVNamespace, tenant: string, opts: { days?: number; months?: number; now?: number } = {}) {
  const now = opts.now ?? Date.now()
  const days = lastDays(now, opts.days ?? 31)
  const months = lastMonths(now, opts.months ?? 2)
  const all = await readSpendMany(kv, tenant, [...days, ...months])
  return { days: all.slice(0, days.length), months: all.slice(days.length) }
}

/** Per-request records of a tenant, oldest first, from one page of `req:` keys, optionally for one time prefix (e.g. '2026-04-30'). */
export async function listRequestRecords(kv: KVNamespace, tenant: string, opts: { prefix?: string; limit?: number; cursor?: string } = {}) {
  const page = await kv.list<RecordBatchMeta>({ prefix: `req:${tenant}:${opts.prefix ?? ''}`, limit: opts.limit ?? 1000, cursor: opts.cursor })
  const records = (await getRecords(kv, tenant, page.keys.map((k) => k.name))).sort(byStart)
  return { records, cursor: page.list_complete ? undefined : page.cursor }
}

/**
 * A tenant's newest per-request records over `days` (UTC days, newest first), newest first, at most `max`. Lists
 * each day's keys (they sort by settle time; their metadata says how many records each holds), then bulk-gets only
 * the newest batches that hold `max` records. `complete` is false when records were left out.
 *
 * @example const { records, complete } = await readNewestRequestRecords(kv, tenant.id, ['2026-04-30', '2026-04-29'], 2000)
 */
export async function readNewestRequestRecords(kv: KVNamespace, tenant: string, days: string[], max: number): Promise<{ records: SpendRecord[]; complete: boolean }> {
  const names: string[] = []
  let counted = 0
  let complete = true
  for (const day of days) {
    if (counted >= max) {
      complete = false
      break
    }
    const dayKeys: Array<{ name: string; n: number }> = []
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await kv.list<RecordBatchMeta>({ prefix: `req:${tenant}:${day}`, limit: 1000, cursor })
      for (const k of page.keys) dayKeys.push({ name: k.name, n: k.metadata?.n ?? 1 })
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor && ++pages < 20)
    if (cursor) complete = false
    for (const k of dayKeys.reverse()) {
      if (counted >= max) {
        complete = false
        break
      }
      names.push(k.name)
      counted += k.n
    }
  }
  const records = (await getRecords(kv, tenant, names)).sort((a, b) => byStart(b, a))
  if (records.length > max) complete = false
  return { records: records.slice(0, max), complete }
}

const byStart = (a: SpendRecord, b: SpendRecord) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)

/**
 * Bulk-gets `req:` keys (100 per call) and flattens their records, each once (a batch re-sent after a lost reply may
 * repeat one; a late settle's record replaces the `unsettled` one it corrects). Values written before batches held one record each, and still read. Other tenants' records are skipped.
 */
async function getRecords(kv: KVNamespace, tenant: string, names: string[]): Promise<SpendRecord[]> {
  const byId = new Map<string, SpendRecord>()
  for (let i = 0; i < names.length; i += 100) {
    const chunk = names.slice(i, i + 100)
    const got = await kv.get<RecordBatch | SpendRecord>(chunk, 'json')
    for (const n of chunk) {
      const v = got.get(n)
      if (!v) continue
      for (const r of 'records' in v && Array.isArray(v.records) ? v.records : [v as SpendRecord]) {
        if (r.tenant !== tenant) continue
        const had = byId.get(r.ledger_id)
        // A late settle replaced an `unsettled` charge: its record wins, wherever either was written.
        if (!had || (had.status === 'unsettled' && r.status !== 'unsettled')) byId.set(r.ledger_id, r)
      }
    }
  }
  return [...byId.values()]
}
