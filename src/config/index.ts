/**
 * Triage's configuration: one zod-validated object built from wrangler `[vars]` and secrets.
 *
 * Every setting has a documented default (README.md#configuration), so an empty environment is valid:
 * `npm run dev` starts with no credentials and answers 503 for tiers whose provider has none.
 * An invalid setting is refused with a message that names every bad variable.
 *
 * @example
 * const config = loadConfig(env)          // memoised per isolate, per env object
 * config.tiers.medium                     // ['deepseek-reasoner']
 * config.models['deepseek-reasoner']      // { provider: 'deepseek', upstream: 'deepseek-reasoner', tier: 'medium' }
 */
import * as z from 'zod/mini'
import { TIERS, type Tier } from '../scoring/tiers'
import { DEFAULT_THRESHOLDS, thresholdsForQuality } from '../scoring'
import { PROVIDER_MODULES, moduleNamed } from '../providers/registry'
import { trimSlash, url } from '../providers/settings'
import type { ProviderModule, ProviderName, ProviderSettings } from '../providers/types'
import { PriceRow, parsePriceTable, rowProblem } from '../money/table'
import { adminTokenProblem } from './admin-token'

export { TIERS, type Tier } from '../scoring/tiers'
export type { ProviderName, ProviderSettings } from '../providers/types'

/** A model a client may ask for by id, and where it runs. */
export interface ModelSpec {
  /** The id clients use (`model` in the request) and prices are keyed by. */
  id: string
  /** Its connection in `config.providers`: the provider's name, or `<provider>:<id>` when the entry names its own endpoint. */
  provider: ProviderName
  /** The model name sent to the provider. */
  upstream: string
  /** The tier this model serves when routed to. */
  tier: Tier
  /**
   * Request fields this model refuses (OpenAI answers 400 `unsupported_parameter` for `reasoning_effort` on a
   * non-reasoning model). Execution leaves them out of the call, so that a request routed here does not fail for a
   * field meant for another model; the response names them in `x-triage-dropped`.
   */
  unsupported?: readonly string[]
  /**
   * Output tokens for a request that names no cap (default: TRIAGE_DEFAULT_MAX_TOKENS). Reserved, and sent to the
   * provider as the cap, so a call can never cost more than its reservation.
   */
  maxOutputTokens?: number
}

/** A model that answers `POST /v1/embeddings` (no tier: embeddings are not scored; the tenant's policy picks one). */
export interface EmbeddingModelSpec {
  id: string
  provider: ProviderName
  upstream: string
  /** The length of its vectors. */
  dimensions: number
  /** Whether it can return shorter vectors when a request sets `dimensions` (OpenAI's text-embedding-3 models). */
  shortens?: boolean
}

export interface Config {
  models: Record<string, ModelSpec>
  /**
   * Embedding models offered on `/v1/embeddings` (TRIAGE_EMBEDDING_MODELS, default all of DEFAULT_EMBEDDING_MODELS), in
   * order, and the default one (TRIAGE_EMBEDDING_MODEL; null: the first whose provider is available).
   */
  embeddings: { models: Record<string, EmbeddingModelSpec>; default: string | null }
  /** Ordered candidate model ids per tier: the first is tried first, the rest are fallbacks. */
  tiers: Record<Tier, string[]>
  /** Score thresholds: score ≥ medium → medium tier; score ≥ premium → premium tier. */
  thresholds: { medium: number; premium: number }
  /** TRIAGE_QUALITY_TARGET, when the thresholds were chosen by it. */
  qualityTarget: number | null
  /** Whether a request may name a configured model id directly (instead of `auto` or a tier alias). */
  allowModelPinning: boolean
  /** Every connection: the built-in providers by name, and `<provider>:<model id>` for each model with its own endpoint. */
  providers: Record<ProviderName, ProviderSettings>
  timeouts: { firstByteMs: number; totalMs: number }
  retries: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number }
  breaker: { failureThreshold: number; cooldownMs: number }
  /** Non-streaming requests whose score falls in [low, high) try the trivial tier first; null = off. */
  cascade: { low: number; high: number } | null
  limits: {
    maxBodyBytes: number
    maxMessages: number
    /** Output tokens reserved when a request sets no max_tokens. */
    defaultMaxOutputTokens: number
    /** The smallest answer worth running when the budget only affords a shrunk output cap; below it the request is refused. */
    minOutputTokens: number
    maxContentDepth: number
    /** The `limit` of the optional RATE_LIMITER binding (wrangler.toml `[ratelimits.simple]`), per key and 60 s. */
    rateLimiterUnit: number
  }
  /** Origins allowed by CORS; empty = CORS off. */
  corsOrigins: string[]
  adminToken?: string
  /** Validated JSON of price overrides: TRIAGE_PRICES plus every TRIAGE_MODELS entry's `price` (money/ reads it). */
  priceOverrides?: string
}

