import { describe, expect, it } from 'vitest'
import { buildConfig, type ModelSpec } from '../../src/config'
import { CircuitBreaker, execute, ExecutionError, unsupportedIn, validateAnswer, withoutUnsupported, type ExecuteDeps, type Plan } from '../../src/execution'
import { createProviders, toApiError } from '../../src/providers'
import { ProviderError } from '../../src/providers/types'
import type { ChatCompletion } from '../../src/openai/types'
import { expectValid } from '../support/openai-spec'
import { createEmulator } from '../fixtures/emulator.mjs'
import { collect, emulatorEnv, request, user } from '../providers/helpers'

const LLAMA = '@cf/meta/llama-3.2-3b-instruct'

function harness(env: Record<string, string> = {}, opts: { now?: () => number } = {}) {
  const emu = createEmulator({ trickleMs: 5 })
  const config = buildConfig({
    ...emulatorEnv,
    TRIAGE_FIRST_BYTE_TIMEOUT_MS: '200',
    TRIAGE_TOTAL_TIMEOUT_MS: '2000',
    TRIAGE_MAX_ATTEMPTS: '3',
    TRIAGE_RETRY_BASE_MS: '100',
    TRIAGE_RETRY_MAX_MS: '5000',
    ...env,
  })
  const sleeps: number[] = []
  const breaker = new CircuitBreaker(config.breaker, opts.now)
  const deps: ExecuteDeps = {
    providers: createProviders(config, {}, emu.fetch),
    config,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    breaker,
  }
  const m = (id: string): ModelSpec => config.models[id]
  const hits = (path: string) => emu.requests.filter((r) => r.path.includes(path)).length
  return { emu, config, deps, sleeps, breaker, m, hits }
}

describe('the request each model accepts', () => {
  it('leaves out only the fields the model refuses, and passes the request itself when there are none', () => {
    const { m } = harness()
    const req = user('hi', { reasoning_effort: 'high', logprobs: true, seed: 1 })
    const forGpt = withoutUnsupported(req, m('gpt-4.1'))
    expect(forGpt).not.toHaveProperty('reasoning_effort')
    expect(forGpt).toMatchObject({ logprobs: true, seed: 1, messages: req.messages })
    expect(req).toHaveProperty('reasoning_effort', 'high') // the client's request is not changed
    expect(unsupportedIn(req, m('deepseek-reasoner'))).toEqual(['logprobs'])
    expect(withoutUnsupported(req, m('claude-sonnet-4-6'))).toBe(req)
    const plain = user('hi')
    expect(withoutUnsupported(plain, m('gpt-4.1'))).toBe(plain)
  })

  it('a fallback gets the request as it accepts it, not as the first model did', async () => {
    const { deps, m, emu } = harness()
    const req = user('hi [[fault:503;model=gpt-4.1]]', { reasoning_effort: 'low' })
    const ex = await execute({ tier: 'premium', candidates: [m('gpt-4.1'), m('deepseek-reasoner')] }, req, deps)
    expect(ex.model.id).toBe('deepseek-reasoner')
    const bodies = emu.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body)
    expect(bodies.filter((b) => b.model === 'gpt-4.1').every((b) => !('reasoning_effort' in b))).toBe(true)
    expect(bodies.find((b) => b.model === 'deepseek-reasoner')?.reasoning_effort).toBe('low')
  })
})

