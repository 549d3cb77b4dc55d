/**
 * Anthropic Messages API (premium tier), translated both ways so the client only ever sees OpenAI shapes.
 *
 * Request (https://docs.anthropic.com/en/api/messages): system and developer messages → `system` blocks; text and
 * image parts → content blocks; assistant `tool_calls` → `tool_use` blocks; `tool` messages → `tool_result` blocks
 * (consecutive same-role turns merged); tools, tool_choice, stop → stop_sequences, max_tokens (required: the
 * request's, else the configured default), temperature (clamped to Anthropic's 0..1), top_p, user → metadata.user_id.
 * `cache_control` on a content part, a tool message, a tool call or a tool goes through unchanged
 * (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching). The mappings that also serve the
 * `/v1/messages` ingress in the other direction (stop reasons, usage, images, cache_control) are in ./shared.ts.
 * Response: text + `tool_use` → message content + tool_calls; `stop_reason` → `finish_reason`; usage incl.
 * cache reads and writes. Streams (https://docs.anthropic.com/en/docs/build-with-claude/streaming): message_start,
 * content_block_start/delta/stop (text_delta, input_json_delta), message_delta, message_stop, ping, error → OpenAI chunks.
 *
 * @example createAnthropic({ settings: config.providers.anthropic }).chat(req, config.models['claude-sonnet-4-6'], { signal, stream: true })
 */
import { billedOutputCap } from '../../money/fields'
import { outputCap, DEFAULT_OUTPUT_CAP, type ChatMessage, type ChatRequest } from '../../openai/request'
import type { ChatCompletion, ChatCompletionChunk } from '../../openai/types'
import { toOpenAIUsage } from '../../openai/types'
import { postJson, readJson } from '../errors'
import { eventJson, streamReply, withinCap } from '../stream'
// One estimator of prompt tokens for reservations and for usage a provider did not report: the conservative one.
import { estimateInputTokens as estimateInput } from '../../money/estimate'
import { keyedProvider, trimSlash } from '../settings'
import { ProviderError, notConfigured, type Provider, type ProviderContext, type ProviderReply } from '../types'
import { cacheControl, finishReason, imageSource, usageFromAnthropic, type FinishReason } from './shared'

export { finishReason, usageFromAnthropic }

export const ANTHROPIC_VERSION = '2023-06-01'

type Block = Record<string, unknown>
interface AnthropicMessage {
  role: 'user' | 'assistant'
  content: Block[]
}

const fail = (message: string): never => {
  throw new ProviderError('anthropic', 'http', message, { status: 400, upstreamBody: JSON.stringify({ error: { message } }) })
}

/** Content → text and image blocks, each part's `cache_control` kept. */
function userBlocks(content: ChatMessage['content']): Block[] {
  if (content == null) return []
  if (typeof content === 'string') return content ? [{ type: 'text', text: content }] : []
  const out: Block[] = []
  for (const p of content) {
    if (p.type === 'text') {
      if (p.text) out.push({ type: 'text', text: p.text, ...cacheControl(p) })
    } else if (p.type === 'image_url') {
      out.push({ type: 'image', source: imageSource(p.image_url.url), ...cacheControl(p) })
    } else if (p.type === 'refusal') {
      out.push({ type: 'text', text: p.refusal })
    } else fail(`Anthropic does not accept '${p.type}' content parts.`)
  }
  return out
}