/** What the Worker's environment may hold. Bindings are typed in src/env.ts. */
export type ConfigEnv = Partial<Record<string, unknown>>

/** Fields no model may list as `unsupported`: Triage itself sets or needs them on every call. */
const REQUIRED_FIELDS = new Set(['model', 'messages', 'stream', 'stream_options', 'max_tokens', 'max_completion_tokens'])

export const DEFAULT_MODELS: ModelSpec[] = [
  { id: '@cf/meta/llama-3.2-3b-instruct', provider: 'workers-ai', upstream: '@cf/meta/llama-3.2-3b-instruct', tier: 'trivial' },
  { id: '@cf/meta/llama-3.2-1b-instruct', provider: 'workers-ai', upstream: '@cf/meta/llama-3.2-1b-instruct', tier: 'trivial' },
  { id: '@cf/meta/llama-3.1-8b-instruct-fast', provider: 'workers-ai', upstream: '@cf/meta/llama-3.1-8b-instruct-fast', tier: 'trivial' },
  { id: '@cf/qwen/qwen2.5-coder-32b-instruct', provider: 'workers-ai', upstream: '@cf/qwen/qwen2.5-coder-32b-instruct', tier: 'trivial' },
  // https://api-docs.deepseek.com/guides/reasoning_model: logprobs and top_logprobs trigger an error; max_tokens
  // counts the chain of thought too, "default 32K, maximum 64K", so a smaller default cap would cut reasoning short
  { id: 'deepseek-reasoner', provider: 'deepseek', upstream: 'deepseek-reasoner', tier: 'medium', unsupported: ['logprobs', 'top_logprobs'], maxOutputTokens: 32_768 },
  { id: 'deepseek-chat', provider: 'deepseek', upstream: 'deepseek-chat', tier: 'medium' },
  // not reasoning models: https://platform.openai.com/docs/guides/reasoning (reasoning_effort is for reasoning models)
  { id: 'gpt-4.1', provider: 'openai', upstream: 'gpt-4.1', tier: 'premium', unsupported: ['reasoning_effort'] },
  { id: 'gpt-4.1-mini', provider: 'openai', upstream: 'gpt-4.1-mini', tier: 'medium', unsupported: ['reasoning_effort'] },
  { id: 'claude-sonnet-4-6', provider: 'anthropic', upstream: 'claude-sonnet-4-6', tier: 'premium' },
]

/**
 * The embedding models Triage knows (https://developers.cloudflare.com/workers-ai/models/ [Text Embeddings: output
 * dimensions], https://platform.openai.com/docs/guides/embeddings [Embedding models: output dimension]).
 */
export const DEFAULT_EMBEDDING_MODELS: EmbeddingModelSpec[] = [
  { id: '@cf/baai/bge-small-en-v1.5', provider: 'workers-ai', upstream: '@cf/baai/bge-small-en-v1.5', dimensions: 384 },
  { id: '@cf/baai/bge-base-en-v1.5', provider: 'workers-ai', upstream: '@cf/baai/bge-base-en-v1.5', dimensions: 768 },
  { id: '@cf/baai/bge-large-en-v1.5', provider: 'workers-ai', upstream: '@cf/baai/bge-large-en-v1.5', dimensions: 1024 },
  { id: '@cf/baai/bge-m3', provider: 'workers-ai', upstream: '@cf/baai/bge-m3', dimensions: 1024 },
  { id: 'text-embedding-3-small', provider: 'openai', upstream: 'text-embedding-3-small', dimensions: 1536, shortens: true },
  { id: 'text-embedding-3-large', provider: 'openai', upstream: 'text-embedding-3-large', dimensions: 3072, shortens: true },
]

