/**
 * OpenAI (premium tier): the OpenAI-compatible core pointed at `OPENAI_BASE_URL` (default https://api.openai.com/v1),
 * or at `{AI_GATEWAY_URL}/openai` when the gateway is on.
 *
 * @example createOpenAI({ settings: config.providers.openai }).chat(req, config.models['gpt-4.1'], { signal, stream: false })
 */
import { createOpenAICompatible } from '../openai-compatible'
import type { Provider, ProviderContext } from '../types'

export function createOpenAI(ctx: ProviderContext): Provider {
  return createOpenAICompatible('openai', ctx)
}
