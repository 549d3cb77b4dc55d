/** Request translation properties, fuzzed: any valid OpenAI request becomes a well-formed provider request or a 400. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toAnthropicRequest } from '../../src/providers/anthropic'
import { prepareForDeepSeek } from '../../src/providers/deepseek'
import { toWorkersAIInputs } from '../../src/providers/workers-ai'
import { ProviderError } from '../../src/providers/types'
import { parseChatRequest, type ChatRequest } from '../../src/openai/request'

const text = fc.string({ maxLength: 20 })
const part = fc.oneof(
  text.map((t) => ({ type: 'text', text: t })),
  fc.constant({ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }),
)
const content = fc.oneof(text, fc.array(part, { maxLength: 3 }))
const call = fc.record({ id: fc.stringMatching(/^call_[a-z0-9]{1,6}$/), type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('f', 'g'), arguments: fc.constantFrom('{}', '{"a":1}') }) })
const message = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer', 'user'), content }),
  fc.record({ role: fc.constant('assistant'), content: fc.option(text, { nil: null }), tool_calls: fc.option(fc.array(call, { minLength: 1, maxLength: 2 }), { nil: undefined }), reasoning_content: fc.option(text, { nil: undefined }) }),
  fc.record({ role: fc.constant('tool'), content: text, tool_call_id: fc.constant('call_a') }),
)
const requests = fc
  .record({
    messages: fc.array(message, { minLength: 1, maxLength: 8 }),
    tools: fc.option(fc.constant([{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }]), { nil: undefined }),
    tool_choice: fc.option(fc.constantFrom('auto', 'required', 'none', { type: 'function', function: { name: 'f' } }), { nil: undefined }),
    temperature: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
    stop: fc.option(fc.oneof(text, fc.array(text, { maxLength: 4 })), { nil: undefined }),
    max_tokens: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
  })
  .map((r) => JSON.parse(JSON.stringify(r)))
  .filter((r) => parseChatRequest(r).ok)
  .map((r) => (parseChatRequest(r) as { ok: true; request: ChatRequest }).request)

const orBadRequest = (f: () => unknown) => {
  try {
    return f()
  } catch (e) {
    expect(e).toBeInstanceOf(ProviderError)
    expect((e as ProviderError).status).toBe(400)
    return undefined
  }
}

describe('request translation (fuzzed)', () => {
  it('Anthropic: roles alternate, only user/assistant, system collected, max_tokens always set, temperature ≤ 1', () => {
    fc.assert(
      fc.property(requests, (req) => {
        const body = orBadRequest(() => toAnthropicRequest(req, 'claude', true, 1000)) as Record<string, any> | undefined
        if (!body) return
        expect(body.max_tokens).toBe(req.max_tokens ?? 1000)
        if (body.temperature !== undefined) expect(body.temperature).toBeLessThanOrEqual(1)
        const msgs = body.messages as Array<{ role: string; content: unknown[] }>
        for (let i = 0; i < msgs.length; i++) {
          expect(['user', 'assistant']).toContain(msgs[i].role)
          expect(msgs[i].content.length).toBeGreaterThan(0)
          if (i > 0) expect(msgs[i].role).not.toBe(msgs[i - 1].role)
        }
        if (req.tool_choice === 'none') expect(body.tools).toBeUndefined()
      }),
      { numRuns: 300 },
    )
  })

  it('DeepSeek: never sends reasoning_content or developer, content is text', () => {
    fc.assert(
      fc.property(requests, (req) => {
        const body = orBadRequest(() => prepareForDeepSeek({ ...req })) as Record<string, any> | undefined
        if (!body) return
        for (const m of body.messages) {
          expect(m).not.toHaveProperty('reasoning_content')
          expect(m.role).not.toBe('developer')
          if (m.content != null) expect(typeof m.content).toBe('string')
        }
      }),
      { numRuns: 300 },
    )
  })

  it('Workers AI: text messages, max_tokens always set', () => {
    fc.assert(
      fc.property(requests, (req) => {
        const inputs = orBadRequest(() => toWorkersAIInputs(req, false, 512)) as Record<string, any> | undefined
        if (!inputs) return
        expect(inputs.max_tokens).toBe(req.max_tokens ?? 512)
        for (const m of inputs.messages) expect(typeof m.content).toBe('string')
      }),
      { numRuns: 300 },
    )
  })
})