describe('execute: retries and fallback', () => {
  it('retries a 429 honouring retry-after, then succeeds on the same model', async () => {
    const { deps, sleeps, m } = harness()
    const ex = await execute({ tier: 'premium', candidates: [m('gpt-4.1')] }, user('hi [[fault:429-then-ok;retry-after=2]]'), deps)
    expect(ex.attempts).toBe(2)
    expect(ex.model.id).toBe('gpt-4.1')
    expect(ex.provider).toBe('openai')
    expect(sleeps).toEqual([2000])
    expect(ex.calls).toHaveLength(1)
    if (ex.reply.kind !== 'json') throw new Error()
    expectValid('CreateChatCompletionResponse', ex.reply.completion)
  })

  it('retries a 500 with jittered exponential backoff, then succeeds', async () => {
    const { deps, sleeps, m } = harness()
    const ex = await execute({ tier: 'premium', candidates: [m('gpt-4.1')] }, user('hi [[fault:500-then-ok;times=2]]'), deps)
    expect(ex.attempts).toBe(3)
    // base 100: attempt 1 → 50..100 (random 0.5 → 75), attempt 2 → 100..200 (150)
    expect(sleeps).toEqual([75, 150])
  })

  it('falls back to the next candidate when retries are exhausted', async () => {
    const { deps, m, hits } = harness({ TRIAGE_MAX_ATTEMPTS: '2' })
    const ex = await execute({ tier: 'premium', candidates: [m('gpt-4.1'), m('claude-sonnet-4-6')] }, user('hi [[fault:503;model=gpt-4.1]]'), deps)
    expect(ex.model.id).toBe('claude-sonnet-4-6')
    expect(ex.provider).toBe('anthropic')
    expect(ex.attempts).toBe(3)
    expect(hits('/openai/')).toBe(2)
  })

  it('does not wait for a retry-after longer than the cap: next candidate at once', async () => {
    const { deps, sleeps, m } = harness({ TRIAGE_RETRY_MAX_MS: '1000' })
    const ex = await execute({ tier: 'premium', candidates: [m('gpt-4.1'), m('claude-sonnet-4-6')] }, user('hi [[fault:429;retry-after=30;model=gpt-4.1]]'), deps)
    expect(ex.model.id).toBe('claude-sonnet-4-6')
    expect(sleeps).toEqual([])
  })

  it('a JSON call that does not answer within the total timeout falls back', async () => {
    const { deps, m } = harness({ TRIAGE_MAX_ATTEMPTS: '1', TRIAGE_TOTAL_TIMEOUT_MS: '300' })
    const t0 = Date.now()
    const ex = await execute({ tier: 'premium', candidates: [m('gpt-4.1'), m('claude-sonnet-4-6')] }, user('hi [[fault:stall-first-byte;model=gpt-4.1]]'), deps)
    expect(ex.model.id).toBe('claude-sonnet-4-6')
    expect(ex.attempts).toBe(2)
    expect(Date.now() - t0).toBeLessThan(1500)
  })

  it('a stream that sends no first chunk in time falls back before the client sees a byte', async () => {
    const { deps, m } = harness({ TRIAGE_MAX_ATTEMPTS: '1' })
    const ex = await execute({ tier: 'premium', candidates: [m('gpt-4.1'), m('claude-sonnet-4-6')] }, user('hi there [[fault:stall-first-byte;model=gpt-4.1]]', { stream: true }), deps)
    expect(ex.model.id).toBe('claude-sonnet-4-6')
    if (ex.reply.kind !== 'stream') throw new Error()
    const g = await collect(ex.reply.chunks)
    expect(g.error).toBeUndefined()
    expect(g.text).toBe('Echo: hi there')
  })

  it('a stream whose headers came but no chunk in time falls back (first-byte timeout)', async () => {
    const { deps, m } = harness({ TRIAGE_MAX_ATTEMPTS: '1' })
    const ex = await execute({ tier: 'premium', candidates: [m('gpt-4.1'), m('claude-sonnet-4-6')] }, user('late [[fault:stall-body;model=gpt-4.1]]', { stream: true }), deps)
    expect(ex.model.id).toBe('claude-sonnet-4-6')
    expect(ex.attempts).toBe(2)
    // the stalled stream had answered 200: it is listed as a (possibly billed) call, with an estimate and no output
    expect(ex.calls.map((c) => c.model.id)).toEqual(['gpt-4.1', 'claude-sonnet-4-6'])
    expect(await ex.calls[0].usage).toMatchObject({ output: 0, estimated: true })
    if (ex.reply.kind === 'stream') await collect(ex.reply.chunks)
  })

  it('a failure after the first byte ends the stream with an error, no fallback, usage kept', async () => {
    const { deps, m, hits } = harness()
    const ex = await execute({ tier: 'premium', candidates: [m('gpt-4.1'), m('claude-sonnet-4-6')] }, user('one two three four five [[fault:cut-mid-stream;after=3]]', { stream: true }), deps)
    if (ex.reply.kind !== 'stream') throw new Error()
    const g = await collect(ex.reply.chunks)
    expect(g.text).toBe('Echo: one two')
    expect(g.error).toBeInstanceOf(ProviderError)
    expect((g.error as ProviderError).kind).toBe('network')
    const usage = await ex.reply.usage
    expect(usage.estimated).toBe(true)
    expect(usage.output).toBeGreaterThan(0)
    expect(usage.input).toBeGreaterThan(0)
    expect(ex.calls).toHaveLength(1)
    expect(await ex.calls[0].usage).toEqual(usage)
    expect(hits('/anthropic/')).toBe(0)
  })

  it('the total timeout cuts a slow stream with a timeout error', async () => {
    const { deps, m } = harness({ TRIAGE_TOTAL_TIMEOUT_MS: '300', TRIAGE_FIRST_BYTE_TIMEOUT_MS: '200' })
    const ex = await execute({ tier: 'premium', candidates: [m('gpt-4.1')] }, user(`${'w '.repeat(40)}[[fault:slow-trickle;ms=40]]`, { stream: true }), deps)
    if (ex.reply.kind !== 'stream') throw new Error()
    const g = await collect(ex.reply.chunks)
    expect((g.error as ProviderError).kind).toBe('timeout')
    expect(g.chunks.length).toBeGreaterThan(1)
    expect((await ex.reply.usage).output).toBeGreaterThan(0)
  })

  it('an upstream 400 (the client content) is surfaced at once: no retry, no fallback', async () => {
    const { deps, m, hits } = harness()
    const err = await execute({ tier: 'premium', candidates: [m('gpt-4.1'), m('claude-sonnet-4-6')] }, user('bad [[fault:400]]'), deps).catch((e) => e)
    expect(err).toBeInstanceOf(ProviderError)
    expect(hits('/openai/')).toBe(1)
    expect(hits('/anthropic/')).toBe(0)
    const api = toApiError(err)
    expect(api.status).toBe(400)
    expect(api.message).toContain('rejected the request')
  })

  it('all candidates failing throws an aggregate naming each attempt → 502', async () => {
    const { deps, m } = harness({ TRIAGE_MAX_ATTEMPTS: '1' })
    const err = await execute({ tier: 'premium', candidates: [m('gpt-4.1'), m('claude-sonnet-4-6')] }, user('x [[fault:500]]'), deps).catch((e) => e)
    expect(err).toBeInstanceOf(ExecutionError)
    expect(err.failures.map((f: { model: string }) => f.model)).toEqual(['gpt-4.1', 'claude-sonnet-4-6'])
    expect(err.message).toContain('gpt-4.1: http 500')
    const api = toApiError(err)
    expect(api.status).toBe(502)
    expect(JSON.stringify(api.toJSON())).not.toContain('sk-')
  })

  it('no credentials for any candidate → unconfigured naming the settings → 503', async () => {
    const emu = createEmulator()
    const config = buildConfig({})
    const err = await execute({ tier: 'premium', candidates: [config.models['gpt-4.1'], config.models['claude-sonnet-4-6']] }, user('x'), {
      providers: createProviders(config, {}, emu.fetch),
      config,
      breaker: new CircuitBreaker(config.breaker),
    }).catch((e) => e)
    expect(err.kind).toBe('unconfigured')
    const api = toApiError(err)
    expect(api.status).toBe(503)
    expect(api.message).toContain('OPENAI_API_KEY')
    expect(api.message).toContain('ANTHROPIC_API_KEY')
  })

  it('stops when the client goes away', async () => {
    const { deps, m } = harness()
    const ac = new AbortController()
    const p = execute({ tier: 'premium', candidates: [m('gpt-4.1'), m('claude-sonnet-4-6')] }, user('x [[fault:stall-first-byte]]'), { ...deps, signal: ac.signal })
    setTimeout(() => ac.abort(), 20)
    const err = await p.catch((e) => e)
    expect(err).toBeInstanceOf(ProviderError)
    expect(err.message).toContain('client closed')
  })
})

