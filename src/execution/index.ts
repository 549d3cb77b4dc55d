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

const abortError = (p: ProviderName) => new ProviderError(p, 'network', 'The client closed the request.')

/** What one run of a plan accumulates, shared by its attempts: billed calls, failures in order, the attempt count. */
interface RunState {
  readonly req: ChatRequest
  readonly stream: boolean
  readonly deps: ExecuteDeps
  readonly breaker: CircuitBreaker
  readonly calls: BilledCall[]
  readonly failures: Array<{ model: string; error: ProviderError }>
  attempts: number
}

/**
 * What happens after one attempt on a model, decided from its error alone:
 * - `answered`: a reply (a stream's first batch in hand);
 * - `retry`: wait `waitMs`, then try the same model again;
 * - `next`: give up on this model, try the next candidate (retries spent, a retry-after too long to wait, an
 *   unconfigured provider, a failure retrying will not fix);
 * - `stop`: the request's own fault (an upstream 4xx on its content): no retry, no fallback.
 */
export type AttemptOutcome =
  | { state: 'answered'; reply: ProviderReply }
  | { state: 'retry'; waitMs: number }
  | { state: 'next' }
  | { state: 'stop'; error: ProviderError }

/**
 * The state after a failed attempt `n` (1-based). Pure: `random` gives the jitter.
 *
 * @example afterFailure(err429, 1, { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5000 }, () => 0.5) // { state: 'retry', waitMs: 150 }
 */
export function afterFailure(err: ProviderError, n: number, retries: Config['retries'], random: () => number): AttemptOutcome {
  const failure = err.failure
  if (failure === 'client') return { state: 'stop', error: err }
  if (failure !== 'retryable' || n >= retries.maxAttempts) return { state: 'next' }
  const exp = Math.min(retries.maxDelayMs, retries.baseDelayMs * 2 ** (n - 1))
  const jittered = exp / 2 + random() * (exp / 2)
  const after = err.retryAfterMs
  if (after !== undefined && after > retries.maxDelayMs) return { state: 'next' } // too long to wait here
  return { state: 'retry', waitMs: Math.max(jittered, after ?? 0) }
}

export async function execute(plan: Plan, req: ChatRequest, deps: ExecuteDeps): Promise<Execution> {
  const run: RunState = {
    req, deps, stream: req.stream === true, calls: [], failures: [], attempts: 0,
    breaker: deps.breaker ?? isolateBreaker(deps.config.breaker),
  }
  try {
    return await runPlan(plan, run)
  } catch (e) {
    if (e instanceof ExecutionError) throw e
    const err = e instanceof ProviderError ? e : asProviderError(plan.candidates[0]?.provider ?? 'openai', e)
    throw new ExecutionError(err, run.failures.length ? run.failures : [{ model: plan.candidates[0]?.id ?? '?', error: err }], run.calls, run.attempts)
  }
}

/** The cascade's cheap models first (non-streaming, when planned), then the candidates in order. */
async function runPlan(plan: Plan, run: RunState): Promise<Execution> {
  const done = (r: { reply: ProviderReply; model: ModelSpec }, extra: Partial<Execution> = {}): Execution => ({
    reply: r.reply, model: r.model, provider: r.model.provider, attempts: run.attempts, calls: run.calls, ...extra,
  })
  let cascadeReason: string | undefined
  if (plan.cascade && plan.cascade.first.length && !run.stream) {
    const cheap = await firstAnswer(plan.cascade.first, run)
    if (cheap && cheap.reply.kind === 'json') {
      const verdict = validateAnswer(cheap.reply.completion, run.req)
      if (verdict.ok) return done(cheap, { cascade: 'accepted' })
      cascadeReason = verdict.reason
    } else cascadeReason = run.failures.length ? `cheap model failed: ${run.failures[run.failures.length - 1].error.message}` : 'cheap model failed'
  }
  const result = await firstAnswer(plan.candidates, run)
  if (result) return done(result, cascadeReason !== undefined ? { cascade: 'escalated', cascadeReason } : {})
  throw failure(run.failures, run.calls, run.attempts)
}

/** The first model of the list that answers, or null when none did (each failure recorded). */
async function firstAnswer(models: ModelSpec[], run: RunState): Promise<{ reply: ProviderReply; model: ModelSpec } | null> {
  for (const model of models) {
    const reply = await answerFrom(model, run)
    if (reply) return { reply, model }
  }
  return null
}

/** Every attempt on one model, as the states of `afterFailure` say. Resolves the reply, or null to move on. */
async function answerFrom(model: ModelSpec, run: RunState): Promise<ProviderReply | null> {
  const { deps, breaker } = run
  const key = `${model.provider}:${model.upstream}`
  for (let n = 1; ; n++) {
    if (deps.signal?.aborted) throw abortError(model.provider)
    if (!breaker.allow(key)) {
      run.failures.push({ model: model.id, error: new ProviderError(model.provider, 'network', `${model.id} skipped: circuit open after repeated failures`) })
      return null
    }
    run.attempts++
    let err: ProviderError
    try {
      const reply = await attempt(model, run)
      breaker.success(key)
      return reply
    } catch (e) {
      err = asProviderError(model.provider, e)
    }
    if (deps.signal?.aborted) throw abortError(model.provider)
    run.failures.push({ model: model.id, error: err })
    if (err.failure === 'unconfigured') run.attempts-- // nothing went out
    else if (err.failure !== 'client') breaker.failure(key)
    const next = afterFailure(err, n, deps.config.retries, deps.random ?? Math.random)
    if (next.state === 'stop') throw next.error
    if (next.state !== 'retry') return null
    try {
      await (deps.sleep ?? defaultSleep)(next.waitMs, deps.signal)
    } catch {
      throw abortError(model.provider)
    }
  }
}

