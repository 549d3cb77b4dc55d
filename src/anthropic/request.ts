/**
 * The Anthropic Messages request (`POST /v1/messages`), validated with zod/mini, and its translation into the
 * internal Chat Completions request, so it takes the same path as `/v1/chat/completions` (score, route, reserve,
 * call, settle). The Anthropic adapter's `toAnthropicRequest` is the inverse: a request that arrives here and is
 * served by Anthropic reaches it with the same blocks, `cache_control` included.
 *
 * Doc: https://docs.anthropic.com/en/api/messages [Body]. Mapping: `system` (string or text blocks) → a system
 * message; text/image blocks → content parts; `tool_use` → assistant `tool_calls`; `tool_result` → `tool` messages
 * (before the rest of that user turn, as OpenAI orders them); `thinking` blocks from earlier turns are left out;
 * tools → functions; tool_choice auto/any/tool/none → auto/required/named/none (`disable_parallel_tool_use` →
 * `parallel_tool_calls: false`); `stop_sequences` → `stop`; `metadata.user_id` → `user`; max_tokens, temperature,
 * top_p, stream. `top_k` and other fields have no OpenAI equivalent and are not sent on.
 *
 * @example
 * const r = parseMessagesRequest({ model: 'auto', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] })
 * if (r.ok) toChatRequest(r.request).messages   // [{ role: 'user', content: 'hi' }]
 */
import * as z from 'zod/mini'
import { isObjectBody, NOT_AN_OBJECT, type ChatMessage, type ChatRequest, type Parsed } from '../openai/request'
import { checkMessageCount, readJson, validRequest, type BodyLimits } from '../http/body'
import { cacheControl, imageUrl, type ImageSource } from '../providers/anthropic/shared'

const CacheControl = z.optional(z.nullable(z.looseObject({ type: z.literal('ephemeral'), ttl: z.optional(z.enum(['5m', '1h'])) })))
const TextBlock = z.looseObject({ type: z.literal('text'), text: z.string(), cache_control: CacheControl })
const ImageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('base64'), media_type: z.string(), data: z.string() }),
    z.looseObject({ type: z.literal('url'), url: z.string() }),
  ]),
  cache_control: CacheControl,
})
const ToolUseBlock = z.looseObject({
  type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.record(z.string(), z.unknown()), cache_control: CacheControl,
})
const ToolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.optional(z.union([z.string(), z.array(z.discriminatedUnion('type', [TextBlock, ImageBlock]))])),
  is_error: z.optional(z.boolean()),
  cache_control: CacheControl,
})
/** Earlier turns' extended thinking: sent back by clients, not forwarded (other providers cannot take it). */
const ThinkingBlock = z.looseObject({ type: z.enum(['thinking', 'redacted_thinking']) })
const Block = z.discriminatedUnion('type', [TextBlock, ImageBlock, ToolUseBlock, ToolResultBlock, ThinkingBlock])

const Message = z.looseObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(Block)]) })
const Tool = z.looseObject({
  name: z.string().check(z.minLength(1)),
  description: z.optional(z.string()),
  input_schema: z.record(z.string(), z.unknown()),
  cache_control: CacheControl,
})
const ToolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.enum(['auto', 'any', 'none']), disable_parallel_tool_use: z.optional(z.boolean()) }),
  z.looseObject({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.optional(z.boolean()) }),
])

/** The body of `POST /v1/messages`. `model` may be a configured model id, `auto` or `triage/<tier>`, as on chat completions. */
export const MessagesRequestSchema = z.looseObject({
  model: z._default(z.string().check(z.minLength(1)), 'auto'),
  max_tokens: z.int().check(z.gte(1)),
  messages: z.array(Message).check(z.minLength(1)),
  system: z.optional(z.union([z.string(), z.array(TextBlock)])),
  tools: z.optional(z.array(Tool)),
  tool_choice: z.optional(ToolChoice),
  stop_sequences: z.optional(z.array(z.string())),
  metadata: z.optional(z.looseObject({ user_id: z.optional(z.nullable(z.string())) })),
  stream: z.optional(z.boolean()),
  temperature: z.optional(z.number().check(z.gte(0), z.lte(1))),
  top_p: z.optional(z.number().check(z.gte(0), z.lte(1))),
  top_k: z.optional(z.int().check(z.gte(0))),
})

export type MessagesRequest = z.infer<typeof MessagesRequestSchema>
type AnthropicBlock = z.infer<typeof Block>

export type MessagesParseResult = Parsed<MessagesRequest>

