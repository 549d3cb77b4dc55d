/**
 * Execution: run a request on a tier's ordered candidates, reliably.
 *
 * Per attempt: a total timeout, and for streams a time-to-first-byte timeout (until the first chunk; a JSON answer
 * has no meaningful first byte, as OpenAI sends headers only once it is done). Retries on 429 / 5xx / network / timeouts with jittered exponential backoff, honouring
 * `retry-after` up to `retries.maxDelayMs` (a longer retry-after moves on to the next candidate at once). Then the
 * next candidate. A circuit breaker per provider+model (per isolate, see ./breaker.ts) skips models that keep failing.
 *
 * Streams: the first batch of chunks is read here, before anything is returned, so fallback is only ever possible
 * before the client has seen a byte. After that, the returned `chunks` (a ChunkStream: one race with the timeouts
 * and the client's signal per batch) throws a ProviderError on a failure, and `usage` still resolves with what was
 * used so far (estimated when the provider never said).
 *
 * Cascade (non-streaming only): `plan.cascade.first` is tried first; its answer is validated (./validate.ts) and
 * returned when good ('accepted'), else the request escalates to `plan.candidates` ('escalated'). Both calls are
 * in `calls` and both are billed.
 *
 * @example
 * const ex = await execute({ tier: 'medium', candidates: [ds, gpt], cascade: { first: [llama] } }, req,
 *   { providers: createProviders(config, env), config, signal: c.req.raw.signal })
 * ex.reply.kind === 'json'; ex.model.id; ex.attempts; ex.cascade; for (const call of ex.calls) settle(call.model, await call.usage)
 */
import type { Config, ModelSpec, ProviderName, Tier } from '../config'
import type { ChatRequest } from '../openai/request'
import type { ChatCompletionChunk, Usage } from '../openai/types'
import { asProviderError } from '../providers/errors'
// One estimator of prompt tokens for reservations and for usage a provider did not report: the conservative one.
import { estimateInputTokens as estimateInput } from '../money/estimate'
import { ProviderError, type ChunkStream, type Provider, type ProviderReply } from '../providers/types'
import { CircuitBreaker, isolateBreaker } from './breaker'
import { validateAnswer } from './validate'

export { CircuitBreaker, isolateBreaker } from './breaker'
export { validateAnswer, type Verdict } from './validate'

export interface Plan {
  tier: Tier
  /** Ordered: the first is tried first, the rest are fallbacks. */
  candidates: ModelSpec[]
  /** Non-streaming only: try these (trivial) first, validate, escalate to `candidates` when invalid. */
  cascade?: { first: ModelSpec[] }
}

export interface BilledCall {
  model: ModelSpec
  /** Never rejects. */
  usage: Promise<Usage>
}

export interface Execution {
  reply: ProviderReply
  model: ModelSpec
  provider: ProviderName
  /** Upstream calls made, retries and fallbacks included (breaker skips are not calls). */
  attempts: number
  cascade?: 'accepted' | 'escalated'
  /** Why the cascade escalated (validation reason or the cheap model's error). */
  cascadeReason?: string
  /** Every upstream call that may be billed: answers, the cascade's rejected answer, streams that failed after headers. */
  calls: BilledCall[]
}

export interface ExecuteDeps {
  providers: Record<ProviderName, Provider>
  config: Pick<Config, 'timeouts' | 'retries' | 'breaker'>
  /** The client's signal: when it aborts, everything stops and execute rejects. */
  signal?: AbortSignal
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  random?: () => number
  /** Defaults to the isolate-wide breaker for config.breaker. */
  breaker?: CircuitBreaker
}

/**
 * What execute throws, always: the deciding ProviderError (same kind/status, so `toApiError` maps it), every failed
 * attempt in order, and the calls that may still be billed (e.g. the cascade's cheap answer before escalation failed).
 */
export class ExecutionError extends ProviderError {
  constructor(
    last: ProviderError,
    readonly failures: Array<{ model: string; error: ProviderError }>,
    readonly calls: BilledCall[],
    readonly attempts: number,
  ) {
    const tried = failures.length > 1 ? ` (tried: ${failures.map((f) => `${f.model}: ${f.error.kind}${f.error.status ? ` ${f.error.status}` : ''}`).join('; ')})` : ''
    super(last.provider, last.kind, `${last.message}${tried}`, last.opts)
  }
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const t = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true })
  })

/** The request's fields that `model` refuses (its config's `unsupported`), in config order. */
export const unsupportedIn = (req: ChatRequest, model: ModelSpec): string[] => model.unsupported?.filter((f) => f in req) ?? []

/**
 * The request as `model` accepts it: without the fields it refuses (the request itself when it has none of them).
 * A routed request may carry a field meant for another model, e.g. `reasoning_effort`.
 *
 * @example withoutUnsupported({ model: 'auto', messages, reasoning_effort: 'high' }, gpt41) // { model: 'auto', messages }
 */
