/**
 * The isolate side of the ledger: a per-isolate, per-tenant lease, reserved against synchronously.
 *
 * - `reserve` takes the worst case from the local lease with no I/O. Only a request that finds the lease short
 *   waits for the DO, with a call of its own; the others go on.
 * - `settle` / `release` update the lease at once and queue the op; the queue goes to the DO in batches: each
 *   request waits FLUSH_DELAY_MS, then sends whatever is queued by then (usually nothing: another request took it).
 *   Holds are queued the same way (`flushHold`: sent if the request is still running after FLUSH_DELAY_MS), so a
 *   reservation orphaned by a crash is charged at its reserved amount by the DO's alarm; a hold whose settle is in
 *   the same batch is dropped. Ops are idempotent by ledger id and the DO applies them in any order (a hold after
 *   its settle is ignored), so batches need no ordering between them.
 * - No promise is ever shared between requests: every DO call is made and awaited by the request that needs it.
 *   Workers ties I/O to the request that started it, and a promise awaited across requests can stall or be
 *   cancelled with the request that made it.
 *
 * @example
 * const client = ledgerClient(env, tenant)
 * const r = await client.reserve('req-1', 40_000, { model: 'gpt-4.1', tier: 'premium' })
 * client.settle(r, 31_000, record)   // queued; flushed with ctx.waitUntil(client.flushSoon())
 */
import type { Tenant } from '../tenants'
import { parseUsd } from '../money/format'
import { randomBase62 } from '../tenants/keys'
import type { TenantLedger } from './object'
import { encodeOps, LEASE_TTL_MS, type LedgerBudget, type LedgerOp, type SyncRequest, type SyncResult } from './protocol'
import type { SpendRecord } from './kv'
import { dayOf, monthOf } from './periods'

/** Settle/release batches wait at most this long for company. */
export const FLUSH_DELAY_MS = 25
/**
 * A reservation that is neither settled nor released after this long is charged in full (DO alarm). The request
 * path passes the longest request its configuration allows instead (`reservationTtlMs` in src/ledger/ttl.ts).
 */
export const DEFAULT_RESERVATION_TTL_MS = 10 * 60_000
/** A short request asks the DO at most this many times before giving up (503). */
const MAX_REFILLS = 40
/** A request whose headroom is being recalled from other isolates' idle leases waits at most this long for it. */
export const RECALL_WAIT_MS = 2_500
/** A DO call that takes longer than this is abandoned (its ops are re-sent; they are idempotent). */
export const SYNC_TIMEOUT_MS = 10_000

export interface LedgerBindings {
  TENANT_LEDGER: DurableObjectNamespace
}

/** What a reservation is for: shown in an unsettled record, checked against the DO's view (`keyId`), and how long it may stay unsettled. */
export interface ReserveMeta {
  model?: string
  tier?: string
  /** The key that authenticated the request: refused when the DO lists it as revoked. */
  keyId?: string
  /** Reservation timeout (default: the client's). */
  ttlMs?: number
}

export interface LocalReservation {
  /** Unique ledger id (client request id + random suffix). */
  readonly id: string
  readonly requestId: string
  readonly nano: number
  readonly lease: string | null
  readonly at: number
  readonly expiresAt: number
  readonly model?: string
  readonly tier?: string
  state: 'held' | 'settled' | 'released' | 'expired'
  /** Set by `flushHold`: ends its wait when the reservation is settled or released. */
  ended?: () => void
}

interface Lease {
  id: string
  /** Unspent part of the lease, in-flight reservations included (mirrors the DO's `leases.nano`). */
  balance: number
  /** Sum of in-flight reservations against it. */
  reserved: number
  /** New reservations may be made against it until then: LEASE_TTL_MS after the newest call that confirmed it was sent (this isolate's clock only). */
  usableUntil: number
}

/** Thrown by reserve when the budget cannot cover the reservation. */
export class BudgetRefused extends Error {
  constructor(
    /** The window that has no room; 'disabled' (tenant disabled) or 'revoked' (the request's key was revoked) as the DO says. */
    readonly window: 'daily' | 'monthly' | 'disabled' | 'revoked',
    readonly need: number,
    readonly available: number,
    readonly view: SyncResult,
    /** The budget is not spent, only held by requests in flight: trying again shortly may succeed. */
    readonly retryable = false,
  ) {
    super(`budget refused (${window})`)
  }
}

