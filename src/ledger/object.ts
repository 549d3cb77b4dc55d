/**
 * TenantLedger: one Durable Object per tenant (SQLite storage), the only code that writes money.
 *
 * Tables:
 * - `leases(id, isolate, nano, expires_at)`: headroom slices held by isolates (`nano` = unspent part of the slice)
 * - `reservations(request_id, lease_id, nano, at, expires_at)`: pending transfers; `lease_id` NULL once their lease ended
 * - `charges(request_id PRIMARY KEY, nano, status, …, record, kv_pending)`: posted transfers — the ledger; the PK
 *   makes settle idempotent
 * - `totals(period, nano, requests, version, flushed)` and `totals_by(period, dim, key, …)`: per UTC day and month
 *
 * Invariant: for each window, spent + Σ leases.nano + Σ orphan reservations ≤ limit, because a grant never exceeds
 * the headroom left. Overspend can only come from a settle above its reservation (an input-token under-estimate).
 *
 * KV: the DO alone writes `spend:` and `req:` keys, from SQLite, on a short alarm. Totals are written whole
 * (absolute values, not increments), so a failed or repeated write is simply retried: KV converges to the ledger.
 *
 * @example
 * const stub = env.TENANT_LEDGER.get(env.TENANT_LEDGER.idFromName(tenantId)) as DurableObjectStub<TenantLedger>
 * await stub.sync({ tenant, budget, isolate, ops: encodeOps([]), acquire: { lease: null, need, want: need } })
 */
import { DurableObject } from 'cloudflare:workers'
import { formatUsd } from '../money/format'
import type { MoneyConfig } from '../money'
import { PRICE_TABLE_VERSION } from '../money/prices'
import { dayOf, monthOf, dayResetsAt, monthResetsAt, type Window } from './periods'
import { spendKey, recordBatches, REQUEST_RECORD_TTL_S, type SpendRecord, type SpendTotals, type Bucket } from './kv'
import { premiumShares } from './premium'
import { loadConfig, type ConfigEnv } from '../config'
import { decodeOps, type LedgerBudget, type LedgerOp, type SyncRequest, type SyncResult, type WindowView, type Refusal } from './protocol'
import { TenantRates, type RateRequest, type RateResult } from '../ratelimit/window'

/** A lease may be used for new reservations this long. */
export const LEASE_TTL_MS = 30_000
/** The DO reclaims a lease this long after its expiry (covers isolate clock skew and in-flight batches). */
export const LEASE_GRACE_MS = 30_000
/** A lease is at most this fraction of the headroom left. */
export const LEASE_FRACTION = 0.25
/** A fresh lease covers at least this many reservations of the size asked for (when headroom allows). */
export const LEASE_MIN_REQUESTS = 4
/** Spend-rate window used to size leases. */
export const RATE_WINDOW_MS = 60_000
/** KV writes are batched: at most one flush per this interval (KV allows ~1 write/s per key). */
export const FLUSH_MS = 1_000
/** Charges older than this (and already in KV) are pruned from SQLite. */
export const CHARGE_RETENTION_MS = 40 * 24 * 3600 * 1000
const FLUSH_BATCH = 2_000
/** totals_by rows per upsert: 8 parameters each, within SQLite's 100 bound parameters per statement. */
const BY_ROWS_PER_STATEMENT = 12

/** Totals added by one call to one row: a period (`dimKey` '') or a period's tier/model bucket (`dimKey` 'tier\nmedium'). */
interface TotalsDelta {
  period: string
  dimKey: string
  nano: number
  requests: number
  premium: number
  input: number
  output: number
}

export interface LedgerEnv {
  TRIAGE_KV: KVNamespace
}

interface Meta {
  tenant: string | null
  daily: number | null
  monthly: number | null
  disabled: boolean
  updated_at: string
}

/** A read-only view of the ledger, for the admin API and tests. */
export interface LedgerSnapshot {
  tenant: string | null
  daily: WindowView
  monthly: WindowView
  held_nano: number
  available_nano: number | null
  leases: Array<{ id: string; isolate: string; nano: number; expires_at: number }>
  reservations: Array<{ request_id: string; lease_id: string | null; nano: number; expires_at: number }>
  /** Sum of all posted charges. */
  charged_nano: number
  charges: number
  totals: SpendTotals[]
  kv_pending: number
}

