/**
 * The streaming half every adapter shares: upstream SSE bytes → events (eventsource-parser) → OpenAI chunks,
 * handed out in batches, one batch per upstream read (nothing read ahead, nothing buffered whole), with usage
 * that always resolves.
 *
 * @example
 * return streamReply('openai', res.body, signal, estimateInput(req), (ev, out) => {
 *   if (ev.data === '[DONE]') return out.done()
 *   out.chunk(JSON.parse(ev.data))
 * })
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import type { ProviderName } from './types'
import { toOpenAIUsage, type ChatCompletionChunk, type Usage } from '../openai/types'
import { asProviderError } from './errors'
import { ProviderError, type ChunkStream, type ProviderReply } from './types'

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
 * Builds the stream half of a ProviderReply from upstream SSE, with one reader and no intermediate streams.
 * - `chunks.next()` reads upstream bytes until at least one chunk is produced (or the body ends), and returns every
 *   chunk mapped from the events those bytes held: nothing is read ahead, nothing is buffered whole. Multi-byte
 *   characters split across reads are kept whole; an event with no blank line after it when the body ends is
 *   incomplete and dropped, as the SSE spec says.
 * - A cut, an upstream `error` event or an unparsable event fails the stream with a ProviderError: the chunks mapped
 *   before it are returned first, and the error is thrown by the following `next()`. Nothing after it is mapped.
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
  const bytes = body.getReader()
  const decoder = new TextDecoder()
  let real: Usage | undefined
  let outChars = 0
  let reasoningChars = 0
  let complete = false // the answer ended (the mapper said so, or the body ended after a finish reason)
  let failed: ProviderError | undefined // thrown once the chunks before it are out
  let stopped = false // usage settled and the upstream released
  let cancelled = false
  let sawFinish = false
  let usageChunkSent = false
  let last: ChatCompletionChunk | undefined
  let batch: ChatCompletionChunk[] = []
  let settle!: (u: Usage) => void
  const usage = new Promise<Usage>((r) => (settle = r))

  const finalUsage = (): Usage => {
    if (real) return real
    const reasoning = estimateTokens(reasoningChars)
    return { input: inputEstimate, cachedInput: 0, cacheWrite: 0, output: estimateTokens(outChars) + reasoning, reasoning, estimated: true }
  }
  const toError = (e: unknown) =>
    e instanceof SyntaxError ? new ProviderError(provider, 'invalid', `${provider} sent an event that is not valid JSON`) : asProviderError(provider, e, signal)
  /** Settles usage and lets go of the upstream, once. */
  const stop = (reason?: unknown): Promise<void> => {
    if (stopped) return Promise.resolve()
    stopped = true
    settle(finalUsage())
    return bytes.cancel(reason).catch(() => {})
  }

  const sink: ChunkSink = {
    chunk(c) {
      const choices = c.choices
      if (choices) {
        for (let i = 0; i < choices.length; i++) {
          const ch = choices[i]
          const d = ch.delta as Record<string, any> | undefined
          if (d) {
            if (typeof d.content === 'string') outChars += d.content.length
            if (typeof d.refusal === 'string') outChars += d.refusal.length
            if (typeof d.reasoning_content === 'string') reasoningChars += d.reasoning_content.length
            if (Array.isArray(d.tool_calls)) for (const t of d.tool_calls) outChars += (t.function?.arguments?.length ?? 0) + (t.function?.name?.length ?? 0)
          }
          if (ch.finish_reason) sawFinish = true
        }
      }
      if (c.usage) usageChunkSent = true
      last = c
      batch.push(c)
    },
    usage(u) {
      real = u
    },
    done() {
      complete = true
    },
  }
  // Events are mapped as the parser finds them; nothing after the end or a failure is.
  const parser = createParser({
    onEvent(ev) {
      if (complete || failed) return
      const before = batch.length
      try {
        map(ev, sink)
      } catch (e) {
        batch.length = before // an event that fails gives no chunks
        failed = toError(e)
      }
    },
  })

  const chunks: ChunkStream = {
    async next() {
      if (cancelled) return null
      try {
        while (batch.length === 0 && !complete && !failed) {
          const r = await bytes.read()
          if (cancelled) return null
          if (r.done) {
            parser.feed(decoder.decode())
            if (!complete && !failed) {
              if (sawFinish) complete = true
              else failed = new ProviderError(provider, 'network', `${provider} stream ended before the answer was complete`)
            }
          } else {
            parser.feed(decoder.decode(r.value, { stream: true }))
          }
        }
      } catch (e) {
        if (cancelled) return null
        failed ??= toError(e)
      }
      if (failed) void stop(failed)
      else if (complete) {
        if (!usageChunkSent && last) {
          usageChunkSent = true
          batch.push({ id: last.id, object: 'chat.completion.chunk', created: last.created, model: last.model, choices: [], usage: toOpenAIUsage(finalUsage()) })
        }
        void stop()
      }
      if (batch.length === 0) {
        if (failed) throw failed
        return null
      }
      const out = batch
      batch = []
      return out
    },
    cancel(reason) {
      cancelled = true
      return stop(reason)
    },
  }
  return { kind: 'stream', chunks, usage }
}

/** Parses an event's JSON data; a SyntaxError becomes an `invalid` ProviderError in streamReply. */
export function eventJson<T = any>(ev: EventSourceMessage): T {
  return JSON.parse(ev.data) as T
}