describe('execute: circuit breaker', () => {
  it('opens after N consecutive failures, skips while open, half-opens after the cooldown and closes on success', async () => {
    let now = 1_000_000
    const { deps, m, hits, breaker } = harness({ TRIAGE_MAX_ATTEMPTS: '1', TRIAGE_BREAKER_FAILURES: '2', TRIAGE_BREAKER_COOLDOWN_MS: '1000' }, { now: () => now })
    const plan: Plan = { tier: 'premium', candidates: [m('gpt-4.1'), m('claude-sonnet-4-6')] }
    const failing = () => user('x [[fault:500;model=gpt-4.1]]')
    await execute(plan, failing(), deps)
    await execute(plan, failing(), deps)
    expect(breaker.state('openai:gpt-4.1')).toBe('open')
    expect(hits('/openai/')).toBe(2)
    const skipped = await execute(plan, failing(), deps)
    expect(hits('/openai/')).toBe(2) // not called while open
    expect(skipped.model.id).toBe('claude-sonnet-4-6')
    expect(skipped.attempts).toBe(1)
    now += 1000
    expect(breaker.state('openai:gpt-4.1')).toBe('half-open')
    const probe = await execute(plan, user('healthy again'), deps)
    expect(probe.model.id).toBe('gpt-4.1')
    expect(breaker.state('openai:gpt-4.1')).toBe('closed')
  })

  it('a failed half-open probe re-opens the breaker for another cooldown', () => {
    let now = 0
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100 }, () => now)
    b.failure('k')
    expect(b.allow('k')).toBe(false)
    now = 100
    expect(b.allow('k')).toBe(true) // the probe
    expect(b.allow('k')).toBe(false) // one probe at a time
    b.failure('k')
    expect(b.state('k')).toBe('open')
    now = 199
    expect(b.allow('k')).toBe(false)
    now = 200
    expect(b.allow('k')).toBe(true)
    b.success('k')
    expect(b.state('k')).toBe('closed')
  })
})

