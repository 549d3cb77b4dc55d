/**
 * Anthropic's Messages format at Triage's front door (`POST /v1/messages`): the request in (`readMessagesRequest`,
 * translated to the internal Chat Completions request), the answer out (`toAnthropicMessage`, `anthropicSse`) and
 * errors (`anthropicErrorBody`). The mappings shared with the Anthropic adapter are in `shared.ts`.
 *
 * @example
 * const req = await readMessagesRequest(c.req.raw, config.limits)       // → ChatRequest
 * return c.json(toAnthropicMessage(completion, usage))
 */
export { MessagesRequestSchema, parseMessagesRequest, readMessagesRequest, toChatRequest, type MessagesRequest } from './request'
export { anthropicErrorBody, anthropicErrorType, anthropicSse, toAnthropicMessage } from './response'
export * from '../providers/anthropic/shared'
