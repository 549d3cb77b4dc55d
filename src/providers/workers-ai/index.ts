/**
 * Workers AI (trivial tier): any catalogue text-generation model, by configuration; and the `@cf/baai/bge-*`
 * embedding models for `POST /v1/embeddings` (`embed`).
 *
 * Two transports, one output:
 * - the `AI` binding: `env.AI.run(model, { messages, stream, max_tokens, … }, { signal })` — used when present;
 * - the REST API: `POST {base}/accounts/{account}/ai/run/{model}` with `CLOUDFLARE_API_TOKEN` (envelope
 *   `{ result, success, errors, messages }`), or `{AI_GATEWAY_URL}/workers-ai/{model}` through AI Gateway. Used when
 *   there is no binding, or when a base URL other than Cloudflare's own is set (`WORKERS_AI_BASE_URL` or the gateway)
 *   together with account id + token — that is how offline dev and tests point it at an emulator.
 *
 * Outputs (https://developers.cloudflare.com/workers-ai/models/llama-3.2-3b-instruct/ and …/features/streaming/):
 * `{ response, tool_calls?, usage? }`, or SSE `data: {"response":"…"}` … (usage in the last event on newer models)
 * `data: [DONE]`. Both are normalised to OpenAI JSON / chunks; usage is estimated (`estimated: true`) only when absent.
 *
 * A binding that cannot run where the Worker runs (`wrangler dev --local`: miniflare's AI binding throws
 * "Binding AI needs to be run remotely") is not an upstream failure: with account id + token the call goes over REST
 * instead (and every later one from this isolate), else it is `unconfigured` (503 naming the two settings).
 *
 * @example createWorkersAI({ settings: config.providers['workers-ai'], ai: env.AI }).chat(req, model, { signal, stream: true })
 */
import { billedOutputCap } from '../../money/fields'
import { outputCap, requestedMaxTokens, DEFAULT_OUTPUT_CAP, type ChatMessage, type ChatRequest } from '../../openai/request'
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../../openai/types'
import { asProviderError, httpError, readJson, sanitize } from '../errors'
import { usageFromOpenAI } from '../openai-compatible'
import { estimateTokens, eventJson, streamReply, withinCap } from '../stream'
// One estimator of prompt tokens for reservations and for usage a provider did not report: the conservative one.
import { estimateInputTokens as estimateInput, embeddingInputTokens } from '../../money/estimate'
import { ApiError } from '../../http/errors'
import * as z from 'zod/mini'
import { secret, trimSlash, url } from '../settings'
import { ProviderError, notConfigured, type EmbeddingCall, type EmbeddingReply, type ModelTarget, type Provider, type ProviderContext, type ProviderModule, type ProviderReply } from '../types'

export const CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4'

const fail = (message: string): never => {
  throw new ProviderError('workers-ai', 'http', message, { status: 400, upstreamBody: JSON.stringify({ error: { message } }) })
}

function textOf(content: ChatMessage['content'] | undefined): string {
  if (content == null) return ''
  if (typeof content === 'string') return content
  return content
    .map((p) => (p.type === 'text' ? p.text : p.type === 'refusal' ? p.refusal : fail(`Workers AI text models do not accept '${p.type}' content parts.`)))
    .join('')
}

/** The OpenAI request → Workers AI text-generation inputs. Only documented input fields are sent. Exported for tests. */
export function toWorkersAIInputs(req: ChatRequest, stream: boolean, defaultMaxTokens = DEFAULT_OUTPUT_CAP): Record<string, unknown> {
  const messages = req.messages.map((m) => {
    const role = m.role === 'developer' ? 'system' : m.role === 'function' ? 'tool' : m.role
    const out: Record<string, unknown> = { role, content: textOf(m.content as ChatMessage['content']) }
    if (m.role === 'assistant' && m.tool_calls?.length) out.tool_calls = m.tool_calls
    if (m.role === 'tool') out.tool_call_id = m.tool_call_id
    if (m.role === 'function') out.name = m.name
    return out
  })
  const inputs: Record<string, unknown> = { messages, max_tokens: outputCap(req, undefined, defaultMaxTokens) }
  if (stream) inputs.stream = true
  if (req.temperature != null) inputs.temperature = req.temperature
  if (req.top_p != null) inputs.top_p = req.top_p
  const extra = req as Record<string, unknown>
  for (const k of ['seed', 'frequency_penalty', 'presence_penalty', 'repetition_penalty', 'top_k']) if (typeof extra[k] === 'number') inputs[k] = extra[k]
  if (req.tools?.length && req.tool_choice !== 'none') inputs.tools = req.tools
  if (req.response_format && req.response_format.type !== 'text') inputs.response_format = req.response_format
  return inputs
}

type ToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } }

/** Workers AI tool calls (`{name, arguments: object}` or OpenAI-style) → OpenAI tool_calls. */
export function toolCallsFrom(calls: unknown, idBase: string): ToolCall[] {
  if (!Array.isArray(calls)) return []
  return calls.map((c: any, i) => {
    const fn = c?.function ?? c
    const args = fn?.arguments
    return {
      id: typeof c?.id === 'string' ? c.id : `call_${idBase}_${i}`,
      type: 'function' as const,
      function: { name: String(fn?.name ?? ''), arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
    }
  })
}

function usageFrom(u: any, req: ChatRequest, outputText: string): Usage {
  if (u && typeof u.prompt_tokens === 'number') return usageFromOpenAI(u)
  return { input: estimateInput(req), cachedInput: 0, cacheWrite: 0, output: estimateTokens(outputText.length), reasoning: 0, estimated: true }
}

/** A non-stream Workers AI output → an OpenAI chat completion (+ usage). */
export function fromWorkersAIOutput(out: any, req: ChatRequest, model: string, id: string, now: number): { completion: ChatCompletion; usage: Usage } {
  if (out && Array.isArray(out.choices)) {
    // Some newer catalogue models answer in OpenAI's format already.
    const completion = { ...out, id: out.id ?? id, object: 'chat.completion', created: out.created ?? Math.floor(now / 1000), model: out.model ?? model } as ChatCompletion
    return { completion, usage: usageFrom(out.usage, req, String(out.choices[0]?.message?.content ?? '')) }
  }
  if (!out || typeof out !== 'object' || !('response' in out || 'tool_calls' in out)) {
    throw new ProviderError('workers-ai', 'invalid', 'workers-ai returned an output without `response`')
  }
  const text = out.response == null ? '' : typeof out.response === 'string' ? out.response : JSON.stringify(out.response)
  const calls = toolCallsFrom(out.tool_calls, id)
  const usage = usageFrom(out.usage, req, text + calls.map((c) => c.function.arguments).join(''))
  const cap = requestedMaxTokens(req)
  const finish = calls.length ? 'tool_calls' : cap != null && !usage.estimated && usage.output >= cap ? 'length' : 'stop'
  const message: Record<string, unknown> = { role: 'assistant', content: calls.length && !text ? null : text, refusal: null }
  if (calls.length) message.tool_calls = calls
  return {
    completion: {
      id,
      object: 'chat.completion',
      created: Math.floor(now / 1000),
      model,
      choices: [{ index: 0, message: message as any, logprobs: null, finish_reason: finish }],
      usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
    },
    usage,
  }
}

/**
 * Whether a binding error says the binding cannot run here at all. Miniflare's local AI binding (no remote proxy,
 * i.e. `wrangler dev --local`) throws `Binding AI needs to be run remotely`
 * (miniflare/src/workers/shared/remote-bindings-utils.ts).
 */
export const bindingNotHere = (e: unknown): boolean => /needs to be run remotely/.test(String(e))

/** A binding error (thrown `Error` whose message carries Workers AI's code) → ProviderError with an HTTP-like status. */
export function bindingError(e: unknown, signal: AbortSignal): ProviderError {
  if (signal.aborted) return asProviderError('workers-ai', e, signal)
  const msg = sanitize(e instanceof Error ? e.message : String(e))
  const status =
    /\b(10000|9109)\b|not logged in|log ?in|authenticat|unauthori[sz]ed|api token|credentials/i.test(msg) ? 401
    : /\b(3040|3036|4006)\b|capacity|rate limit|too many|neurons/i.test(msg) ? 429
      : /\b(5\d{3})\b|invalid input|required propert|must have|bad input/i.test(msg) ? 400
        : /\b(5007)\b|no such model|not found/i.test(msg) ? 400
          : 500
  return new ProviderError('workers-ai', 'http', `workers-ai failed: ${msg}`, { status, upstreamBody: JSON.stringify({ error: { message: msg } }) })
}

export function createWorkersAI(ctx: ProviderContext): Provider {
  const { settings } = ctx
  const fetchImpl = ctx.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const base = trimSlash(settings.baseUrl)
  const viaGateway = /\/workers-ai$/.test(base) && /gateway\.ai\.cloudflare\.com/.test(base)
  const customBase = base !== CLOUDFLARE_API
  const restReady = !!(settings.accountId && settings.apiKey)
  /** The binding, until it turns out it cannot run here. */
  let ai = ctx.ai
  /** REST when there is no binding, or when a non-default base URL (emulator, gateway) is set with credentials. */
  const useRest = () => restReady && (!ai || customBase)
  const gatewayId = /gateway\.ai\.cloudflare\.com\/v1\/[^/]+\/([^/]+)/.exec(base)?.[1]
  const unconfigured = (detail = '') =>
    notConfigured('workers-ai', { missing: settings.missing.length ? settings.missing : ['CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_API_TOKEN'] }, detail)
  let seq = 0

  const restUrl = (model: string) => (viaGateway ? `${base}/${model}` : `${base}/accounts/${settings.accountId}/ai/run/${model}`)

  /** The REST API: the output, or the SSE body of a stream. */
  async function viaRest(model: ModelTarget, inputs: Record<string, unknown>, signal: AbortSignal, stream: boolean): Promise<unknown> {
    let res: Response
    try {
      res = await fetchImpl(restUrl(model.upstream), {
        method: 'POST',
        headers: { authorization: `Bearer ${settings.apiKey}`, 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json' },
        body: JSON.stringify(inputs),
        signal,
      })
    } catch (e) {
      throw asProviderError('workers-ai', e, signal)
    }
    if (!res.ok) throw await httpError('workers-ai', res, [settings.apiKey])
    if (stream) {
      const type = res.headers.get('content-type') ?? ''
      if (!type.includes('text/event-stream')) throw new ProviderError('workers-ai', 'invalid', `workers-ai answered a stream request with ${type || 'no content type'}`)
      return res.body
    }
    const env = await readJson('workers-ai', res, signal)
    if (env?.success === false) throw new ProviderError('workers-ai', 'http', `workers-ai failed: ${sanitize(String(env.errors?.[0]?.message ?? 'unknown error'))}`, { status: 500 })
    return env?.result
  }

  /** The binding; falls over to REST (or `unconfigured`) when the binding cannot run here or cannot authenticate. */
  async function viaBinding(binding: Ai, model: ModelTarget, inputs: Record<string, unknown>, signal: AbortSignal, stream: boolean): Promise<unknown> {
    try {
      return await binding.run(model.upstream as any, inputs as any, { signal, ...(gatewayId ? { gateway: { id: gatewayId } } : {}) } as any)
    } catch (e) {
      if (!signal.aborted && bindingNotHere(e)) {
        if (!restReady) throw unconfigured(' (the AI binding cannot run here)')
        ai = undefined // this isolate's binding will not work: REST from now on
        return viaRest(model, inputs, signal, stream)
      }
      const err = bindingError(e, signal)
      // A binding that cannot reach Cloudflare (e.g. `wrangler dev` not logged in) is a configuration problem.
      if (!restReady && err.status === 401) throw unconfigured(` (the AI binding is not usable here: ${err.message.slice(0, 120)})`)
      throw err
    }
  }

  /**
   * How a call goes: REST, or the binding as it is now. Throws `unconfigured` when neither can be used; chat and embed
   * ask before building their inputs, so an unusable provider is a 503 whatever the request holds.
   */
  function caller(): (model: ModelTarget, inputs: Record<string, unknown>, signal: AbortSignal, stream: boolean) => Promise<unknown> {
    const binding = ai
    if (useRest()) return viaRest
    if (!binding) throw unconfigured()
    return (model, inputs, signal, stream) => viaBinding(binding, model, inputs, signal, stream)
  }

  return {
    name: ctx.name ?? 'workers-ai',
    async chat(req, model, { signal, stream }): Promise<ProviderReply> {
      const run = caller()
      const inputs = toWorkersAIInputs(req, stream, model.maxOutputTokens ?? ctx.defaultMaxTokens)
      const cap = billedOutputCap(req, model.maxOutputTokens, ctx.defaultMaxTokens) // the most output the reservation covers
      const now = Date.now()
      const id = `chatcmpl-wai-${now.toString(36)}${(++seq).toString(36)}`
      const output = await run(model, inputs, signal, stream)

      if (!stream) {
        const { completion, usage } = fromWorkersAIOutput(output, req, model.upstream, id, now)
        return { kind: 'json', completion, usage: withinCap('workers-ai', usage, cap) }
      }
      if (!(output instanceof ReadableStream)) throw new ProviderError('workers-ai', 'invalid', 'workers-ai returned no stream for a stream request')
      return streamReply('workers-ai', output as ReadableStream<Uint8Array>, signal, estimateInput(req), workersAIEvents(id, model.upstream, now, outputCap(req, model.maxOutputTokens, ctx.defaultMaxTokens)), { outputCap: cap })
    },
    async embed(req, model, { signal }): Promise<EmbeddingReply> {
      const run = caller()
      const inputs = toWorkersAIEmbeddingInputs(req)
      const output = await run(model, inputs, signal, false)
      return fromWorkersAIEmbedding(output, req)
    },
  }
}

/**
 * OpenAI embedding inputs → the bge models' input `{ text: string[] }`
 * (https://developers.cloudflare.com/workers-ai/models/bge-base-en-v1.5/ [Input: text, string or array of strings]).
 * The bge models read text only: token-id arrays are refused before any call (400 naming `input`).
 */
export function toWorkersAIEmbeddingInputs(req: EmbeddingCall): { text: string[] } {
  if (req.input.some((x) => typeof x !== 'string')) {
    throw new ApiError(400, "Invalid request: 'input': Workers AI embedding models take text, not token ids; send the input as strings.", { param: 'input', code: 'unsupported_input' })
  }
  return { text: req.input as string[] }
}

/**
 * A bge output `{ shape: [n, dims], data: number[][], pooling? }` → one vector per input. Workers AI reports no
 * usage for embeddings: the usage is the input bound (`embeddingInputTokens`, `estimated`), which is also what was
 * reserved, so a Workers AI embedding is charged its reservation.
 */
export function fromWorkersAIEmbedding(out: any, req: EmbeddingCall): EmbeddingReply {
  const data = out?.data
  if (!Array.isArray(data) || data.length !== req.input.length || !data.every((v: unknown) => Array.isArray(v))) {
    throw new ProviderError('workers-ai', 'invalid', `workers-ai returned ${Array.isArray(data) ? data.length : 'no'} embeddings for ${req.input.length} inputs`)
  }
  return { vectors: data, usage: { input: embeddingInputTokens(req.input), cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0, estimated: true } }
}

/**
 * Workers AI: the `AI` binding, or the REST API with `CLOUDFLARE_ACCOUNT_ID` + `CLOUDFLARE_API_TOKEN`
 * (`WORKERS_AI_BASE_URL`, default https://api.cloudflare.com/client/v4, or `{AI_GATEWAY_URL}/workers-ai`).
 * `configured` reflects the REST credentials only; `available` is true with the binding too.
 */
export const workersAI: ProviderModule = {
  name: 'workers-ai',
  env: { CLOUDFLARE_ACCOUNT_ID: z.optional(secret), CLOUDFLARE_API_TOKEN: z.optional(secret), WORKERS_AI_BASE_URL: z.optional(url) },
  settings: (v, gateway) => ({
    adapter: 'workers-ai',
    configured: !!(v.CLOUDFLARE_ACCOUNT_ID && v.CLOUDFLARE_API_TOKEN),
    missing: [...(v.CLOUDFLARE_ACCOUNT_ID ? [] : ['CLOUDFLARE_ACCOUNT_ID']), ...(v.CLOUDFLARE_API_TOKEN ? [] : ['CLOUDFLARE_API_TOKEN'])],
    apiKey: v.CLOUDFLARE_API_TOKEN as string | undefined,
    accountId: v.CLOUDFLARE_ACCOUNT_ID as string | undefined,
    baseUrl: trimSlash((v.WORKERS_AI_BASE_URL as string) ?? (gateway ? `${gateway}/workers-ai` : CLOUDFLARE_API)),
  }),
  create: createWorkersAI,
  available: (settings, env) => settings.configured || typeof (env.AI as { run?: unknown } | undefined)?.run === 'function',
}

/** A stateful mapper from Workers AI stream events to OpenAI chunks. Exported for tests. */
export function workersAIEvents(id: string, model: string, now: number, maxTokens?: number) {
  const created = Math.floor(now / 1000)
  let output = 0
  let started = false
  let tools = 0
  let finished = false
  const chunk = (delta: Record<string, unknown>, finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta: delta as any, logprobs: null, finish_reason: finish }],
  })
  return (ev: { data: string }, out: import('../stream').ChunkSink) => {
    if (ev.data === '[DONE]') {
      // Workers AI sends no finish reason: a reply that used the whole output cap was cut.
      if (!finished) out.chunk(chunk({}, tools ? 'tool_calls' : maxTokens && output >= maxTokens ? 'length' : 'stop'))
      finished = true
      return out.done()
    }
    const data = eventJson(ev)
    if (!started) {
      started = true
      out.chunk(chunk({ role: 'assistant', content: '' }))
    }
    if (Array.isArray(data?.choices)) {
      // OpenAI-format stream from newer models: pass the delta through under our id.
      for (const c of data.choices) {
        out.chunk(chunk(c.delta ?? {}, c.finish_reason ?? null))
        if (c.finish_reason) finished = true
      }
    } else {
      const text = data?.response == null ? '' : typeof data.response === 'string' ? data.response : JSON.stringify(data.response)
      if (text) out.chunk(chunk({ content: text }))
      if (Array.isArray(data?.tool_calls) && data.tool_calls.length) {
        const calls = toolCallsFrom(data.tool_calls, id)
        out.chunk(chunk({ tool_calls: calls.map((c, i) => ({ index: tools + i, ...c })) }))
        tools += calls.length
      }
    }
    if (data?.usage && typeof data.usage.prompt_tokens === 'number') {
      const u = usageFromOpenAI(data.usage)
      output = u.output
      out.usage(u)
    }
  }
}