/** The OpenAI request → an Anthropic Messages body. Pure; exported for tests. */
export function toAnthropicRequest(req: ChatRequest, upstream: string, stream: boolean, defaultMaxTokens = DEFAULT_OUTPUT_CAP): Record<string, unknown> {
  const system: Block[] = []
  const messages: AnthropicMessage[] = []
  const push = (role: 'user' | 'assistant', blocks: Block[]) => {
    if (!blocks.length) return
    const prev = messages[messages.length - 1]
    if (prev && prev.role === role) prev.content.push(...blocks)
    else messages.push({ role, content: blocks })
  }
  for (const m of req.messages) {
    switch (m.role) {
      case 'system':
      case 'developer': {
        // One block per text part, so a part's cache_control marks the same prefix upstream.
        if (Array.isArray(m.content)) system.push(...userBlocks(m.content.filter((p) => p.type === 'text')))
        else if (m.content) system.push({ type: 'text', text: m.content })
        break
      }
      case 'user':
        push('user', userBlocks(m.content))
        break
      case 'assistant': {
        const blocks: Block[] = []
        if (Array.isArray(m.content)) blocks.push(...userBlocks(m.content))
        else if (m.content) blocks.push({ type: 'text', text: m.content })
        for (const call of m.tool_calls ?? []) {
          let input: unknown
          try {
            input = call.function.arguments ? JSON.parse(call.function.arguments) : {}
          } catch {
            fail(`messages: tool call '${call.id}' has arguments that are not JSON.`)
          }
          blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input, ...cacheControl(call) })
        }
        push('assistant', blocks)
        break
      }
      case 'tool':
        push('user', [{
          type: 'tool_result', tool_use_id: m.tool_call_id,
          content: typeof m.content === 'string' ? m.content : userBlocks(m.content),
          ...((m as { is_error?: unknown }).is_error === true ? { is_error: true } : {}),
          ...cacheControl(m),
        }])
        break
      case 'function':
        push('user', [{ type: 'text', text: `Result of ${m.name}: ${m.content ?? ''}` }])
        break
    }
  }
  if (messages.length === 0) fail('Anthropic needs at least one user or assistant message besides the system prompt.')
  const rf = req.response_format?.type
  if (rf === 'json_object' || rf === 'json_schema') {
    const schema = rf === 'json_schema' ? (req.response_format as { json_schema?: { schema?: unknown } }).json_schema?.schema : undefined
    system.push({ type: 'text', text: `Answer with a single valid JSON object and nothing else.${schema ? ` It must match this JSON Schema: ${JSON.stringify(schema)}` : ''}` })
  }

  const body: Record<string, unknown> = {
    model: upstream,
    messages,
    max_tokens: outputCap(req, undefined, defaultMaxTokens),
  }
  if (system.length) body.system = system
  if (stream) body.stream = true
  if (req.temperature != null) body.temperature = Math.min(1, req.temperature)
  if (req.top_p != null) body.top_p = req.top_p
  if (req.stop != null) body.stop_sequences = Array.isArray(req.stop) ? req.stop : [req.stop]
  if (req.user) body.metadata = { user_id: req.user }
  const choice = req.tool_choice
  if (req.tools?.length && choice !== 'none') {
    body.tools = req.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
      ...cacheControl(t),
    }))
    const tc: Record<string, unknown> =
      choice === 'required' ? { type: 'any' } : typeof choice === 'object' ? { type: 'tool', name: choice.function.name } : { type: 'auto' }
    if (req.parallel_tool_calls === false) tc.disable_parallel_tool_use = true
    body.tool_choice = tc
  }
  return body
}

/** An Anthropic message (non-stream answer) → an OpenAI chat completion. */
export function fromAnthropicMessage(msg: any, now: number): ChatCompletion {
  let text = ''
  const toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = []
  for (const b of msg.content ?? []) {
    if (b?.type === 'text') text += b.text
    else if (b?.type === 'tool_use') toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } })
  }
  const finish = finishReason(msg.stop_reason)
  const message: Record<string, unknown> = { role: 'assistant', content: text || (toolCalls.length ? null : ''), refusal: null }
  if (msg.stop_reason === 'refusal') {
    message.refusal = text || 'The model refused to answer.'
    message.content = null
  }
  if (toolCalls.length) message.tool_calls = toolCalls
  return {
    id: String(msg.id ?? 'msg'),
    object: 'chat.completion',
    created: Math.floor(now / 1000),
    model: String(msg.model ?? ''),
    choices: [{ index: 0, message: message as any, logprobs: null, finish_reason: finish }],
    usage: toOpenAIUsage(usageFromAnthropic(msg.usage)),
  }
}

