/**
 * POST /v1/embeddings — OpenAI's embeddings API in front of the configured embedding models (Workers AI
 * `@cf/baai/bge-*`, OpenAI `text-embedding-3-*`), on the same path as chat completions minus scoring:
 *
 *   auth → parse → rate limit → choose model (the tenant's policy) → reserve → call → settle
 *
 * No complexity score: the model is the request's `model` when it names an offered embedding model and pinning is
 * allowed, else (`auto`) the tenant's `policy.embedding_model`, else TRIAGE_EMBEDDING_MODEL, else the first offered
 * model whose provider is available. Money goes through the one ledger path (`openBudget` → `reserve` → `settleSpend`):
 * the reservation is the input bound × the input price; the charge is the provider's `usage.prompt_tokens` × that
 * price, or the bound when the provider reports no usage (Workers AI), recorded as estimated. Records carry tier
 * `embedding`.
 *
 * @example
 * const client = new OpenAI({ baseURL: 'https://triage.example.com/v1', apiKey: 'trg_…' })
 * await client.embeddings.create({ model: 'auto', input: ['a story about a llama'] })
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app'
import type { Config, EmbeddingModelSpec } from '../config'
import { authenticate, type Tenant } from '../tenants'
import { readJson, validRequest } from '../http/body'
import { ApiError } from '../http/errors'
import { parseEmbeddingRequest, toEmbeddingList, type EmbeddingRequest } from '../openai/embeddings'
import { embeddingInputTokens, inputWorstCase } from '../money'
import { openBudget } from '../ledger'
import { createProviders, providerAvailability, ProviderError } from '../providers'
import { enforceRateLimits } from '../ratelimit'
import { failureOf, settleSpend, spendHeaders, type SpendContext } from './spend'

/** The tier embedding calls are recorded under (by tier in /v1/usage; not one of the chat tiers on the dashboard). */
export const EMBEDDING_TIER = 'embedding'

export async function embeddings(c: Context<AppEnv>): Promise<Response> {
  const started = Date.now()
  const { config, requestId } = c.var
  const tenant = await authenticate(c.req.raw, c.env)                                   // auth
  const req = await readEmbeddingRequest(c.req.raw, config.limits.maxBodyBytes)          // parse
  const bound = embeddingInputTokens(req.input)
  await enforceRateLimits(c.env, tenant, bound, config)                                  // rate limit (tenants with limits only)
  const model = embeddingModelFor(req, tenant, config, providerAvailability(config, c.env)) // choose (policy, no score)
  const provider = createProviders(config, c.env)[model.provider]
  if (!provider?.embed) throw new ApiError(400, `The model '${model.id}' is served by ${model.provider}, which has no embeddings endpoint in Triage.`, { param: 'model', code: 'model_not_supported' })
  const worst = inputWorstCase(bound, model.id, config)                                  // an unpriced model is refused here
  const budget = await openBudget(c.env, c.executionCtx, tenant, config)
  const reservation = await budget.reserve(requestId, worst, { model: model.id, tier: EMBEDDING_TIER }) // reserve

  c.header('x-triage-tier', EMBEDDING_TIER)
  c.header('x-triage-model', model.id)
  c.header('x-triage-provider', model.provider)
  const spend: SpendContext = {
    budget, reservation, tenant, route: { tier: EMBEDDING_TIER, requestedTier: null, downgraded: null },
    started, requestId, stream: false, env: c.env,
  }
  // One attempt, bounded by TRIAGE_TOTAL_TIMEOUT_MS (a 504), and cancelled when the client goes away.
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(new ProviderError(model.provider, 'timeout', `${model.provider} did not answer in time`)), config.timeouts.totalMs)
  let reply
  try {
    reply = await provider.embed(req, model, { signal: AbortSignal.any([c.req.raw.signal, timeout.signal]) }) // call
  } catch (err) {
    // Nothing is billed for a refused or failed call (Triage does not retry embeddings; the client may).
    const failure = failureOf(err)
    await settleSpend(spend, [], { status: failure.error.status, attempts: 1, model })
    throw failure.error
  } finally {
    clearTimeout(timer)
  }
  const billed = { id: model.id, provider: model.provider, tier: EMBEDDING_TIER }
  const settled = await settleSpend(spend, [{ model: billed, usage: Promise.resolve(reply.usage) }], { status: 200, attempts: 1, model }) // settle
  for (const [k, v] of Object.entries(spendHeaders(settled))) c.header(k, v)
  return c.json(toEmbeddingList(reply.vectors, model.id, reply.usage, req.encoding_format))
}

/** Reads and validates the body: 415/413/400 in OpenAI's format, with `param`. */
async function readEmbeddingRequest(raw: Request, maxBodyBytes: number): Promise<EmbeddingRequest> {
  return validRequest(parseEmbeddingRequest(await readJson(raw, maxBodyBytes)))
}

/**
 * Which embedding model serves a request: a pinned offered model, else the tenant's policy, else the configured
 * default, else the first offered model whose provider is available. Unknown names are a 404 `model_not_found`; a
 * `dimensions` the model cannot give is a 400 naming `dimensions`.
 *
 * @example embeddingModelFor({ model: 'auto', input: ['hi'], encoding_format: 'float' }, tenant, config, available).id // '@cf/baai/bge-small-en-v1.5'
 */
export function embeddingModelFor(req: Pick<EmbeddingRequest, 'model' | 'dimensions'>, tenant: Pick<Tenant, 'policy'>, config: Pick<Config, 'embeddings' | 'allowModelPinning'>, available: (provider: string) => boolean): EmbeddingModelSpec {
  const offered = config.embeddings.models
  const named = (id: string) => (Object.hasOwn(offered, id) ? offered[id] : undefined)
  let model: EmbeddingModelSpec | undefined
  if (req.model !== 'auto') {
    model = config.allowModelPinning ? named(req.model) : undefined
    if (!model) throw notFound(`The embedding model '${req.model.slice(0, 100)}' does not exist. Use 'auto' (the tenant's embedding model)${config.allowModelPinning ? ` or one of: ${Object.keys(offered).join(', ')}` : ''}.`)
  } else {
    const chosen = tenant.policy.embedding_model ?? config.embeddings.default
    if (chosen !== undefined && chosen !== null) {
      model = named(chosen)
      if (!model) throw notFound(`The tenant's embedding model '${chosen}' is not offered by this Triage (TRIAGE_EMBEDDING_MODELS). Ask your operator to fix the tenant's policy.`)
    } else {
      model = Object.values(offered).find((m) => available(m.provider))
      if (!model) throw new ApiError(503, 'No embedding model is available: configure Workers AI (the AI binding or CLOUDFLARE_ACCOUNT_ID + CLOUDFLARE_API_TOKEN) or OPENAI_API_KEY.', { type: 'service_unavailable', code: 'provider_not_configured' })
    }
  }
  if (req.dimensions !== undefined && req.dimensions !== model.dimensions && !(model.shortens && req.dimensions < model.dimensions)) {
    throw new ApiError(400, `Invalid request: 'dimensions': '${model.id}' returns ${model.dimensions} dimensions${model.shortens ? ' or fewer' : ''}; ${req.dimensions} is not possible.`, { param: 'dimensions', code: 'invalid_request' })
  }
  return model
}

const notFound = (message: string) => new ApiError(404, message, { type: 'invalid_request_error', param: 'model', code: 'model_not_found' })