/** Thrown when the tenant's ledger cannot be reached: the request is refused (503), never run unmetered. */
export class LedgerUnavailable extends Error {
  constructor(readonly cause: unknown) {
    super(`ledger unavailable: ${String(cause)}`)
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ledger call timed out after ${ms} ms`)), ms)
  })
  return Promise.race([p, timeout]).finally(() => { if (timer !== undefined) clearTimeout(timer) })
}

const budgets = new WeakMap<Tenant, LedgerBudget>()

/** The budget the DO enforces, from the tenant record (computed once per tenant object: records are replaced, not mutated). */
export function budgetOf(tenant: Tenant): LedgerBudget {
  let b = budgets.get(tenant)
  if (!b) budgets.set(tenant, (b = computeBudget(tenant)))
  return b
}

function computeBudget(tenant: Tenant): LedgerBudget {
  const daily = tenant.budget.daily_usd !== undefined ? parseUsd(tenant.budget.daily_usd) ?? 0 : null
  const monthly = tenant.budget.monthly_usd !== undefined ? parseUsd(tenant.budget.monthly_usd) ?? 0 : null
  return { daily_nano: daily, monthly_nano: monthly, disabled: tenant.disabled, updated_at: tenant.updated_at ?? '', ...(tenant.revoked_keys?.length ? { revoked_keys: tenant.revoked_keys } : {}) }
}

const ids = new WeakMap<object, Map<string, DurableObjectId>>()

/**
 * The tenant's ledger stub. The id (a hash of the name) is computed once per isolate; the stub itself is made per
 * call, because a stub belongs to the request that created it.
 */
export function ledgerStub(env: LedgerBindings, tenantId: string): DurableObjectStub<TenantLedger> {
  const ns = env.TENANT_LEDGER as unknown as DurableObjectNamespace<TenantLedger>
  let byName = ids.get(ns)
  if (!byName) ids.set(ns, (byName = new Map()))
  let id = byName.get(tenantId)
  if (!id) byName.set(tenantId, (id = ns.idFromName(tenantId)))
  return ns.get(id)
}

export class LedgerClient {
  readonly isolate: string
  tenant: Tenant
  view: SyncResult | null = null
  /** When the newest call that answered was sent: the view (and the lease) are trusted until LEASE_TTL_MS after it. */
  private viewAt = -Infinity
  private lease: Lease | null = null
  private held = new Map<string, LocalReservation>()
  private pending: LedgerOp[] = []
  /** Settled cost sent to the DO but not yet reflected in `view`. */
  private sending = 0
  /** DO calls in flight (only `flush`, for tests and tools, waits for them). */
  private inflight = new Set<Promise<unknown>>()
  /** Counters for tests and benchmarks: DO round trips, and reservations served from the lease without one. */
  readonly stats = { syncs: 0, refills: 0, local: 0 }

  constructor(
    private readonly env: LedgerBindings,
    tenant: Tenant,
    opts: { isolate?: string; reservationTtlMs?: number } = {},
  ) {
    this.tenant = tenant
    this.isolate = opts.isolate ?? randomBase62(12)
    this.reservationTtlMs = opts.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS
  }
  private readonly reservationTtlMs: number

  // ---- the DO conversation ----

  /** One RPC, made by the calling request, carrying every queued op and an optional acquire. */
  private async sync(acquire?: SyncRequest['acquire']): Promise<SyncResult> {
    const ops = withoutSettledHolds(this.pending.splice(0))
    const cost = settledCost(ops)
    this.sending += cost
    this.stats.syncs++
    const sentAt = Date.now()
    const lease = this.lease ? { id: this.lease.id, reserved: this.lease.reserved } : undefined
    const call = ledgerStub(this.env, this.tenant.id).sync({ tenant: this.tenant.id, budget: budgetOf(this.tenant), isolate: this.isolate, ops: encodeOps(ops), lease, acquire })
    this.inflight.add(call)
    try {
      // A timeout, so one lost call cannot hold a request for long; its ops are re-queued (they are idempotent).
      const res = await withTimeout(call, SYNC_TIMEOUT_MS)
      this.absorb(res, sentAt)
      return res
    } catch (err) {
      this.pending.unshift(...ops)
      throw err
    } finally {
      this.sending -= cost
      this.inflight.delete(call)
    }
  }

  private absorb(res: SyncResult, sentAt: number): void {
    // Calls may overlap: keep the newest view of the ledger. Any answer is at least as new as its call.
    if (!this.view || res.now >= this.view.now) this.view = res
    this.viewAt = Math.max(this.viewAt, sentAt)
    if (res.lease_ended && this.lease?.id === res.lease_ended) this.lease = null
    if (res.lease) {
      const usableUntil = sentAt + LEASE_TTL_MS
      if (this.lease && this.lease.id === res.lease.id) {
        this.lease.balance += res.lease.change_nano
        this.lease.usableUntil = Math.max(this.lease.usableUntil, usableUntil)
      } else {
        this.lease = { id: res.lease.id, balance: res.lease.change_nano, reserved: 0, usableUntil }
      }
      // Recalled: what no request holds goes back (with the next call); from now on nothing is reserved against it.
      const idle = this.lease.balance - this.lease.reserved
      if (res.lease.recalled && idle > 0) {
        this.lease.balance -= idle
        this.pending.push({ op: 'return', id: this.lease.id, nano: idle })
      }
    }
  }

  /** Whether the view of the ledger (budget, status, revoked keys) and the lease may be trusted without asking the DO. */
  private fresh(now: number): boolean {
    return this.view !== null && now < this.viewAt + LEASE_TTL_MS
  }

  /** Makes sure there is a fresh view of the ledger (at most LEASE_TTL_MS old). Sizes a first lease by the tenant's spend rate. */
  async ready(): Promise<void> {
    if (this.fresh(Date.now())) return
    await this.sync(this.lease ? undefined : { lease: null, need: 0, want: 0 })
  }

  // ---- reserve ----

  /**
   * Expires local reservations past their TTL: the DO charges them in full, so the lease counts them as spent. A
   * settle that still comes is sent (the DO replaces the full charge by it).
   */
  private sweep(now: number): void {
    for (const r of this.held.values()) {
      if (r.expiresAt > now) continue
      r.state = 'expired'
      this.held.delete(r.id)
      if (this.lease && this.lease.id === r.lease) {
        this.lease.reserved -= r.nano
        this.lease.balance = Math.max(0, this.lease.balance - r.nano)
      }
    }
  }

  private localAvailable(now: number): number {
    const l = this.lease
    if (!l || now >= l.usableUntil) return 0
    return l.balance - l.reserved
  }

  private tryLocal(requestId: string, nano: number, meta: ReserveMeta): LocalReservation | undefined {
    const now = Date.now()
    if (!this.fresh(now)) return undefined
    const unlimited = this.view?.unlimited === true && !this.view.disabled
    if (!unlimited && this.localAvailable(now) < nano) return undefined
    const lease = unlimited ? null : this.lease!
    const ttl = meta.ttlMs ?? this.reservationTtlMs
    const r: LocalReservation = {
      id: `${requestId.replace(/[^\w.-]/g, '').slice(0, 64)}_${randomBase62(6)}`,
      requestId, nano, lease: lease?.id ?? null, at: now, expiresAt: now + ttl,
      model: meta.model, tier: meta.tier, state: 'held',
    }
    if (lease) lease.reserved += nano
    this.held.set(r.id, r)
    this.pending.push({ op: 'hold', id: r.id, request_id: requestId, nano, lease: r.lease, at: now, ttl_ms: ttl, model: meta.model, tier: meta.tier })
    return r
  }

  /**
   * Reserves `nano` for a request. Synchronous against the lease when it covers it; otherwise this request (and any
   * other short one) waits for one shared DO call. Throws BudgetRefused when the budget cannot cover it.
   */
  async reserve(requestId: string, nano: number, meta: ReserveMeta = {}): Promise<LocalReservation> {
    nano = Math.max(0, Math.ceil(nano))
    const start = Date.now()
    this.sweep(start)
    if (this.fresh(start)) {
      this.check(nano, meta)
      const fast = this.tryLocal(requestId, nano, meta)
      if (fast) {
        this.stats.local++
        return fast
      }
    }
    let failures = 0
    for (let round = 0; round < MAX_REFILLS; round++) {
      let res: SyncResult
      let asked: boolean
      try {
        ;[res, asked] = await this.refill(nano)
      } catch (err) {
        // The shared call failed (or was lost with the request that made it): try again with our own, once.
        if (++failures > 1) throw new LedgerUnavailable(err)
        continue
      }
      this.check(nano, meta)
      const r = this.tryLocal(requestId, nano, meta)
      if (r) return r
      if (!asked) continue // the lease was only confirmed, and recalled: ask for headroom now
      if (res.retry_ms !== undefined && Date.now() - start < RECALL_WAIT_MS) {
        // The headroom is idle in other isolates' leases, recalled now: wait for it rather than refuse.
        await new Promise((ok) => setTimeout(ok, res.retry_ms))
        continue
      }
      if (res.refused) throw new BudgetRefused(res.refused.window, nano, res.refused.available_nano, res, res.refused.retryable)
      const reachable = (res.available_nano ?? Infinity) + this.localAvailable(Date.now())
      if (reachable < nano) throw new BudgetRefused(this.bindingWindow(res), nano, Math.max(0, reachable), res, unspent(res) >= nano)
    }
    throw new LedgerUnavailable(new Error('could not obtain headroom after repeated attempts'))
  }

  /** Refuses at once what the DO's (fresh) view forbids: a disabled tenant, a revoked key. */
  private check(nano: number, meta: ReserveMeta): void {
    const v = this.view
    if (!v) return
    if (meta.keyId && v.revoked_keys.includes(meta.keyId)) throw new BudgetRefused('revoked', nano, 0, v)
    if (v.disabled) throw new BudgetRefused('disabled', nano, 0, v)
  }

  private bindingWindow(v: SyncResult): 'daily' | 'monthly' {
    if (v.daily.limit_nano === null) return 'monthly'
    if (v.monthly.limit_nano === null) return 'daily'
    return v.daily.limit_nano - v.daily.spent_nano <= v.monthly.limit_nano - v.monthly.spent_nano ? 'daily' : 'monthly'
  }

  /** Asks the DO for more headroom, for this request (the DO renews this isolate's lease rather than open another). */
  private async refill(need: number): Promise<[SyncResult, asked: boolean]> {
    this.stats.refills++
    // Ask only for the shortfall: the lease's spare part counts if the DO renews it (same id). A lease that covers
    // the request only needs confirming (the view or the lease was more than LEASE_TTL_MS old).
    const spare = this.lease ? Math.max(0, this.lease.balance - this.lease.reserved) : 0
    if (this.lease && spare >= need) return [await this.sync(), false]
    return [await this.sync({ lease: this.lease?.id ?? null, need: Math.max(0, need - spare), want: need, unit: need }), true]
  }

  // ---- settle / release ----

  /** Posts the real cost of a reservation (idempotent: a second settle or release is ignored). */
  settle(r: LocalReservation, nano: number, record: SpendRecord): boolean {
    if (r.state !== 'held' && r.state !== 'expired') return false
    const held = r.state === 'held'
    r.state = 'settled'
    r.ended?.()
    this.held.delete(r.id)
    if (held && this.lease && this.lease.id === r.lease) {
      this.lease.reserved -= r.nano
      this.lease.balance = Math.max(0, this.lease.balance - nano)
    }
    this.pending.push({ op: 'settle', id: r.id, nano, lease: r.lease, record })
    return true
  }

  /** Counts a request refused with a 429, by reason, in the tenant's totals (queued like a settle). */
  refused(reason: string): void {
    this.pending.push({ op: 'refused', id: `refused_${randomBase62(8)}`, reason, at: Date.now() })
  }

  /** Voids a reservation: nothing was spent (the provider was never reached, or answered with no usage). */
  release(r: LocalReservation): boolean {
    if (r.state !== 'held') return false
    r.state = 'released'
    r.ended?.()
    this.held.delete(r.id)
    if (this.lease && this.lease.id === r.lease) this.lease.reserved -= r.nano
    this.pending.push({ op: 'release', id: r.id, lease: r.lease })
    return true
  }

  /**
   * Sends a reservation's hold within FLUSH_DELAY_MS if the request is still running then. Resolves at once, sending
   * nothing, when the reservation is settled or released first (its settle's flush carries everything, and the hold
   * is dropped), so a short request wakes no timer for its hold. Pass to the request's own ctx.waitUntil.
   */
  flushHold(r: LocalReservation): Promise<void> {
    if (r.state !== 'held') return Promise.resolve()
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        r.ended = undefined
        this.send().then(resolve, resolve)
      }, FLUSH_DELAY_MS)
      r.ended = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  /**
   * Waits FLUSH_DELAY_MS, then sends what is queued (one batch for everything queued meanwhile, by whichever
   * request gets there first). Pass to the request's own ctx.waitUntil.
   */
  async flushSoon(): Promise<void> {
    await new Promise((r) => setTimeout(r, FLUSH_DELAY_MS))
    await this.send()
  }

  /**
   * Sends queued ops now and waits until every call this isolate has in flight is done. For tests and tools, not
   * the request path (it awaits other requests' calls).
   */
  async flush(): Promise<void> {
    await this.send()
    while (this.inflight.size) await Promise.allSettled([...this.inflight])
  }

  /** Sends queued ops, retrying twice with backoff. Ops that still fail stay queued for the next flush. */
  private async send(): Promise<void> {
    for (let attempt = 0; attempt < 3 && this.pending.length > 0; attempt++) {
      try {
        await this.sync()
      } catch (err) {
        if (attempt === 2) {
          console.error(JSON.stringify({ level: 'warn', msg: 'ledger sync failed; ops stay queued', tenant: this.tenant.id, queued: this.pending.length, error: String(err) }))
          return
        }
        await new Promise((r) => setTimeout(r, 100 * 4 ** attempt))
      }
    }
  }

  // ---- what the request path reads ----

  /** Settled spend known to this isolate in the current UTC day and month (DO view + this isolate's unsent settles). */
  spent(now = Date.now()): { daily: number; monthly: number } {
    const local = settledCost(this.pending) + this.sending
    const v = this.view
    return {
      daily: (v && v.daily.period === dayOf(now) ? v.daily.spent_nano : 0) + local,
      monthly: (v && v.monthly.period === monthOf(now) ? v.monthly.spent_nano : 0) + local,
    }
  }

  /** For tests and debugging. */
  state() {
    return { lease: this.lease && { ...this.lease }, held: this.held.size, pending: this.pending.length, view: this.view }
  }
}

/**
 * Drops the holds whose settle or release is in the same batch: the hold only matters if the request dies before it
 * settles, and the DO applies a settle without one. Most requests end within one flush delay, so this halves the
 * DO's writes.
 */
export function withoutSettledHolds(ops: LedgerOp[]): LedgerOp[] {
  const ended = new Set<string>()
  for (const op of ops) if (op.op === 'settle' || op.op === 'release') ended.add(op.id)
  return ended.size ? ops.filter((op) => op.op !== 'hold' || !ended.has(op.id)) : ops
}

/** What is not spent yet in the tightest window (held or not); Infinity when unlimited. */
function unspent(v: SyncResult): number {
  let left = Infinity
  for (const w of [v.daily, v.monthly]) if (w.limit_nano !== null) left = Math.min(left, w.limit_nano - w.spent_nano)
  return left
}

function settledCost(ops: LedgerOp[]): number {
  let n = 0
  for (const op of ops) if (op.op === 'settle') n += op.nano
  return n
}

// ---- one client per tenant per isolate ----

const clients = new WeakMap<object, Map<string, LedgerClient>>()

/** The isolate's client for a tenant (created on first use; keeps its lease across requests). */
export function ledgerClient(env: LedgerBindings, tenant: Tenant): LedgerClient {
  let byTenant = clients.get(env.TENANT_LEDGER)
  if (!byTenant) clients.set(env.TENANT_LEDGER, (byTenant = new Map()))
  let c = byTenant.get(tenant.id)
  if (!c) byTenant.set(tenant.id, (c = new LedgerClient(env, tenant)))
  else c.tenant = tenant
  return c
}