/** A live lease, as held in memory (mirrors its `leases` row). */
type Lease = {
  isolate: string
  nano: number
  expires_at: number
}

export class TenantLedger extends DurableObject<LedgerEnv> {
  private sql: SqlStorage
  private alarmAt: number | null = null
  private meta!: Meta
  // In-memory mirrors of SQL state, so the request path reads no SQL. The DO is single-threaded and the only
  // writer: every write updates SQL and its mirror in the same synchronous step, and `reload()` rebuilds them from
  // SQL (at start-up, after expiry, and in `snapshot()`).
  /** The `leases` table. */
  private leases = new Map<string, Lease>()
  /** Σ nano of orphan reservations (lease_id NULL). */
  private orphanNano = 0
  /** No lease or reservation expires before this (a lower bound: `expire()` runs its queries only once it is due). */
  private nextExpiry = Infinity
  /** `totals.nano` by period, read on first use. */
  private spentBy = new Map<string, number>()
  /** Totals or records not yet written to KV. */
  private kvDirty = false
  /** Ids in the `reservations` table, so a settle whose hold never came (the usual case) deletes nothing. */
  private heldIds = new Set<string>()
  /** Charges posted in the last RATE_WINDOW_MS, oldest first (`[at, nano]`), and their sum: the spend rate leases are sized by, without a scan of `charges` per grant. */
  private recent: Array<[at: number, nano: number]> = []
  private recentHead = 0
  private recentNano = 0
  /** Totals posted by the ops of the current call, summed per row; written once at its end (`commitTotals`). */
  private delta = new Map<string, TotalsDelta>()
  /** The tenant's rpm/tpm windows (src/ratelimit). In memory: the DO is only evicted after it has been idle, i.e. after the window has passed. */
  private rates: TenantRates | null = null

