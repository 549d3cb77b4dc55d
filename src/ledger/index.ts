/**
 * The budget ledger, as the request path sees it: open a tenant's budget, reserve the worst case, settle the
 * real cost. The TenantLedger Durable Object behind it is the only code that writes money.
 *
 * @example
 * const budget = await openBudget(c.env, c.executionCtx, tenant)
 * const { cap, reason } = tierCap(tenant, budget.headroom())            // budget-aware routing
 * const r = await budget.reserve(requestId, worstCase(req, model.id, config), { model: model.id, tier })  // or 429
 * // … call the provider …
 * const s = budget.settle(r, [{ model: model.id, tier, provider, usage }], { status: 200, latency_ms })
 * c.header('x-triage-cost-usd', s.cost_usd); c.header('x-triage-budget-remaining-usd', s.remaining_usd)
 */
import type { Env } from '../env'
import type { Tenant } from '../tenants'
import type { Tier } from '../scoring/tiers'
import type { Usage } from '../openai/types'
import { loadConfig, type ConfigEnv } from '../config'
import { ApiError } from '../http/errors'
import { cost as priceCall, formatUsd, PRICE_TABLE_VERSION, type MoneyConfig } from '../money'
import type { Config } from '../config'
import { ledgerClient, LedgerClient, BudgetRefused, LedgerUnavailable, budgetOf, ledgerStub, type LocalReservation } from './client'
import { premiumShares } from './premium'
import { reservationTtlMs } from './ttl'
import type { CacheHit, SpendCall, SpendRecord, TokenCounts } from './kv'
import { headroomOf, type Headroom } from './headroom'

export { TenantLedger } from './object'
export type { LedgerSnapshot } from './object'
export { LedgerClient, ledgerClient, ledgerStub, budgetOf, BudgetRefused, LedgerUnavailable } from './client'
export * from './kv'
export type { SyncRequest, SyncResult, LedgerOp, LedgerBudget } from './protocol'
export { LEASE_TTL_MS } from './protocol'
export { reservationTtlMs } from './ttl'

/**
 * What the ledger's request side reads from the configuration: prices (MoneyConfig), the reference premium model
 * (`tiers.premium[0]`, for the premium equivalent of each record), and what bounds a request's duration (the
 * reservation TTL). Without `tiers` no savings are claimed; without the timeouts the default TTL applies.
 */
export type LedgerConfig = MoneyConfig & Partial<Pick<Config, 'tiers' | 'cascade' | 'timeouts' | 'retries'>>
export { formatUsd } from '../money'
export { headroomOf, tightestWindow, tierCap, type Headroom, type WindowHeadroom } from './headroom'

/** A reservation: the worst case held for one request until it is settled or released. */
export type Reservation = LocalReservation

/** One charged model call: the ledger prices it from the provider's real usage. */
export interface Charge {
  model: string
  tier: Tier | string
  provider: string
  usage: Usage
}

/** What the per-request record says beyond the charges. */
export interface SettleInfo {
  /** HTTP status returned to the client; 499 when the client went away. */
  status: number
  tier?: string | null
  /** The tier the score asked for, before any budget or policy cap. */
  requested_tier?: string | null
  model?: string | null
  provider?: string | null
  score?: number | null
  latency_ms?: number | null
  /** Streams: request start to the answer's first chunk in hand. */
  first_byte_ms?: number | null
  attempts?: number
  cascade?: string | null
  downgraded?: string | null
  stream?: boolean
  /** A response-cache hit: recorded at 0 with what it saved (SpendRecord.cache). */
  cache?: CacheHit
}

export interface Settled {
  cost_nano: number
  /** Full-precision decimal USD, for `x-triage-cost-usd`. */
  cost_usd: string
  remaining_nano: number | null
  /** For `x-triage-budget-remaining-usd`: decimal USD, or 'unlimited'. */
  remaining_usd: string
}

export interface Budget {
  headroom(): Headroom
  /** Holds the worst case. Throws ApiError 429 `insufficient_quota` (or 403 when disabled). */
  reserve(requestId: string, worstCaseNano: number, meta?: { model?: string; tier?: string }): Promise<Reservation>
  /** Posts the real cost (Σ of charges, priced here) and queues it to the DO in ctx.waitUntil. Idempotent. */
  settle(reservation: Reservation, charges: Charge[], info: SettleInfo): Settled
  /** Voids a reservation: nothing was spent. Idempotent; a no-op after settle. */
  release(reservation: Reservation): void
}

/** `x-triage-budget-remaining-usd` value for a headroom. */
export function remainingUsd(remaining: number | null): string {
  return remaining === null ? 'unlimited' : formatUsd(remaining)
}

/**
 * Opens a tenant's budget for one request. The first request of a tenant in an isolate makes one DO call (to
 * learn the spend so far and take a first lease); after that this costs no I/O.
 */
