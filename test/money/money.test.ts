import { describe, expect, it } from 'vitest'
import { IMAGE_TOKENS } from '../../src/money/estimate'
import { withOutputCap } from '../../src/openai/request'
import { affordableOutput, cost, worstCase, formatUsd, parseUsd, estimateInputTokens, textTokens, buildPrices, isPriced, priceOf, PriceConfigError, PRICES } from '../../src/money'
import { ApiError } from '../../src/http/errors'
import type { Usage } from '../../src/openai/types'
import type { ChatRequest } from '../../src/openai/request'

const u = (p: Partial<Usage>): Usage => ({ input: 0, cachedInput: 0, cacheWrite: 0, output: 0, reasoning: 0, ...p })
const req = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'auto', messages: [{ role: 'user', content }], ...extra }) as ChatRequest

describe('price table', () => {
  it('has a dated, sourced row for every default model', () => {
    for (const id of ['@cf/meta/llama-3.2-3b-instruct', '@cf/meta/llama-3.2-1b-instruct', '@cf/meta/llama-3.1-8b-instruct-fast', '@cf/qwen/qwen2.5-coder-32b-instruct', 'deepseek-reasoner', 'deepseek-chat', 'gpt-4.1', 'gpt-4.1-mini', 'claude-sonnet-4-6']) {
      const row = PRICES[id]
      expect(row, id).toBeDefined()
      expect(row.source).toMatch(/^https:\/\//)
      expect(row.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(row.currency).toBe('USD')
      expect(isPriced(id)).toBe(true)
    }
  })

  it('converts Workers AI neurons at $0.011 per 1,000 neurons, exactly', () => {
    // 4625 neurons per 1M input tokens × $0.000011 = $0.050875 per 1M = 50,875,000 nano per 1M
    const p = priceOf('@cf/meta/llama-3.2-3b-instruct')
    expect(p.input).toBe(50_875_000)
    expect(p.output).toBe(335_225_000)
    // 1,000 input + 200 output tokens: 50,875 + 67,045 nano
    expect(cost(u({ input: 1000, output: 200 }), '@cf/meta/llama-3.2-3b-instruct')).toBe(117_920)
    // 1 + 1 token: 50.875 + 335.225 = 386.1 nano → rounded up once to 387
    expect(cost(u({ input: 1, output: 1 }), '@cf/meta/llama-3.2-3b-instruct')).toBe(387)
  })

  it('bills reported neurons when Workers AI reports them', () => {
    expect(cost(u({ input: 1000, output: 200, neurons: 10 }), '@cf/meta/llama-3.2-1b-instruct')).toBe(110_000)
  })
})

describe('cost from real usage', () => {
  it('prices uncached, cached input, output and reasoning separately (gpt-4.1)', () => {
    // 1200 in (1000 cached) + 300 out at 2,000 / 500 / 8,000 nano per token = 400,000 + 500,000 + 2,400,000
    expect(cost(u({ input: 1200, cachedInput: 1000, output: 300 }), 'gpt-4.1')).toBe(3_300_000)
    expect(cost(u({ input: 1_000_000, output: 1_000_000 }), 'gpt-4.1')).toBe(10_000_000_000) // $10.00
  })

  it('prices Anthropic cache writes and reads', () => {
    // 10,000 input = 2,000 uncached ($3) + 5,000 cache read ($0.30) + 3,000 cache write ($3.75); 1,000 output ($15)
    const n = cost(u({ input: 10_000, cachedInput: 5_000, cacheWrite: 3_000, output: 1_000 }), 'claude-sonnet-4-6')
    expect(n).toBe(6_000_000 + 1_500_000 + 11_250_000 + 15_000_000)
    expect(formatUsd(n)).toBe('0.03375')
  })

  it('prices DeepSeek cache hits and reasoning at the output rate', () => {
    // 100 miss × 280 + 900 hit × 28 + 500 out (400 of them reasoning) × 420 nano = 28,000 + 25,200 + 210,000
    expect(cost(u({ input: 1000, cachedInput: 900, output: 500, reasoning: 400 }), 'deepseek-reasoner')).toBe(263_200)
  })

  it('rounds up once per request, never down to free', () => {
    expect(cost(u({ input: 1 }), '@cf/meta/llama-3.2-1b-instruct')).toBe(28) // 27.027 nano → 28
    expect(cost(u({}), 'gpt-4.1')).toBe(0)
  })

  it('is exact for sums where floats drift', () => {
    let total = 0
    let float = 0
    for (let i = 0; i < 1000; i++) {
      total += cost(u({ input: 10, output: 10 }), 'gpt-4.1-mini') // 4,000 + 16,000 = 20,000 nano each
      float += 0.00002
    }
    expect(total).toBe(20_000_000)
    expect(formatUsd(total)).toBe('0.02')
    expect(float).not.toBe(0.02) // what a float ledger would have recorded
  })
})

describe('unpriced models fail closed', () => {
  it('refuses a model with no price', () => {
    expect(isPriced('mystery-model')).toBe(false)
    const err = (() => { try { worstCase(req('hi'), 'mystery-model', 100) } catch (e) { return e } })()
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).code).toBe('model_unpriced')
    expect(() => cost(u({ input: 10 }), 'mystery-model')).toThrow(ApiError)
  })

  it('charges a configured conservative "*" rate instead, when set', () => {
    const cfg = { priceOverrides: JSON.stringify({ '*': { input: 20, output: '100' } }) }
    expect(isPriced('mystery-model', cfg)).toBe(true)
    expect(cost(u({ input: 1000, output: 1000 }), 'mystery-model', cfg)).toBe(120_000_000)
    // Known models keep their own rows.
    expect(cost(u({ input: 1_000_000 }), 'gpt-4.1', cfg)).toBe(2_000_000_000)
  })

  it('validates TRIAGE_PRICES and names the bad entry', () => {
    expect(() => buildPrices('{')).toThrow(PriceConfigError)
    expect(() => buildPrices(JSON.stringify({ 'gpt-4.1': { input: -1, output: 1 } }))).toThrow(/gpt-4\.1/)
    expect(() => buildPrices(JSON.stringify({ x: { input: '1' } }))).toThrow(/needs "input" and "output"/)
    expect(() => buildPrices(JSON.stringify({ x: { input: '1', output: '1', bogus: 1 } }))).toThrow(PriceConfigError)
    const p = buildPrices(JSON.stringify({ 'gpt-4.1': { input: '1.5', output: 6 }, '@cf/x': { neurons: { input: 1000, output: 2000 } } }))
    expect(p.get('gpt-4.1')!.input).toBe(1_500_000_000)
    expect(p.get('@cf/x')!.output).toBe(22_000_000)
    expect(p.version).toMatch(/\+overrides$/)
  })
})

