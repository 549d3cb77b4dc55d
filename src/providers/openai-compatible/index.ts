/**
 * The OpenAI-compatible adapter: OpenAI, DeepSeek and any server that speaks `POST {base}/chat/completions`
 * (Ollama, vLLM, llama.cpp, LiteLLM, Groq, Together, Fireworks, Mistral, OpenRouter, Cloudflare AI Gateway's
 * provider endpoints).
 *
 * As the `openai-compatible` provider, each TRIAGE_MODELS entry names its own endpoint, any number of them:
 * `{"provider":"openai-compatible","base_url":"https://api.groq.com/openai/v1","api_key_env":"GROQ_API_KEY",…}`.
 * `api_key_env` names the variable that holds the key (sent as `Authorization: Bearer`); without it no key is sent
 * (a local Ollama or vLLM).
 *
 * The request goes through as the client sent it (unknown fields included) with the upstream model name; a
 * stream always asks for `stream_options.include_usage` so spend is exact. Answers are already OpenAI-shaped:
 * JSON passes through, chunks are piped as they arrive, usage is read from `usage` (incl. cached and reasoning tokens).
 *
 * @example
 * const openai = createOpenAICompatible('openai', { settings: config.providers.openai })
 * const reply = await openai.chat(req, config.models['gpt-4.1'], { signal, stream: true })
 */
import * as z from 'zod/mini'
import { outputCap, withOutputCap, type ChatRequest } from '../../openai/request'
import { billedOutputCap } from '../../money/fields'
import type { ChatCompletion, Usage } from '../../openai/types'
import { postJson, readJson } from '../errors'
import { eventJson, streamReply, withinCap } from '../stream'
// One estimator of prompt tokens for reservations and for usage a provider did not report: the conservative one.
import { estimateInputTokens as estimateInput, embeddingInputTokens } from '../../money/estimate'
import { envName, envString, trimSlash, url } from '../settings'
import { ProviderError, notConfigured, type EmbeddingReply, type Provider, type ProviderContext, type ProviderModule, type ProviderName, type ProviderReply, type ProviderSettings } from '../types'

/** Usage as OpenAI-compatible servers report it → normalised Usage. DeepSeek's cache fields are understood too. */
export function usageFromOpenAI(u: any, serviceTier?: unknown): Usage {
  const input = num(u?.prompt_tokens)
  const output = num(u?.completion_tokens)
  return {
    input,
    cachedInput: num(u?.prompt_tokens_details?.cached_tokens ?? u?.prompt_cache_hit_tokens),
    cacheWrite: 0,
    output,
    reasoning: num(u?.completion_tokens_details?.reasoning_tokens),
    // OpenAI says which tier served the call (a project may default to priority); priority is billed at priority rates.
    ...(serviceTier === 'priority' ? { serviceTier } : {}),
  }
}
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0)

export interface OpenAICompatibleOptions {
  /** Rewrites the outgoing body (after model/stream are set), e.g. DeepSeek's history rules. */
  prepare?: (body: Record<string, unknown>, req: ChatRequest) => Record<string, unknown>
  /** The URL calls go to (default `{baseUrl}/chat/completions`). */
  url?: (settings: ProviderSettings) => string
  /** The header that carries the key (default `Authorization: Bearer <key>`). */
  auth?: (apiKey: string) => Record<string, string>
}

