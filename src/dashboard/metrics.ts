/**
 * The dashboard's figures, read from KV (the ledger's read path; no Analytics Engine needed):
 *
 * - tenants from `tenant:` records; spend against budget, savings and the tier mix from the `spend:` day/month
 *   totals (exact at any scale: the ledger adds each request's premium equivalent at settle time);
 * - provider latency, error/fallback rates, the cascade and the latest requests from `req:` records.
 *
 * Reads are bounded: at most MAX_TENANTS tenants, and per tenant the newest `records` per-request records of the
 * window (days with no requests in the totals are skipped without a list). When a tenant has more, the
 * record-based figures are computed from its newest ones and `sample.complete` is false.
 *
 * @example
 * const m = await collectMetrics(env, config, { days: 7 })
 * m.savings.saved_usd   // '1.204312'
 */
import type { Env } from '../env'
import type { Config } from '../config'
import { formatUsd, PRICE_TABLE_VERSION } from '../money'
import { budgetOf, readUsage, readNewestRequestRecords, type SpendRecord, type SpendTotals } from '../ledger'
import { lastDays } from '../ledger/periods'
import { routingSetting, type RoutingSetting } from '../routing'
import { getTenantRecord, listTenantRecords, toTenant, type TenantRecord } from '../tenants'
import {
  budgetStatus, savingsByDay, savingsOf, summarize, tierMix, outcomeOf, usedFallback,
  type BudgetStatus, type Savings, type WindowStatus, type TierDay, type Outcome,
} from './aggregate'

/** The dashboard shows at most this many tenants (the busiest first). */
export const MAX_TENANTS = 200
/** Per-request records read per tenant, newest first. */
export const DEFAULT_RECORDS_PER_TENANT = 2_000
/** Rows in "latest requests". */
export const DEFAULT_RECENT = 50

export interface MetricsOptions {
  /** Window in UTC days, ending today (1 = today only). */
  days: number
  /** Only this tenant. */
  tenant?: string
  now?: number
  recordsPerTenant?: number
  recent?: number
}

const savingsView = (s: Savings) => ({
  requests: s.requests,
  actual_usd: formatUsd(s.actual_nano),
  actual_nano: s.actual_nano,
  premium_usd: formatUsd(s.premium_nano),
  premium_nano: s.premium_nano,
  saved_usd: formatUsd(s.saved_nano),
  saved_nano: s.saved_nano,
  saved_fraction: s.saved_fraction,
  routing_saved_usd: formatUsd(s.saved_nano - s.cache_saved_nano),
  cache_saved_usd: formatUsd(s.cache_saved_nano),
  cache_hits: s.cache_hits,
})

const windowView = (w: WindowStatus | null) =>
  w && { period: w.period, limit_usd: formatUsd(w.limit_nano), spent_usd: formatUsd(w.spent_nano), remaining_usd: formatUsd(w.remaining_nano), used_fraction: w.used_fraction, resets_at: w.resets_at }

export interface RecentRequest {
  at: string
  request_id: string
  tenant: string
  tenant_name: string
  tier: string | null
  score: number | null
  model: string | null
  provider: string | null
  input_tokens: number
  output_tokens: number
  cost_usd: string
  latency_ms: number | null
  status: number | 'unsettled'
  outcome: Outcome
  attempts: number
  fallback: boolean
  cascade: string | null
  downgraded: string | null
}

function recentView(r: SpendRecord, names: Map<string, string>): RecentRequest {
  return {
    at: r.at,
    request_id: r.request_id,
    tenant: r.tenant,
    tenant_name: names.get(r.tenant) ?? r.tenant,
    tier: r.tier,
    score: r.score,
    model: r.model,
    provider: r.provider,
    input_tokens: r.tokens.input,
    output_tokens: r.tokens.output,
    cost_usd: formatUsd(r.cost_nano),
    latency_ms: r.latency_ms,
    status: r.status,
    outcome: outcomeOf(r),
    attempts: r.attempts,
    fallback: usedFallback(r),
    cascade: r.cascade,
    downgraded: r.downgraded,
  }
}

/** Requests refused with a 429, by reason, summed over days (from the ledger's totals). */
export interface Refusals {
  total: number
  by_reason: Record<string, number>
}

export function refusalsOf(days: SpendTotals[]): Refusals {
  const out: Refusals = { total: 0, by_reason: {} }
  for (const d of days) {
    for (const [reason, n] of Object.entries(d.refusals ?? {})) {
      out.by_reason[reason] = (out.by_reason[reason] ?? 0) + n
      out.total += n
    }
  }
  return out
}

/**
 * What a person reads on the tenant's badge: what the router does with its requests now. 'refusing' when a window
 * is spent, or when requests were refused today because what is left cannot cover them (a budget with $0.03 left
 * refuses a request that needs $0.06 although it is not exhausted).
 */
export function activityOf(status: BudgetStatus, today: Refusals = refusalsOf([])): string {
  if (status.state === 'disabled') return 'disabled'
  if (status.state === 'refused' || (today.by_reason.daily_budget ?? 0) + (today.by_reason.monthly_budget ?? 0) > 0) return 'refusing'
  if (status.state === 'downgraded') return `downgrading to ${status.cap}`
  return status.state
}