export function withoutUnsupported(req: ChatRequest, model: ModelSpec): ChatRequest {
  const fields = unsupportedIn(req, model)
  if (fields.length === 0) return req
  const copy: Record<string, unknown> = { ...req }
  for (const f of fields) delete copy[f]
  return copy as ChatRequest
}

/** The upstream error is the client's fault (bad content): no retry, no fallback, not the provider's failure. */
const isClientError = (e: ProviderError) =>
  e.kind === 'http' && e.status !== undefined && e.status >= 400 && e.status < 500 && ![401, 403, 408, 409, 429].includes(e.status)

export async function execute(plan: Plan, req: ChatRequest, deps: ExecuteDeps): Promise<Execution> {
  const calls: BilledCall[] = []
  const failures: Array<{ model: string; error: ProviderError }> = []
  const counter = { attempts: 0 }
  try {
    return await run(plan, req, deps, calls, failures, counter)
  } catch (e) {
    if (e instanceof ExecutionError) throw e
    const err = e instanceof ProviderError ? e : asProviderError(plan.candidates[0]?.provider ?? 'openai', e)
    throw new ExecutionError(err, failures.length ? failures : [{ model: plan.candidates[0]?.id ?? '?', error: err }], calls, counter.attempts)
  }
}

async function run(
  plan: Plan,
  req: ChatRequest,
  deps: ExecuteDeps,
  calls: BilledCall[],
  failures: Array<{ model: string; error: ProviderError }>,
  counter: { attempts: number },
): Promise<Execution> {
  const stream = req.stream === true
  const sleep = deps.sleep ?? defaultSleep
  const random = deps.random ?? Math.random
  const breaker = deps.breaker ?? isolateBreaker(deps.config.breaker)
  const { timeouts, retries } = deps.config

  const clientAborted = () => deps.signal?.aborted === true
  const abortError = (p: ProviderName) => new ProviderError(p, 'network', 'The client closed the request.')

  /** One call with its timeouts. Resolves a reply whose first chunk (stream) is already in hand. */
  async function attemptOnce(model: ModelSpec): Promise<ProviderReply> {
    const provider = deps.providers[model.provider]
    const ac = new AbortController()
    const onClient = () => ac.abort(abortError(model.provider))
    deps.signal?.addEventListener('abort', onClient, { once: true })
    const total = setTimeout(() => ac.abort(new ProviderError(model.provider, 'timeout', `${model.id}: no complete answer within ${timeouts.totalMs} ms`)), timeouts.totalMs)
    // First byte = first chunk of a stream. A JSON answer has no meaningful first byte (OpenAI sends its headers when
    // the answer is done), so non-streaming calls are bounded by the total timeout only.
    const firstByte = stream
      ? setTimeout(() => ac.abort(new ProviderError(model.provider, 'timeout', `${model.id}: no first chunk within ${timeouts.firstByteMs} ms`)), timeouts.firstByteMs)
      : undefined
    const aborted = new Promise<never>((_, reject) => ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true }))
    aborted.catch(() => {})
    const release = () => {
      clearTimeout(total)
      if (firstByte) clearTimeout(firstByte)
      deps.signal?.removeEventListener('abort', onClient)
    }
    let reply: ProviderReply
    const call = provider.chat(withoutUnsupported(req, model), model, { signal: ac.signal, stream })
    // If the timeout wins the race, a reply that still arrives later is released, not leaked.
    call.then(
      (r) => {
        if (ac.signal.aborted && r.kind === 'stream') r.chunks.cancel().catch(() => {})
      },
      () => {},
    )
    try {
      reply = await Promise.race([call, aborted])
    } catch (e) {
      release()
      ac.abort()
      const err = asProviderError(model.provider, e, ac.signal)
      // `invalid` = a 2xx whose body is not what the provider documents: the provider answered, and may have billed
      // it. Charge the estimated prompt (output unknown, so 0), as for a stream that fails before its first chunk.
      if (err.kind === 'invalid') calls.push({ model, usage: Promise.resolve({ input: estimateInput(req), cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0, estimated: true }) })
      throw err
    }
    if (reply.kind === 'json') {
      release()
      calls.push({ model, usage: Promise.resolve(reply.usage) })
      return reply
    }
    // A stream came back (2xx): the upstream may bill it from here on, whatever happens next.
    calls.push({ model, usage: reply.usage })
    const upstream = reply.chunks
    let first: ChatCompletionChunk[] | null
    try {
      first = await Promise.race([upstream.next(), aborted])
    } catch (e) {
      release()
      const err = asProviderError(model.provider, e, ac.signal)
      ac.abort(err)
      upstream.cancel(err).catch(() => {})
      throw err
    }
    if (firstByte) clearTimeout(firstByte)
    if (first === null) release()
    let held = first // the first batch, handed out by the first next()
    let finished = first === null
    let failed: ProviderError | undefined
    // One race with the timeouts and the client per batch, not per chunk.
    const chunks: ChunkStream = {
      async next() {
        if (held) {
          const b = held
          held = null
          return b
        }
        if (failed) throw failed
        if (finished) return null
        try {
          const b = await Promise.race([upstream.next(), aborted])
          if (b === null) {
            finished = true
            release()
          }
          return b
        } catch (e) {
          if (finished) return null // cancelled meanwhile
          release()
          const err = (failed = asProviderError(model.provider, e, ac.signal))
          ac.abort(err)
          upstream.cancel(err).catch(() => {})
          breaker.failure(`${model.provider}:${model.upstream}`)
          throw err
        }
      },
      cancel(reason) {
        held = null
        finished = true
        release()
        ac.abort(abortError(model.provider))
        return upstream.cancel(reason).catch(() => {})
      },
    }
    return { kind: 'stream', chunks, usage: reply.usage }
  }

  /** All attempts on one model. Resolves the reply, or null after recording why it could not answer. */
  async function runModel(model: ModelSpec): Promise<ProviderReply | null> {
    const key = `${model.provider}:${model.upstream}`
    for (let i = 1; i <= retries.maxAttempts; i++) {
      if (clientAborted()) throw abortError(model.provider)
      if (!breaker.allow(key)) {
        failures.push({ model: model.id, error: new ProviderError(model.provider, 'network', `${model.id} skipped: circuit open after repeated failures`) })
        return null
      }
      counter.attempts++
      let err: ProviderError
      try {
        const reply = await attemptOnce(model)
        breaker.success(key)
        return reply
      } catch (e) {
        err = asProviderError(model.provider, e)
      }
      if (clientAborted()) throw abortError(model.provider)
      if (err.kind === 'unconfigured') {
        counter.attempts-- // nothing went out
        failures.push({ model: model.id, error: err })
        return null
      }
      if (isClientError(err)) {
        failures.push({ model: model.id, error: err })
        throw err
      }
      breaker.failure(key)
      failures.push({ model: model.id, error: err })
      if (!err.retryable || i === retries.maxAttempts) return null
      const exp = Math.min(retries.maxDelayMs, retries.baseDelayMs * 2 ** (i - 1))
      const jittered = exp / 2 + random() * (exp / 2)
      const after = err.opts.retryAfterMs
      if (after !== undefined && after > retries.maxDelayMs) return null // too long to wait here: next candidate
      try {
        await sleep(Math.max(jittered, after ?? 0), deps.signal)
      } catch {
        throw abortError(model.provider)
      }
    }
    return null
  }

  async function runList(models: ModelSpec[]): Promise<{ reply: ProviderReply; model: ModelSpec } | null> {
    for (const model of models) {
      const reply = await runModel(model)
      if (reply) return { reply, model }
    }
    return null
  }

  const done = (r: { reply: ProviderReply; model: ModelSpec }, extra: Partial<Execution> = {}): Execution => ({
    reply: r.reply,
    model: r.model,
    provider: r.model.provider,
    attempts: counter.attempts,
    calls,
    ...extra,
  })

  let cascadeReason: string | undefined
  if (plan.cascade && plan.cascade.first.length && !stream) {
    const cheap = await runList(plan.cascade.first)
    if (cheap && cheap.reply.kind === 'json') {
      const verdict = validateAnswer(cheap.reply.completion, req)
      if (verdict.ok) return done(cheap, { cascade: 'accepted' })
      cascadeReason = verdict.reason
    } else cascadeReason = failures.length ? `cheap model failed: ${failures[failures.length - 1].error.message}` : 'cheap model failed'
  }

  const result = await runList(plan.candidates)
  if (result) return done(result, cascadeReason !== undefined ? { cascade: 'escalated', cascadeReason } : {})
  throw failure(failures, calls, counter.attempts)
}

function failure(failures: Array<{ model: string; error: ProviderError }>, calls: BilledCall[], attempts: number): ExecutionError {
  if (failures.length === 0) {
    const e = new ProviderError('openai', 'unconfigured', 'No model is configured for this tier.')
    return new ExecutionError(e, [], calls, attempts)
  }
  const real = failures.filter((f) => f.error.kind !== 'unconfigured')
  if (real.length === 0) {
    const missing = [...new Set(failures.flatMap((f) => /set (.+)\.$/.exec(f.error.message)?.[1].split(', ') ?? []))]
    const first = failures[0].error
    const e = new ProviderError(first.provider, 'unconfigured', `No provider for this tier is configured: set ${missing.join(', ') || 'its credentials'}.`)
    return new ExecutionError(e, failures, calls, attempts)
  }
  return new ExecutionError(real[real.length - 1].error, failures, calls, attempts)
}