export const DEFAULT_TIERS: Record<Tier, string[]> = {
  trivial: ['@cf/meta/llama-3.2-3b-instruct'],
  medium: ['deepseek-reasoner'],
  premium: ['gpt-4.1', 'claude-sonnet-4-6'],
}

// ---- the environment schema (strings in, typed values out) ----

const num = (min: number, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^-?\d+(\.\d+)?$/, 'must be a number')),
    z.pipe(z.transform((s: string) => Number(s)), z.number().check(z.gte(min), z.lte(max))),
  )
const int = (min: number, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/, 'must be a whole number')),
    z.pipe(z.transform((s: string) => Number(s)), z.int().check(z.gte(min), z.lte(max))),
  )
const bool = z.pipe(z.enum(['true', 'false', '1', '0']), z.transform((s) => s === 'true' || s === '1'))
const list = z.pipe(
  z.string(),
  z.transform((s: string) => s.split(',').map((x) => x.trim()).filter(Boolean)),
)

/** The fields every TRIAGE_MODELS entry may have; a provider that takes an endpoint per entry adds its own (`entry.fields`). */
const MODEL_FIELDS = {
  provider: z.string(),
  upstream: z.optional(z.string().check(z.minLength(1))),
  tier: z.enum(TIERS),
  unsupported: z.optional(z.array(z.string().check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be request field names, e.g. ["reasoning_effort"]')))),
  max_output_tokens: z.optional(z.int().check(z.gte(1), z.lte(1_000_000))),
  /** The model's price row (as in TRIAGE_PRICES), so that a model and its price are configured together. */
  price: z.optional(PriceRow),
}
const entrySchemas = new Map(PROVIDER_MODULES.map((m) => [m.name, z.strictObject({ ...MODEL_FIELDS, ...m.entry?.fields })]))
const modelsJson = z.pipe(
  z.string(),
  z.transform((s: string, ctx) => {
    try {
      return JSON.parse(s) as unknown
    } catch {
      ctx.issues.push({ code: 'custom', message: 'must be JSON', input: s })
      return z.NEVER
    }
  }),
)

/** Triage's own variables; each provider adds the ones it reads (`ProviderModule.env`). */
const TRIAGE_ENV = {
  TRIAGE_TRIVIAL_MODELS: z.optional(list),
  TRIAGE_MEDIUM_MODELS: z.optional(list),
  TRIAGE_PREMIUM_MODELS: z.optional(list),
  TRIAGE_EMBEDDING_MODELS: z.optional(list),
  TRIAGE_EMBEDDING_MODEL: z.optional(z.string().check(z.minLength(1))),
  TRIAGE_MODELS: z.optional(z.pipe(modelsJson, z.record(z.string().check(z.minLength(1)), z.unknown()))),
  TRIAGE_THRESHOLD_MEDIUM: z.optional(num(0, 1)),
  TRIAGE_THRESHOLD_PREMIUM: z.optional(num(0, 1)),
  TRIAGE_QUALITY_TARGET: z.optional(num(0.5, 1)),
  TRIAGE_ALLOW_MODEL_PINNING: z.optional(bool),
  TRIAGE_FIRST_BYTE_TIMEOUT_MS: z.optional(int(100, 600_000)),
  TRIAGE_TOTAL_TIMEOUT_MS: z.optional(int(100, 3_600_000)),
  TRIAGE_MAX_ATTEMPTS: z.optional(int(1, 10)),
  TRIAGE_RETRY_BASE_MS: z.optional(int(0, 60_000)),
  TRIAGE_RETRY_MAX_MS: z.optional(int(0, 600_000)),
  TRIAGE_BREAKER_FAILURES: z.optional(int(1, 1000)),
  TRIAGE_BREAKER_COOLDOWN_MS: z.optional(int(0, 3_600_000)),
  TRIAGE_CASCADE: z.optional(z.string().check(z.regex(/^(off|0?\.\d+-0?\.\d+|0-1|0-0?\.\d+|0?\.\d+-1)$/, "must be 'off' or 'LOW-HIGH' with scores in 0..1, e.g. '0.35-0.6'"))),
  TRIAGE_MAX_BODY_BYTES: z.optional(int(1024, 100 * 1024 * 1024)),
  TRIAGE_MAX_MESSAGES: z.optional(int(1, 100_000)),
  TRIAGE_DEFAULT_MAX_TOKENS: z.optional(int(1, 1_000_000)),
  TRIAGE_MIN_OUTPUT_TOKENS: z.optional(int(1, 1_000_000)),
  TRIAGE_MAX_CONTENT_DEPTH: z.optional(int(1, 1000)),
  TRIAGE_RATE_LIMITER_LIMIT: z.optional(int(1, 1_000_000)),
  TRIAGE_CORS_ORIGINS: z.optional(list),
  TRIAGE_PRICES: z.optional(z.string()),
  ADMIN_TOKEN: z.optional(z.string().check(z.superRefine((v, ctx) => {
    const problem = adminTokenProblem(v)
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: v })
  }))),
  /** Cloudflare AI Gateway: `https://gateway.ai.cloudflare.com/v1/<account>/<gateway>`; each provider then goes through `<gateway>/<provider path>`. */
  AI_GATEWAY_URL: z.optional(url),
  AI_GATEWAY_PROVIDERS: z.optional(list),
}

