/**
 * POST /v1/messages — Anthropic's Messages API in front of every tier, so the Anthropic SDK and Anthropic-format
 * tools can point at Triage (`ANTHROPIC_BASE_URL=https://triage…`). The same request path as chat completions
 * (`complete()` in api/chat.ts: auth → parse → score → choose → reserve → call → stream back → settle, one way of
 * handling money), with Anthropic's format at both ends (src/anthropic) and errors in Anthropic's shape (server/base).
 *
 * @example
 * const client = new Anthropic({ baseURL: 'https://triage.example.com', apiKey: 'trg_…' })
 * await client.messages.create({ model: 'auto', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] })
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app'
import { anthropicSse, readMessagesRequest, toAnthropicMessage } from '../anthropic'
import { complete, type ReplyFormat } from './chat'

const anthropicReply: ReplyFormat = {
  json: toAnthropicMessage,
  sse: (_req, usage) => anthropicSse(usage),
}

/** Errors before the reply starts go to the app's error handler, which answers them in Anthropic's format here. */
export function messages(c: Context<AppEnv>): Promise<Response> {
  return complete(c, readMessagesRequest, anthropicReply)
}
