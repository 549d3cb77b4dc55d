/**
 * POST /v1/chat/completions — the request path, top to bottom:
 *
 *   auth → parse → [cache lookup] → score → choose model → reserve budget → call provider → stream back → settle spend → [cache store]
 *
 * The response cache (src/cache, opt-in) is looked up before anything is reserved: a hit is answered at no cost by
 * api/cached.ts (recorded by the ledger at 0, with what it saved). A miss is stored after it has settled.
 * Each step is one call into its own module; this file only strings them together. Score and choose are one call,
 * `decide()` (src/routing), the same one `/v1/route` shows.
 * `/v1/messages` (api/messages.ts) runs the same path, `complete()`, with Anthropic's format at the two ends: how
 * the body is read (`read`) and how the answer is written (`reply`). Everything in between, money included, is this
 * one function.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app'
import { authenticate } from '../tenants'
import { readChatRequest, type BodyLimits } from '../http/body'
import type { ChatRequest } from '../openai/request'
import type { ChatCompletion, Usage } from '../openai/types'
import { compactReason } from '../scoring'
import { decide, providerAvailability } from '../routing'
import { openBudget, remainingUsd } from '../ledger'
import { execute, unsupportedIn } from '../execution'
import { createProviders } from '../providers'
import { streamBack, openaiSse, type SseFormat } from '../streaming'
import { enforceRateLimits } from '../ratelimit'
import { failureOf, settleSpend, spendHeaders, spendTrailer, type SpendContext } from './spend'
import { responseCache, recordChunks, type CachedAnswer } from '../cache'
import { answerFromCache } from './cached'
import { toOpenAIUsage } from '../openai/types'
import type { ModelSpec } from '../config'

/** How an answer is written: the JSON body, and the stream's SSE format. */
export interface ReplyFormat {
  json(completion: ChatCompletion, usage: Usage): unknown
  sse(req: ChatRequest, usage: Promise<Usage>): SseFormat
}

const openaiReply: ReplyFormat = {
  json: (completion) => completion,
  sse: (req) => openaiSse(req.stream_options?.include_usage === true),
}

export function chatCompletions(c: Context<AppEnv>): Promise<Response> {
  return complete(c, readChatRequest, openaiReply)
}

/** The request path, whatever the client's format: `read` parses its body into a ChatRequest, `reply` writes the answer. */
export async function complete(
  c: Context<AppEnv>,
  read: (raw: Request, limits: BodyLimits) => Promise<ChatRequest>,
  reply: ReplyFormat,
): Promise<Response> {
  const started = Date.now()
  const { config, requestId } = c.var
  const tenant = await authenticate(c.req.raw, c.env)                                   // auth
  const req = await read(c.req.raw, config.limits)                                      // parse
  await enforceRateLimits(c.env, tenant, req, config)                                   // rate limit (tenants with limits only)
  const cache = await responseCache(c.req.raw.headers, c.env, tenant, req, config)       // cache (opted-in tenants and requests)
  const budget = await openBudget(c.env, c.executionCtx, tenant, config)
  const hit = await cache?.lookup()
  if (hit) return answerFromCache(c, { hit, budget, tenant, req, reply, started })       // a hit: nothing reserved or charged
  if (cache) c.header('x-triage-cache', cache.status)
  const { decision, plan: route, request, reservation: worst } = decide({                // score → choose (fitting the budget)
    req, tenant, headroom: budget.headroom(), config, available: providerAvailability(config, c.env),
  })
  const reservation = await budget.reserve(requestId, worst, { model: route.candidates[0].id, tier: route.tier }) // reserve

  c.header('x-triage-tier', route.tier)
  c.header('x-triage-score', decision.score.toFixed(3))
  c.header('x-triage-reason', compactReason(decision))
  if (route.downgraded) c.header('x-triage-downgraded', route.downgraded)

  const spend: SpendContext = { budget, reservation, tenant, decision, route, started, requestId, stream: request.stream === true, env: c.env }
  let run
  try {
    run = await execute(route, request, { providers: createProviders(config, c.env), config, signal: c.req.raw.signal }) // call
  } catch (err) {
    const failure = failureOf(err)
    await settleSpend(spend, failure.calls, { status: failure.error.status, attempts: failure.attempts })
    throw failure.error
  }

  c.header('x-triage-model', run.model.id)
  c.header('x-triage-provider', run.provider)
  c.header('x-triage-attempts', String(run.attempts))
  const dropped = unsupportedIn(request, run.model)                                          // fields this model refuses, left out
  if (dropped.length) c.header('x-triage-dropped', dropped.join(', '))
  if (run.cascade) c.header('x-triage-cascade', run.cascade)
  const outcome = { attempts: run.attempts, model: run.model, cascade: run.cascade }

  if (run.reply.kind === 'json') {
    const settled = await settleSpend(spend, run.calls, { ...outcome, status: 200 })     // settle
    for (const [k, v] of Object.entries(spendHeaders(settled))) c.header(k, v)
    if (cache) c.executionCtx.waitUntil(cache.store(cachedAnswer(run.reply.completion, run.reply.usage, run.model, settled.cost_nano))) // store
    return c.json(reply.json(run.reply.completion, run.reply.usage))
  }

  spend.firstByteAt = Date.now() // execute resolves a stream once its first chunk is in hand
  c.header('x-triage-budget-remaining-usd', remainingUsd(budget.headroom().remaining_nano))
  const calls = run.calls
  const usage = run.reply.usage
  const recorded = cache?.status === 'miss' ? recordChunks(run.reply.chunks) : null    // a miss to store: assembled as it passes
  return streamBack(c, {                                                                 // stream back
    chunks: recorded ? recorded.chunks : run.reply.chunks,
    format: reply.sse(request, usage),
    toError: (err) => failureOf(err).error,
    onEnd: async (end) => {
      const status = end.status === 'ok' ? 200 : end.status === 'client_abort' ? 499 : end.error.status
      const settled = await settleSpend(spend, calls, { ...outcome, status })           // settle
      const completion = status === 200 && recorded ? recorded.completion(toOpenAIUsage(await usage)) : null
      if (cache && completion) c.executionCtx.waitUntil(cache.store(cachedAnswer(completion, await usage, outcome.model, settled.cost_nano))) // store
      return spendTrailer(settled)
    },
  })
}

/** What a miss stores: the answer, and what it cost (what a hit will save). */
function cachedAnswer(completion: ChatCompletion, usage: Usage, model: ModelSpec, cost_nano: number): Omit<CachedAnswer, 'v' | 'stored_at'> {
  return { completion, usage, model: model.id, provider: model.provider, tier: model.tier, cost_nano }
}
