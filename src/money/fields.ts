/**
 * Request fields that change what a call costs (issue 14, item 5), and what Triage does with each. Called once per
 * candidate model from `worstCase`, so the chat handler and `/v1/route` decide the same way.
 *
 * | field | OpenAI's price | Triage |
 * |---|---|---|
 * | `service_tier: "priority"` | published priority rates (gpt-4.1: $3.50 / $0.875 cached / $14.00 per 1M) | priced: reserved and settled at the model's `priority` rates; refused (400) on a model whose price row has none |
 * | `service_tier: "flex"` | about half the standard rates | allowed, charged at standard rates (never less than the bill) |
 * | `service_tier: "auto"`, `"default"` | standard (or the project's default) | allowed; settled at priority rates when the answer says `service_tier: "priority"` |
 * | `prediction` | rejected prediction tokens are completion tokens, billed as output | priced: the prediction's tokens are reserved as output on top of the cap |
 * | `web_search_options` | a per-call search fee, not in `usage` | refused (400) |
 * | `audio`, `modalities` with `"audio"` | audio tokens at audio rates | refused (400) |
 *
 * @example pricedFields({ model: 'gpt-4.1', messages, service_tier: 'priority' }, priceOf('gpt-4.1')) // { priority: true, extraOutput: 0 }
 */
import type { ChatRequest } from '../openai/request'
import { outputCap } from '../openai/request'
import { ApiError } from '../http/errors'
import { textTokens } from './estimate'

/** How a request's priced fields change its worst case on one model. */
export interface PricedFields {
  /** Reserve (and settle) at the model's priority rates. */
  priority: boolean
  /** Output tokens to reserve on top of the output cap (a prediction's rejected tokens are billed as output). */
  extraOutput: number
}

const refuse = (param: string, why: string) =>
  new ApiError(400, `Triage cannot price '${param}': ${why}.`, { param, code: 'unsupported_priced_field' })
const AUDIO = 'audio output is billed at audio rates'

/** What the request's price-changing fields mean on a model; throws a 400 naming the field when Triage cannot price it. */
export function pricedFields(req: ChatRequest, model: string, hasPriorityRates: boolean): PricedFields {
  const r = req as Record<string, unknown>
  if (r.web_search_options != null) throw refuse('web_search_options', 'web search is billed per call, and usage does not report calls')
  if (r.audio != null) throw refuse('audio', AUDIO)
  if (Array.isArray(r.modalities) && r.modalities.includes('audio')) throw refuse('modalities', AUDIO)
  const tier = r.service_tier
  let priority = false
  if (tier === 'priority') {
    if (!hasPriorityRates) throw refuse('service_tier', `'priority' on '${model}', which has no priority rates`)
    priority = true
  } else if (tier != null && tier !== 'auto' && tier !== 'default' && tier !== 'flex') {
    throw refuse('service_tier', `'${String(tier).slice(0, 40)}' is not auto, default, flex or priority`)
  }
  return { priority, extraOutput: predictionTokens(req) }
}

/** Tokens of a Predicted Outputs `prediction` (its content, string or text parts), counted as the input estimate counts text. */
export function predictionTokens(req: ChatRequest): number {
  const p = (req as { prediction?: { content?: unknown } }).prediction
  if (!p || typeof p !== 'object') return 0
  const c = p.content
  if (typeof c === 'string') return textTokens(c)
  if (Array.isArray(c)) return c.reduce((n: number, part) => n + textTokens(String((part as { text?: unknown })?.text ?? '')), 0)
  return 0
}

/**
 * The most output tokens a call may be charged: its output cap plus the prediction's tokens. The reservation assumes
 * it (`worstCase`), and every adapter charges at most it (`withinCap`).
 *
 * @example billedOutputCap({ messages, max_tokens: 10, prediction: { type: 'content', content: 'a b c' } }) // 10 + 2
 */
export function billedOutputCap(req: ChatRequest, modelDefault?: number, configDefault?: number): number {
  return outputCap(req, modelDefault, configDefault) + predictionTokens(req)
}
