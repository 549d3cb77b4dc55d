/**
 * POST /v1/messages — Anthropic's Messages API in front of every tier, so the Anthropic SDK and Anthropic-format
 * tools can point at Triage (`ANTHROPIC_BASE_URL=https://triage…`). The same request path as chat completions
 * (`complete()` in api/chat.ts: auth → parse → score → choose → reserve → call → stream back → settle, one way of
 * handling money), with Anthropic's format at both ends (src/anthropic) and errors in Anthropic's shape.
 *
 * @example
 * const client = new Anthropic({ baseURL: 'https://triage.example.com', apiKey: 'trg_…' })
 * await client.messages.create({ model: 'auto', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] })
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app'
import { toApiError, ApiError } from '../http/errors'
import { anthropicErrorBody, anthropicSse, readMessagesRequest, toAnthropicMessage } from '../anthropic'
import { complete, type ReplyFormat } from './chat'
import { logUnhandled } from '../server/base'

const anthropicReply: ReplyFormat = {
  json: toAnthropicMessage,
  sse: (_req, usage) => anthropicSse(usage),
}

export async function messages(c: Context<AppEnv>): Promise<Response> {
  try {
    return await complete(c, readMessagesRequest, anthropicReply)
  } catch (err) {
    const api = toApiError(err)
    if (!(err instanceof ApiError)) logUnhandled(err, c)
    for (const [k, v] of Object.entries(api.headers)) c.header(k, v)
    return c.json(anthropicErrorBody(api), api.status as 400)
  }
}