  constructor(ctx: DurableObjectState, env: LedgerEnv) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    ctx.blockConcurrencyWhile(async () => {
      this.migrate()
      this.meta = this.loadMeta()
      this.reload()
      this.alarmAt = await ctx.storage.getAlarm()
    })
  }

  private migrate(): void {
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
      CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, isolate TEXT NOT NULL, nano INTEGER NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS reservations (request_id TEXT PRIMARY KEY, lease_id TEXT, nano INTEGER NOT NULL, at INTEGER NOT NULL, expires_at INTEGER NOT NULL, model TEXT, tier TEXT, client_request_id TEXT);
      CREATE INDEX IF NOT EXISTS reservations_expiry ON reservations(expires_at);
      CREATE INDEX IF NOT EXISTS reservations_lease ON reservations(lease_id);
      CREATE TABLE IF NOT EXISTS charges (
        request_id TEXT PRIMARY KEY, nano INTEGER NOT NULL, status TEXT NOT NULL, model TEXT, tier TEXT,
        at INTEGER NOT NULL, day TEXT NOT NULL, month TEXT NOT NULL, record TEXT, kv_pending INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS charges_at ON charges(at);
      CREATE INDEX IF NOT EXISTS charges_kv_pending ON charges(kv_pending) WHERE kv_pending = 1;
      CREATE TABLE IF NOT EXISTS totals (period TEXT PRIMARY KEY, nano INTEGER NOT NULL, requests INTEGER NOT NULL,
        version INTEGER NOT NULL, flushed INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS totals_by (period TEXT NOT NULL, dim TEXT NOT NULL, key TEXT NOT NULL,
        nano INTEGER NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (period, dim, key));
    `)
    // v2: totals gain the premium equivalent and tokens. Rows from before count their own cost as premium (no savings claimed).
    if (!this.sql.exec(`SELECT 1 FROM meta WHERE k = 'schema'`).toArray().length) {
      for (const t of ['totals', 'totals_by']) {
        this.sql.exec(`ALTER TABLE ${t} ADD COLUMN premium INTEGER NOT NULL DEFAULT 0; ALTER TABLE ${t} ADD COLUMN input INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE ${t} ADD COLUMN output INTEGER NOT NULL DEFAULT 0; UPDATE ${t} SET premium = nano;`)
      }
      this.sql.exec(`INSERT INTO meta (k, v) VALUES ('schema', '2')`)
    }
  }

  /** Rebuilds the in-memory mirrors from SQL. */
  private reload(): void {
    this.leases = new Map()
    let next = Infinity
    for (const l of this.sql.exec<{ id: string } & Lease>('SELECT id, isolate, nano, expires_at FROM leases')) {
      this.leases.set(l.id, { isolate: l.isolate, nano: l.nano, expires_at: l.expires_at })
      next = Math.min(next, l.expires_at + LEASE_GRACE_MS)
    }
    this.heldIds = new Set(this.sql.exec<{ request_id: string }>('SELECT request_id FROM reservations').toArray().map((r) => r.request_id))
    this.recent = this.sql
      .exec<{ at: number; nano: number }>(`SELECT at, nano FROM charges WHERE at > ? AND status != 'released' ORDER BY at`, Date.now() - RATE_WINDOW_MS)
      .toArray()
      .map((c) => [c.at, c.nano])
    this.recentHead = 0
    this.recentNano = this.recent.reduce((a, [, nano]) => a + nano, 0)
    const r = this.sql
      .exec<{ orphan: number | null; t: number | null }>('SELECT SUM(CASE WHEN lease_id IS NULL THEN nano ELSE 0 END) AS orphan, MIN(expires_at) AS t FROM reservations')
      .one()
    this.orphanNano = r.orphan ?? 0
    this.nextExpiry = r.t === null ? next : Math.min(next, r.t)
    this.spentBy.clear()
    this.kvDirty =
      this.sql.exec('SELECT 1 FROM totals WHERE version > flushed LIMIT 1').toArray().length > 0 ||
      this.sql.exec('SELECT 1 FROM charges WHERE kv_pending = 1 LIMIT 1').toArray().length > 0
  }

  private loadMeta(): Meta {
    const rows = this.sql.exec<{ k: string; v: string }>('SELECT k, v FROM meta').toArray()
    const m = Object.fromEntries(rows.map((r) => [r.k, r.v]))
    return m.meta ? (JSON.parse(m.meta) as Meta) : { tenant: null, daily: null, monthly: null, disabled: false, updated_at: '' }
  }

  private saveMeta(): void {
    this.sql.exec('INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)', 'meta', JSON.stringify(this.meta))
  }

  /** Adopts a budget if it is at least as new as the one held. The admin API calls this on every change. */
  configure(tenant: string, budget: LedgerBudget): SyncResult {
    this.adopt(tenant, budget)
    return this.view(Date.now())
  }

  private adopt(tenant: string, b: LedgerBudget): void {
    const m = this.meta
    let changed = false
    if (m.tenant !== tenant) {
      if (m.tenant && m.tenant !== tenant) throw new Error('ledger belongs to another tenant')
      m.tenant = tenant
      changed = true
    }
    if (b.updated_at >= m.updated_at && (b.daily_nano !== m.daily || b.monthly_nano !== m.monthly || b.disabled !== m.disabled || b.updated_at !== m.updated_at)) {
      m.daily = b.daily_nano
      m.monthly = b.monthly_nano
      m.disabled = b.disabled
      m.updated_at = b.updated_at
      changed = true
    }
    if (changed) this.saveMeta()
  }

  /**
   * The one call isolates make: apply ops in order (hold/settle/release), then optionally grant headroom.
   * Runs with no await, so it is atomic.
   */
  sync(req: SyncRequest): SyncResult {
    const now = Date.now()
    this.adopt(req.tenant, req.budget)
    if (now >= this.nextExpiry) this.expire(now)
    for (const op of decodeOps(req.ops)) this.apply(op, now)
    this.commitTotals(now)
    let lease: SyncResult['lease']
    let refused: Refusal | undefined
    if (req.acquire) {
      const r = this.grant(req.isolate, req.acquire, now)
      lease = r.lease
      refused = r.refused
    }
    this.schedule(now)
    return { ...this.view(now), ...(lease ? { lease } : {}), ...(refused ? { refused } : {}) }
  }

  /** Rate limits (src/ratelimit): admits one request against the tenant's rpm/tpm windows. Money is not touched. */
  rate(req: RateRequest): RateResult {
    return (this.rates ??= new TenantRates()).admit(Date.now(), req)
  }

  // ---- ops ----

  private leaseActive(id: string | null): boolean {
    return !!id && this.leases.has(id)
  }

  /** Takes `nano` out of a lease's unspent part. */
  private spendLease(id: string, nano: number): void {
    this.sql.exec('UPDATE leases SET nano = MAX(0, nano - ?) WHERE id = ?', nano, id)
    const l = this.leases.get(id)
    if (l) l.nano = Math.max(0, l.nano - nano)
  }

  /** Deletes a reservation; returns it, or undefined if there was none. */
  private unhold(id: string): { lease_id: string | null; nano: number } | undefined {
    if (!this.heldIds.delete(id)) return undefined
    const res = this.sql.exec<{ lease_id: string | null; nano: number }>('DELETE FROM reservations WHERE request_id = ? RETURNING lease_id, nano', id).toArray()[0]
    if (res && res.lease_id === null) this.orphanNano -= res.nano
    return res
  }

  private apply(op: LedgerOp, now: number): void {
    // Idempotent: a charge row (posted or voided) means the op was applied already; so does an existing reservation for a hold.
    if (op.op === 'hold') {
      const lease = this.leaseActive(op.lease) ? op.lease : null
      const expires = op.at + op.ttl_ms
      const held = this.sql.exec(
        `INSERT INTO reservations (request_id, lease_id, nano, at, expires_at, model, tier, client_request_id)
         SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM charges WHERE request_id = ?) ON CONFLICT(request_id) DO NOTHING RETURNING 1`,
        op.id, lease, op.nano, op.at, expires, op.model ?? null, op.tier ?? null, op.request_id ?? op.id, op.id,
      ).toArray().length > 0
      if (held) {
        this.heldIds.add(op.id)
        if (lease === null) this.orphanNano += op.nano
        this.nextExpiry = Math.min(this.nextExpiry, expires)
      }
      return
    }
    if (op.op === 'release') {
      // A tombstone, so a late hold or settle for this id is ignored. Nothing was spent.
      const voided = this.sql.exec(
        `INSERT INTO charges (request_id, nano, status, at, day, month, kv_pending) VALUES (?, 0, 'released', ?, ?, ?, 0) ON CONFLICT(request_id) DO NOTHING RETURNING 1`,
        op.id, now, dayOf(now), monthOf(now),
      ).toArray().length > 0
      if (voided) this.unhold(op.id)
      return
    }
    if (!this.post(op.id, op.nano, String(op.record.status), op.record, now)) return
    // settle: the cost comes out of the lease the reservation was made against, if it is still live.
    const res = this.unhold(op.id)
    const leaseId = res ? res.lease_id : this.leaseActive(op.lease) ? op.lease : null
    if (leaseId) this.spendLease(leaseId, op.nano)
  }

  /**
   * Posts a charge: the ledger row, the period totals (cost, premium equivalent, tokens), and a pending KV record.
   * Returns false, and changes nothing, if a charge with this id exists already.
   */
  private post(id: string, nano: number, status: string, record: SpendRecord, now: number): boolean {
    const day = dayOf(now)
    const month = monthOf(now)
    record.settled_at = new Date(now).toISOString()
    record.cost_nano = nano
    record.cost_usd = formatUsd(nano)
    const calls = record.calls.length ? record.calls : [{ tier: record.tier ?? 'unknown', model: record.model ?? 'unknown', tokens: record.tokens, cost_nano: nano }]
    // A cache hit's premium equivalent is what it saved (SpendRecord.cache), so saved = premium − cost holds for it too.
    const premium = record.cache ? [record.cache.saved_nano] : record.calls.length ? premiumShares(record, ...this.reference()) : [nano]
    record.premium_nano = premium.reduce((a, b) => a + b, 0)
    const posted = this.sql.exec(
      'INSERT INTO charges (request_id, nano, status, model, tier, at, day, month, record, kv_pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT(request_id) DO NOTHING RETURNING 1',
      id, nano, status, record.model, record.tier, now, day, month, JSON.stringify(record),
    ).toArray().length > 0
    if (!posted) return false
    this.recent.push([now, nano])
    this.recentNano += nano
    this.recentSpend(now) // drops what left the window, so the mirror stays one minute long even when nothing asks for it
    // Summed per row for the whole call: a batch of settles costs one upsert per period and key, not one per settle.
    this.add('', day, nano, 1, record.premium_nano, record.tokens.input, record.tokens.output)
    this.add('', month, nano, 1, record.premium_nano, record.tokens.input, record.tokens.output)
    for (const [i, c] of calls.entries()) {
      for (const [dim, key] of [['tier', c.tier], ['model', c.model]] as const) {
        for (const period of [day, month]) this.add(`${dim}\n${key}`, period, c.cost_nano, 1, premium[i], c.tokens.input, c.tokens.output)
      }
    }
    this.kvDirty = true
    return true
  }

  private add(dimKey: string, period: string, nano: number, requests: number, premium: number, input: number, output: number): void {
    const k = `${period}\n${dimKey}`
    const d = this.delta.get(k)
    if (d) {
      d.nano += nano
      d.requests += requests
      d.premium += premium
      d.input += input
      d.output += output
    } else this.delta.set(k, { period, dimKey, nano, requests, premium, input, output })
  }

  /** Writes the summed totals of this call: one upsert for the period rows, chunked upserts for the tier/model rows. */
  private commitTotals(now: number): void {
    if (this.delta.size === 0) return
    const rows = [...this.delta.values()]
    this.delta.clear()
    const add = 'nano = nano + excluded.nano, requests = requests + excluded.requests, premium = premium + excluded.premium, input = input + excluded.input, output = output + excluded.output'
    const periods = rows.filter((r) => r.dimKey === '')
    // RETURNING keeps the in-memory spend equal to the row.
    for (const t of this.sql.exec<{ period: string; nano: number }>(
      `INSERT INTO totals (period, nano, requests, premium, input, output, version, flushed, updated_at) VALUES ${periods.map(() => '(?, ?, ?, ?, ?, ?, 1, 0, ?)').join(', ')}
       ON CONFLICT(period) DO UPDATE SET ${add}, version = version + 1, updated_at = excluded.updated_at RETURNING period, nano`,
      ...periods.flatMap((r) => [r.period, r.nano, r.requests, r.premium, r.input, r.output, now]),
    )) this.spentBy.set(t.period, t.nano)
    const by = rows.filter((r) => r.dimKey !== '')
    for (let i = 0; i < by.length; i += BY_ROWS_PER_STATEMENT) {
      const chunk = by.slice(i, i + BY_ROWS_PER_STATEMENT)
      this.sql.exec(
        `INSERT INTO totals_by (period, dim, key, nano, requests, premium, input, output) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT(period, dim, key) DO UPDATE SET ${add}`,
        ...chunk.flatMap((r) => {
          const [dim, key] = r.dimKey.split('\n')
          return [r.period, dim, key, r.nano, r.requests, r.premium, r.input, r.output]
        }),
      )
    }
    this.kvDirty = true
  }

  /** The reference premium model and the prices savings are computed with; none (claim nothing) if the config is invalid. */
  private reference(): [string | null, MoneyConfig?] {
    try {
      const config = loadConfig(this.env as unknown as ConfigEnv)
      return [config.tiers.premium[0] ?? null, config]
    } catch {
      return [null]
    }
  }

  // ---- expiry ----

  /** Ends leases past their grace (their holds become orphans) and charges reservations past their timeout; then reloads the mirrors. */
  private expire(now: number): void {
    for (const l of this.sql.exec<{ id: string }>('SELECT id FROM leases WHERE expires_at + ? <= ?', LEASE_GRACE_MS, now).toArray()) {
      this.sql.exec('UPDATE reservations SET lease_id = NULL WHERE lease_id = ?', l.id)
      this.sql.exec('DELETE FROM leases WHERE id = ?', l.id)
    }
    const expired = this.sql
      .exec<{ request_id: string; lease_id: string | null; nano: number; at: number; model: string | null; tier: string | null; client_request_id: string | null }>(
        'SELECT request_id, lease_id, nano, at, model, tier, client_request_id FROM reservations WHERE expires_at <= ?', now,
      )
      .toArray()
    for (const r of expired) {
      // Never settled: the upstream may have been called, so charge the reserved amount. When in doubt, don't lose money.
      this.sql.exec('DELETE FROM reservations WHERE request_id = ?', r.request_id)
      if (r.lease_id) this.sql.exec('UPDATE leases SET nano = MAX(0, nano - ?) WHERE id = ?', r.nano, r.lease_id)
      this.post(r.request_id, r.nano, 'unsettled', unsettledRecord(this.meta.tenant ?? '', r), now)
    }
    this.commitTotals(now)
    this.reload()
  }

  // ---- headroom ----

  private spent(period: string): number {
    let nano = this.spentBy.get(period)
    if (nano === undefined) {
      nano = this.sql.exec<{ nano: number }>('SELECT nano FROM totals WHERE period = ?', period).toArray()[0]?.nano ?? 0
      this.spentBy.set(period, nano)
    }
    return nano
  }

  private held(): number {
    let nano = this.orphanNano
    for (const l of this.leases.values()) nano += l.nano
    return nano
  }

  private windows(now: number): { daily: WindowView; monthly: WindowView } {
    return {
      daily: { period: dayOf(now), limit_nano: this.meta.daily, spent_nano: this.spent(dayOf(now)), resets_at: dayResetsAt(now) },
      monthly: { period: monthOf(now), limit_nano: this.meta.monthly, spent_nano: this.spent(monthOf(now)), resets_at: monthResetsAt(now) },
    }
  }

  /** Headroom left in the tightest window after spend and holds, and which window that is; null if unlimited. */
  private available(now: number): { nano: number; window: Window } | null {
    const w = this.windows(now)
    const held = this.held()
    let best: { nano: number; window: Window } | null = null
    for (const [name, v] of [['daily', w.daily], ['monthly', w.monthly]] as const) {
      if (v.limit_nano === null) continue
      const left = v.limit_nano - v.spent_nano - held
      if (!best || left < best.nano) best = { nano: left, window: name }
    }
    return best
  }

  private view(now: number): SyncResult {
    const w = this.windows(now)
    const avail = this.available(now)
    return {
      now,
      ...w,
      available_nano: avail ? avail.nano : null,
      held_nano: this.held(),
      unlimited: avail === null,
      disabled: this.meta.disabled,
    }
  }

  /**
   * Sizes and grants a lease: at least `need`, aiming for max(want, LEASE_MIN_REQUESTS × need, recent spend rate ×
   * LEASE_TTL_MS), capped at LEASE_FRACTION of the headroom left — so near exhaustion a lease is exactly one
   * request's reservation. Never more than the headroom left.
   */
  private grant(isolate: string, a: NonNullable<SyncRequest['acquire']>, now: number): { lease?: SyncResult['lease']; refused?: Refusal } {
    const need = Math.max(0, Math.floor(a.need))
    if (this.meta.disabled) return { refused: { window: 'disabled', need_nano: need, available_nano: 0 } }
    const avail = this.available(now)
    if (avail === null) return {} // unlimited: isolates reserve without leases
    if (avail.nano < need) return { refused: { window: avail.window, need_nano: need, available_nano: Math.max(0, avail.nano) } }
    const byRate = Math.ceil((this.recentSpend(now) * LEASE_TTL_MS) / RATE_WINDOW_MS)
    const target = Math.max(Math.floor(a.want), need * LEASE_MIN_REQUESTS, byRate)
    const cap = Math.floor(Math.max(0, avail.nano) * LEASE_FRACTION)
    let grant = Math.min(target, cap)
    if (grant < need) grant = need
    // Whole reservations only: what is granted beyond `need` comes in multiples of the request's size, so a lease
    // holds no stranded fragment that no request of that size could use.
    const unit = Math.max(1, Math.floor(a.unit ?? 0))
    if (a.unit && grant > need) grant = need + Math.floor((grant - need) / unit) * unit
    const expires = now + LEASE_TTL_MS
    // Renew the lease the isolate names, or else its newest live one: calls that race from one isolate add to one lease.
    const leaseId = this.leaseActive(a.lease) ? a.lease! : this.newestLease(isolate)
    if (leaseId) {
      this.sql.exec('UPDATE leases SET nano = nano + ?, expires_at = ?, isolate = ? WHERE id = ?', grant, expires, isolate, leaseId)
      const l = this.leases.get(leaseId)!
      l.nano += grant
      l.expires_at = expires
      l.isolate = isolate
      return { lease: { id: leaseId, granted_nano: grant, expires_at: expires } }
    }
    if (grant <= 0) return {}
    const id = crypto.randomUUID()
    this.sql.exec('INSERT INTO leases (id, isolate, nano, expires_at, created_at) VALUES (?, ?, ?, ?, ?)', id, isolate, grant, expires, now)
    this.leases.set(id, { isolate, nano: grant, expires_at: expires })
    this.nextExpiry = Math.min(this.nextExpiry, expires + LEASE_GRACE_MS)
    return { lease: { id, granted_nano: grant, expires_at: expires } }
  }

  /** Spend posted in the last RATE_WINDOW_MS (drops older entries; amortised O(1) per charge). */
  private recentSpend(now: number): number {
    const r = this.recent
    while (this.recentHead < r.length && r[this.recentHead][0] <= now - RATE_WINDOW_MS) this.recentNano -= r[this.recentHead++][1]
    if (this.recentHead > 1024 && this.recentHead * 2 > r.length) {
      this.recent = r.slice(this.recentHead)
      this.recentHead = 0
    }
    return this.recentNano
  }

  /** The isolate's newest live lease (latest expiry), if any: calls that race from one isolate add to one lease. */
  private newestLease(isolate: string): string | undefined {
    let best: [string, number] | undefined
    for (const [id, l] of this.leases) if (l.isolate === isolate && (!best || l.expires_at > best[1])) best = [id, l.expires_at]
    return best?.[0]
  }

  // ---- alarm: expiry + KV flush ----

  private schedule(now: number, retryMs?: number): void {
    let next = this.nextExpiry
    if (retryMs !== undefined) next = Math.min(next, now + retryMs)
    else if (this.kvDirty) next = Math.min(next, now + FLUSH_MS)
    if (next === Infinity) return
    if (this.alarmAt === null || next < this.alarmAt || this.alarmAt <= now - 60_000) {
      this.alarmAt = next
      void this.ctx.storage.setAlarm(next)
    }
  }

  async alarm(): Promise<void> {
    this.alarmAt = null
    const now = Date.now()
    this.expire(now)
    let ok = true
    try {
      await this.flushKv()
    } catch (err) {
      ok = false
      console.error(JSON.stringify({ level: 'warn', msg: 'ledger KV flush failed; will retry', tenant: this.meta.tenant, error: String(err) }))
    }
    this.sql.exec('DELETE FROM charges WHERE at < ? AND kv_pending = 0', Date.now() - CHARGE_RETENTION_MS)
    this.schedule(Date.now(), ok ? undefined : 5_000)
  }

  /** Writes pending totals and per-request records to KV now. Returns how many keys were written. Throws if any write failed. */
  async flush(): Promise<{ written: number }> {
    const written = await this.flushKv()
    this.schedule(Date.now())
    return { written }
  }

  private async flushKv(): Promise<number> {
    const tenant = this.meta.tenant
    if (!tenant) return 0
    let written = 0
    let failed: unknown
    // 1. Totals: absolute snapshots, so a retry or a reordering can never lose or double an increment.
    const dirty = this.sql.exec<{ period: string; version: number }>('SELECT period, version FROM totals WHERE version > flushed').toArray()
    for (const d of dirty) {
      const snapshot = this.totals(d.period)
      try {
        await this.env.TRIAGE_KV.put(spendKey(tenant, d.period), JSON.stringify(snapshot), {
          metadata: { nano: snapshot.nano, requests: snapshot.requests },
        })
        this.sql.exec('UPDATE totals SET flushed = MAX(flushed, ?) WHERE period = ?', d.version, d.period)
        written++
      } catch (err) {
        failed = err
      }
    }
    // 2. Per-request records: one KV value per UTC day of settle times, not one per request (KV bills per write).
    const pending = this.sql.exec<{ request_id: string; record: string }>('SELECT request_id, record FROM charges WHERE kv_pending = 1 LIMIT ?', FLUSH_BATCH).toArray()
    const ids = new Map<SpendRecord, string>()
    for (const p of pending) ids.set(JSON.parse(p.record) as SpendRecord, p.request_id)
    const results = await Promise.allSettled(
      recordBatches(tenant, [...ids.keys()]).map(async (b) => {
        await this.env.TRIAGE_KV.put(b.key, JSON.stringify(b.value), { expirationTtl: REQUEST_RECORD_TTL_S, metadata: b.metadata })
        return b.value.records.map((r) => ids.get(r)!)
      }),
    )
    const done: string[] = []
    for (const r of results) {
      if (r.status === 'fulfilled') done.push(...r.value)
      else failed = r.reason
    }
    if (done.length) this.sql.exec('UPDATE charges SET kv_pending = 0 WHERE request_id IN (SELECT value FROM json_each(?))', JSON.stringify(done))
    written += results.length - results.filter((r) => r.status === 'rejected').length
    this.kvDirty =
      this.sql.exec('SELECT 1 FROM totals WHERE version > flushed LIMIT 1').toArray().length > 0 ||
      this.sql.exec('SELECT 1 FROM charges WHERE kv_pending = 1 LIMIT 1').toArray().length > 0
    if (failed) throw failed
    return written
  }

  /** The totals of one period, as written to KV. */
  private totals(period: string): SpendTotals {
    type Row = { nano: number; requests: number; premium: number; input: number; output: number }
    const bucket = (r: Row): Bucket => ({ nano: r.nano, requests: r.requests, premium_nano: r.premium, tokens: { input: r.input, output: r.output } })
    const t = this.sql.exec<Row & { updated_at: number }>('SELECT nano, requests, premium, input, output, updated_at FROM totals WHERE period = ?', period).toArray()[0]
    const by: Record<'tier' | 'model', Record<string, Bucket>> = { tier: {}, model: {} }
    for (const r of this.sql.exec<Row & { dim: 'tier' | 'model'; key: string }>('SELECT dim, key, nano, requests, premium, input, output FROM totals_by WHERE period = ? ORDER BY key', period)) {
      by[r.dim][r.key] = bucket(r)
    }
    return {
      v: 1, tenant: this.meta.tenant ?? '', period,
      ...bucket(t ?? { nano: 0, requests: 0, premium: 0, input: 0, output: 0 }), usd: formatUsd(t?.nano ?? 0),
      by_tier: by.tier, by_model: by.model,
      updated_at: new Date(t?.updated_at ?? 0).toISOString(),
    }
  }

  /** The ledger's own view (authoritative), for the admin API and tests. */
  snapshot(): LedgerSnapshot {
    const now = Date.now()
    this.expire(now) // reloads the mirrors from SQL too
    const w = this.windows(now)
    const avail = this.available(now)
    const charged = this.sql.exec<{ s: number | null; n: number }>(`SELECT SUM(nano) AS s, COUNT(*) AS n FROM charges WHERE status != 'released'`).one()
    const periods = this.sql.exec<{ period: string }>('SELECT period FROM totals ORDER BY period DESC').toArray()
    return {
      tenant: this.meta.tenant,
      ...w,
      held_nano: this.held(),
      available_nano: avail ? avail.nano : null,
      leases: this.sql.exec<{ id: string; isolate: string; nano: number; expires_at: number }>('SELECT id, isolate, nano, expires_at FROM leases').toArray(),
      reservations: this.sql.exec<{ request_id: string; lease_id: string | null; nano: number; expires_at: number }>('SELECT request_id, lease_id, nano, expires_at FROM reservations').toArray(),
      charged_nano: charged.s ?? 0,
      charges: charged.n,
      totals: periods.map((p) => this.totals(p.period)),
      kv_pending: this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM charges WHERE kv_pending = 1').one().n,
    }
  }
}

function unsettledRecord(
  tenant: string,
  r: { request_id: string; nano: number; at: number; model: string | null; tier: string | null; client_request_id: string | null },
): SpendRecord {
  return {
    v: 1, request_id: r.client_request_id ?? r.request_id, ledger_id: r.request_id, tenant, at: new Date(r.at).toISOString(), settled_at: '', status: 'unsettled',
    tier: r.tier, model: r.model, provider: null, score: null,
    tokens: { input: 0, cached_input: 0, cache_write: 0, output: 0, reasoning: 0 }, estimated: true,
    cost_nano: r.nano, cost_usd: formatUsd(r.nano), reserved_nano: r.nano, latency_ms: null, attempts: 0,
    cascade: null, downgraded: null, stream: false,
    calls: [{ model: r.model ?? 'unknown', tier: r.tier ?? 'unknown', provider: 'unknown', tokens: { input: 0, cached_input: 0, cache_write: 0, output: 0, reasoning: 0 }, estimated: true, cost_nano: r.nano }],
    price_version: PRICE_TABLE_VERSION,
  }
}
