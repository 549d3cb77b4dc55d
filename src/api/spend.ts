/**
 * The handler's side of money: turning an execution's billed calls into one settlement, the spend headers,
 * and the per-request log line. The ledger (src/ledger) prices and records; this only gathers.
 */
import type { Budget, CacheHit, Reservation, Settled } from '../ledger'
import type { Tenant } from '../tenants'
import type { Decision } from '../scoring'
import type { Plan } from '../routing'
import type { BilledCall } from '../execution'
import { ExecutionError } from '../execution'
import { toApiError as providerApiError, ProviderError } from '../providers'
import { ApiError, toApiError } from '../http/errors'
import type { ModelSpec } from '../config'
import type { Usage } from '../openai/types'
import { observe, type AnalyticsSink } from '../observability'
import { formatUsd } from '../money'

/** Everything settle needs to know about one request. */
export interface SpendContext {
  budget: Budget
  reservation: Reservation
  tenant: Tenant
  /** Absent for a request that was not scored (a cache hit, `/v1/embeddings`). */
  decision?: Pick<Decision, 'score'>
  /** A cache hit's tier is `cache`, an embedding's `embedding`. */
  route: { tier: Plan['tier'] | 'cache' | 'embedding'; requestedTier: Plan['requestedTier'] | null; downgraded: Plan['downgraded'] }
  started: number
  /** Streams: when the answer's first chunk was in hand (execute resolves then). */
  firstByteAt?: number
  requestId: string
  stream: boolean
  env: { ANALYTICS?: AnalyticsSink | null }
}

export interface Outcome {
  status: number
  attempts: number
  model?: Pick<ModelSpec, 'id' | 'provider'>
  cascade?: string
  /** A response-cache hit: nothing called, recorded at 0 with what it saved. */
  cache?: CacheHit
}

/** A billed call as settle reads it: an execution's BilledCall, or an embedding call (tier `embedding`). */
export type SettledCall = Pick<BilledCall, 'usage'> & { model: Pick<ModelSpec, 'id' | 'provider'> & { tier: string } }

/** Waits for every billed call's usage, settles them as one charge set, and writes the request's log line. */
export async function settleSpend(s: SpendContext, calls: SettledCall[], outcome: Outcome): Promise<Settled> {
  const usages: Usage[] = await Promise.all(calls.map((c) => c.usage))
  const charges = calls.map((c, i) => ({ model: c.model.id, tier: c.model.tier, provider: c.model.provider, usage: usages[i] }))
  const latency_ms = Date.now() - s.started
  const settled = s.budget.settle(s.reservation, charges, {
    status: outcome.status,
    tier: s.route.tier,
    requested_tier: s.route.requestedTier,
    model: outcome.model?.id,
    provider: outcome.model?.provider,
    score: s.decision?.score ?? null,
    latency_ms,
    first_byte_ms: s.firstByteAt && s.firstByteAt - s.started,
    attempts: outcome.attempts,
    cascade: outcome.cascade ?? null,
    downgraded: s.route.downgraded,
    stream: s.stream,
    ...(outcome.cache ? { cache: outcome.cache } : {}),
  })
  const tokens = usages.reduce((a, u) => ({ input: a.input + u.input, output: a.output + u.output }), { input: 0, output: 0 })
  // One structured line per request, for Workers Logs / Logpush, and one Analytics Engine data point when that
  // binding is configured. Never prompt text, keys or secrets.
  const line = {
    msg: 'request',
    request_id: s.requestId,
    tenant: s.tenant.id,
    tier: s.route.tier,
    requested_tier: s.route.requestedTier,
    score: s.decision ? Number(s.decision.score.toFixed(4)) : null,
    model: outcome.model?.id ?? outcome.cache?.model ?? null,
    provider: outcome.model?.provider ?? null,
    attempts: outcome.attempts,
    cascade: outcome.cascade ?? null,
    downgraded: s.route.downgraded,
    stream: s.stream,
    input_tokens: tokens.input,
    output_tokens: tokens.output,
    estimated_usage: usages.some((u) => u.estimated) || undefined,
    cost_usd: settled.cost_usd,
    latency_ms,
    status: outcome.status,
    ...(outcome.cache ? { cache: 'hit', saved_usd: formatUsd(outcome.cache.saved_nano) } : {}),
  }
  console.log(JSON.stringify(line))
  observe(s.env, line)
  return settled
}

/** `x-triage-cost-usd` and `x-triage-budget-remaining-usd`. */
export function spendHeaders(s: Pick<Settled, 'cost_usd' | 'remaining_usd'>): Record<string, string> {
  return { 'x-triage-cost-usd': s.cost_usd, 'x-triage-budget-remaining-usd': s.remaining_usd }
}

/** The same, as a stream's trailer lines (`x-triage-cost-usd=…`), which `streamBack` writes before `[DONE]`. */
export function spendTrailer(s: Pick<Settled, 'cost_usd' | 'remaining_usd'>): string[] {
  return Object.entries(spendHeaders(s)).map(([k, v]) => `${k}=${v}`)
}

/** What a failed execution means for the client (an OpenAI error) and for money (the calls that may be billed). */
export function failureOf(err: unknown): { error: ApiError; calls: BilledCall[]; attempts: number } {
  if (err instanceof ExecutionError) return { error: providerApiError(err), calls: err.calls, attempts: err.attempts }
  if (err instanceof ProviderError) return { error: providerApiError(err), calls: [], attempts: 1 }
  return { error: toApiError(err), calls: [], attempts: 0 }
}
