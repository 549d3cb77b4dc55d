/**
 * Money: the price table, and the two functions the rest of Triage prices with.
 *
 * - `cost(usage, modelId)` — what a request really cost, from the provider's usage fields.
 * - `worstCase(req, modelId, config)` — the most it can cost: the input bound + the output cap, for the reservation;
 *   `affordableOutput(req, modelId, config, nano)` is its inverse (the largest output cap that fits in `nano`).
 *
 * All amounts are integer nano-USD (1e-9 USD). A model with no price fails closed: `worstCase` refuses it
 * (503 `model_unpriced`) unless TRIAGE_PRICES sets a conservative `"*"` row, which then prices it.
 *
 * @example
 * cost({ input: 1000, cachedInput: 0, cacheWrite: 0, output: 500, reasoning: 0 }, 'gpt-4.1') // 6_000_000 ($0.006)
 * formatUsd(6_000_000) // '0.006'
 */
import { parsePriceTable } from './table'
import type { ChatRequest } from '../openai/request'
import { outputCap } from '../openai/request'
import type { Usage } from '../openai/types'
import { ApiError } from '../http/errors'
import { PRICES, PRICE_TABLE_VERSION, NANO_PER_NEURON, type PriceRowInput } from './prices'
import { estimateInputTokens } from './estimate'
import { pricedFields } from './fields'

export { formatUsd, parseUsd, NANO_PER_USD } from './format'
export { estimateInputTokens, embeddingInputTokens, textTokens } from './estimate'
export { PRICES, PRICE_TABLE_VERSION, NANO_PER_NEURON } from './prices'
export { pricedFields, billedOutputCap, predictionTokens } from './fields'

/** A price row in integer nano-USD per million tokens, ready for arithmetic. */
export interface Price {
  model: string
  input: number
  cachedInput: number
  cacheWrite: number
  /** Cache writes with Anthropic's 1-hour TTL (`Usage.cacheWrite1h`). */
  cacheWrite1h: number
  output: number
  reasoning: number
  /** Workers AI: nano-USD per neuron, when usage reports neurons. */
  perNeuron?: number
  /** OpenAI priority processing rates (nano-USD per 1M), when published for the model. */
  priority?: { input: number; cachedInput: number; output: number }
  source: string
  checked: string
  /** True when this is the configured `"*"` fallback, not the model's own row. */
  fallback?: boolean
}

/** The prices in force: the built-in table plus validated TRIAGE_PRICES overrides. */
export interface Prices {
  version: string
  get(model: string): Price | undefined
}

/** Anything with the config fields money needs (a full Config works). */
export interface MoneyConfig {
  /** TRIAGE_PRICES (JSON), validated at config load. */
  priceOverrides?: string
  limits?: { defaultMaxOutputTokens: number }
  /** Each model's default output cap (`maxOutputTokens`), for requests that name none. */
  models?: Readonly<Record<string, { maxOutputTokens?: number }>>
}

// ---- parsing rows ----

/** USD per 1M tokens → nano-USD per 1M tokens, exactly. '0.051' → 51_000_000. */
function perMillion(usd: string): number {
  const m = /^(\d{1,6})(?:\.(\d{1,9}))?$/.exec(usd)
  if (!m) throw new Error(`not a USD amount: ${usd}`)
  return Number(m[1]) * 1e9 + Number((m[2] ?? '').padEnd(9, '0'))
}

function toPrice(model: string, row: PriceRowInput, fallback = false): Price {
  if (row.neurons) {
    const n = row.neurons
    return {
      model, fallback,
      input: n.input * NANO_PER_NEURON,
      cachedInput: (n.cached_input ?? n.input) * NANO_PER_NEURON,
      cacheWrite: n.input * NANO_PER_NEURON,
      cacheWrite1h: n.input * NANO_PER_NEURON,
      output: n.output * NANO_PER_NEURON,
      reasoning: n.output * NANO_PER_NEURON,
      perNeuron: NANO_PER_NEURON,
      source: row.source, checked: row.checked,
    }
  }
  if (row.input === undefined || row.output === undefined) throw new Error(`${model}: needs input and output prices`)
  const input = perMillion(row.input)
  const output = perMillion(row.output)
  const cacheWrite = row.cache_write !== undefined ? perMillion(row.cache_write) : input
  const pr = row.priority
  return {
    model, fallback, input, output, cacheWrite,
    ...(pr ? { priority: { input: perMillion(pr.input), cachedInput: perMillion(pr.cached_input), output: perMillion(pr.output) } } : {}),
    cachedInput: row.cached_input !== undefined ? perMillion(row.cached_input) : input,
    cacheWrite1h: row.cache_write_1h !== undefined ? perMillion(row.cache_write_1h) : cacheWrite,
    reasoning: row.reasoning !== undefined ? perMillion(row.reasoning) : output,
    source: row.source, checked: row.checked,
  }
}

