/**
 * TenantLedger: one Durable Object per tenant (SQLite storage), the only code that writes money. This module is its
 * core: the tenant's status (budget, disabled, revoked keys), budget leases, and reservations (holds), and what ops
 * post. The book it posts into — charges, totals, and their replication to KV — is `SpendBook` (src/ledger/book.ts).
 *
 * Tables (core): `meta`, `leases(id, isolate, nano, expires_at)` (headroom slices held by isolates; `nano` = the
 * unspent part of the slice, in-flight reservations included), `reservations(request_id, lease_id, nano, at,
 * expires_at, …)` (pending transfers; `lease_id` NULL once their lease ended). Tables of the book: `charges`,
 * `totals`, `totals_by`.
 *
 * Invariant: for each window, spent + Σ leases.nano + Σ orphan reservations ≤ limit, because a grant never exceeds
 * the headroom left. Overspend can only come from a settle above its reservation, or from a budget lowered below
 * what isolates already hold: every lease is recalled then, and no isolate reserves against it more than LEASE_TTL_MS
 * after the call that last confirmed it.
 *
 * Rate limits stay here (`rate()`, one line over src/ratelimit's windows): the tenant's DO is the one place that sees
 * all of a tenant's requests in order, and a second DO per tenant would cost a second round trip on the rare
 * requests that need it. They touch no money and no table.
 *
 * @example
 * const stub = env.TENANT_LEDGER.get(env.TENANT_LEDGER.idFromName(tenantId)) as DurableObjectStub<TenantLedger>
 * await stub.sync({ tenant, budget, isolate, ops: encodeOps([]), acquire: { lease: null, need, want: need } })
 */
import { DurableObject } from 'cloudflare:workers'
import { formatUsd } from '../money/format'
import { PRICE_TABLE_VERSION } from '../money/prices'
import { dayOf, monthOf, dayResetsAt, monthResetsAt, type Window } from './periods'
import type { SpendRecord, SpendTotals } from './kv'
import { SpendBook, migrateBook } from './book'
import { LEASE_TTL_MS, decodeOps, type LedgerBudget, type LedgerOp, type SyncRequest, type SyncResult, type WindowView, type Refusal } from './protocol'
import { TenantRates, type RateRequest, type RateResult } from './rates'

export { LEASE_TTL_MS } from './protocol'
export { CHARGE_RETENTION_MS } from './book'
/**
 * The DO reclaims a lease this long after its expiry: the isolate reserves against it no more after the expiry, and
 * the holds of its last reservations (sent FLUSH_DELAY_MS after them) have arrived by then. Its holds become orphans.
 */
export const LEASE_GRACE_MS = 500
/** A lease is at most this fraction of the headroom left. */
export const LEASE_FRACTION = 0.25
/** A fresh lease covers at least this many reservations of the size asked for (when headroom allows). */
export const LEASE_MIN_REQUESTS = 4
/** Spend-rate window used to size leases. */
export const RATE_WINDOW_MS = 60_000
/** A lease aims to cover this long at the recent spend rate (it is confirmed every LEASE_TTL_MS, and recalled when needed elsewhere). */
export const LEASE_HORIZON_MS = 30_000
/** KV writes are batched: at most one flush per this interval (KV allows ~1 write/s per key). */
export const FLUSH_MS = 1_000
/** A request waiting for recalled headroom asks again at most this often. */
const RECALL_POLL_MS = 100

export interface LedgerEnv {
  TRIAGE_KV: KVNamespace
}

interface Meta {
  tenant: string | null
  daily: number | null
  monthly: number | null
  disabled: boolean
  updated_at: string
  revoked_keys?: string[]
}