/**
 * One call with its timeouts: the total timeout, and for streams the first-chunk timeout (a JSON answer has no
 * meaningful first byte: OpenAI sends its headers when the answer is done). Resolves a reply whose first chunk
 * (stream) is in hand; records the call as billed once the provider may bill it.
 */
async function attempt(model: ModelSpec, run: RunState): Promise<ProviderReply> {
  const { deps, stream, req } = run
  const { timeouts } = deps.config
  const timer = attemptTimer(model, deps.signal)
  timer.arm(timeouts.totalMs, `${model.id}: no complete answer within ${timeouts.totalMs} ms`)
  const firstByte = stream ? timer.arm(timeouts.firstByteMs, `${model.id}: no first chunk within ${timeouts.firstByteMs} ms`) : undefined

  const call = deps.providers[model.provider].chat(withoutUnsupported(req, model), model, { signal: timer.signal, stream })
  // If the timeout wins the race, a reply that still arrives later is released, not leaked.
  call.then((r) => void (timer.signal.aborted && r.kind === 'stream' && r.chunks.cancel().catch(() => {})), () => {})
  let reply: ProviderReply
  try {
    reply = await timer.race(call)
  } catch (e) {
    timer.release()
    timer.abort()
    const err = asProviderError(model.provider, e, timer.signal)
    // `invalid` = a 2xx whose body is not what the provider documents: the provider answered, and may have billed
    // it. Charge the estimated prompt (output unknown, so 0), as for a stream that fails before its first chunk.
    if (err.kind === 'invalid') run.calls.push({ model, usage: Promise.resolve({ input: estimateInput(req), cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0, estimated: true }) })
    throw err
  }
  if (reply.kind === 'json') {
    timer.release()
    run.calls.push({ model, usage: Promise.resolve(reply.usage) })
    return reply
  }
  // A stream came back (2xx): the upstream may bill it from here on, whatever happens next.
  run.calls.push({ model, usage: reply.usage })
  let first: ChatCompletionChunk[] | null
  try {
    first = await timer.race(reply.chunks.next())
  } catch (e) {
    timer.release()
    const err = asProviderError(model.provider, e, timer.signal)
    timer.abort(err)
    reply.chunks.cancel(err).catch(() => {})
    throw err
  }
  if (firstByte) clearTimeout(firstByte)
  if (first === null) timer.release()
  return { kind: 'stream', chunks: guardedChunks(reply.chunks, first, model, timer, run.breaker), usage: reply.usage }
}

/** One attempt's abort controller: the client's signal and the timeouts abort it, with the deciding error as reason. */
type AttemptTimer = ReturnType<typeof attemptTimer>

function attemptTimer(model: ModelSpec, client?: AbortSignal) {
  const ac = new AbortController()
  const timers: Array<ReturnType<typeof setTimeout>> = []
  const onClient = () => ac.abort(abortError(model.provider))
  client?.addEventListener('abort', onClient, { once: true })
  const aborted = new Promise<never>((_, reject) => ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true }))
  aborted.catch(() => {})
  return {
    signal: ac.signal,
    /** A timeout that aborts the attempt as `timeout` with this message. */
    arm(ms: number, message: string) {
      const t = setTimeout(() => ac.abort(new ProviderError(model.provider, 'timeout', message)), ms)
      timers.push(t)
      return t
    },
    /** `p`, unless the attempt is aborted first. */
    race: <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted]),
    abort: (reason?: unknown) => ac.abort(reason),
    /** Stops the timeouts and stops listening to the client. */
    release() {
      for (const t of timers) clearTimeout(t)
      client?.removeEventListener('abort', onClient)
    },
  }
}

/**
 * The stream handed out: the first batch (already read), then one race with the timeouts and the client per batch,
 * not per chunk. A failure after the first batch counts against the breaker and is thrown once the chunks before it are out.
 */
function guardedChunks(upstream: ChunkStream, first: ChatCompletionChunk[] | null, model: ModelSpec, timer: AttemptTimer, breaker: CircuitBreaker): ChunkStream {
  let held = first
  let finished = first === null
  let failed: ProviderError | undefined
  return {
    async next() {
      if (held) {
        const b = held
        held = null
        return b
      }
      if (failed) throw failed
      if (finished) return null
      try {
        const b = await timer.race(upstream.next())
        if (b === null) {
          finished = true
          timer.release()
        }
        return b
      } catch (e) {
        if (finished) return null // cancelled meanwhile
        timer.release()
        const err = (failed = asProviderError(model.provider, e, timer.signal))
        timer.abort(err)
        upstream.cancel(err).catch(() => {})
        breaker.failure(`${model.provider}:${model.upstream}`)
        throw err
      }
    },
    cancel(reason) {
      held = null
      finished = true
      timer.release()
      timer.abort(abortError(model.provider))
      return upstream.cancel(reason).catch(() => {})
    },
  }
}

function failure(failures: Array<{ model: string; error: ProviderError }>, calls: BilledCall[], attempts: number): ExecutionError {
  if (failures.length === 0) {
    const e = new ProviderError('openai', 'unconfigured', 'No model is configured for this tier.')
    return new ExecutionError(e, [], calls, attempts)
  }
  const real = failures.filter((f) => f.error.failure !== 'unconfigured')
  if (real.length === 0) {
    const missing = [...new Set(failures.flatMap((f) => f.error.missing))]
    const first = failures[0].error
    const e = new ProviderError(first.provider, 'unconfigured', `No provider for this tier is configured: set ${missing.join(', ') || 'its credentials'}.`, { missing })
    return new ExecutionError(e, failures, calls, attempts)
  }
  return new ExecutionError(real[real.length - 1].error, failures, calls, attempts)
}
