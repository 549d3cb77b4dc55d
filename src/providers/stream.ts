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
import { ProviderError, UPSTREAM_LIMITS, type ChunkStream, type ProviderReply } from './types'

/** What a per-event mapper may do: emit chunks, report real usage, say the stream is complete. */
export interface ChunkSink {
  chunk(c: ChatCompletionChunk): void
  usage(u: Usage): void
  done(): void
}

/** Maps one upstream event to zero or more OpenAI chunks. Throw ProviderError for an upstream `error` event. */
export type EventMapper = (ev: EventSourceMessage, out: ChunkSink) => void

/**
 * What Triage takes from one streamed answer, at most (issue 14, item 6: an upstream is not trusted to stop).
 * - `outputCap`: the output cap the call was sent with (the one its reservation assumed). Completion tokens are
 *   counted as chunks arrive (`relayedTokens`), or taken from usage the upstream sends mid-answer; a chunk that would take the count past the cap is not relayed:
 *   the answer ends there with `finish_reason: "length"` and the upstream is cancelled. Settled output tokens are
 *   `min(cap, max(reported, relayed))` when the stream was cut, `min(cap, reported)` otherwise.
 * - `maxEventBytes`: one SSE event (or unterminated line) may buffer at most this many characters
 *   (eventsource-parser's `maxBufferSize`); `maxAnswerBytes`: the bytes read for the whole answer. Past either, the
 *   stream fails with an `invalid` ProviderError that names the limit (the client gets an error event; spend is settled).
 */
export interface StreamLimits {
  outputCap?: number
  maxEventBytes?: number
  maxAnswerBytes?: number
}

/**
 * Characters that count as one completion token at least, when counting a stream that may overrun its cap. Real
 * tokens average about 4 characters; every text-bearing chunk counts as one token at least, so an honest OpenAI,
 * DeepSeek or Workers AI stream (one token a chunk) is counted exactly and never cut before its own end.
 */
const CHARS_PER_COUNTED_TOKEN = 16

/** Tokens one chunk adds to the relayed count (0 for a chunk with no text). */
function relayedTokens(chars: number): number {
  return chars > 0 ? Math.max(1, Math.ceil(chars / CHARS_PER_COUNTED_TOKEN)) : 0
}

/**
 * Usage with its output tokens no higher than the cap the call was sent with: an upstream that ran past it (or
 * reports that it did) is charged the cap, which is what the reservation covers; logged. Streams and JSON answers.
 *
 * @example withinCap('openai', { input: 5, cachedInput: 0, cacheWrite: 0, output: 1329, reasoning: 0 }, 10).output // 10
 */
export function withinCap(provider: ProviderName, u: Usage, cap: number | undefined): Usage {
  if (cap === undefined || !(u.output > cap)) return u
  console.warn(JSON.stringify({ level: 'warn', msg: 'upstream output past its cap', provider, cap, output: u.output }))
  return { ...u, output: cap, reasoning: Math.min(u.reasoning, cap) }
}

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
  limits: StreamLimits = {},
): Extract<ProviderReply, { kind: 'stream' }> {
  if (!body) throw new ProviderError(provider, 'invalid', `${provider} returned an empty stream`)
  const cap = limits.outputCap
  const maxEvent = limits.maxEventBytes ?? UPSTREAM_LIMITS.maxEventBytes
  const maxAnswer = limits.maxAnswerBytes ?? UPSTREAM_LIMITS.maxAnswerBytes
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
  let counted = 0 // completion tokens relayed, counted as chunks arrive (see relayedTokens)
  let capped = false // the upstream ran past the cap: the answer was ended there
  let readBytes = 0
  let batch: ChatCompletionChunk[] = []
  let settle!: (u: Usage) => void
  const usage = new Promise<Usage>((r) => (settle = r))

  const finalUsage = (): Usage => {
    const reasoning = estimateTokens(reasoningChars)
    const estimate: Usage = { input: inputEstimate, cachedInput: 0, cacheWrite: 0, output: estimateTokens(outChars) + reasoning, reasoning, estimated: true }
    if (cap === undefined) return real ?? estimate
    // Cut at the cap: what was relayed or what was reported, whichever is larger; never past the cap.
    const u = capped ? { ...(real ?? estimate), output: Math.max(real?.output ?? 0, estimate.output, counted) } : real ?? estimate
    return withinCap(provider, u, cap)
  }
  const tooBig = (what: string) => new ProviderError(provider, 'invalid', `${provider} sent ${what}`)
  const toError = (e: unknown) =>
    e instanceof SyntaxError ? new ProviderError(provider, 'invalid', `${provider} sent an event that is not valid JSON`) : asProviderError(provider, e, signal)
  /** Settles usage and lets go of the upstream, once. */
  const stop = (reason?: unknown): Promise<void> => {
    if (stopped) return Promise.resolve()
    stopped = true
    settle(finalUsage())
    return bytes.cancel(reason).catch(() => {})
  }

  /** Ends the answer at the cap: no more chunks, one last chunk with finish_reason "length" (usage follows). */
  const cut = (c: ChatCompletionChunk) => {
    capped = complete = sawFinish = true
    usageChunkSent = false // the answer ends with Triage's own usage chunk (what is charged), whatever came before
    const end = { id: c.id, object: 'chat.completion.chunk', created: c.created, model: c.model, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }] } as ChatCompletionChunk
    last = end
    batch.push(end)
  }
  const sink: ChunkSink = {
    chunk(c) {
      if (capped) return
      const choices = c.choices
      let out = 0
      let thought = 0
      let finished = false
      if (choices) {
        for (let i = 0; i < choices.length; i++) {
          const ch = choices[i]
          const d = ch.delta as Record<string, any> | undefined
          if (d) {
            if (typeof d.content === 'string') out += d.content.length
            if (typeof d.refusal === 'string') out += d.refusal.length
            if (typeof d.reasoning_content === 'string') thought += d.reasoning_content.length
            if (Array.isArray(d.tool_calls)) for (const t of d.tool_calls) out += (t.function?.arguments?.length ?? 0) + (t.function?.name?.length ?? 0)
          }
          if (ch.finish_reason) finished = true
        }
      }
      const tokens = relayedTokens(out + thought)
      if (cap !== undefined && tokens > 0 && counted + tokens > cap) return cut(c)
      counted += tokens
      outChars += out
      reasoningChars += thought
      if (finished) sawFinish = true
      if (c.usage) usageChunkSent = true
      last = c
      batch.push(c)
    },
    usage(u) {
      real = u
      // Usage that arrives mid-answer (cumulative, as some servers send it) and is already past the cap ends it too.
      if (cap !== undefined && u.output > cap && last && !sawFinish) cut(last)
    },
    done() {
      complete = true
    },
  }
  // Events are mapped as the parser finds them; nothing after the end or a failure is.
  const parser = createParser({
    maxBufferSize: maxEvent,
    onError(e) {
      if (e.type === 'max-buffer-size-exceeded') failed ??= tooBig(`an event larger than ${maxEvent} bytes`)
    },
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
          } else if ((readBytes += r.value.byteLength) > maxAnswer) {
            failed ??= tooBig(`more than ${maxAnswer} bytes for one answer`)
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