/** The tenant's status as its ledger holds it; `updated_at` '' when the ledger has none (the tenant record decides). Its shape is `LedgerStatus` in src/tenants. */
export interface TenantStatus {
  disabled: boolean
  revoked_keys: string[]
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

/** A live lease, as held in memory (mirrors its `leases` row, plus what only memory needs). */
type Lease = {
  isolate: string
  nano: number
  expires_at: number
  /** What the isolate's requests in flight held against it at its last call (plus what it was granted for since). */
  reported: number
  /** Its idle part is wanted back (budget changed, or another isolate needs it): taken at the next call, or at expiry. */
  recalled: boolean
}

export class TenantLedger extends DurableObject<LedgerEnv> {
  private sql: SqlStorage
  private book!: SpendBook
  private alarmAt: number | null = null
  private meta!: Meta
  // In-memory mirrors of SQL state, so the request path reads no SQL. The DO is single-threaded and the only
  // writer: every write updates SQL and its mirror in the same synchronous step, and `reload()` rebuilds them from
  // SQL (at start-up and in `snapshot()`).
  /** The `leases` table. */
  private leases = new Map<string, Lease>()
  /** Σ nano of orphan reservations (lease_id NULL). */
  private orphanNano = 0
  /** No lease or reservation expires before this (a lower bound: `expire()` runs its queries only once it is due). */
  private nextExpiry = Infinity
  /** Ids in the `reservations` table, so a settle whose hold never came (the usual case) deletes nothing. */
  private heldIds = new Set<string>()
  /** Charges posted in the last RATE_WINDOW_MS, oldest first (`[at, nano]`), and their sum: the spend rate leases are sized by. */
  private recent: Array<[at: number, nano: number]> = []
  private recentHead = 0
  private recentNano = 0
  /** The tenant's rpm/tpm windows (src/ratelimit). In memory: the DO is only evicted after it has been idle, i.e. after the window has passed. */
  private rates: TenantRates | null = null

