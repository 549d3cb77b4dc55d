/**
 * A response-cache hit, answered (src/cache holds the key, the rules and the storage). Money goes the one way it
 * always does: a reservation of 0 taken and settled at once with no charge (`settleSpend`, the hold is dropped
 * from the batch its settle is in), so the ledger records the hit — `cost_nano` 0, tier and model `cache`, what it
 * saved — and its KV totals, its per-request records and the ledger agree as for any request.
 * The answer is written by the client's `ReplyFormat`: JSON, or the stored completion replayed as chunks through
 * the same SSE writer as a live stream (`include_usage` and Anthropic's events as live).
 *
 * @example
 * const hit = await cache?.lookup()
 * if (hit) return answerFromCache(c, { hit, budget, tenant, req, reply, started })
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app'
import type { Budget } from '../ledger'
import type { Tenant } from '../tenants'
import type { ChatRequest } from '../openai/request'
import { CACHE_TIER, replayChunks, type CachedAnswer } from '../cache'
import { streamBack } from '../streaming'
import { settleSpend, spendHeaders, spendTrailer } from './spend'
import type { ReplyFormat } from './chat'

export interface CacheHitInput {
  hit: CachedAnswer
  budget: Budget
  tenant: Tenant
  req: ChatRequest
  reply: ReplyFormat
  started: number
}

export async function answerFromCache(c: Context<AppEnv>, { hit, budget, tenant, req, reply, started }: CacheHitInput): Promise<Response> {
  const { requestId } = c.var
  const stream = req.stream === true
  const reservation = await budget.reserve(requestId, 0, { model: CACHE_TIER, tier: CACHE_TIER })
  const settled = await settleSpend(
    { budget, reservation, tenant, route: { tier: CACHE_TIER, requestedTier: null, downgraded: null }, started, requestId, stream, env: c.env },
    [],
    { status: 200, attempts: 0, cache: { saved_nano: hit.cost_nano, model: hit.model, tier: hit.tier } },
  )
  c.header('x-triage-cache', 'hit')
  c.header('x-triage-tier', hit.tier)
  c.header('x-triage-model', hit.model)
  c.header('x-triage-provider', hit.provider)
  c.header('x-triage-attempts', '0')
  c.header('x-triage-reason', 'cache hit')
  for (const [k, v] of Object.entries(spendHeaders(settled))) c.header(k, v)
  if (!stream) return c.json(reply.json(hit.completion, hit.usage))
  const lines = spendTrailer(settled)
  return streamBack(c, { chunks: replayChunks(hit.completion), format: reply.sse(req, Promise.resolve(hit.usage)), onEnd: async () => lines })
}
