/**
 * The pieces of Anthropic's Messages wire format that translate both ways, written once: the Anthropic adapter
 * (src/providers/anthropic: OpenAI request → Anthropic, Anthropic answer → OpenAI) and the `/v1/messages` ingress
 * (src/anthropic: Anthropic request → OpenAI, OpenAI answer → Anthropic) both use them.
 *
 * Docs: https://docs.anthropic.com/en/api/messages [stop_reason, usage],
 * https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching [cache_control, cache_creation].
 *
 * @example finishReason('tool_use')  // 'tool_calls'   and   stopReason('tool_calls')  // 'tool_use'
 */
import type { ChatCompletion } from '../../openai/types'
import type { Usage } from '../../openai/types'

export type FinishReason = ChatCompletion['choices'][number]['finish_reason']
export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded'

/** Anthropic `stop_reason` → OpenAI `finish_reason`. Anything else (end_turn, stop_sequence, pause_turn) is 'stop'. */
const TO_FINISH: Partial<Record<string, FinishReason>> = {
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
}

/** Anthropic `stop_reason` → OpenAI `finish_reason`. */
export function finishReason(stop: string | null | undefined): FinishReason {
  // Own keys only: an upstream's `stop_reason: "__proto__"` must not reach Object.prototype (found by fuzzing).
  return (stop && Object.hasOwn(TO_FINISH, stop) && TO_FINISH[stop]) || 'stop'
}

/** OpenAI `finish_reason` → Anthropic `stop_reason`: the inverse of `finishReason` (its first match; 'stop' → end_turn). */
export function stopReason(finish: string | null | undefined): StopReason {
  if (finish === 'function_call') return 'tool_use'
  for (const [stop, f] of Object.entries(TO_FINISH)) if (f === finish) return stop as StopReason
  return 'end_turn'
}

/** Anthropic's `usage` object (the fields Triage reads and writes). */
export interface AnthropicUsage {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
  /** Cache writes by TTL; their sum is `cache_creation_input_tokens`. */
  cache_creation?: { ephemeral_5m_input_tokens?: number; ephemeral_1h_input_tokens?: number } | null
}

const whole = (v: unknown) => (typeof v === 'number' && v > 0 ? Math.floor(v) : 0)

/**
 * Anthropic usage → normalised Usage. Anthropic's `input_tokens` excludes cache reads and writes; ours includes
 * them. Writes at the 1-hour TTL (`cache_creation.ephemeral_1h_input_tokens`) are priced at their own rate.
 */
export function usageFromAnthropic(u: any): Usage {
  const read = whole(u?.cache_read_input_tokens)
  const write = whole(u?.cache_creation_input_tokens)
  const usage: Usage = { input: whole(u?.input_tokens) + read + write, cachedInput: read, cacheWrite: write, output: whole(u?.output_tokens), reasoning: 0 }
  const hour = Math.min(write, whole(u?.cache_creation?.ephemeral_1h_input_tokens))
  if (hour) usage.cacheWrite1h = hour
  return usage
}

/** Normalised Usage → Anthropic usage: the inverse of `usageFromAnthropic`. */
export function toAnthropicUsage(u: Usage): Required<Omit<AnthropicUsage, 'cache_creation'>> & Pick<AnthropicUsage, 'cache_creation'> {
  const hour = u.cacheWrite1h ?? 0
  return {
    input_tokens: Math.max(0, u.input - u.cachedInput - u.cacheWrite),
    cache_creation_input_tokens: u.cacheWrite,
    cache_read_input_tokens: u.cachedInput,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite - hour, ephemeral_1h_input_tokens: hour },
    output_tokens: u.output,
  }
}

/** An Anthropic image `source`. */
export type ImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string }

/** An OpenAI `image_url.url` (a data URL or a web URL) → an Anthropic image source. */
export function imageSource(url: string): ImageSource {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url)
  return m ? { type: 'base64', media_type: m[1], data: m[2] } : { type: 'url', url }
}

/** An Anthropic image source → an OpenAI `image_url.url`: the inverse of `imageSource`. */
export function imageUrl(source: ImageSource): string {
  return source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url
}

/**
 * The `cache_control` of a block, part, message, tool call or tool, as a spreadable object (`{}` when absent), so
 * it travels unchanged between the two formats. Some OpenAI-compatible clients put it on content parts too.
 *
 * @example { type: 'text', text, ...cacheControl(part) }
 */
export function cacheControl(x: unknown): { cache_control?: unknown } {
  const cc = (x as { cache_control?: unknown } | null | undefined)?.cache_control
  return cc == null ? {} : { cache_control: cc }
}
