/**
 * OpenAI Chat Completions wire types: what every provider adapter must return and what Triage sends to clients.
 * Type-only imports from the `openai` package (a dev dependency), so they cost nothing in the bundle.
 */
import type {
  ChatCompletion as OpenAIChatCompletion,
  ChatCompletionChunk as OpenAIChatCompletionChunk,
} from 'openai/resources/chat/completions'

/** A non-streamed answer, as OpenAI returns it. DeepSeek adds `reasoning_content` to the message. */
export type ChatCompletion = OpenAIChatCompletion
/** One streamed chunk (`data: {…}`), as OpenAI sends it. DeepSeek adds `reasoning_content` to the delta. */
export type ChatCompletionChunk = OpenAIChatCompletionChunk

/**
 * Token usage, normalised across providers. Every count is a whole number of tokens (0 when the provider
 * does not report it). This is what money/ prices.
 *
 * @example { input: 1200, cachedInput: 1024, cacheWrite: 0, output: 300, reasoning: 250 }
 */
export interface Usage {
  /** All prompt tokens, cached ones included (OpenAI `prompt_tokens`). */
  input: number
  /** Prompt tokens served from cache (OpenAI `prompt_tokens_details.cached_tokens`, DeepSeek `prompt_cache_hit_tokens`, Anthropic `cache_read_input_tokens`). */
  cachedInput: number
  /** Prompt tokens written to cache (Anthropic `cache_creation_input_tokens`). */
  cacheWrite: number
  /** Of `cacheWrite`, the tokens written with the 1-hour TTL (Anthropic `cache_creation.ephemeral_1h_input_tokens`), priced at their own rate. */
  cacheWrite1h?: number
  /** All completion tokens, reasoning included (OpenAI `completion_tokens`). */
  output: number
  /** Of `output`, the reasoning tokens (`completion_tokens_details.reasoning_tokens`). */
  reasoning: number
  /** Workers AI only: neurons, when the platform reports them. */
  neurons?: number
  /** The service tier that served the call, when the provider said (OpenAI `service_tier`); `priority` is billed at priority rates. */
  serviceTier?: string
  /** True when the counts were estimated (e.g. a stream cut before the provider reported usage). */
  estimated?: boolean
}

export const ZERO_USAGE: Usage = Object.freeze({ input: 0, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0 }) as Usage

/** OpenAI's `usage` object, built from a normalised Usage (what the client sees). */
export function toOpenAIUsage(u: Usage): NonNullable<ChatCompletion['usage']> {
  return {
    prompt_tokens: u.input,
    completion_tokens: u.output,
    total_tokens: u.input + u.output,
    prompt_tokens_details: { cached_tokens: u.cachedInput },
    completion_tokens_details: { reasoning_tokens: u.reasoning },
  }
}
