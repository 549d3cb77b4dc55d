/**
 * A cheap, conservative count of a request's input tokens, for the worst-case reservation.
 *
 * One pass over the characters: ASCII counts as one token per 3 characters (real tokenizers average about 4),
 * and every non-ASCII code unit as one token (CJK is about one token per character; this over-counts
 * accented Latin, which is the safe side). Each message adds 4 tokens of framing; images and files add a
 * fixed allowance. Tool definitions and structured parts are counted by their JSON text.
 *
 * @example estimateInputTokens({ model: 'auto', messages: [{ role: 'user', content: 'hello world' }] }) // 4 + 4 + 3 = 11
 */
import type { ChatRequest } from '../openai/request'

/** Tokens charged per image part: above OpenAI's high-detail maximum for a 2048×2048 image (1,105). */
export const IMAGE_TOKENS = 1_600
const MESSAGE_OVERHEAD = 4
const REQUEST_OVERHEAD = 4

/** Conservative token count of a string. */
export function textTokens(s: string): number {
  let ascii = 0
  let other = 0
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) < 128) ascii++
    else other++
  }
  return Math.ceil(ascii / 3) + other
}

export function estimateInputTokens(req: ChatRequest): number {
  // Reserving for several candidate models, and settling a stream cut before usage, ask for the same request's
  // estimate: compute it once per request object.
  let n = estimates.get(req)
  if (n === undefined) estimates.set(req, (n = countInputTokens(req)))
  return n
}

const estimates = new WeakMap<ChatRequest, number>()

function countInputTokens(req: ChatRequest): number {
  let tokens = REQUEST_OVERHEAD
  for (const m of req.messages) {
    tokens += MESSAGE_OVERHEAD
    const content = (m as { content?: unknown }).content
    if (typeof content === 'string') tokens += textTokens(content)
    else if (Array.isArray(content)) {
      for (const part of content as Array<Record<string, unknown>>) {
        if (part.type === 'text') tokens += textTokens(String(part.text ?? ''))
        else if (part.type === 'image_url') tokens += IMAGE_TOKENS
        else if (part.type === 'refusal') tokens += textTokens(String(part.refusal ?? ''))
        else tokens += textTokens(JSON.stringify(part))
      }
    }
    const extra = m as { tool_calls?: unknown; name?: string }
    if (extra.tool_calls) tokens += textTokens(JSON.stringify(extra.tool_calls))
    if (extra.name) tokens += textTokens(extra.name)
  }
  if (req.tools) tokens += textTokens(JSON.stringify(req.tools))
  if (req.response_format && req.response_format.type === 'json_schema') tokens += textTokens(JSON.stringify(req.response_format))
  return tokens
}
