/**
 * The versioned price table: what one million tokens cost, per model, with the source and the date each row
 * was checked. Prices are exact decimal strings (USD per million tokens) or, for Workers AI, neurons per
 * million tokens converted at the published $0.011 per 1,000 neurons. Nothing here is a float.
 *
 * Bump PRICE_TABLE_VERSION whenever a row changes; it is reported by /v1/usage and in every spend record.
 *
 * @example PRICES['gpt-4.1'].output // '8.00' (USD per 1M output tokens)
 */

export const PRICE_TABLE_VERSION = '2026-12-06.2'

/** Workers AI bills neurons: $0.011 per 1,000 neurons = 11,000 nano-USD per neuron. */
export const NANO_PER_NEURON = 11_000
export const WORKERS_AI_PRICING_URL = 'https://developers.cloudflare.com/workers-ai/platform/pricing/'

/** One row as written in the table (USD strings per 1M tokens, or neurons per 1M tokens). */
export interface PriceRowInput {
  /** USD per 1M uncached input tokens. */
  input?: string
  /** USD per 1M output tokens (reasoning included unless `reasoning` is set). */
  output?: string
  /** USD per 1M input tokens served from cache; defaults to `input`. */
  cached_input?: string
  /** USD per 1M input tokens written to cache (Anthropic: the 5-minute TTL); defaults to `input`. */
  cache_write?: string
  /** USD per 1M input tokens written to cache with Anthropic's 1-hour TTL; defaults to `cache_write`. */
  cache_write_1h?: string
  /** USD per 1M reasoning tokens; defaults to `output`. */
  reasoning?: string
  /** OpenAI priority processing (`service_tier: "priority"`): USD per 1M input, cached input and output tokens. */
  priority?: { input: string; cached_input: string; output: string }
  /** Workers AI: neurons per 1M tokens (converted with NANO_PER_NEURON). */
  neurons?: { input: number; output: number; cached_input?: number }
  currency: 'USD'
  source: string
  /** ISO date the row was checked against its source. */
  checked: string
  note?: string
}

const CHECKED = '2026-04-20'
/** Rows added for the seed article's models (issue 16). */
const CHECKED_SEED = '2026-12-06'
const OPENAI_PRICING = 'https://platform.openai.com/docs/pricing'

/** A Workers AI row from the pricing table: neurons per 1M input and output tokens. */
const workersAi = (input: number, output: number, checked: string): PriceRowInput =>
  ({ neurons: { input, output }, currency: 'USD', source: WORKERS_AI_PRICING_URL, checked })