// ---- TRIAGE_PRICES ----

/** Thrown when TRIAGE_PRICES is not valid; the message names every bad entry. */
export class PriceConfigError extends Error {}

/**
 * Validates TRIAGE_PRICES (JSON: `{ "<model id>" | "*": { input, output, cached_input?, cache_write?, cache_write_1h?, reasoning? } | { neurons: {input, output} } }`,
 * USD per 1M tokens as numbers or decimal strings) and merges it over the built-in table.
 * The `"*"` row, if set, prices every model that has no row of its own: set it high (conservative).
 */
export function buildPrices(overrides?: string): Prices {
  const table = new Map<string, Price>()
  for (const [id, row] of Object.entries(PRICES)) table.set(id, toPrice(id, row))
  let fallback: Price | undefined
  let version = PRICE_TABLE_VERSION
  if (overrides && overrides.trim()) {
    // loadConfig has validated it already (a bad TRIAGE_PRICES is a named invalid_configuration); a config built
    // some other way still fails closed here.
    const { rows, problems } = parsePriceTable(overrides)
    if (problems.length) throw new PriceConfigError(problems.join('; '))
    for (const [id, r] of Object.entries(rows)) {
      const row: PriceRowInput = { ...r, currency: 'USD', source: r.source ?? 'TRIAGE_PRICES', checked: r.checked ?? 'override' }
      const price = toPrice(id, row, id === '*')
      if (id === '*') fallback = price
      else table.set(id, price)
    }
    version = `${PRICE_TABLE_VERSION}+overrides`
  }
  return {
    version,
    get: (model) => table.get(model) ?? (fallback ? { ...fallback, model } : undefined),
  }
}

const memo = new Map<string, Prices>()

/** The prices for a config, memoised per TRIAGE_PRICES value. Throws PriceConfigError on invalid overrides. */
export function pricesFor(config?: MoneyConfig): Prices {
  const key = config?.priceOverrides ?? ''
  let p = memo.get(key)
  if (!p) {
    p = buildPrices(key)
    memo.set(key, p)
  }
  return p
}

/** Whether a model can be priced (own row or `"*"` fallback). Route only to priced models. */
export function isPriced(modelId: string, config?: MoneyConfig): boolean {
  return pricesFor(config).get(modelId) !== undefined
}

/** The price row of a model, or a 503 `model_unpriced` ApiError: an unpriced model is never free. */
export function priceOf(modelId: string, config?: MoneyConfig): Price {
  const price = pricesFor(config).get(modelId)
  if (!price) {
    throw new ApiError(503, `Model '${modelId}' has no price in Triage's price table, so Triage refuses to run it. Add it to TRIAGE_PRICES.`, {
      type: 'service_unavailable', code: 'model_unpriced', param: 'model',
    })
  }
  return price
}

/**
 * A price row at the tier a call runs on: priority processing replaces the input, cached-input and output rates
 * (reasoning is output). A priority answer on a model with no published priority rates is charged double the
 * standard rates, above every published priority rate (1.7× to 2×).
 */
function atTier(p: Price, priority: boolean): Price {
  if (!priority) return p
  const r = p.priority ?? { input: 2 * p.input, cachedInput: 2 * p.cachedInput, output: 2 * p.output }
  return { ...p, ...r, cacheWrite: r.input, reasoning: r.output }
}

const M = 1_000_000n

/** ⌈Σ tokens × nano-per-1M / 1e6⌉ in bigint: exact, rounded up to the next nano-USD once per request. */
function perMillionCost(parts: Array<[number, number]>): number {
  let total = 0n
  for (const [tokens, rate] of parts) {
    if (tokens > 0) total += BigInt(Math.floor(tokens)) * BigInt(rate)
  }
  return Number((total + M - 1n) / M)
}

/**
 * What a request really cost, in nano-USD, from normalised usage.
 * Uncached input = input − cachedInput − cacheWrite; cache writes with the 1-hour TTL (`cacheWrite1h`, a part of
 * cacheWrite) use their own price; reasoning tokens (a part of output) use the reasoning price.
 * When Workers AI reports neurons, those are billed (that is what Cloudflare charges).
 */
