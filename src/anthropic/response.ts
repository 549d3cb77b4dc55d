/**
 * Answers in Anthropic's Messages format, whichever provider served the request: the JSON message, the SSE stream
 * and errors. The inverse of the Anthropic adapter's `fromAnthropicMessage` / `anthropicEvents`, on the same shared
 * mappings (src/providers/anthropic/shared.ts).
 *
 * Docs: https://docs.anthropic.com/en/api/messages [Response]; https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * [Event types: message_start, content_block_start/delta/stop (text_delta, input_json_delta), message_delta,
 * message_stop, ping, error]; https://docs.anthropic.com/en/api/errors [HTTP errors, Error shapes].
 *
 * @example c.json(toAnthropicMessage(completion, usage))
 */
import type { ChatCompletion, ChatCompletionChunk, Usage } from '../openai/types'
import type { ApiError } from '../http/errors'
import type { SseFormat } from '../streaming'
import { stopReason, toAnthropicUsage, type StopReason } from '../providers/anthropic/shared'

type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }

/** Tool arguments as an object: Anthropic's `input`. A model that wrote invalid JSON gets `{}` rather than a crash. */
function toolInput(args: string | undefined): unknown {
  if (!args) return {}
  try {
    const v = JSON.parse(args)
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {}
  } catch {
    return {}
  }
}

/** A chat completion (and its normalised usage) → an Anthropic `message`. */
export function toAnthropicMessage(completion: ChatCompletion, usage: Usage) {
  const choice = completion.choices[0]
  const msg = (choice?.message ?? {}) as ChatCompletion['choices'][number]['message']
  const content: ContentBlock[] = []
  const text = msg.content || msg.refusal || ''
  if (text) content.push({ type: 'text', text })
  for (const call of msg.tool_calls ?? []) {
    if (call.type === 'function') content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: toolInput(call.function.arguments) })
  }
  return {
    id: completion.id,
    type: 'message' as const,
    role: 'assistant' as const,
    model: completion.model,
    content,
    stop_reason: msg.refusal && !msg.content ? 'refusal' : stopReason(choice?.finish_reason),
    stop_sequence: null,
    usage: toAnthropicUsage(usage),
  }
}

/** Anthropic's error `type` for a status (https://docs.anthropic.com/en/api/errors). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 401: return 'authentication_error'
    case 402: return 'billing_error'
    case 403: return 'permission_error'
    case 404: return 'not_found_error'
    case 413: return 'request_too_large'
    case 429: return 'rate_limit_error'
    case 504: return 'timeout_error'
    case 529: return 'overloaded_error'
    default: return status >= 500 ? 'api_error' : 'invalid_request_error'
  }
}

/** An error body in Anthropic's shape: `{"type":"error","error":{"type","message"}}`. */
export function anthropicErrorBody(err: ApiError) {
  return { type: 'error' as const, error: { type: anthropicErrorType(err.status), message: err.message } }
}

const event = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`

/**
 * OpenAI chunks → Anthropic's SSE events, one stream's state. `message_start` (+ a `ping`) on the first chunk; a text
 * block for content, a `tool_use` block per tool call (arguments as `input_json_delta`), each closed by
 * `content_block_stop` when the next opens; at the end `message_delta` (stop_reason and the whole usage, cache reads
 * and writes included — from `usage`, which resolves when the stream ends) and `message_stop`. A failure after the
 * first byte is an `error` event, which the SDK raises. Cost comments go before `message_stop`.
 */
export function anthropicSse(usage: Promise<Usage>): SseFormat {
  let started = false
  let open: { kind: 'text' | 'tool'; key: number } | undefined
  let index = -1
  let stop: StopReason = 'end_turn'
  const close = () => {
    if (!open) return ''
    open = undefined
    return event('content_block_stop', { index })
  }
  const begin = (kind: 'text' | 'tool', key: number, block: Record<string, unknown>) => {
    const text = close() + event('content_block_start', { index: ++index, content_block: block })
    open = { kind, key }
    return text
  }
  return {
    batch(chunks: ChatCompletionChunk[]) {
      let text = ''
      for (const chunk of chunks) {
        if (!started) {
          started = true
          const message = { id: chunk.id, type: 'message', role: 'assistant', model: chunk.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } }
          text += event('message_start', { message }) + event('ping', {})
        }
        const choice = chunk.choices[0]
        if (!choice) continue
        const d = choice.delta as { content?: string | null; refusal?: string | null; tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> }
        const words = d.content || d.refusal
        if (words) {
          if (open?.kind !== 'text') text += begin('text', 0, { type: 'text', text: '' })
          text += event('content_block_delta', { index, delta: { type: 'text_delta', text: words } })
        }
        for (const call of d.tool_calls ?? []) {
          if (call.id || open?.kind !== 'tool' || open.key !== call.index) {
            text += begin('tool', call.index, { type: 'tool_use', id: call.id ?? `toolu_${call.index}`, name: call.function?.name ?? '', input: {} })
          }
          if (call.function?.arguments) text += event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: call.function.arguments } })
        }
        if (choice.finish_reason) stop = stopReason(choice.finish_reason)
      }
      return text
    },
    async end(outcome, comments) {
      let text = ''
      if (outcome.status === 'upstream_error') text += event('error', { error: anthropicErrorBody(outcome.error).error })
      else if (outcome.status === 'ok') text += close() + event('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: toAnthropicUsage(await usage) })
      for (const line of comments) text += `: ${line}\n\n`
      if (outcome.status === 'ok') text += event('message_stop', {})
      return text
    },
  }
}