/** Every variable Triage reads: its own and each provider's, by name. */
const ENV: Readonly<Record<string, z.ZodMiniType>> = Object.assign({}, TRIAGE_ENV, ...PROVIDER_MODULES.map((m) => m.env))

/** The providers configured from the environment (one connection each), as opposed to per-entry endpoints. */
const CONNECTIONS = PROVIDER_MODULES.filter((m): m is ProviderModule & Required<Pick<ProviderModule, 'settings'>> => !!m.settings)

type Vars = { [K in keyof typeof TRIAGE_ENV]?: z.output<(typeof TRIAGE_ENV)[K]> } & Record<string, unknown>

/** Thrown by loadConfig when the environment is invalid. Its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Triage configuration: ${problems.join('; ')}`)
  }
}

const cache = new WeakMap<object, Config>()

/** Builds (once per env object) and validates the config. Throws ConfigError naming every bad field. */
export function loadConfig(env: ConfigEnv): Config {
  const hit = cache.get(env)
  if (hit) return hit
  const config = buildConfig(env)
  cache.set(env, config)
  return config
}

/** The variables a config is built from: every known string var, trimmed. Bindings (KV, DO, AI) and empty strings are left out. */
export function configVars(env: ConfigEnv): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const key of Object.keys(ENV)) {
    const v = env[key]
    if (typeof v === 'string' && v.trim() !== '') vars[key] = v.trim()
  }
  return vars
}

/**
 * Like loadConfig, without the cache. Every variable is checked, then every rule across variables, and all the
 * problems are reported together in one ConfigError.
 */
