/**
 * The streaming half every adapter shares: upstream SSE bytes → events (eventsource-parser) → OpenAI chunks,
 * pulled one at a time (nothing read ahead, nothing buffered whole), with usage that always resolves.
 *
 * @example
 * return streamReply('openai', res.body, signal, estimateInput(req), (ev, out) => {
 *   if (ev.data === '[DONE]') return out.done()
 *   out.chunk(JSON.parse(ev.data))
 * })
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { ProviderName } from '../config'
import { toOpenAIUsage, type ChatCompletionChunk, type Usage } from '../openai/types'
import { asProviderError } from './errors'
import { ProviderError, type ProviderReply } from './types'

/** What a per-event mapper may do: emit chunks, report real usage, say the stream is complete. */
export interface ChunkSink {
  chunk(c: ChatCompletionChunk): void
  usage(u: Usage): void
  done(): void
}

/** Maps one upstream event to zero or more OpenAI chunks. Throw ProviderError for an upstream `error` event. */
export type EventMapper = (ev: EventSourceMessage, out: ChunkSink) => void

/** Rough tokens for a text: ~4 characters a token, and at least 1 for any non-empty text. */
export function estimateTokens(chars: number): number {
  return chars > 0 ? Math.max(1, Math.ceil(chars / 4)) : 0
}


/**
 * Upstream bytes → SSE events, with one reader and no intermediate streams: each `read()` pulls bytes until at
 * least one whole event is parsed (or the body ends). Multi-byte characters split across reads are kept whole.
 */
export function sseReader(body: ReadableStream<Uint8Array>): { read(): Promise<EventSourceMessage[] | null>; cancel(reason?: unknown): Promise<void> } {
  const bytes = body.getReader()
  const decoder = new TextDecoder()
  const ready: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (ev) => ready.push(ev) })
  let ended = false
  return {
    async read() {
      while (ready.length === 0) {
        if (ended) return null
        const r = await bytes.read()
        if (r.done) {
          ended = true
          parser.feed(decoder.decode()) // an event with no blank line after it is incomplete: dropped, as the SSE spec says
        } else {
          parser.feed(decoder.decode(r.value, { stream: true }))
        }
      }
      return ready.splice(0)
    },
    cancel: (reason) => bytes.cancel(reason),
  }
}


/**
 * Builds the stream half of a ProviderReply from upstream SSE.
 * - Chunks are produced on demand (highWaterMark 0): one upstream read per client read.
 * - A cut, an upstream `error` event or an unparsable event errors `chunks` with a ProviderError.
 * - A usage chunk (`choices: []`, `usage`) always ends a complete stream, made from the estimate when the upstream sent none.
 * - `usage` resolves when the stream ends, fails or is cancelled: the upstream's figures, else an estimate
 *   (`estimated: true`, output ≥ 1 when any text was produced). It never rejects.
 */
export function streamReply(
  provider: ProviderName,
  body: ReadableStream<Uint8Array> | null,
  signal: AbortSignal,
  inputEstimate: number,
  map: EventMapper,
): Extract<ProviderReply, { kind: 'stream' }> {
  if (!body) throw new ProviderError(provider, 'invalid', `${provider} returned an empty stream`)
  const events = sseReader(body)
  const parsed: EventSourceMessage[] = []
  let real: Usage | undefined
  let outChars = 0
  let reasoningChars = 0
  let complete = false
  let sawFinish = false
  let usageChunkSent = false
  let last: ChatCompletionChunk | undefined
  let settle!: (u: Usage) => void
  const usage = new Promise<Usage>((r) => (settle = r))

  const finalUsage = (): Usage => {
    if (real) return real
    const reasoning = estimateTokens(reasoningChars)
    return { input: inputEstimate, cachedInput: 0, cacheWrite: 0, output: estimateTokens(outChars) + reasoning, reasoning, estimated: true }
  }
  const pending: ChatCompletionChunk[] = []
  const sink: ChunkSink = {
    chunk(c) {
      for (const ch of c.choices ?? []) {
        const d = ch.delta as Record<string, any> | undefined
        if (d) {
          if (typeof d.content === 'string') outChars += d.content.length
          if (typeof d.refusal === 'string') outChars += d.refusal.length
          if (typeof d.reasoning_content === 'string') reasoningChars += d.reasoning_content.length
          if (Array.isArray(d.tool_calls)) for (const t of d.tool_calls) outChars += (t.function?.arguments?.length ?? 0) + (t.function?.name?.length ?? 0)
        }
        if (ch.finish_reason) sawFinish = true
      }
      if (c.usage) usageChunkSent = true
      last = c
      pending.push(c)
    },
    usage(u) {
      real = u
    },
    done() {
      complete = true
    },
  }

  const finish = () => settle(finalUsage())

  const chunks = new ReadableStream<ChatCompletionChunk>(
    {
      async pull(controller) {
        try {
          // One event at a time, so the chunks before a bad event still reach the client before its error.
          while (pending.length === 0 && !complete) {
            if (parsed.length === 0) {
              const batch = await events.read()
              if (batch === null) {
                if (!sawFinish) throw new ProviderError(provider, 'network', `${provider} stream ended before the answer was complete`)
                complete = true
                break
              }
              parsed.push(...batch)
            }
            map(parsed.shift()!, sink)
          }
        } catch (e) {
          const err = e instanceof SyntaxError
            ? new ProviderError(provider, 'invalid', `${provider} sent an event that is not valid JSON`)
            : asProviderError(provider, e, signal)
          finish()
          events.cancel(err).catch(() => {})
          controller.error(err)
          return
        }
        while (pending.length) controller.enqueue(pending.shift()!)
        if (complete) {
          if (!usageChunkSent && last) {
            controller.enqueue({
              id: last.id,
              object: 'chat.completion.chunk',
              created: last.created,
              model: last.model,
              choices: [],
              usage: toOpenAIUsage(finalUsage()),
            })
          }
          finish()
          events.cancel().catch(() => {})
          controller.close()
        }
      },
      cancel(reason) {
        finish()
        return events.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )
  return { kind: 'stream', chunks, usage }
}

/** Parses an event's JSON data; a SyntaxError becomes an `invalid` ProviderError in streamReply. */
export function eventJson<T = any>(ev: EventSourceMessage): T {
  return JSON.parse(ev.data) as T
}