describe('execute: cascade', () => {
  const plan = (m: (id: string) => ModelSpec): Plan => ({ tier: 'medium', candidates: [m('deepseek-reasoner')], cascade: { first: [m(LLAMA)] } })

  it('accepts a good cheap answer: one call, trivial model', async () => {
    const { deps, m, hits } = harness()
    const ex = await execute(plan(m), user('what is two plus two'), deps)
    expect(ex.cascade).toBe('accepted')
    expect(ex.model.id).toBe(LLAMA)
    expect(ex.calls).toHaveLength(1)
    expect(hits('/deepseek/')).toBe(0)
  })

  it('escalates an empty answer; both calls are billed', async () => {
    const { deps, m } = harness()
    const ex = await execute(plan(m), user(`hello [[fault:empty;model=${LLAMA}]]`), deps)
    expect(ex.cascade).toBe('escalated')
    expect(ex.cascadeReason).toBe('empty answer')
    expect(ex.model.id).toBe('deepseek-reasoner')
    expect(ex.calls.map((c) => c.model.id)).toEqual([LLAMA, 'deepseek-reasoner'])
    const [cheap, strong] = await Promise.all(ex.calls.map((c) => c.usage))
    expect(cheap.input).toBeGreaterThan(0)
    expect(strong.reasoning).toBeGreaterThan(0)
    expect(ex.attempts).toBe(2)
  })

  it('escalates invalid JSON when response_format asks for JSON, accepts valid JSON', async () => {
    const { deps, m } = harness()
    const bad = await execute(plan(m), user(`give json [[fault:not-json;model=${LLAMA}]]`, { response_format: { type: 'json_object' } }), deps)
    expect(bad.cascade).toBe('escalated')
    expect(bad.cascadeReason).toMatch(/JSON/)
    const good = await execute(plan(m), user('give json', { response_format: { type: 'json_object' } }), deps)
    expect(good.cascade).toBe('accepted')
  })

  it('escalates a missing tool call when tool_choice requires one', async () => {
    const { deps, m } = harness()
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }]
    const ex = await execute(plan(m), request({ messages: [{ role: 'user', content: `find it [[fault:no-tool-call;model=${LLAMA}]]` }], tools, tool_choice: 'required' }), deps)
    expect(ex.cascade).toBe('escalated')
    expect(ex.cascadeReason).toContain('missing tool call')
  })

  it('escalates a truncated answer and a refusal', async () => {
    const { deps, m } = harness()
    const cut = await execute(plan(m), user('a long long long answer please', { max_tokens: 2 }), deps)
    expect(cut.cascade).toBe('escalated')
    expect(cut.cascadeReason).toContain('length')
    const no = await execute(plan(m), user(`do it [[fault:refusal;model=${LLAMA}]]`), deps)
    expect(no.cascade).toBe('escalated')
    expect(no.cascadeReason).toBe('refusal')
  })

  it('when escalation fails, the error still carries the cheap call for billing', async () => {
    const { deps, m } = harness({ TRIAGE_MAX_ATTEMPTS: '1' })
    const err = await execute(plan(m), user(`x [[fault:empty;model=${LLAMA}]] [[fault:500;model=deepseek-reasoner]]`), deps).catch((e) => e)
    expect(err).toBeInstanceOf(ExecutionError)
    expect(err.calls.map((c: { model: ModelSpec }) => c.model.id)).toEqual([LLAMA])
    expect(err.attempts).toBe(2)
    expect(toApiError(err).status).toBe(502)
  })

  it('escalates when the cheap model fails outright, and never cascades a stream', async () => {
    const { deps, m, hits } = harness({ TRIAGE_MAX_ATTEMPTS: '1' })
    const failed = await execute(plan(m), user(`x [[fault:500;model=${LLAMA}]]`), deps)
    expect(failed.cascade).toBe('escalated')
    const before = hits('/workers-ai/')
    const streamed = await execute(plan(m), user('stream it', { stream: true }), deps)
    expect(streamed.cascade).toBeUndefined()
    expect(streamed.model.id).toBe('deepseek-reasoner')
    expect(hits('/workers-ai/')).toBe(before)
    if (streamed.reply.kind === 'stream') await collect(streamed.reply.chunks)
  })
})

describe('validateAnswer', () => {
  const answer = (content: string | null, finish: ChatCompletion['choices'][number]['finish_reason'] = 'stop'): ChatCompletion => ({
    id: 'x', object: 'chat.completion', created: 0, model: 'm',
    choices: [{ index: 0, finish_reason: finish, logprobs: null, message: { role: 'assistant', content, refusal: null } }],
  })
  it('accepts ordinary answers and rejects apologies, json_schema missing keys', () => {
    expect(validateAnswer(answer('Paris is the capital.'), user('q'))).toEqual({ ok: true })
    expect(validateAnswer(answer("I'm sorry, but I can't help with that."), user('q'))).toEqual({ ok: false, reason: 'refusal' })
    expect(validateAnswer(answer('x', 'content_filter'), user('q')).ok).toBe(false)
    const rf = { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object', required: ['city'] } } }
    expect(validateAnswer(answer('{"town":"x"}'), user('q', { response_format: rf })).ok).toBe(false)
    expect(validateAnswer(answer('{"city":"x"}'), user('q', { response_format: rf })).ok).toBe(true)
  })
})
