/**
 * OpenAI (premium tier): the OpenAI-compatible core pointed at `OPENAI_BASE_URL` (default https://api.openai.com/v1),
 * or at `{AI_GATEWAY_URL}/openai` when the gateway is on.
 *
 * OpenAI's reasoning models (o1, o3, o4-mini, … and GPT-5 onwards) refuse `max_tokens` with a 400
 * `unsupported_parameter` ("Use 'max_completion_tokens' instead."); the API reference calls `max_tokens` deprecated
 * and "not compatible with o-series models". For those models the cap is sent as `max_completion_tokens`. Other
 * models (and OpenAI-compatible servers, which may not know the newer field) get the request's fields as they are.
 *
 * @example createOpenAI({ settings: config.providers.openai }).chat(req, config.models['gpt-4.1'], { signal, stream: false })
 */
import { createOpenAICompatible } from '../openai-compatible'
import { keyedProvider } from '../settings'
import { requestedMaxTokens, type ChatRequest } from '../../openai/request'
import type { Provider, ProviderContext } from '../types'

/** Upstream model ids that take the output cap only as `max_completion_tokens`: o-series, and GPT-5 onwards. */
export const CAP_AS_MAX_COMPLETION_TOKENS = /^(o\d|gpt-[5-9])/

/**
 * The body with its output cap in the field the model accepts.
 *
 * @example capField({ model: 'o3', max_tokens: 256 })   // { model: 'o3', max_completion_tokens: 256 }
 */
export function capField(body: Record<string, unknown>): Record<string, unknown> {
  if (body.max_tokens == null || !CAP_AS_MAX_COMPLETION_TOKENS.test(String(body.model))) return body
  const { max_tokens, ...rest } = body
  // The one normalised cap (src/openai/request.ts: the smaller, if both ever arrive).
  return { ...rest, max_completion_tokens: requestedMaxTokens(body as Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'>) }
}

export function createOpenAI(ctx: ProviderContext): Provider {
  return createOpenAICompatible('openai', ctx, { prepare: capField })
}

/** `OPENAI_API_KEY`, `OPENAI_BASE_URL` (default https://api.openai.com/v1, or `{AI_GATEWAY_URL}/openai`). */
export const openai = keyedProvider('openai', 'OPENAI', 'https://api.openai.com/v1', createOpenAI)
