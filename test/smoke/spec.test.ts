import { describe, expect, it } from 'vitest'
import { expectValid, specErrors } from '../support/openai-spec'

describe('openai-spec oracle', () => {
  it('accepts a real completion and chunk, and an error', () => {
    expectValid('CreateChatCompletionResponse', {
      id: 'chatcmpl-1', object: 'chat.completion', created: 1700000000, model: 'gpt-4.1',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
    })
    expectValid('CreateChatCompletionStreamResponse', {
      id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'gpt-4.1',
      choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }],
    })
    expectValid('ErrorResponse', { error: { message: 'x', type: 'invalid_request_error', param: null, code: null } })
  })
  it('rejects what OpenAI would not send', () => {
    expect(specErrors('CreateChatCompletionResponse', { id: 1, choices: 'no' }).length).toBeGreaterThan(0)
    expect(specErrors('ErrorResponse', { error: { message: 'x' } }).length).toBeGreaterThan(0)
  })
})
