/**
 * What isolates and the TenantLedger DO say to each other (one RPC, `sync`, carries everything).
 *
 * A reservation is TigerBeetle's pending transfer: `hold` (pending, with a timeout), `settle` (post the real
 * amount), `release` (void). All three are idempotent by ledger id, and applied in the order sent.
 */
import type { SpendRecord } from './kv'
import type { Window } from './periods'

export interface LedgerBudget {
  daily_nano: number | null
  monthly_nano: number | null
  disabled: boolean
  /** The tenant record's `updated_at`: the DO keeps the newest budget it has seen. */
  updated_at: string
  /** Ids of the tenant's revoked keys: a request authenticated by one is refused by the ledger within LEASE_TTL_MS. */
  revoked_keys?: string[]
}

/**
 * How long an isolate may reserve against its lease, and trust the DO's view (budget, status, revoked keys), after
 * the call that confirmed them was sent. Every DO call confirms the isolate's lease; a change made at the DO (budget
 * cut, disable, key revocation) therefore reaches every isolate within this time.
 */
export const LEASE_TTL_MS = 1_000

export type LedgerOp =
  | { op: 'hold'; id: string; request_id?: string; nano: number; lease: string | null; at: number; ttl_ms: number; model?: string; tier?: string }
  | { op: 'settle'; id: string; nano: number; lease: string | null; record: SpendRecord }
  | { op: 'release'; id: string; lease: string | null }
  /** The isolate gives back `nano` of lease `id` (its idle part, when the DO recalled it). */
  | { op: 'return'; id: string; nano: number }
  /** A request refused with a 429 (counted per reason in the totals, for the dashboard); `reason` e.g. 'daily_budget', 'in_flight'. */
  | { op: 'refused'; id: string; reason: string; at: number }

/**
 * Ops travel as JSON text: settles carry whole spend records, and JSON.stringify + JSON.parse cost less than the
 * RPC's structured clone of them (about 4% of a request's CPU in the benchmark).
 *
 * @example stub.sync({ tenant, budget, isolate, ops: encodeOps([{ op: 'release', id, lease }]) })
 */
export type OpsJson = string & { readonly __ops: LedgerOp[] }
export const encodeOps = (ops: LedgerOp[]): OpsJson => JSON.stringify(ops) as OpsJson
export const decodeOps = (json: OpsJson): LedgerOp[] => JSON.parse(json) as LedgerOp[]

export interface SyncRequest {
  tenant: string
  budget: LedgerBudget
  /** Random id of the calling isolate (for lease bookkeeping and debugging). */
  isolate: string
  ops: OpsJson
  /** The isolate's lease and what its requests in flight hold against it (after `ops`): confirms the lease, and lets the DO take back its idle part when it is recalled. */
  lease?: { id: string; reserved: number }
  /** Ask for (more) headroom: `need` = the shortfall of the request that ran short (beyond what its lease still has), `want` = what the waiting requests add up to, `unit` = the size of one reservation (leases are granted in whole units beyond `need`). */
  acquire?: { lease: string | null; need: number; want: number; unit?: number }
}

export interface WindowView {
  period: string
  /** null = no limit on this window. */
  limit_nano: number | null
  /** Settled spend in the period. */
  spent_nano: number
  resets_at: string
}

export interface Refusal {
  window: Window | 'disabled'
  need_nano: number
  available_nano: number
  /** True when enough of the budget is unspent and only held by requests in flight: trying again shortly may succeed. */
  retryable: boolean
}

export interface SyncResult {
  now: number
  /**
   * The isolate's lease after this call (new, renewed or confirmed): `change_nano` is what the call granted.
   * `recalled`: stop using its idle part and give it back (a `return` op): the DO never takes it back itself, because
   * the isolate may be reserving against it while this answer travels.
   */
  lease?: { id: string; change_nano: number; expires_at: number; recalled?: boolean }
  /** The lease the isolate named has ended (reclaimed after it lapsed): reserve against it no more. */
  lease_ended?: string
  refused?: Refusal
  /** Headroom the request needs is idle in other isolates' leases, now recalled: ask again after this many ms. */
  retry_ms?: number
  daily: WindowView
  monthly: WindowView
  /** Headroom not yet spent or held by any lease or reservation (min over windows); null when unlimited. */
  available_nano: number | null
  /** Held by leases and orphan reservations. */
  held_nano: number
  /** The part of `held_nano` that requests in flight hold (as last reported by isolates, and orphan holds); the rest is idle in leases. */
  in_flight_nano: number
  revoked_keys: string[]
  unlimited: boolean
  disabled: boolean
}
