/**
 * POST /v1/route — the routing decision for a chat request, without calling any model.
 * Takes the same body as /v1/chat/completions and works with no provider credentials at all.
 * An API key is optional: with one, the tenant's thresholds and budget cap apply.
 *
 * @example
 * curl -s localhost:8787/v1/route -H 'content-type: application/json' \
 *   -d '{"messages":[{"role":"user","content":"Prove that √2 is irrational."}]}'
 * // {"tier":"premium","score":0.81,"features":{…},"reasons":[…],"model":"gpt-4.1",…}
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app'
import { readChatRequest } from '../http/body'
import { score } from '../scoring'
import { plan } from '../routing'
import { worstCase, formatUsd, isPriced } from '../money'
import { authenticate } from '../tenants'
import { openBudget } from '../ledger'
import { providerAvailability } from '../routing'
import { unsupportedIn } from '../execution'
import { capFor, thresholdsFor } from './spend'

export async function routeDryRun(c: Context<AppEnv>): Promise<Response> {
  const { config } = c.var
  const hasKey = !!(c.req.header('authorization') || c.req.header('x-api-key'))
  const tenant = hasKey ? await authenticate(c.req.raw, c.env) : undefined
  const req = await readChatRequest(c.req.raw, config.limits)
  const decision = score(req, thresholdsFor(tenant, config))
  const cap = tenant ? capFor(tenant, (await openBudget(c.env, c.executionCtx, tenant, config)).headroom()) : { cap: 'premium' as const }
  const route = plan({ requested: req.model, decision, config, cap: cap.cap, capReason: cap.reason, available: () => true, priced: (id) => isPriced(id, config), stream: !!req.stream })
  const model = route.candidates[0]
  const reserve = worstCase(req, model.id, config)
  return c.json({
    tier: route.tier,
    requested_tier: route.requestedTier,
    score: decision.score,
    features: decision.features,
    reasons: decision.reasons,
    model: model.id,
    provider: model.provider,
    provider_configured: providerAvailability(config, c.env)(model.provider),
    fallbacks: route.candidates.slice(1).map((m) => m.id),
    dropped: unsupportedIn(req, model),
    cascade: route.cascade ? route.cascade.first.map((m) => m.id) : null,
    downgraded: route.downgraded,
    estimated_max_cost_usd: formatUsd(reserve),
  })
}
