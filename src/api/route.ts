/**
 * POST /v1/route — the routing decision for a chat request, without calling any model.
 * Takes the same body as /v1/chat/completions and works with no provider credentials at all.
 * An API key is optional: with one, the tenant's thresholds and budget cap apply.
 *
 * @example
 * curl -s localhost:8787/v1/route -H 'content-type: application/json' \
 *   -d '{"messages":[{"role":"user","content":"Prove that √2 is irrational."}]}'
 * // {"tier":"medium","score":0.28,"features":{…},"reasons":[…],"model":"deepseek-reasoner",…,
 * //  "routing":{"thresholds":{…},"quality_target":null,"expected":{"cost":0.28,"quality":0.97,…}}}
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app'
import { readChatRequest } from '../http/body'
import { decide, providerAvailability, routingSetting } from '../routing'
import { formatUsd } from '../money'
import { outputCap } from '../openai/request'
import { authenticate } from '../tenants'
import { openBudget } from '../ledger'
import { unsupportedIn } from '../execution'

export async function routeDryRun(c: Context<AppEnv>): Promise<Response> {
  const { config } = c.var
  const hasKey = !!(c.req.header('authorization') || c.req.header('x-api-key'))
  const tenant = hasKey ? await authenticate(c.req.raw, c.env) : undefined
  const req = await readChatRequest(c.req.raw, config.limits)
  const headroom = tenant ? (await openBudget(c.env, c.executionCtx, tenant, config)).headroom() : undefined
  // The decision /v1/chat/completions would make, as if every configured provider could be called.
  const { decision, plan, request, reservation } = decide({ req, tenant, headroom, config, available: () => true })
  const model = plan.candidates[0]
  return c.json({
    tier: plan.tier,
    requested_tier: plan.requestedTier,
    score: decision.score,
    features: decision.features,
    reasons: decision.reasons,
    model: model.id,
    provider: model.provider,
    provider_configured: providerAvailability(config, c.env)(model.provider),
    fallbacks: plan.candidates.slice(1).map((m) => m.id),
    dropped: unsupportedIn(request, model),
    cascade: plan.cascade ? plan.cascade.first.map((m) => m.id) : null,
    downgraded: plan.downgraded,
    max_tokens: outputCap(request, model.maxOutputTokens, config.limits.defaultMaxOutputTokens),
    estimated_max_cost_usd: formatUsd(reservation),
    routing: routingSetting(tenant, config),
  })
}
