/**
 * GET /v1/usage — the calling tenant's own spend, tokens and savings against the reference premium model, by day,
 * month, tier and model, from KV (the cheap global read path the TenantLedger DO writes). Only ever the
 * authenticated tenant's keys are read.
 *
 * @example
 * curl -s localhost:8787/v1/usage?days=7 -H "authorization: Bearer $TRIAGE_KEY"
 * // {"object":"usage","tenant":{"id":"ten_…","name":"acme"},"month":{"period":"2026-04","cost_usd":"0.004213",…},"days":[…]}
 */
import type { Context } from 'hono'
import * as z from 'zod/mini'
import type { AppEnv } from '../server/base'
import { formatUsd, PRICE_TABLE_VERSION } from '../money'
import { authenticate } from '../tenants'
import { readUsage, type SpendTotals, type Bucket } from '../ledger/kv'
import { validate } from './admin'
import { cacheSavings } from '../cache'

const Query = z.object({
  days: z.optional(z.pipe(z.string().check(z.regex(/^\d{1,3}$/, 'must be a whole number')), z.pipe(z.transform(Number), z.int().check(z.gte(1), z.lte(92))))),
  months: z.optional(z.pipe(z.string().check(z.regex(/^\d{1,2}$/, 'must be a whole number')), z.pipe(z.transform(Number), z.int().check(z.gte(1), z.lte(12))))),
})

function buckets(b: Record<string, Bucket>) {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, { cost_usd: formatUsd(v.nano), cost_nano: v.nano, requests: v.requests }]))
}

/**
 * One period's totals as the API shows them: USD strings at full precision, plus the exact nano-USD. `premium_*` is
 * what the same requests would have cost on the reference premium model (a cache hit: what its answer cost when stored);
 * `saved_*` = premium − cost, split in `saved_by` between routing and the response cache.
 */
export function totalsView(t: SpendTotals) {
  const saved = t.premium_nano - t.nano
  return {
    period: t.period,
    cost_usd: formatUsd(t.nano),
    cost_nano: t.nano,
    requests: t.requests,
    tokens: t.tokens,
    premium_usd: formatUsd(t.premium_nano),
    premium_nano: t.premium_nano,
    saved_usd: formatUsd(saved),
    saved_nano: saved,
    saved_fraction: t.premium_nano > 0 ? saved / t.premium_nano : null,
    saved_by: savedBy(t),
    by_tier: buckets(t.by_tier),
    by_model: buckets(t.by_model),
    updated_at: t.nano || t.requests ? t.updated_at : null,
  }
}

/**
 * Savings split by where they came from: routing (answering below premium) and the response cache (hits, each
 * saving what its answer cost when it was stored; the ledger records them under tier `cache`).
 */
export function savedBy(t: SpendTotals) {
  const cache = cacheSavings([t])
  const routing = t.premium_nano - t.nano - cache.saved_nano
  return {
    routing_usd: formatUsd(routing), routing_nano: routing,
    cache_usd: formatUsd(cache.saved_nano), cache_nano: cache.saved_nano, cache_hits: cache.hits,
  }
}

/** GET /v1/usage (src/app.ts routes to it, and loads this module on the first request for it). */
export async function usage(c: Context<AppEnv>): Promise<Response> {
  const tenant = await authenticate(c.req.raw, c.env)
  const q = validate(Query, c.req.query())
  const { days, months } = await readUsage(c.env.TRIAGE_KV, tenant.id, { days: q.days ?? 31, months: q.months ?? 3 })
  return c.json({
    object: 'usage',
    tenant: { id: tenant.id, name: tenant.name },
    currency: 'USD',
    reference_premium_model: c.get('config').tiers.premium[0] ?? null,
    budget: { daily_usd: tenant.budget.daily_usd ?? null, monthly_usd: tenant.budget.monthly_usd ?? null },
    today: totalsView(days[0]),
    month: totalsView(months[0]),
    days: days.map(totalsView),
    months: months.map(totalsView),
    price_version: PRICE_TABLE_VERSION,
    note: 'Totals are written by the ledger within about a second of each settled request.',
  })
}