export async function openBudget(env: Env, ctx: ExecutionContext, tenant: Tenant, config: LedgerConfig = loadConfig(env as ConfigEnv)): Promise<Budget> {
  const client = ledgerClient(env, tenant)
  try {
    await client.ready()
  } catch (err) {
    throw unavailable(err)
  }
  return budgetFor(client, ctx, tenant, config)
}

/** The Budget facade over a client (exported for tests that simulate several isolates). */
export function budgetFor(client: LedgerClient, ctx: Pick<ExecutionContext, 'waitUntil'>, tenant: Tenant, config: LedgerConfig = {}): Budget {
  const ttlMs = config.tiers && config.timeouts && config.retries ? reservationTtlMs(config as Pick<Config, 'tiers' | 'cascade' | 'timeouts' | 'retries'>) : undefined
  const reference = config.tiers?.premium[0] ?? null
  return {
    headroom: () => isolateHeadroom(client, tenant),
    async reserve(requestId, nano, meta) {
      try {
        const r = await client.reserve(requestId, nano, { ...meta, keyId: tenant.key_id, ttlMs })
        ctx.waitUntil(client.flushHold(r))
        return r
      } catch (err) {
        if (err instanceof BudgetRefused) {
          const e = quotaError(tenant, err, client)
          if (e.status === 429) {
            client.refused(err.retryable ? 'in_flight' : `${err.window}_budget`)
            ctx.waitUntil(client.flushSoon())
          }
          throw e
        }
        if (err instanceof LedgerUnavailable) throw unavailable(err.cause)
        throw err
      }
    },
    settle(r, charges, info) {
      const calls: SpendCall[] = charges.map((ch) => ({
        model: ch.model, tier: ch.tier, provider: ch.provider, tokens: tokensOf(ch.usage),
        ...(ch.usage.estimated ? { estimated: true } : {}),
        cost_nano: priceOrReserved(ch, r, config),
      }))
      const nano = calls.reduce((s, c) => s + c.cost_nano, 0)
      // The premium equivalent is priced here, where the prices are at hand; the ledger only adds it up.
      const premium = premiumShares({ status: info.status, calls }, reference, config)
      calls.forEach((c, i) => (c.premium_nano = premium[i]))
      if (client.settle(r, nano, recordOf(tenant, r, calls, nano, info))) ctx.waitUntil(client.flushSoon())
      const remaining = isolateHeadroom(client, tenant).remaining_nano
      return { cost_nano: nano, cost_usd: formatUsd(nano), remaining_nano: remaining, remaining_usd: remainingUsd(remaining) }
    },
    release(r) {
      if (client.release(r)) ctx.waitUntil(client.flushSoon())
    },
  }
}

/** The ledger could not be reached: refuse (503, retryable) rather than run a request nobody can charge for. */
function unavailable(err: unknown): ApiError {
  console.error(JSON.stringify({ level: 'error', msg: 'ledger unavailable', error: String(err) }))
  return new ApiError(503, 'The budget ledger is temporarily unavailable, so Triage cannot reserve spend for this request. Retry shortly.', {
    type: 'service_unavailable', code: 'ledger_unavailable', headers: { 'retry-after': '1' },
  })
}

/** More tokens than any model's context window: a provider reporting this is not believed. */
export const MAX_TOKENS_PER_CALL = 10_000_000

/**
 * A call on a model with no price — or whose provider reported impossible usage (not a whole number, or above
 * MAX_TOKENS_PER_CALL; found by fuzzing: `input_tokens: 1e308` crashed the settle) — is charged the reservation:
 * never free, never absurd.
 */
function priceOrReserved(ch: Charge, r: Reservation, config: MoneyConfig): number {
  const u = ch.usage
  for (const n of [u.input, u.cachedInput, u.cacheWrite, u.output, u.reasoning]) {
    if (!possible(n)) {
      console.warn(JSON.stringify({ level: 'warn', msg: 'impossible usage: charged the reservation', request_id: r.requestId, model: ch.model, usage: tokensOf(u) }))
      return r.nano
    }
  }
  try {
    const nano = priceCall(u, ch.model, config)
    return Number.isSafeInteger(nano) ? nano : r.nano
  } catch {
    return r.nano
  }
}

const possible = (n: number) => Number.isSafeInteger(n) && n >= 0 && n <= MAX_TOKENS_PER_CALL

/** A token count as the ledger records it: a whole number in [0, MAX_TOKENS_PER_CALL], so every sum stays a finite integer. */
const recorded = (n: number) => Math.min(MAX_TOKENS_PER_CALL, Math.max(0, Math.floor(n) || 0))

function tokensOf(u: Usage): TokenCounts {
  return { input: recorded(u.input), cached_input: recorded(u.cachedInput), cache_write: recorded(u.cacheWrite), output: recorded(u.output), reasoning: recorded(u.reasoning) }
}

