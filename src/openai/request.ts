/**
 * The OpenAI Chat Completions request, validated with zod/mini (small and fast on the request path).
 *
 * Known fields are checked; unknown fields are kept (`looseObject`) and passed through to providers that
 * understand them. Validation failures become a 400 whose `param` names the first bad field.
 *
 * @example
 * const r = parseChatRequest({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })
 * if (r.ok) r.request.messages[0].content // 'hi'
 */
import * as z from 'zod/mini'

const TextPart = z.looseObject({ type: z.literal('text'), text: z.string() })
const ImagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string(), detail: z.optional(z.string()) }),
})
const AudioPart = z.looseObject({ type: z.literal('input_audio'), input_audio: z.looseObject({ data: z.string(), format: z.string() }) })
const FilePart = z.looseObject({ type: z.literal('file'), file: z.looseObject({}) })
const RefusalPart = z.looseObject({ type: z.literal('refusal'), refusal: z.string() })

/** One content part of a message. */
export const ContentPart = z.discriminatedUnion('type', [TextPart, ImagePart, AudioPart, FilePart, RefusalPart])
const Content = z.union([z.string(), z.array(ContentPart)])

const ToolCall = z.looseObject({
  id: z.string(),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
})

const SystemMessage = z.looseObject({ role: z.literal('system'), content: Content, name: z.optional(z.string()) })
const DeveloperMessage = z.looseObject({ role: z.literal('developer'), content: Content, name: z.optional(z.string()) })
const UserMessage = z.looseObject({ role: z.literal('user'), content: Content, name: z.optional(z.string()) })
const AssistantMessage = z.looseObject({
  role: z.literal('assistant'),
  content: z.optional(z.nullable(Content)),
  name: z.optional(z.string()),
  tool_calls: z.optional(z.array(ToolCall)),
  refusal: z.optional(z.nullable(z.string())),
  /** DeepSeek: chain of thought from an earlier turn. Stripped before it is sent back (DeepSeek answers 400 otherwise). */
  reasoning_content: z.optional(z.nullable(z.string())),
})
const ToolMessage = z.looseObject({ role: z.literal('tool'), content: Content, tool_call_id: z.string(), name: z.optional(z.string()) })
/** Deprecated by OpenAI but still sent by older clients. */
const FunctionMessage = z.looseObject({ role: z.literal('function'), content: z.nullable(z.string()), name: z.string() })

export const Message = z.discriminatedUnion('role', [
  SystemMessage, DeveloperMessage, UserMessage, AssistantMessage, ToolMessage, FunctionMessage,
])

const Tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string(),
    description: z.optional(z.string()),
    parameters: z.optional(z.record(z.string(), z.unknown())),
    strict: z.optional(z.nullable(z.boolean())),
  }),
})
const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string() }) }),
])
const ResponseFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({ type: z.literal('json_schema'), json_schema: z.looseObject({ name: z.string() }) }),
])

const nonNegInt = z.int().check(z.gte(1))
const Stop = z.union([z.string(), z.array(z.string()).check(z.maxLength(4))])

/** The request body of `POST /v1/chat/completions` (and `POST /v1/route`). */
export const ChatRequestSchema = z.looseObject({
  model: z._default(z.string().check(z.minLength(1)), 'auto'),
  messages: z.array(Message).check(z.minLength(1)),
  tools: z.optional(z.array(Tool)),
  tool_choice: z.optional(ToolChoice),
  parallel_tool_calls: z.optional(z.boolean()),
  response_format: z.optional(ResponseFormat),
  temperature: z.optional(z.nullable(z.number().check(z.gte(0), z.lte(2)))),
  top_p: z.optional(z.nullable(z.number().check(z.gte(0), z.lte(1)))),
  max_tokens: z.optional(z.nullable(nonNegInt)),
  max_completion_tokens: z.optional(z.nullable(nonNegInt)),
  n: z.optional(z.nullable(z.literal(1))),
  stop: z.optional(z.nullable(Stop)),
  stream: z.optional(z.nullable(z.boolean())),
  stream_options: z.optional(z.nullable(z.looseObject({ include_usage: z.optional(z.boolean()) }))),
  user: z.optional(z.string()),
  metadata: z.optional(z.nullable(z.record(z.string(), z.string()))),
})

