/**
 * A cached answer is one OpenAI `ChatCompletion`, however it was produced: a streamed miss is assembled from its
 * chunks as they pass (`recordChunks`), and a hit that streams is replayed as chunks (`replayChunks`) through the
 * same SSE formats as a live stream (`openaiSse`, `anthropicSse`), so `include_usage` and Anthropic's events behave
 * exactly as they do live.
 *
 * @example
 * const rec = recordChunks(reply.chunks)         // pass rec.chunks to streamBack
 * rec.completion(toOpenAIUsage(usage))            // the whole answer once the stream ended, or null if it was cut
 */
import type { ChunkStream } from '../providers/types'
import type { ChatCompletion, ChatCompletionChunk } from '../openai/types'

type Message = ChatCompletion['choices'][number]['message'] & { reasoning_content?: string | null }
type ToolCall = NonNullable<Message['tool_calls']>[number]
type Delta = ChatCompletionChunk['choices'][number]['delta'] & { reasoning_content?: string | null }

/** Wraps a chunk stream so that the answer it carries is assembled as it passes (text, tool calls, finish reason). */
export function recordChunks(chunks: ChunkStream): { chunks: ChunkStream; completion(usage: ChatCompletion['usage']): ChatCompletion | null } {
  let head: ChatCompletionChunk | undefined
  let content: string | null = null
  let reasoning: string | null = null
  let refusal: string | null = null
  let finish: ChatCompletion['choices'][number]['finish_reason'] | null = null
  let choices = 0
  const tools: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = []
  return {
    chunks: {
      async next() {
        const batch = await chunks.next()
        for (const chunk of batch ?? []) {
          head ??= chunk
          for (const ch of chunk.choices) {
            if (ch.index !== 0) choices = Math.max(choices, ch.index + 1) // n > 1 is not cached
            const d = (ch.delta ?? {}) as Delta
            if (typeof d.content === 'string') content = (content ?? '') + d.content
            if (typeof d.reasoning_content === 'string') reasoning = (reasoning ?? '') + d.reasoning_content
            if (typeof d.refusal === 'string') refusal = (refusal ?? '') + d.refusal
            for (const t of d.tool_calls ?? []) {
              const call = (tools[t.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } })
              if (t.id) call.id = t.id
              if (t.function?.name) call.function.name += t.function.name
              if (t.function?.arguments) call.function.arguments += t.function.arguments
            }
            if (ch.finish_reason) finish = ch.finish_reason
          }
        }
        return batch
      },
      cancel: (reason) => chunks.cancel(reason),
    },
    completion(usage) {
      if (!head || !finish || choices > 1) return null
      const message: Message = { role: 'assistant', content, refusal, ...(tools.length ? { tool_calls: tools as ToolCall[] } : {}) }
      if (reasoning !== null) message.reasoning_content = reasoning
      return {
        id: head.id, object: 'chat.completion', created: head.created, model: head.model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
        ...(usage ? { usage } : {}),
      }
    },
  }
}

/**
 * A stored answer as the chunks a live stream would have carried: the text (with the role), the tool calls, the
 * finish reason, and the usage-only chunk (which `openaiSse` drops when the client did not ask for usage).
 */
export function replayChunks(completion: ChatCompletion): ChunkStream {
  const choice = completion.choices[0]
  const msg = choice.message as Message
  const base = { id: completion.id, object: 'chat.completion.chunk' as const, created: completion.created, model: completion.model }
  const chunk = (delta: Delta, finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null): ChatCompletionChunk => ({
    ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })
  const first: Delta = { role: 'assistant', content: msg.content ?? '' }
  if (msg.reasoning_content) first.reasoning_content = msg.reasoning_content
  if (msg.refusal) first.refusal = msg.refusal
  const out = [chunk(first)]
  if (msg.tool_calls?.length) {
    out.push(chunk({
      tool_calls: msg.tool_calls.map((t, index) => {
        const fn = (t as { function: { name: string; arguments: string } }).function
        return { index, id: t.id, type: 'function' as const, function: { name: fn.name, arguments: fn.arguments } }
      }),
    }))
  }
  out.push(chunk({}, choice.finish_reason))
  if (completion.usage) out.push({ ...base, choices: [], usage: completion.usage })
  let sent = false
  return {
    next: async () => (sent ? null : ((sent = true), out)),
    cancel: async () => {
      sent = true
    },
  }
}