describe('worst case', () => {
  it('is estimated input at the input rate plus max_tokens at the output rate', () => {
    const r = req('x'.repeat(300), { max_tokens: 1000 }) // 4 + (4 + 'user' 4) + (300 bytes + 1) = 313 input tokens
    expect(estimateInputTokens(r)).toBe(313)
    // gpt-4.1: 313 × 2,000 + 1000 × 8,000 nano
    expect(worstCase(r, 'gpt-4.1', 4096)).toBe(626_000 + 8_000_000)
  })

  it('uses the smaller of max_completion_tokens and max_tokens (issue 14: one normalised cap), and the configured cap when neither is set', () => {
    expect(worstCase(req('hi', { max_tokens: 10, max_completion_tokens: 20 }), 'gpt-4.1', 4096)).toBe(worstCase(req('hi', { max_tokens: 10 }), 'gpt-4.1', 4096))
    expect(worstCase(req('hi', { max_tokens: 30_000, max_completion_tokens: 1 }), 'gpt-4.1', 4096)).toBe(worstCase(req('hi', { max_tokens: 1 }), 'gpt-4.1', 4096))
    expect(worstCase(req('hi'), 'gpt-4.1', { limits: { defaultMaxOutputTokens: 100 } })).toBe(worstCase(req('hi', { max_tokens: 100 }), 'gpt-4.1', 1))
  })

  it('counts text by its UTF-8 bytes (a bound on byte-level BPE tokens), without encoding it', () => {
    expect(textTokens('你好世界你好世界')).toBe(24)
    expect(textTokens('hello world, hi')).toBe(15)
    expect(textTokens('héllo')).toBe(6)
    expect(textTokens('😀')).toBe(4)
    expect(textTokens('\ud800')).toBe(3) // a lone surrogate: TextEncoder writes U+FFFD
    for (const s of ['', 'a', 'ß∂ƒ©', '𠀀𪚥鱻', 'mixed ascii, é, 中, 😀 and \udc00 alone', 'x\ud83d']) expect(textTokens(s)).toBe(new TextEncoder().encode(s).length)
    // Real BPE tokenizers give ~4 chars/token for English: the estimate must be above that.
    const english = 'The quick brown fox jumps over the lazy dog. '.repeat(50)
    expect(textTokens(english)).toBeGreaterThan(english.length / 4)
  })

  it('counts images, tools and structured parts', () => {
    const r = { model: 'auto', messages: [{ role: 'user', content: [{ type: 'text', text: 'abc' }, { type: 'image_url', image_url: { url: 'data:x' } }] }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] } as unknown as ChatRequest
    expect(estimateInputTokens(r)).toBeGreaterThan(IMAGE_TOKENS + 346 + 3 + 8)
  })
})

