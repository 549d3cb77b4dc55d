/**
 * Issue 14 item 2: the input estimate is an upper bound for any input. Dense text that real tokenisers split into
 * more tokens than the old estimate (ASCII ÷ 3) counted is never under-reserved relative to its UTF-8 bytes, which
 * bound byte-level BPE token counts (test/node/estimate-bound.test.ts checks the real cl100k and o200k counts).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { estimateInputTokens, textTokens, worstCase, priceOf } from '../../src/money'
import type { ChatRequest } from '../../src/openai/request'
import { ADVERSARIAL } from '../support/adversarial'

const bytes = (s: string) => new TextEncoder().encode(s).length
const ask = (content: string, extra: Partial<ChatRequest> = {}) => ({ model: 'auto', messages: [{ role: 'user', content }], ...extra }) as ChatRequest

describe('the input bound', () => {
  for (const [name, text] of Object.entries(ADVERSARIAL)) {
    it(`never under-reserves ${name} against its UTF-8 bytes`, () => {
      const req = ask(text, { max_tokens: 1 })
      expect(estimateInputTokens(req)).toBeGreaterThanOrEqual(bytes(text))
      // The reservation: at least the bytes at the input rate plus the one output token at the output rate.
      const p = priceOf('gpt-4.1')
      expect(worstCase(req, 'gpt-4.1')).toBeGreaterThanOrEqual(Math.ceil((bytes(text) * p.input + p.output) / 1e6))
    })
  }

  it('counts every string exactly as its UTF-8 bytes (any code points, lone surrogates too)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => textTokens(s) === bytes(s)), { numRuns: 500 })
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), (s) => textTokens(s) === bytes(s)), { numRuns: 500 })
  })

  it('bounds every part a model reads: text parts, tool calls and results, names, tools', () => {
    const tools = [{ type: 'function', function: { name: 'lookup', description: '1 2 3 4 5 6 7 8 9', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }]
    const req = {
      model: 'auto',
      tools,
      messages: [
        { role: 'system', content: [{ type: 'text', text: ADVERSARIAL.base64 }] },
        { role: 'user', name: 'ann', content: ADVERSARIAL.punctuation },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: JSON.stringify({ q: ADVERSARIAL['1 2 3 …'] }) } }] },
        { role: 'tool', tool_call_id: 'call_1', content: ADVERSARIAL.emoji },
      ],
    } as unknown as ChatRequest
    const read = [ADVERSARIAL.base64, 'ann', ADVERSARIAL.punctuation, JSON.stringify(req.messages[2].tool_calls), 'call_1', ADVERSARIAL.emoji, JSON.stringify(tools)]
    expect(estimateInputTokens(req)).toBeGreaterThanOrEqual(read.reduce((n, s) => n + bytes(s), 0))
  })

  it('never crashes on fields a message role does not validate (found by fuzzing: a user message with tool_call_id: 123)', () => {
    const req = { model: 'auto', messages: [{ role: 'user', content: 'hi', tool_call_id: 123, name: 5 }, { role: 'system', content: '', tool_call_id: [null] }] } as unknown as ChatRequest
    expect(estimateInputTokens(req)).toBeGreaterThanOrEqual(bytes('hi'))
  })
})
