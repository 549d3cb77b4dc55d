/**
 * DeepSeek (`deepseek-reasoner`, `deepseek-chat`): the OpenAI-compatible core with DeepSeek's rules.
 *
 * - Answers keep `reasoning_content` (message and deltas) and usage keeps `prompt_cache_hit_tokens` /
 *   `prompt_cache_miss_tokens` / `completion_tokens_details.reasoning_tokens` (read by usageFromOpenAI).
 * - Before sending, `reasoning_content` is removed from earlier assistant turns: DeepSeek answers 400 when it is sent
 *   back (https://api-docs.deepseek.com/guides/reasoning_model, "Multi-round Conversation").
 * - `developer` messages become `system`, content parts become text, `max_completion_tokens` becomes `max_tokens`
 *   (DeepSeek's API has only the older names).
 *
 * @example createDeepSeek({ settings: config.providers.deepseek }).chat(req, config.models['deepseek-reasoner'], { signal, stream: true })
 */
import { createOpenAICompatible } from '../openai-compatible'
import { keyedProvider } from '../settings'
import { requestedMaxTokens, type ChatRequest } from '../../openai/request'
import { ProviderError, type Provider, type ProviderContext } from '../types'

export function createDeepSeek(ctx: ProviderContext): Provider {
  return createOpenAICompatible('deepseek', ctx, { prepare: prepareForDeepSeek })
}

/** `DEEPSEEK_API_KEY`, `DEEPSEEK_BASE_URL` (default https://api.deepseek.com, or `{AI_GATEWAY_URL}/deepseek`). */
export const deepseek = keyedProvider('deepseek', 'DEEPSEEK', 'https://api.deepseek.com', createDeepSeek)

/** The request body as DeepSeek accepts it. Pure; exported for tests. */
export function prepareForDeepSeek(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body }
  out.messages = (body.messages as Array<Record<string, unknown>>).map((m) => {
    const copy: Record<string, unknown> = { ...m }
    if (copy.role === 'assistant') delete copy.reasoning_content
    if (copy.role === 'developer') copy.role = 'system'
    if (Array.isArray(copy.content)) copy.content = textOnly(copy.content as Array<Record<string, unknown>>)
    return copy
  })
  // DeepSeek reads only max_tokens: the one normalised cap goes there (the smaller, if both ever arrive).
  const cap = requestedMaxTokens(out as Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'>)
  delete out.max_completion_tokens
  if (cap !== undefined) out.max_tokens = cap
  return out
}

function textOnly(parts: Array<Record<string, unknown>>): string {
  const texts: string[] = []
  for (const p of parts) {
    if (p.type === 'text') texts.push(String(p.text))
    else if (p.type === 'refusal') texts.push(String(p.refusal))
    else {
      const message = `DeepSeek does not accept '${String(p.type)}' content parts; send text only.`
      throw new ProviderError('deepseek', 'http', message, { status: 400, upstreamBody: JSON.stringify({ error: { message } }) })
    }
  }
  return texts.join('\n')
}