  constructor(ctx: DurableObjectState, env: LedgerEnv) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    ctx.blockConcurrencyWhile(async () => {
      this.migrate()
      this.book = new SpendBook(this.sql, env.TRIAGE_KV)
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
    `)
    migrateBook(this.sql)
  }

  /** Rebuilds the in-memory mirrors from SQL. */
  private reload(): void {
    const old = this.leases
    this.leases = new Map()
    for (const l of this.sql.exec<{ id: string; isolate: string; nano: number; expires_at: number }>('SELECT id, isolate, nano, expires_at FROM leases')) {
      const was = old.get(l.id)
      this.leases.set(l.id, { isolate: l.isolate, nano: l.nano, expires_at: l.expires_at, reported: was?.reported ?? 0, recalled: was?.recalled ?? false })
    }
    this.heldIds = new Set(this.sql.exec<{ request_id: string }>('SELECT request_id FROM reservations').toArray().map((r) => r.request_id))
    this.recent = this.book.recentCharges(Date.now() - RATE_WINDOW_MS)
    this.recentHead = 0
    this.recentNano = this.recent.reduce((a, [, nano]) => a + nano, 0)
    this.orphanNano = this.sql.exec<{ orphan: number | null }>('SELECT SUM(nano) AS orphan FROM reservations WHERE lease_id IS NULL').one().orphan ?? 0
    this.book.reload()
    this.nextExpiry = this.earliestExpiry()
  }

  /** When the next lease or reservation expires (one indexed query). */
  private earliestExpiry(): number {
    let next = this.sql.exec<{ t: number | null }>('SELECT MIN(expires_at) AS t FROM reservations').one().t ?? Infinity
    for (const l of this.leases.values()) next = Math.min(next, l.expires_at + LEASE_GRACE_MS)
    return next
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

  /**
   * The tenant's status as the ledger holds it (the newest it has seen, from the admin API or any isolate): whether it
   * is disabled, and which keys are revoked. `authenticate` asks when its own (KV, eventually consistent) copy says
   * the tenant is disabled, so re-enabling takes effect everywhere at once.
   */
  status(tenant: string): TenantStatus {
    if (this.meta.tenant !== tenant) return { disabled: false, revoked_keys: [], updated_at: '' }
    return { disabled: this.meta.disabled, revoked_keys: this.meta.revoked_keys ?? [], updated_at: this.meta.updated_at }
  }

  private adopt(tenant: string, b: LedgerBudget): void {
    const m = this.meta
    let changed = false
    if (m.tenant !== tenant) {
      if (m.tenant && m.tenant !== tenant) throw new Error('ledger belongs to another tenant')
      m.tenant = tenant
      changed = true
    }
    const revoked = b.revoked_keys ?? []
    if (b.updated_at >= m.updated_at && (b.daily_nano !== m.daily || b.monthly_nano !== m.monthly || b.disabled !== m.disabled || b.updated_at !== m.updated_at || revoked.join() !== (m.revoked_keys ?? []).join())) {
      m.daily = b.daily_nano
      m.monthly = b.monthly_nano
      m.disabled = b.disabled
      m.updated_at = b.updated_at
      m.revoked_keys = revoked
      changed = true
      // A new budget or status: every isolate gives back its lease's idle part at its next call (within LEASE_TTL_MS,
      // the longest an isolate reserves against a lease without one), and takes a new one sized by the new budget.
      for (const l of this.leases.values()) l.recalled = true
    }
    if (changed) this.saveMeta()
  }

  /**
   * The one call isolates make: apply ops in order (hold/settle/release), confirm the isolate's lease, then
   * optionally grant headroom. Runs with no await, so it is atomic.
   */
  sync(req: SyncRequest): SyncResult {
    const now = Date.now()
    this.adopt(req.tenant, req.budget)
    if (now >= this.nextExpiry) this.expire(now)
    for (const op of decodeOps(req.ops)) this.apply(op, now)
    this.book.commit(now)
    let change = 0
    let leaseId: string | undefined
    let ended: string | undefined
    if (req.lease) {
      const c = this.confirm(req.lease, now)
      if (c === undefined) ended = req.lease.id
      else {
        change += c
        leaseId = req.lease.id
      }
    }
    let refused: Refusal | undefined
    let retryMs: number | undefined
    if (req.acquire) {
      const r = this.grant(req.isolate, req.acquire, now, leaseId)
      if (r.lease) {
        if (r.lease !== leaseId) change = 0 // a new lease: what was taken back from the old one is the isolate's to forget with it
        leaseId = r.lease
        change += r.granted
      }
      refused = r.refused
      retryMs = r.retryMs
    }
    this.schedule(now)
    const l = leaseId ? this.leases.get(leaseId) : undefined
    return {
      ...this.view(now),
      ...(l ? { lease: { id: leaseId!, change_nano: change, expires_at: l.expires_at, ...(l.recalled || this.meta.disabled ? { recalled: true } : {}) } } : {}),
      ...(ended && ended !== leaseId ? { lease_ended: ended } : {}),
      ...(refused ? { refused } : {}),
      ...(retryMs !== undefined ? { retry_ms: retryMs } : {}),
    }
  }

  /** Rate limits (src/ratelimit): admits one request against the tenant's rpm/tpm windows. Money is not touched; a refusal is counted (by limit) with the budget's. */
  rate(req: RateRequest): RateResult {
    const now = Date.now()
    const res = (this.rates ??= new TenantRates()).admit(now, req)
    if (!res.ok) {
      this.book.refusal(res.limit ?? 'rate', now)
      this.book.commit(now)
      this.schedule(now)
    }
    return res
  }

  // ---- leases ----

  /**
   * Confirms an isolate's lease for another LEASE_TTL_MS, and records what its requests in flight hold. (A recalled
   * lease is told so in the answer; its isolate gives the idle part back with a `return` op.) Returns 0, or
   * undefined when the lease has ended.
   */
  private confirm(held: { id: string; reserved: number }, now: number): number | undefined {
    const l = this.leases.get(held.id)
    if (!l) return undefined
    l.reported = Math.max(0, Math.floor(held.reserved))
    const change = 0
    l.expires_at = now + LEASE_TTL_MS
    this.sql.exec('UPDATE leases SET nano = ?, expires_at = ? WHERE id = ?', l.nano, l.expires_at, held.id)
    return change
  }

  /** Takes `nano` out of a lease's unspent part. */
  private spendLease(id: string, nano: number): void {
    this.sql.exec('UPDATE leases SET nano = MAX(0, nano - ?) WHERE id = ?', nano, id)
    const l = this.leases.get(id)
    if (l) l.nano = Math.max(0, l.nano - nano)
  }

  /** Ends a lease: its holds become orphans (still held), its idle part returns to the budget. */
  private endLease(id: string): void {
    const orphaned = this.sql.exec<{ nano: number }>('UPDATE reservations SET lease_id = NULL WHERE lease_id = ? RETURNING nano', id).toArray()
    for (const r of orphaned) this.orphanNano += r.nano
    this.sql.exec('DELETE FROM leases WHERE id = ?', id)
    this.leases.delete(id)
  }

  // ---- ops ----

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
      const lease = op.lease && this.leases.has(op.lease) ? op.lease : null
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
    if (op.op === 'return') {
      const l = this.leases.get(op.id)
      if (!l) return
      l.nano = Math.max(0, l.nano - Math.max(0, Math.floor(op.nano)))
      l.recalled = false
      this.sql.exec('UPDATE leases SET nano = ? WHERE id = ?', l.nano, op.id)
      return
    }
    if (op.op === 'refused') {
      this.book.refusal(op.reason, op.at)
      return
    }
    if (op.op === 'release') {
      // A tombstone, so a late hold or settle for this id is ignored. Nothing was spent.
      if (this.book.void(op.id, now)) this.unhold(op.id)
      return
    }
    if (!this.book.post(op.id, op.nano, String(op.record.status), op.record, now)) {
      // Its reservation outlived its TTL and was charged in full as `unsettled`: the real cost replaces that charge.
      const change = this.book.replace(op.id, op.nano, String(op.record.status), op.record)
      if (change !== undefined) this.noteSpend(now, change)
      return
    }
    this.noteSpend(now, op.nano)
    // settle: the cost comes out of the lease the reservation was made against, if it is still live.
    const res = this.unhold(op.id)
    const leaseId = res ? res.lease_id : op.lease && this.leases.has(op.lease) ? op.lease : null
    if (leaseId) this.spendLease(leaseId, op.nano)
  }

  private noteSpend(now: number, nano: number): void {
    this.recent.push([now, nano])
    this.recentNano += nano
    this.recentSpend(now) // drops what left the window, so the mirror stays one minute long even when nothing asks for it
  }

  // ---- expiry ----

  /** Ends leases past their grace (their holds become orphans) and charges reservations past their timeout. */
  private expire(now: number): void {
    for (const l of this.sql.exec<{ id: string }>('SELECT id FROM leases WHERE expires_at + ? <= ?', LEASE_GRACE_MS, now).toArray()) this.endLease(l.id)
    const expired = this.sql
      .exec<{ request_id: string; lease_id: string | null; nano: number; at: number; model: string | null; tier: string | null; client_request_id: string | null }>(
        'SELECT request_id, lease_id, nano, at, model, tier, client_request_id FROM reservations WHERE expires_at <= ?', now,
      )
      .toArray()
    for (const r of expired) {
      // Never settled: the upstream may have been called, so charge the reserved amount. When in doubt, don't lose
      // money. A settle that still comes replaces this charge (SpendBook.replace).
      this.unhold(r.request_id)
      if (r.lease_id) this.spendLease(r.lease_id, r.nano)
      if (this.book.post(r.request_id, r.nano, 'unsettled', unsettledRecord(this.meta.tenant ?? '', r), now)) this.noteSpend(now, r.nano)
    }
    this.book.commit(now)
    this.nextExpiry = this.earliestExpiry()
  }

  // ---- headroom ----

  private held(): number {
    let nano = this.orphanNano
    for (const l of this.leases.values()) nano += l.nano
    return nano
  }

  /** What requests in flight hold: orphan holds, and each lease's part its isolate last reported in use. */
  private inFlight(): number {
    let nano = this.orphanNano
    for (const l of this.leases.values()) nano += Math.min(l.nano, l.reported)
    return nano
  }

  private windows(now: number): { daily: WindowView; monthly: WindowView } {
    return {
      daily: { period: dayOf(now), limit_nano: this.meta.daily, spent_nano: this.book.spent(dayOf(now)), resets_at: dayResetsAt(now) },
      monthly: { period: monthOf(now), limit_nano: this.meta.monthly, spent_nano: this.book.spent(monthOf(now)), resets_at: monthResetsAt(now) },
    }
  }

  /** Headroom left in the tightest window after spend (and holds, unless `spentOnly`), and which window that is; null if unlimited. */
  private available(now: number, spentOnly = false): { nano: number; window: Window } | null {
    const w = this.windows(now)
    const held = spentOnly ? 0 : this.held()
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
      in_flight_nano: this.inFlight(),
      unlimited: avail === null,
      disabled: this.meta.disabled,
      revoked_keys: this.meta.revoked_keys ?? [],
    }
  }

  /**
   * Sizes and grants a lease: at least `need`, aiming for max(want, LEASE_MIN_REQUESTS × need, recent spend rate ×
   * LEASE_HORIZON_MS), capped at LEASE_FRACTION of the headroom left — so near exhaustion a lease is exactly one
   * request's reservation. Never more than the headroom left.
   *
   * When the headroom is short only because other isolates' leases hold it idle, those leases are recalled and the
   * caller is told to ask again (`retryMs`): idle headroom is lent on, never a reason to refuse.
   */
  private grant(isolate: string, a: NonNullable<SyncRequest['acquire']>, now: number, confirmed?: string): { lease?: string; granted: number; refused?: Refusal; retryMs?: number } {
    const need = Math.max(0, Math.floor(a.need))
    if (this.meta.disabled) return { granted: 0, refused: { window: 'disabled', need_nano: need, available_nano: 0, retryable: false } }
    const avail = this.available(now)
    if (avail === null) return { granted: 0 } // unlimited: isolates reserve without leases
    const own = confirmed ?? (a.lease && this.leases.has(a.lease) ? a.lease : this.newestLease(isolate))
    if (avail.nano < need) {
      const unspent = this.available(now, true)!.nano >= need
      if (unspent) {
        // Enough is unspent: the rest is held. Recall the leases of isolates that had nothing in flight at their last
        // call (idle: a client that moved to another isolate); refuse (retryably) what busy isolates and requests in flight hold.
        let idle = 0
        let reclaimAt = Infinity
        for (const [id, l] of this.leases) {
          if (id === own || l.reported > 0 || l.nano === 0) continue
          idle += l.nano
          l.recalled = true
          reclaimAt = Math.min(reclaimAt, l.expires_at + LEASE_GRACE_MS)
        }
        if (avail.nano + idle >= need) return { granted: 0, retryMs: Math.max(1, Math.min(RECALL_POLL_MS, reclaimAt - now)) }
      }
      return { granted: 0, refused: { window: avail.window, need_nano: need, available_nano: Math.max(0, avail.nano), retryable: unspent } }
    }
    const byRate = Math.ceil((this.recentSpend(now) * LEASE_HORIZON_MS) / RATE_WINDOW_MS)
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
    if (own) {
      const l = this.leases.get(own)!
      l.recalled = false // an isolate that asks for more is not idle: what it holds is its own again
      l.nano += grant
      l.reported += need // the request that asked reserves it now
      l.expires_at = expires
      l.isolate = isolate
      this.sql.exec('UPDATE leases SET nano = ?, expires_at = ?, isolate = ? WHERE id = ?', l.nano, expires, isolate, own)
      return { lease: own, granted: grant }
    }
    if (grant <= 0) return { granted: 0 }
    const id = crypto.randomUUID()
    this.sql.exec('INSERT INTO leases (id, isolate, nano, expires_at, created_at) VALUES (?, ?, ?, ?, ?)', id, isolate, grant, expires, now)
    this.leases.set(id, { isolate, nano: grant, expires_at: expires, reported: need, recalled: false })
    this.nextExpiry = Math.min(this.nextExpiry, expires + LEASE_GRACE_MS)
    return { lease: id, granted: grant }
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
    else if (this.book.dirty) next = Math.min(next, now + FLUSH_MS)
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
      await this.book.flush(this.meta.tenant)
    } catch (err) {
      ok = false
      console.error(JSON.stringify({ level: 'warn', msg: 'ledger KV flush failed; will retry', tenant: this.meta.tenant, error: String(err) }))
    }
    this.book.prune(Date.now())
    this.schedule(Date.now(), ok ? undefined : 5_000)
  }

  /** Writes pending totals and per-request records to KV now. Returns how many keys were written. Throws if any write failed. */
  async flush(): Promise<{ written: number }> {
    const written = await this.book.flush(this.meta.tenant)
    this.schedule(Date.now())
    return { written }
  }

  /** The ledger's own view (authoritative), for the admin API and tests. */
  snapshot(): LedgerSnapshot {
    const now = Date.now()
    this.reload()
    this.expire(now)
    const w = this.windows(now)
    const avail = this.available(now)
    const charged = this.book.charged()
    return {
      tenant: this.meta.tenant,
      ...w,
      held_nano: this.held(),
      available_nano: avail ? avail.nano : null,
      leases: this.sql.exec<{ id: string; isolate: string; nano: number; expires_at: number }>('SELECT id, isolate, nano, expires_at FROM leases').toArray(),
      reservations: this.sql.exec<{ request_id: string; lease_id: string | null; nano: number; expires_at: number }>('SELECT request_id, lease_id, nano, expires_at FROM reservations').toArray(),
      charged_nano: charged.nano,
      charges: charged.charges,
      totals: this.book.allTotals(this.meta.tenant ?? ''),
      kv_pending: charged.kv_pending,
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
    calls: [{ model: r.model ?? 'unknown', tier: r.tier ?? 'unknown', provider: 'unknown', tokens: { input: 0, cached_input: 0, cache_write: 0, output: 0, reasoning: 0 }, estimated: true, cost_nano: r.nano, premium_nano: r.nano }],
    price_version: PRICE_TABLE_VERSION,
  }
}