describe('affordableOutput', () => {
  it('is the exact inverse of worstCase: the largest output cap that fits, 0 when not even the input does', () => {
    const r = req('How do I reverse a list in Python?')
    for (const model of ['gpt-4.1', 'claude-sonnet-4-6', 'deepseek-reasoner', '@cf/meta/llama-3.2-3b-instruct']) {
      for (const nano of [1, 1_000, 77_777, 500_000, 10_000_000, 123_456_789]) {
        const n = affordableOutput(r, model, {}, nano)
        if (n > 0) expect(worstCase(withOutputCap(r, n), model), `${model} ${nano}`).toBeLessThanOrEqual(nano)
        expect(worstCase(withOutputCap(r, n + 1), model), `${model} ${nano}`).toBeGreaterThan(nano)
      }
    }
    expect(affordableOutput(r, 'gpt-4.1', {}, 0)).toBe(0)
    expect(affordableOutput(r, 'gpt-4.1', {}, -5)).toBe(0)
  })
})

describe('formatting', () => {
  it('keeps full precision', () => {
    expect(formatUsd(39_000)).toBe('0.000039')
    expect(formatUsd(1)).toBe('0.000000001')
    expect(formatUsd(0)).toBe('0.00')
    expect(formatUsd(5_000_000_000)).toBe('5.00')
    expect(formatUsd(5_250_000_000)).toBe('5.25')
    expect(formatUsd(-1_500_000_000)).toBe('-1.50')
    expect(formatUsd(123_456_789_012)).toBe('123.456789012')
  })

  it('parses USD exactly', () => {
    expect(parseUsd(5)).toBe(5_000_000_000)
    expect(parseUsd(0.1)).toBe(100_000_000)
    expect(parseUsd('0.000000001')).toBe(1)
    expect(parseUsd('19.99')).toBe(19_990_000_000)
    expect(parseUsd(-1)).toBeUndefined()
    expect(parseUsd('1e3')).toBeUndefined()
    expect(parseUsd('0.0000000001')).toBeUndefined()
    expect(parseUsd(Number.NaN)).toBeUndefined()
  })
})