export function cost(usage: Usage, modelId: string, config?: MoneyConfig): number {
  const p = atTier(priceOf(modelId, config), usage.serviceTier === 'priority')
  if (p.perNeuron && usage.neurons !== undefined && usage.neurons > 0) {
    return Math.ceil(usage.neurons * p.perNeuron)
  }
  const cached = Math.max(0, usage.cachedInput)
  const written = Math.max(0, usage.cacheWrite)
  const hour = Math.max(0, Math.min(written, usage.cacheWrite1h ?? 0))
  const uncached = Math.max(0, usage.input - cached - written)
  const reasoning = Math.max(0, Math.min(usage.reasoning, usage.output))
  const output = Math.max(0, usage.output - reasoning)
  return perMillionCost([
    [uncached, p.input], [cached, p.cachedInput], [written - hour, p.cacheWrite], [hour, p.cacheWrite1h], [output, p.output], [reasoning, p.reasoning],
  ])
}

/**
 * The most a request can cost on a model: estimated input tokens at the highest input rate, plus the output cap
 * (`outputCap`: the request's, else the model's `maxOutputTokens`, else `limits.defaultMaxOutputTokens`; the adapters
 * send the same cap upstream) at the highest output rate. The highest input rate includes the cache-write premium
 * (Anthropic: 1.25× input for the default 5-minute TTL), and the 1-hour rate (2×) when the request asks for it.
 */
export function worstCase(req: ChatRequest, modelId: string, config: MoneyConfig | number = {}): number {
  const cfg: MoneyConfig = typeof config === 'number' ? { limits: { defaultMaxOutputTokens: config } } : config
  const row = priceOf(modelId, cfg)
  const fields = pricedFields(req, modelId, row.priority !== undefined) // 400 for a price-changing field Triage cannot price
  const p = atTier(row, fields.priority)
  const maxOut = outputCap(req, cfg.models?.[modelId]?.maxOutputTokens, cfg.limits?.defaultMaxOutputTokens) + fields.extraOutput
  return perMillionCost([
    [estimateInputTokens(req), worstInputRate(req, p)],
    [maxOut, Math.max(p.output, p.reasoning)],
  ])
}

/**
 * The most an input-only call (embeddings) can cost: `inputTokens` (a bound: `embeddingInputTokens`) at the model's
 * input rate. Refuses an unpriced model (503 `model_unpriced`), like `worstCase`.
 *
 * @example inputWorstCase(1000, 'text-embedding-3-small', config) // 20_000 ($0.00002 at $0.02/M)
 */
export function inputWorstCase(inputTokens: number, modelId: string, config?: MoneyConfig): number {
  return perMillionCost([[inputTokens, priceOf(modelId, config).input]])
}

/** The highest rate a request's input tokens can be billed at: input, or a cache write (1-hour when asked for). */
const worstInputRate = (req: ChatRequest, p: Price): number => Math.max(p.input, p.cacheWrite, asksHourCache(req) ? p.cacheWrite1h : 0)

/** No model writes more than this in one answer; caps above it are not worth computing. */
const MAX_OUTPUT = 10_000_000

/**
 * The largest output cap whose worst case on a model fits in `nano`: the inverse of `worstCase` for the same request
 * (its input bound at the highest input rate), 0 when not even the input fits. Exact in bigint, like worstCase:
 * `worstCase(withOutputCap(req, n), model) ≤ nano` for n = affordableOutput(req, model, config, nano).
 *
 * @example affordableOutput(req, 'gpt-4.1', config, 10_000_000) // ≈ 1,240 tokens for a short prompt ($0.01 at $8/M output)
 */
export function affordableOutput(req: ChatRequest, modelId: string, config: MoneyConfig, nano: number): number {
  const p = priceOf(modelId, config)
  const out = BigInt(Math.max(p.output, p.reasoning))
  const left = BigInt(Math.max(0, Math.floor(nano))) * M - BigInt(estimateInputTokens(req)) * BigInt(worstInputRate(req, p))
  if (left < 0n) return 0
  return out === 0n ? MAX_OUTPUT : Number(left / out > BigInt(MAX_OUTPUT) ? BigInt(MAX_OUTPUT) : left / out)
}

/**
 * Whether a request marks anything for Anthropic's 1-hour prompt cache (`cache_control: { type: 'ephemeral', ttl: '1h' }`
 * on a content part, a message, a tool call or a tool), so its reservation uses the 1-hour write rate.
 *
 * @example asksHourCache({ model: 'auto', messages: [{ role: 'system', content: [{ type: 'text', text, cache_control: { type: 'ephemeral', ttl: '1h' } }] }] }) // true
 */
export function asksHourCache(req: ChatRequest): boolean {
  const hour = (x: unknown) => (x as { cache_control?: { ttl?: unknown } } | null)?.cache_control?.ttl === '1h'
  for (const t of req.tools ?? []) if (hour(t)) return true
  for (const m of req.messages) {
    if (hour(m)) return true
    if (Array.isArray(m.content)) for (const p of m.content) if (hour(p)) return true
    if (m.role === 'assistant') for (const c of m.tool_calls ?? []) if (hour(c)) return true
  }
  return false
}