const bearer = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` })

/** Builds an adapter for one OpenAI-compatible provider. Unconfigured → every call throws `unconfigured`. */
export function createOpenAICompatible(adapter: ProviderName, ctx: ProviderContext, opts: OpenAICompatibleOptions = {}): Provider {
  const { settings } = ctx
  const name = ctx.name ?? adapter
  const fetchImpl = ctx.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const url = opts.url ? opts.url(settings) : `${trimSlash(settings.baseUrl)}/chat/completions`
  const secrets = [settings.apiKey]
  const auth = settings.apiKey ? (opts.auth ?? bearer)(settings.apiKey) : {}

  const provider: Provider = {
    name,
    async chat(req, model, { signal, stream }): Promise<ProviderReply> {
      if (!settings.configured) throw notConfigured(name, settings)
      // One output cap, in one field: the normalised one (the smaller of max_completion_tokens and max_tokens), or with
      // none asked for, the one the budget reserved (an uncapped call could cost more than its reservation).
      let body: Record<string, unknown> = { ...withOutputCap(req, outputCap(req, model.maxOutputTokens, ctx.defaultMaxTokens)), model: model.upstream, stream }
      const cap = billedOutputCap(req, model.maxOutputTokens, ctx.defaultMaxTokens) // the most output the reservation covers
      if (stream) body.stream_options = { ...(req.stream_options ?? {}), include_usage: true }
      else delete body.stream_options
      if (opts.prepare) body = opts.prepare(body, req)

      const res = await postJson(
        name,
        fetchImpl,
        url,
        { ...auth, accept: stream ? 'text/event-stream' : 'application/json' },
        body,
        signal,
        secrets,
      )

      if (!stream) {
        const completion = (await readJson(name, res, signal)) as ChatCompletion
        const problem = completionProblem(completion)
        if (problem) throw new ProviderError(name, 'invalid', `${name} returned a malformed completion: ${problem}`)
        const usage: Usage = completion.usage ? usageFromOpenAI(completion.usage, completion.service_tier) : { ...estimateJson(req, completion), estimated: true }
        return { kind: 'json', completion, usage: withinCap(name, usage, cap) }
      }

      const type = res.headers.get('content-type') ?? ''
      if (!type.includes('text/event-stream')) {
        // Some servers answer an error as JSON with 200; anything but SSE is not what was asked for.
        const text = await res.text().catch(() => '')
        throw new ProviderError(name, 'invalid', `${name} answered a stream request with ${type || 'no content type'}`, { upstreamBody: text.slice(0, 500) })
      }
      return streamReply(name, res.body, signal, estimateInput(req), (ev, out) => {
        if (ev.data === '[DONE]') return out.done()
        const data = eventJson(ev)
        if (data?.error) {
          const e = data.error
          throw new ProviderError(name, 'http', `${name} stream error: ${String(e.message ?? e).slice(0, 300)}`, { status: Number(e.code) >= 400 ? Number(e.code) : 502 })
        }
        if (data.usage) out.usage(usageFromOpenAI(data.usage, data.service_tier))
        out.chunk(data)
      }, { outputCap: cap })
    },
  }
  // An endpoint whose URL is not `{base}/chat/completions` (Azure's deployments) has its embeddings elsewhere: none here.
  if (!opts.url) provider.embed = (req, model, { signal }) => embedVia(name, fetchImpl, `${trimSlash(settings.baseUrl)}/embeddings`, auth, secrets, settings, req, model.upstream, signal)
  return provider
}

/**
 * `POST {base}/embeddings` (https://platform.openai.com/docs/api-reference/embeddings/create): the inputs as sent,
 * floats asked for, `dimensions` and `user` passed on. Usage is `usage.prompt_tokens`; a server that reports none is
 * charged the input bound (`estimated`).
 */
async function embedVia(
  name: ProviderName, fetchImpl: typeof fetch, url: string, auth: Record<string, string>, secrets: Array<string | undefined>,
  settings: ProviderSettings, req: Parameters<NonNullable<Provider['embed']>>[0], upstream: string, signal: AbortSignal,
): Promise<EmbeddingReply> {
  if (!settings.configured) throw notConfigured(name, settings)
  const body: Record<string, unknown> = { model: upstream, input: req.input, encoding_format: 'float' }
  if (req.dimensions !== undefined) body.dimensions = req.dimensions
  if (req.user !== undefined) body.user = req.user
  const res = await postJson(name, fetchImpl, url, { ...auth, accept: 'application/json' }, body, signal, secrets)
  const out = await readJson(name, res, signal)
  const data = Array.isArray(out?.data) ? out.data : null
  const vectors: number[][] = []
  for (const [i, d] of (data ?? []).entries()) {
    const index = Number.isInteger(d?.index) ? d.index : i
    if (!Array.isArray(d?.embedding) || index < 0 || index >= req.input.length) break
    vectors[index] = d.embedding
  }
  if (!data || data.length !== req.input.length || vectors.filter(Boolean).length !== req.input.length) {
    throw new ProviderError(name, 'invalid', `${name} returned ${data ? data.length : 'no'} embeddings for ${req.input.length} inputs`)
  }
  const prompt = out?.usage?.prompt_tokens
  const usage: Usage = typeof prompt === 'number' && Number.isSafeInteger(prompt) && prompt >= 0
    ? { input: prompt, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0 }
    : { input: embeddingInputTokens(req.input), cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0, estimated: true }
  return { vectors, usage }
}

/**
 * What is wrong with a completion's shape, or null: the fields OpenAI's schema requires and clients read. Found by
 * fuzzing (test/hardening/fuzz-normalise.test.ts): a 200 with e.g. `index: null` must be a 502, not passed on.
 */
export function completionProblem(c: any): string | null {
  if (!c || typeof c !== 'object' || Array.isArray(c)) return 'not an object'
  if (!Array.isArray(c.choices)) return 'no choices'
  if (typeof c.id !== 'string' || typeof c.model !== 'string' || typeof c.created !== 'number') return 'id, model or created missing'
  for (const ch of c.choices) {
    if (!ch || typeof ch !== 'object' || !Number.isInteger(ch.index)) return 'a choice without an index'
    const m = ch.message
    if (!m || typeof m !== 'object' || Array.isArray(m) || (m.role !== undefined && m.role !== 'assistant')) return 'a choice without an assistant message'
    if (m.content !== null && typeof m.content !== 'string') return 'message content is missing or not text'
    if (m.refusal != null && typeof m.refusal !== 'string') return 'message refusal is not text'
    if (m.tool_calls != null && (!Array.isArray(m.tool_calls) || m.tool_calls.some((t: any) => typeof t?.function?.name !== 'string' || typeof t.function.arguments !== 'string' || typeof t.id !== 'string'))) return 'malformed tool calls'
    if (ch.finish_reason != null && typeof ch.finish_reason !== 'string') return 'finish_reason is not text'
  }
  if (c.usage != null && (typeof c.usage !== 'object' || Array.isArray(c.usage))) return 'usage is not an object'
  return null
}

function estimateJson(req: ChatRequest, c: ChatCompletion): Usage {
  const msg = c.choices[0]?.message as { content?: string | null; reasoning_content?: string } | undefined
  const out = (msg?.content?.length ?? 0) + JSON.stringify(c.choices[0]?.message?.tool_calls ?? '').length
  const reasoning = Math.ceil((msg?.reasoning_content?.length ?? 0) / 4)
  return { input: estimateInput(req), cachedInput: 0, cacheWrite: 0, output: Math.max(1, Math.ceil(out / 4)) + reasoning, reasoning }
}

/** A model entry's own endpoint: `base_url`, and the variable that holds its key (none for a keyless local server). */
export function endpointSettings(adapter: string, entry: Readonly<Record<string, unknown>>, env: Readonly<Record<string, unknown>>): ProviderSettings {
  const keyVar = entry.api_key_env as string | undefined
  const apiKey = keyVar ? envString(env, keyVar) : undefined
  const missing = keyVar && !apiKey ? [keyVar] : []
  return { adapter, configured: missing.length === 0, missing, apiKey, baseUrl: trimSlash(String(entry.base_url)) }
}

/** `openai-compatible`: any number of endpoints, one per TRIAGE_MODELS entry that names it. */
export const openaiCompatible: ProviderModule = {
  name: 'openai-compatible',
  env: {},
  entry: {
    fields: { base_url: url, api_key_env: z.optional(envName) },
    settings: (entry, env) => endpointSettings('openai-compatible', entry, env),
  },
  create: (ctx) => createOpenAICompatible('openai-compatible', ctx),
}