export function createAnthropic(ctx: ProviderContext): Provider {
  const { settings } = ctx
  const fetchImpl = ctx.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const url = `${trimSlash(settings.baseUrl)}/v1/messages`
  const secrets = [settings.apiKey]

  return {
    name: 'anthropic',
    async chat(req, model, { signal, stream }): Promise<ProviderReply> {
      if (!settings.configured || !settings.apiKey) throw notConfigured('anthropic', settings)
      const body = toAnthropicRequest(req, model.upstream, stream, model.maxOutputTokens ?? ctx.defaultMaxTokens)
      const cap = billedOutputCap(req, model.maxOutputTokens, ctx.defaultMaxTokens) // the most output the reservation covers
      const res = await postJson(
        'anthropic',
        fetchImpl,
        url,
        { 'x-api-key': settings.apiKey, 'anthropic-version': ANTHROPIC_VERSION, accept: stream ? 'text/event-stream' : 'application/json' },
        body,
        signal,
        secrets,
      )
      if (!stream) {
        const msg = await readJson('anthropic', res, signal)
        if (msg?.type !== 'message' || !Array.isArray(msg.content)) throw new ProviderError('anthropic', 'invalid', 'anthropic returned something other than a message')
        const completion = fromAnthropicMessage(msg, Date.now())
        return { kind: 'json', completion, usage: withinCap('anthropic', usageFromAnthropic(msg.usage), cap) }
      }
      return streamReply('anthropic', res.body, signal, estimateInput(req), anthropicEvents(Date.now()), { outputCap: cap })
    },
  }
}

/** A stateful mapper from Anthropic stream events to OpenAI chunks (one per stream). Exported for tests. */
export function anthropicEvents(now: number) {
  let id = 'msg'
  let model = ''
  const created = Math.floor(now / 1000)
  let raw: Record<string, number> = {}
  /** Anthropic block index → OpenAI tool_calls index. */
  const toolIndex = new Map<number, number>()
  const chunk = (delta: Record<string, unknown>, finish: FinishReason | null = null): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta: delta as any, logprobs: null, finish_reason: finish }],
  })
  return (ev: { event?: string; data: string }, out: import('../stream').ChunkSink) => {
    const data = eventJson(ev)
    const type = data?.type ?? ev.event
    switch (type) {
      case 'message_start': {
        const m = data.message ?? {}
        id = String(m.id ?? id)
        model = String(m.model ?? model)
        raw = { ...m.usage }
        out.chunk(chunk({ role: 'assistant', content: '' }))
        break
      }
      case 'content_block_start': {
        const b = data.content_block ?? {}
        if (b.type === 'tool_use') {
          const i = toolIndex.size
          toolIndex.set(data.index, i)
          out.chunk(chunk({ tool_calls: [{ index: i, id: b.id, type: 'function', function: { name: b.name, arguments: '' } }] }))
        } else if (b.type === 'text' && b.text) out.chunk(chunk({ content: b.text }))
        break
      }
      case 'content_block_delta': {
        const d = data.delta ?? {}
        if (d.type === 'text_delta') out.chunk(chunk({ content: d.text }))
        else if (d.type === 'input_json_delta' && d.partial_json) {
          out.chunk(chunk({ tool_calls: [{ index: toolIndex.get(data.index) ?? 0, function: { arguments: d.partial_json } }] }))
        }
        break // thinking / signature / citations deltas carry nothing the OpenAI format has
      }
      case 'message_delta': {
        // message_delta usage is cumulative; newer API versions repeat input and cache counts in it.
        for (const [k, v] of Object.entries(data.usage ?? {})) if (typeof v === 'number') raw[k] = v
        out.usage(usageFromAnthropic(raw))
        out.chunk(chunk({}, finishReason(data.delta?.stop_reason)))
        break
      }
      case 'message_stop':
        out.chunk({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: toOpenAIUsage(usageFromAnthropic(raw)) })
        out.done()
        break
      case 'error': {
        const e = data.error ?? {}
        const status = e.type === 'overloaded_error' ? 529 : e.type === 'rate_limit_error' ? 429 : e.type === 'invalid_request_error' ? 400 : 500
        throw new ProviderError('anthropic', 'http', `anthropic stream error: ${String(e.message ?? e.type ?? 'unknown').slice(0, 300)}`, { status })
      }
      default:
        break // ping, content_block_stop, and event types added later
    }
  }
}

/** `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL` (default https://api.anthropic.com, or `{AI_GATEWAY_URL}/anthropic`). */
export const anthropic = keyedProvider('anthropic', 'ANTHROPIC', 'https://api.anthropic.com', createAnthropic)