export const PRICES: Record<string, PriceRowInput> = {
  // Workers AI: per-model neuron rates from the LLM pricing table.
  '@cf/meta/llama-3.2-3b-instruct': workersAi(4625, 30475, CHECKED),
  '@cf/meta/llama-3.2-1b-instruct': workersAi(2457, 18252, CHECKED),
  '@cf/meta/llama-3.1-8b-instruct-fast': {
    // The pricing table lists no row for `-fast`; its nearest listed siblings are `-fp8-fast` (4119 / 34868)
    // and the full-precision `llama-3.1-8b-instruct` (25608 / 75147). We charge the higher one: never under-charge.
    neurons: { input: 25608, output: 75147 }, currency: 'USD', source: WORKERS_AI_PRICING_URL, checked: CHECKED,
    note: 'no published row for -fast; charged at @cf/meta/llama-3.1-8b-instruct rates (conservative)',
  },
  '@cf/qwen/qwen2.5-coder-32b-instruct': workersAi(60000, 90909, CHECKED),
  // The LLM pricing table: $0.497 per M input tokens, $4.881 per M output tokens.
  '@cf/deepseek-ai/deepseek-r1-distill-qwen-32b': workersAi(45170, 443756, CHECKED_SEED),
  // The seed article's other models, by the id their public price is listed under. Not found, so not priced (a
  // model with no row is refused until TRIAGE_PRICES or its TRIAGE_MODELS entry prices it): GLM-4.7 Flash on
  // Workers AI (@cf/zai-org/glm-4.7-flash: no row in the pricing table we could read), Phi-4 Mini (no per-token
  // price from Microsoft or a host we could read).
  'z-ai/glm-4.7-flash': {
    // OpenRouter's model id and list price
    input: '0.06', output: '0.40', currency: 'USD', source: 'https://openrouter.ai/z-ai/glm-4.7-flash', checked: CHECKED_SEED,
  },
  'ministral-3b-latest': {
    // as listed for ministral-3-3b-2512 (synced from Mistral pricing 2026-05-28, llmpricing.site) and ministral-3b-latest (keeprouter.com)
    input: '0.10', output: '0.10', currency: 'USD', source: 'https://mistral.ai/pricing', checked: CHECKED_SEED,
  },
  'nvidia/nemotron-nano-9b-v2': {
    // the higher of the two hosts listed there (Amazon Bedrock $0.06/$0.23; DeepInfra $0.04/$0.16): never under-charge
    input: '0.06', output: '0.23', currency: 'USD', source: 'https://vercel.com/ai-gateway/models/nemotron-nano-9b-v2', checked: CHECKED_SEED,
  },
  // DeepSeek: both aliases share one price list (cache hit / cache miss / output).
  'deepseek-reasoner': {
    input: '0.28', cached_input: '0.028', output: '0.42', currency: 'USD',
    source: 'https://api-docs.deepseek.com/quick_start/pricing', checked: CHECKED,
  },
  'deepseek-chat': {
    input: '0.28', cached_input: '0.028', output: '0.42', currency: 'USD',
    source: 'https://api-docs.deepseek.com/quick_start/pricing', checked: CHECKED,
  },
  // OpenAI: standard tier, and priority processing (https://openai.com/api-priority-processing/, excluding long context).
  'gpt-4.1': {
    input: '2.00', cached_input: '0.50', output: '8.00', currency: 'USD',
    priority: { input: '3.50', cached_input: '0.875', output: '14.00' },
    source: 'https://platform.openai.com/docs/pricing', checked: CHECKED,
  },
  'gpt-4.1-mini': {
    input: '0.40', cached_input: '0.10', output: '1.60', currency: 'USD',
    priority: { input: '0.70', cached_input: '0.175', output: '2.80' },
    source: 'https://platform.openai.com/docs/pricing', checked: CHECKED,
  },
  // OpenAI o-series (reasoning tokens are output tokens). Configure them with the provider's `unsupported` fields
  // (docs/PROVIDERS.md); they get the cap as max_completion_tokens.
  'o4-mini': {
    input: '1.10', cached_input: '0.275', output: '4.40', currency: 'USD', source: OPENAI_PRICING, checked: CHECKED_SEED,
  },
  'o3': {
    // cached-input rate not confirmed from a source we could read: cached tokens are charged at the input rate (conservative)
    input: '2.00', output: '8.00', currency: 'USD', source: OPENAI_PRICING, checked: CHECKED_SEED,
  },
  'o3-mini': {
    input: '1.10', cached_input: '0.55', output: '4.40', currency: 'USD', source: OPENAI_PRICING, checked: CHECKED_SEED,
  },
  'o1': {
    input: '15.00', cached_input: '7.50', output: '60.00', currency: 'USD', source: OPENAI_PRICING, checked: CHECKED_SEED,
  },
  // Embeddings (issue 18): input tokens only, no output. Workers AI bge rows from the pricing table's "Other model
  // pricing"; bge-m3 is not in that table: its model page lists "$0.012 per M input tokens".
  '@cf/baai/bge-small-en-v1.5': workersAi(1841, 0, CHECKED_SEED),
  '@cf/baai/bge-base-en-v1.5': workersAi(6058, 0, CHECKED_SEED),
  '@cf/baai/bge-large-en-v1.5': workersAi(18582, 0, CHECKED_SEED),
  '@cf/baai/bge-m3': {
    input: '0.012', output: '0', currency: 'USD', source: 'https://developers.cloudflare.com/workers-ai/models/bge-m3/', checked: CHECKED_SEED,
  },
  // OpenAI embeddings, standard tier.
  'text-embedding-3-small': {
    input: '0.02', output: '0', currency: 'USD', source: OPENAI_PRICING, checked: CHECKED_SEED,
  },
  'text-embedding-3-large': {
    input: '0.13', output: '0', currency: 'USD', source: OPENAI_PRICING, checked: CHECKED_SEED,
  },
  // Anthropic: base input, 5-minute cache writes (1.25× input), 1-hour cache writes (2×), cache hits (0.1×), output.
  'claude-sonnet-4-6': {
    input: '3.00', cache_write: '3.75', cache_write_1h: '6.00', cached_input: '0.30', output: '15.00', currency: 'USD',
    source: 'https://platform.claude.com/docs/en/about-claude/pricing', checked: CHECKED,
  },
}