export function buildConfig(env: ConfigEnv): Config {
  const problems: string[] = []
  const e: Vars = {}
  const raw = configVars(env)
  for (const [key, value] of Object.entries(raw)) {
    const parsed = ENV[key].safeParse(value)
    if (parsed.success) e[key] = parsed.data
    else for (const i of parsed.error.issues) problems.push(`${[key, ...i.path].join('.')}: ${issueMessage(i, value)}`)
  }

  const models: Record<string, ModelSpec> = {}
  for (const m of DEFAULT_MODELS) models[m.id] = m
  const providers: Record<ProviderName, ProviderSettings> = {}
  const gateway = (name: string) =>
    e.AI_GATEWAY_URL && (e.AI_GATEWAY_PROVIDERS ?? [name]).includes(name) ? trimSlash(e.AI_GATEWAY_URL) : undefined
  for (const m of CONNECTIONS) providers[m.name] = m.settings(e, gateway(m.name))

  const entryPrices: Record<string, PriceRow> = {}
  for (const [id, input] of Object.entries(e.TRIAGE_MODELS ?? {})) {
    const entry = readModelEntry(id, input, env, problems)
    if (!entry) continue
    models[id] = entry.spec
    if (entry.settings) providers[entry.spec.provider] = entry.settings
    if (entry.price) entryPrices[id] = entry.price
  }

  const tiers: Record<Tier, string[]> = {
    trivial: e.TRIAGE_TRIVIAL_MODELS ?? DEFAULT_TIERS.trivial,
    medium: e.TRIAGE_MEDIUM_MODELS ?? DEFAULT_TIERS.medium,
    premium: e.TRIAGE_PREMIUM_MODELS ?? DEFAULT_TIERS.premium,
  }
  for (const tier of TIERS) {
    const key = `TRIAGE_${tier.toUpperCase()}_MODELS`
    if (tiers[tier].length === 0) problems.push(`${key}: must name at least one model`)
    for (const id of tiers[tier]) {
      if (!models[id]) problems.push(`${key}: unknown model '${id}' (add it to TRIAGE_MODELS)`)
    }
  }

  // A quality target stands for the cheapest thresholds that keep it (scoring/target.ts); it excludes explicit ones.
  const target = e.TRIAGE_QUALITY_TARGET !== undefined ? thresholdsForQuality(e.TRIAGE_QUALITY_TARGET) : undefined
  if (target && (e.TRIAGE_THRESHOLD_MEDIUM !== undefined || e.TRIAGE_THRESHOLD_PREMIUM !== undefined)) {
    problems.push('TRIAGE_QUALITY_TARGET: set either it or TRIAGE_THRESHOLD_MEDIUM/_PREMIUM, not both')
  }
  const thresholds = target
    ? { medium: target.medium, premium: target.premium }
    : { medium: e.TRIAGE_THRESHOLD_MEDIUM ?? DEFAULT_THRESHOLDS.medium, premium: e.TRIAGE_THRESHOLD_PREMIUM ?? DEFAULT_THRESHOLDS.premium }
  if (thresholds.medium > thresholds.premium) {
    problems.push('TRIAGE_THRESHOLD_MEDIUM: must not be above TRIAGE_THRESHOLD_PREMIUM')
  }

  let cascade: Config['cascade'] = null
  if (e.TRIAGE_CASCADE && e.TRIAGE_CASCADE !== 'off') {
    const [low, high] = e.TRIAGE_CASCADE.split('-').map(Number)
    if (!(low < high)) problems.push('TRIAGE_CASCADE: LOW must be below HIGH')
    cascade = { low, high }
  }

  const retries = {
    maxAttempts: e.TRIAGE_MAX_ATTEMPTS ?? 3,
    baseDelayMs: e.TRIAGE_RETRY_BASE_MS ?? 200,
    maxDelayMs: e.TRIAGE_RETRY_MAX_MS ?? 5_000,
  }
  if (retries.baseDelayMs > retries.maxDelayMs) problems.push('TRIAGE_RETRY_BASE_MS: must not be above TRIAGE_RETRY_MAX_MS')

  const timeouts = { firstByteMs: e.TRIAGE_FIRST_BYTE_TIMEOUT_MS ?? 30_000, totalMs: e.TRIAGE_TOTAL_TIMEOUT_MS ?? 300_000 }
  if (timeouts.firstByteMs > timeouts.totalMs) problems.push('TRIAGE_FIRST_BYTE_TIMEOUT_MS: must not be above TRIAGE_TOTAL_TIMEOUT_MS')

  const priceOverrides = mergePrices(e.TRIAGE_PRICES, entryPrices, problems)
  const embeddings = embeddingModels(e.TRIAGE_EMBEDDING_MODELS, e.TRIAGE_EMBEDDING_MODEL, problems)

  if (problems.length) throw new ConfigError(problems)

  return {
    models,
    embeddings,
    tiers,
    thresholds,
    qualityTarget: e.TRIAGE_QUALITY_TARGET ?? null,
    allowModelPinning: e.TRIAGE_ALLOW_MODEL_PINNING ?? true,
    providers,
    timeouts,
    retries,
    breaker: { failureThreshold: e.TRIAGE_BREAKER_FAILURES ?? 5, cooldownMs: e.TRIAGE_BREAKER_COOLDOWN_MS ?? 30_000 },
    cascade,
    limits: {
      maxBodyBytes: e.TRIAGE_MAX_BODY_BYTES ?? 4 * 1024 * 1024,
      maxMessages: e.TRIAGE_MAX_MESSAGES ?? 2_000,
      defaultMaxOutputTokens: e.TRIAGE_DEFAULT_MAX_TOKENS ?? 4_096,
      minOutputTokens: e.TRIAGE_MIN_OUTPUT_TOKENS ?? 256,
      maxContentDepth: e.TRIAGE_MAX_CONTENT_DEPTH ?? 32,
      rateLimiterUnit: e.TRIAGE_RATE_LIMITER_LIMIT ?? 10,
    },
    corsOrigins: e.TRIAGE_CORS_ORIGINS ?? [],
    adminToken: e.ADMIN_TOKEN,
    priceOverrides,
  }
}