/** Validates an already-parsed JSON body. Never throws. The message names the field, as Anthropic's do (`messages.0.content: …`). */
export function parseMessagesRequest(body: unknown): MessagesParseResult {
  if (!isObjectBody(body)) return NOT_AN_OBJECT
  const r = MessagesRequestSchema.safeParse(body)
  if (r.success) return { ok: true, request: r.data }
  const { path, message } = deepest(r.error.issues[0])
  const param = path.length ? path.map(String).join('.') : null
  return { ok: false, message: `${param ? `${param}: ` : ''}${message}`, param }
}

type Issue = { path: PropertyKey[]; message: string; code?: string; errors?: Issue[][] }

/** A union's issue names the union; the branch that got furthest names the field that is wrong. */
function deepest(issue: Issue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue
  let best: { path: PropertyKey[]; message: string } = issue
  for (const branch of issue.errors) {
    if (!branch[0]) continue
    const inner = deepest(branch[0])
    const path = [...issue.path, ...inner.path]
    if (path.length > best.path.length) best = { path, message: inner.message }
  }
  return best
}

type Part = Extract<ChatMessage, { role: 'user' }>['content'] extends infer C ? (C extends Array<infer P> ? P : never) : never

/** A text or image block → an OpenAI content part, its cache_control kept. */
function part(b: Extract<AnthropicBlock, { type: 'text' | 'image' }>): Part {
  return b.type === 'text'
    ? ({ type: 'text', text: b.text, ...cacheControl(b) } as Part)
    : ({ type: 'image_url', image_url: { url: imageUrl(b.source as ImageSource) }, ...cacheControl(b) } as Part)
}

/** The Messages request → the internal Chat Completions request (the shape every step after parsing knows). */
export function toChatRequest(m: MessagesRequest): ChatRequest {
  const messages: ChatMessage[] = []
  if (typeof m.system === 'string') {
    if (m.system) messages.push({ role: 'system', content: m.system })
  } else if (m.system?.length) messages.push({ role: 'system', content: m.system.map(part) })

  for (const msg of m.messages) {
    if (typeof msg.content === 'string') {
      messages.push({ role: msg.role, content: msg.content })
      continue
    }
    if (msg.role === 'assistant') {
      const content: Part[] = []
      const toolCalls: Array<Record<string, unknown>> = []
      for (const b of msg.content) {
        if (b.type === 'text' || b.type === 'image') content.push(part(b))
        else if (b.type === 'tool_use') {
          toolCalls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) }, ...cacheControl(b) })
        }
      }
      const out: Record<string, unknown> = { role: 'assistant', content: content.length ? content : null }
      if (toolCalls.length) out.tool_calls = toolCalls
      messages.push(out as ChatMessage)
      continue
    }
    const content: Part[] = []
    for (const b of msg.content) {
      if (b.type === 'tool_result') {
        const c = b.content ?? ''
        messages.push({
          role: 'tool', tool_call_id: b.tool_use_id, content: typeof c === 'string' ? c : c.map(part),
          ...(b.is_error ? { is_error: true } : {}), ...cacheControl(b),
        } as ChatMessage)
      } else if (b.type === 'text' || b.type === 'image') content.push(part(b))
    }
    if (content.length) messages.push({ role: 'user', content })
  }

  const req: ChatRequest = { model: m.model, messages, max_tokens: m.max_tokens }
  if (m.stream) req.stream = true
  if (m.temperature !== undefined) req.temperature = m.temperature
  if (m.top_p !== undefined) req.top_p = m.top_p
  if (m.stop_sequences?.length) req.stop = m.stop_sequences
  if (m.metadata?.user_id) req.user = m.metadata.user_id
  const choice = m.tool_choice
  if (m.tools?.length) {
    req.tools = m.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema },
      ...cacheControl(t),
    }))
    req.tool_choice = !choice || choice.type === 'auto' ? 'auto' : choice.type === 'any' ? 'required' : choice.type === 'none' ? 'none' : { type: 'function', function: { name: String(choice.name) } }
    if (choice?.disable_parallel_tool_use) req.parallel_tool_calls = false
  }
  return req
}

/**
 * Reads `POST /v1/messages`: the body's limits (size, nesting, message count) as on chat completions, one validation,
 * then the translation. Every failure is an ApiError (the handler writes it in Anthropic's shape).
 */
export async function readMessagesRequest(raw: Request, limits: BodyLimits): Promise<ChatRequest> {
  const body = await readJson(raw, limits.maxBodyBytes, limits.maxContentDepth)
  checkMessageCount(body, limits)
  return toChatRequest(validRequest(parseMessagesRequest(body)))
}