/** One tenant as the dashboard shows it: `savings` (and its requests and cost: the window) from its daily totals. */
export function tenantView(record: TenantRecord, status: BudgetStatus, savings: Savings, downgraded: number, sampled: { records: number; complete: boolean }, routing: RoutingSetting, refusals: { today: Refusals; window: Refusals } = { today: refusalsOf([]), window: refusalsOf([]) }) {
  return {
    id: record.id,
    name: record.name,
    state: status.state,
    /** 'refusing', 'downgrading to medium', 'ok' or 'disabled'. */
    activity: activityOf(status, refusals.today),
    /** 429s by reason: today, and over the window. */
    refusals,
    reason: status.reason,
    cap: status.cap,
    downgrade_at_remaining_fraction: status.downgrade_at_remaining_fraction,
    today: { spent_usd: formatUsd(status.spent_today_nano), daily: windowView(status.daily) },
    month: { spent_usd: formatUsd(status.spent_month_nano), monthly: windowView(status.monthly) },
    window: { requests: savings.requests, cost_usd: formatUsd(savings.actual_nano), cost_nano: savings.actual_nano },
    savings: savingsView(savings),
    downgraded_requests: downgraded,
    sample: sampled,
    /** The thresholds in force and what they are expected to cost and keep (calibration data). */
    routing,
  }
}

export type TenantMetrics = ReturnType<typeof tenantView>

function tierView(days: TierDay[]) {
  return days.map((d) => ({
    day: d.day,
    by_tier: Object.fromEntries(Object.entries(d.by_tier).map(([t, p]) => [t, { requests: p.requests, cost_usd: formatUsd(p.nano), cost_nano: p.nano }])),
  }))
}

/** Everything the dashboard shows, as the metrics API returns it. */
export async function collectMetrics(env: Env, config: Config, opts: MetricsOptions) {
  const now = opts.now ?? Date.now()
  const kv = env.TRIAGE_KV
  const days = lastDays(now, opts.days) // newest first
  const premiumModel = config.tiers.premium[0] ?? null

  let tenants: TenantRecord[]
  let tenantsComplete = true
  if (opts.tenant) {
    const r = await getTenantRecord(kv, opts.tenant)
    tenants = r ? [r] : []
  } else {
    tenants = []
    let cursor: string | undefined
    do {
      const page = await listTenantRecords(kv, { limit: 100, cursor })
      tenants.push(...page.records)
      cursor = page.cursor
    } while (cursor && tenants.length < MAX_TENANTS)
    if (cursor || tenants.length > MAX_TENANTS) tenantsComplete = false
    tenants = tenants.slice(0, MAX_TENANTS)
  }

  const perTenant = await mapLimit(tenants, 6, async (record) => {
    const usage = await readUsage(kv, record.id, { days: Math.max(1, opts.days), months: 1, now })
    const busy = usage.days.filter((d) => d.requests || d.nano).map((d) => d.period)
    const read = await readNewestRequestRecords(kv, record.id, busy, opts.recordsPerTenant ?? DEFAULT_RECORDS_PER_TENANT)
    return { record, usage, ...read }
  })

  const names = new Map(tenants.map((t) => [t.id, t.name]))
  const allRecords: SpendRecord[] = []
  const allDays: SpendTotals[] = []
  const tenantViews = perTenant.map(({ record, usage, records, complete }) => {
    allRecords.push(...records)
    allDays.push(...usage.days)
    const tenant = toTenant(record)
    const status = budgetStatus(tenant, budgetOf(tenant), usage.days[0], usage.months[0], now)
    const refusals = { today: refusalsOf(usage.days.slice(0, 1)), window: refusalsOf(usage.days) }
    return tenantView(record, status, savingsOf(usage.days), records.filter((r) => r.downgraded).length, { records: records.length, complete }, routingSetting(toTenant(record), config), refusals)
  })
  tenantViews.sort((a, b) => b.window.cost_nano - a.window.cost_nano || b.window.requests - a.window.requests || a.name.localeCompare(b.name))

  const summary = summarize(allRecords)
  const savings = savingsOf(allDays)
  const oldestFirst = [...days].reverse()
  const recent = allRecords
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
    .slice(0, opts.recent ?? DEFAULT_RECENT)
    .map((r) => recentView(r, names))

  return {
    object: 'dashboard.metrics' as const,
    generated_at: new Date(now).toISOString(),
    currency: 'USD' as const,
    price_version: PRICE_TABLE_VERSION,
    window: { days: opts.days, from: days[days.length - 1], to: days[0] },
    reference_premium_model: premiumModel,
    /** Sum of the tenants' daily totals over the window (charged calls, as the ledger counts them). */
    spend: { cost_usd: formatUsd(savings.actual_nano), cost_nano: savings.actual_nano, charged_calls: savings.requests },
    savings: savingsView(savings),
    savings_by_day: savingsByDay(allDays, oldestFirst).map((d) => ({ day: d.day, ...savingsView(d) })),
    tenants: tenantViews,
    tiers: tierView(tierMix(allDays, oldestFirst)),
    providers: summary.providers,
    cascade: summary.cascade,
    outcomes: summary.outcomes,
    downgraded_requests: summary.downgraded,
    /** 429s over the window, by reason (all tenants). */
    refusals: refusalsOf(allDays),
    recent,
    sample: {
      tenants: tenants.length,
      tenants_complete: tenantsComplete,
      records: allRecords.length,
      records_complete: perTenant.every((t) => t.complete),
    },
  }
}

export type Metrics = Awaited<ReturnType<typeof collectMetrics>>

/** Maps with at most `limit` calls in flight, keeping order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i])
      }
    }),
  )
  return out
}