export type ChatRequest = z.infer<typeof ChatRequestSchema>
export type ChatMessage = ChatRequest['messages'][number]
export type ChatContentPart = z.infer<typeof ContentPart>

/** A validated body, or what is wrong with it (`param` names the field). Every front door's parser returns one. */
export type Parsed<T> =
  | { ok: true; request: T }
  | { ok: false; message: string; param: string | null }

export type ParseResult = Parsed<ChatRequest>

/** What every parser answers for a body that is not a JSON object (an array, a string, `null`). */
export const NOT_AN_OBJECT = Object.freeze({ ok: false, message: 'The request body must be a JSON object.', param: null } as const)

/** Whether a parsed JSON body is an object (not null, not an array). */
export const isObjectBody = (body: unknown): body is object => body !== null && typeof body === 'object' && !Array.isArray(body)

/** Validates an already-parsed JSON body. Never throws. */
export function parseChatRequest(body: unknown): ParseResult {
  if (!isObjectBody(body)) return NOT_AN_OBJECT
  const r = ChatRequestSchema.safeParse(body)
  if (r.success) return { ok: true, request: r.data }
  const issue = r.error.issues[0]
  const param = issue.path.length ? formatPath(issue.path) : null
  return { ok: false, message: `Invalid request: ${param ? `'${param}': ` : ''}${issue.message}`, param }
}

/** `['messages', 0, 'content']` → `messages[0].content` (OpenAI's `param` style). */
export function formatPath(path: PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p)
  return out
}

/**
 * The output cap the client asked for: the smaller of `max_completion_tokens` and the older `max_tokens` when both are
 * set (a client that sends both asked for at most each). The one normalised value: the reservation and every
 * adapter read it, so no provider can be sent a larger cap than was reserved.
 *
 * @example requestedMaxTokens({ messages, max_completion_tokens: 1, max_tokens: 30000 }) // 1
 */
export function requestedMaxTokens(req: Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'>): number | undefined {
  const a = req.max_completion_tokens
  const b = req.max_tokens
  return a == null ? (b ?? undefined) : b == null ? a : Math.min(a, b)
}

/**
 * The request with its output cap in one field: `cap` (default: the normalised `requestedMaxTokens`) in the field the
 * client used (`max_completion_tokens` if it sent that one, else `max_tokens`), the other removed. The request itself
 * when there is nothing to change.
 *
 * @example withOutputCap({ messages, max_completion_tokens: 1, max_tokens: 30000 }) // { messages, max_completion_tokens: 1 }
 * @example withOutputCap({ messages }, 812)                                         // { messages, max_tokens: 812 }
 */
export function withOutputCap<R extends Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'>>(req: R, cap = requestedMaxTokens(req)): R {
  const field = req.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens'
  const other = field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens'
  if (cap === undefined || (req[field] === cap && !(other in req))) return req
  const out: Record<string, unknown> = { ...req, [field]: cap }
  delete out[other]
  return out as R
}

/** Output tokens a call may produce when the request names no cap (TRIAGE_DEFAULT_MAX_TOKENS's default). */
export const DEFAULT_OUTPUT_CAP = 4096

/**
 * The output cap a call runs with: the client's, else the model's default (`maxOutputTokens`), else the configured
 * default. The budget reserves this many output tokens and every adapter sends it upstream, so the reservation is a
 * real bound on what the call can cost.
 *
 * @example outputCap({ messages, max_tokens: 100 }, undefined, 4096)   // 100
 * @example outputCap({ messages }, 32768, 4096)                         // 32768 (deepseek-reasoner)
 */
export function outputCap(req: Pick<ChatRequest, 'max_tokens' | 'max_completion_tokens'>, modelDefault?: number, configDefault = DEFAULT_OUTPUT_CAP): number {
  return requestedMaxTokens(req) ?? modelDefault ?? configDefault
}