/**
 * One TRIAGE_MODELS entry: its provider's schema (the common fields plus the provider's own, nothing else), the
 * ModelSpec, and its own connection when it names an endpoint. Problems are pushed, named `TRIAGE_MODELS.<id>…`.
 */
function readModelEntry(id: string, input: unknown, env: ConfigEnv, problems: string[]): { spec: ModelSpec; settings?: ProviderSettings; price?: PriceRow } | undefined {
  const at = `TRIAGE_MODELS.${id}`
  const name = (input as { provider?: unknown } | null)?.provider
  const module = typeof name === 'string' ? moduleNamed(name) : undefined
  if (!module) {
    problems.push(`${at}.provider: ${typeof name === 'string' ? `unknown provider '${name}'` : 'required'} (one of: ${PROVIDER_MODULES.map((m) => m.name).join(', ')})`)
    return undefined
  }
  const parsed = entrySchemas.get(module.name)!.safeParse(input)
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const hint = i.code === 'unrecognized_keys' && !module.entry ? ' (a model with its own base_url is provider "openai-compatible")' : ''
      problems.push(`${[at, ...i.path].join('.')}: ${issueMessage(i, input)}${hint}`)
    }
    return undefined
  }
  const m = parsed.data as z.output<z.ZodMiniObject<typeof MODEL_FIELDS>> & Record<string, unknown>
  const priceProblem = m.price && rowProblem(m.price)
  if (priceProblem) problems.push(`${at}.price: ${priceProblem}`)
  for (const f of m.unsupported ?? []) if (REQUIRED_FIELDS.has(f)) problems.push(`TRIAGE_MODELS: '${id}': '${f}' cannot be unsupported (every request needs it)`)
  const provider = module.entry ? `${module.name}:${id}` : module.name
  const spec: ModelSpec = {
    id, provider, upstream: m.upstream ?? id, tier: m.tier,
    ...(m.unsupported ? { unsupported: m.unsupported } : {}),
    ...(m.max_output_tokens ? { maxOutputTokens: m.max_output_tokens } : {}),
  }
  return { spec, settings: module.entry?.settings(m, env), price: m.price }
}

/** The offered embedding models (a subset of DEFAULT_EMBEDDING_MODELS, in the order given) and the default one. */
function embeddingModels(ids: string[] | undefined, preferred: string | undefined, problems: string[]): Config['embeddings'] {
  const known = new Map(DEFAULT_EMBEDDING_MODELS.map((m) => [m.id, m]))
  const models: Record<string, EmbeddingModelSpec> = {}
  for (const id of ids ?? [...known.keys()]) {
    const m = known.get(id)
    if (m) models[id] = m
    else problems.push(`TRIAGE_EMBEDDING_MODELS: unknown embedding model '${id}' (one of: ${[...known.keys()].join(', ')})`)
  }
  if (preferred !== undefined && !models[preferred]) problems.push(`TRIAGE_EMBEDDING_MODEL: '${preferred}' is not an offered embedding model (TRIAGE_EMBEDDING_MODELS)`)
  return { models, default: preferred ?? null }
}

/**
 * An issue in words: zod/mini carries no message locale (its default is "Invalid input"), so the common codes are
 * spelled out here; checks with their own message keep it.
 */
function issueMessage(i: z.core.$ZodIssue, input: unknown): string {
  if (i.code === 'unrecognized_keys') return `unknown key ${i.keys.map((k) => `'${k}'`).join(', ')}`
  if (i.code !== 'invalid_type') return i.message
  const value = i.path.reduce<any>((v, k) => v?.[k], input)
  return value === undefined ? 'required' : `must be a ${i.expected}`
}

/** TRIAGE_PRICES and the entries' prices as one validated JSON table (undefined when there is none). A model priced twice is a problem. */
function mergePrices(table: string | undefined, entries: Record<string, PriceRow>, problems: string[]): string | undefined {
  const parsed = table ? parsePriceTable(table) : { rows: {}, problems: [] }
  problems.push(...parsed.problems)
  for (const id of Object.keys(entries)) {
    if (Object.hasOwn(parsed.rows, id)) problems.push(`TRIAGE_MODELS.${id}.price: '${id}' is priced in TRIAGE_PRICES too; keep one`)
  }
  if (Object.keys(entries).length === 0) return table
  return JSON.stringify({ ...parsed.rows, ...entries })
}
