import { describe, expect, it } from 'vitest'
import { createProviders } from '../../src/providers'
import { prepareForDeepSeek } from '../../src/providers/deepseek'
import { expectValid } from '../support/openai-spec'
import { collect, model, request, setup, signal } from './helpers'

describe('deepseek adapter', () => {
  const history = [
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'first answer', reasoning_content: 'long chain of thought' },
    { role: 'developer', content: 'be terse' },
    { role: 'user', content: 'second question' },
  ]

  it('strips reasoning_content from earlier turns (DeepSeek answers 400 otherwise) and keeps it in the answer', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const reply = await p.deepseek.chat(request({ messages: history, max_completion_tokens: 50 }), model(config, 'deepseek-reasoner'), { signal: signal(), stream: false })
    if (reply.kind !== 'json') throw new Error()
    expectValid('CreateChatCompletionResponse', reply.completion)
    const msg = reply.completion.choices[0].message as { content: string; reasoning_content?: string }
    expect(msg.content).toBe('Echo: second question')
    expect(msg.reasoning_content).toBe('Thinking about: second question')
    // prompt: 2 + 2 + 2 + 2 = 8 tokens; cached = all but the last message = 6; output = 3 + 4 reasoning
    expect(reply.usage).toEqual({ input: 8, cachedInput: 6, cacheWrite: 0, output: 7, reasoning: 4 })
    const sent = emu.requests[0].body
    expect(sent.messages[1]).toEqual({ role: 'assistant', content: 'first answer' })
    expect(sent.messages[2].role).toBe('system')
    expect(sent.max_tokens).toBe(50)
    expect(sent.max_completion_tokens).toBeUndefined()
    expect(emu.requests[0].path).toBe('/deepseek/chat/completions')
  })

  it('streams reasoning_content deltas then content, with prompt_cache_hit/miss usage', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const reply = await p.deepseek.chat(request({ messages: history, stream: true }), model(config, 'deepseek-reasoner'), { signal: signal(), stream: true })
    if (reply.kind !== 'stream') throw new Error()
    const got = await collect(reply.chunks)
    expect(got.error).toBeUndefined()
    expect(got.reasoning).toBe('Thinking about: second question')
    expect(got.text).toBe('Echo: second question')
    const firstContent = got.chunks.findIndex((c) => c.choices[0]?.delta.content)
    const lastReasoning = got.chunks.map((c) => !!(c.choices[0]?.delta as any)?.reasoning_content).lastIndexOf(true)
    expect(lastReasoning).toBeLessThan(firstContent)
    const usageChunk = got.chunks[got.chunks.length - 1]
    expect((usageChunk.usage as any).prompt_cache_hit_tokens).toBe(6)
    expect((usageChunk.usage as any).prompt_cache_miss_tokens).toBe(2)
    expect(await reply.usage).toEqual({ input: 8, cachedInput: 6, cacheWrite: 0, output: 7, reasoning: 4 })
  })

  it('deepseek-chat has no reasoning; the prepare step is pure', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    const reply = await p.deepseek.chat(request({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a b' }] }] }), model(config, 'deepseek-chat'), { signal: signal(), stream: false })
    if (reply.kind !== 'json') throw new Error()
    expect(reply.usage.reasoning).toBe(0)
    expect(emu.requests[0].body.messages[0].content).toBe('a b')
    const body = { messages: history }
    prepareForDeepSeek(body)
    expect((body.messages[1] as any).reasoning_content).toBe('long chain of thought')
  })

  it('sends one output cap, the smaller of max_completion_tokens and max_tokens (issue 14 item 1: it kept max_tokens)', async () => {
    const { emu, config } = setup()
    const p = createProviders(config, {}, emu.fetch)
    for (const stream of [false, true]) {
      const reply = await p.deepseek.chat(request({ messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1, max_tokens: 30_000, stream }), model(config, 'deepseek-reasoner'), { signal: signal(), stream })
      if (reply.kind === 'stream') await collect(reply.chunks)
      expect(emu.requests.at(-1)!.body.max_tokens).toBe(1)
      expect(emu.requests.at(-1)!.body).not.toHaveProperty('max_completion_tokens')
    }
    expect(prepareForDeepSeek({ messages: [], max_tokens: 30_000, max_completion_tokens: 1 })).toMatchObject({ max_tokens: 1 })
    expect(prepareForDeepSeek({ messages: [], max_tokens: 5, max_completion_tokens: 9 })).toEqual({ messages: [], max_tokens: 5 })
  })
})