function recordOf(tenant: Tenant, r: Reservation, calls: SpendCall[], nano: number, info: SettleInfo): SpendRecord {
  const tokens: TokenCounts = { input: 0, cached_input: 0, cache_write: 0, output: 0, reasoning: 0 }
  for (const c of calls) for (const k of Object.keys(tokens) as Array<keyof TokenCounts>) tokens[k] += c.tokens[k]
  const last = calls[calls.length - 1]
  return {
    v: 1,
    request_id: r.requestId,
    ledger_id: r.id,
    tenant: tenant.id,
    at: new Date(r.at).toISOString(),
    settled_at: '',
    status: info.status,
    tier: info.tier ?? last?.tier ?? r.tier ?? null,
    requested_tier: info.requested_tier ?? null,
    model: info.model ?? last?.model ?? r.model ?? null,
    provider: info.provider ?? last?.provider ?? null,
    score: info.score ?? null,
    tokens,
    estimated: calls.some((c) => c.estimated),
    cost_nano: nano,
    cost_usd: formatUsd(nano),
    reserved_nano: r.nano,
    latency_ms: info.latency_ms ?? null,
    ...(info.first_byte_ms != null ? { first_byte_ms: info.first_byte_ms } : {}),
    attempts: info.attempts ?? calls.length,
    cascade: info.cascade ?? null,
    downgraded: info.downgraded ?? null,
    stream: info.stream ?? false,
    calls,
    price_version: PRICE_TABLE_VERSION,
    ...(info.cache ? { cache: info.cache } : {}),
  }
}

/** What the tenant has left, as this isolate knows it (the DO's view at the last sync + this isolate's settles since). */
function isolateHeadroom(client: LedgerClient, tenant: Tenant, now = Date.now()): Headroom {
  const b = budgetOf(tenant)
  // The DO's limits win (it holds the newest budget); the tenant record fills in before the first sync.
  const v = client.view
  return headroomOf({ daily: v ? v.daily.limit_nano : b.daily_nano, monthly: v ? v.monthly.limit_nano : b.monthly_nano }, client.spent(now), now)
}

/**
 * The error a refused reservation becomes, and it tells the truth about why:
 * - the budget is spent (what is left cannot cover the request): 429 `insufficient_quota`, `x-should-retry: false`;
 * - enough is unspent but requests in flight hold it: 429 `insufficient_quota` with `x-should-retry: true` and
 *   `retry-after: 1` (idle headroom in other isolates' leases is never the reason: it is recalled and lent on first);
 * - the tenant is disabled: 403 `tenant_disabled`; the request's key was revoked: 401 `invalid_api_key`.
 */
export function quotaError(tenant: Tenant, e: BudgetRefused, client?: LedgerClient): ApiError {
  if (e.window === 'disabled') {
    return new ApiError(403, `Tenant '${tenant.name}' is disabled. Ask your operator to re-enable it.`, { type: 'permission_error', code: 'tenant_disabled' })
  }
  if (e.window === 'revoked') {
    return new ApiError(401, 'Incorrect API key provided: this key was revoked. Ask your operator for a new one.', { type: 'invalid_request_error', code: 'invalid_api_key' })
  }
  const w = e.view[e.window]
  const limit = w.limit_nano ?? 0
  const spent = client ? client.spent()[e.window] : w.spent_nano
  const left = Math.max(0, limit - spent)
  const resets = `The ${e.window} budget resets at ${w.resets_at}.`
  const message = e.retryable
    ? `Tenant '${tenant.name}' has $${formatUsd(left)} of its ${e.window} budget of $${formatUsd(limit)} left, but requests in flight hold ` +
      `$${formatUsd(Math.max(0, left - e.available))} of it, and this request needs up to $${formatUsd(e.need)}. Try again in a moment: ` +
      `what those requests do not spend returns to the budget when they end. ${resets}`
    : `Tenant '${tenant.name}' has spent its ${e.window} budget of $${formatUsd(limit)}: $${formatUsd(spent)} spent, ` +
      `$${formatUsd(left)} left, and this request needs up to $${formatUsd(e.need)}. ${resets}`
  return new ApiError(429, message, {
    type: 'insufficient_quota',
    code: 'insufficient_quota',
    headers: {
      'x-should-retry': e.retryable ? 'true' : 'false',
      ...(e.retryable ? { 'retry-after': '1' } : {}),
      'x-triage-budget-remaining-usd': formatUsd(left),
      'x-triage-budget-resets-at': w.resets_at,
    },
  })
}

/** Pushes a tenant's budget to its ledger now (the admin API calls this on every change). */
export async function configureLedger(env: Pick<Env, 'TENANT_LEDGER'>, tenant: Tenant): Promise<void> {
  await ledgerStub(env, tenant.id).configure(tenant.id, budgetOf(tenant))
}
