/**
 * Reading the request body once: content type, size limit, one JSON.parse, one validation.
 * Every failure is an ApiError in OpenAI's format (415, 413, 400 with `param`).
 *
 * @example const req = await readChatRequest(c.req.raw, config.limits)
 */
import { ApiError } from './errors'
import { parseChatRequest, type ChatRequest, type Parsed } from '../openai/request'

export interface BodyLimits {
  maxBodyBytes: number
  maxMessages: number
  maxContentDepth: number
}

/**
 * Reads and parses a JSON body, enforcing content type, size and (when given) nesting depth. Returns the parsed
 * value (unvalidated). The depth is checked on the text before JSON.parse, so hostile nesting (a million `[`)
 * costs one linear scan instead of building a million nested arrays.
 */
export async function readJson(raw: Request, maxBodyBytes: number, maxDepth?: number): Promise<unknown> {
  const type = raw.headers.get('content-type') ?? ''
  if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, `Unsupported content type '${type.slice(0, 80) || '(none)'}': send the body as application/json.`, {
      code: 'unsupported_media_type',
    })
  }
  const text = await readTextCapped(raw, maxBodyBytes)
  if (maxDepth !== undefined && nestingExceeds(text, maxDepth)) throw tooDeep(maxDepth)
  try {
    return JSON.parse(text)
  } catch (err) {
    const detail = err instanceof RangeError ? 'it is nested too deeply' : 'it is not valid JSON'
    throw new ApiError(400, `Could not parse the request body: ${detail}.`, { code: 'invalid_json' })
  }
}

/** Validates a chat request and applies the structural limits (message count, content nesting). */
export function toChatRequest(body: unknown, limits: BodyLimits, opts: { depthChecked?: boolean } = {}): ChatRequest {
  checkMessageCount(body, limits)
  if (!opts.depthChecked && depthExceeds(body, limits.maxContentDepth)) throw tooDeep(limits.maxContentDepth)
  return validRequest(parseChatRequest(body))
}

/**
 * A parser's result as the request, or a 400 `invalid_request` naming the field.
 *
 * @example const req = validRequest(parseEmbeddingRequest(body))
 */
export function validRequest<T>(r: Parsed<T>): T {
  if (!r.ok) throw new ApiError(400, r.message, { param: r.param, code: 'invalid_request' })
  return r.request
}

/** Refuses a body with more than `limits.maxMessages` messages (400 `too_many_messages`), before validating it. */
export function checkMessageCount(body: unknown, limits: Pick<BodyLimits, 'maxMessages'>): void {
  const n = (body as { messages?: unknown } | null)?.messages
  if (Array.isArray(n) && n.length > limits.maxMessages) {
    throw new ApiError(400, `Too many messages: ${n.length}; the limit is ${limits.maxMessages}.`, { param: 'messages', code: 'too_many_messages' })
  }
}

export async function readChatRequest(raw: Request, limits: BodyLimits): Promise<ChatRequest> {
  // readJson has already checked the nesting on the text, so the object walk is skipped.
  return toChatRequest(await readJson(raw, limits.maxBodyBytes, limits.maxContentDepth), limits, { depthChecked: true })
}

const tooDeep = (max: number) => new ApiError(400, `The request body is nested more than ${max} levels deep.`, { code: 'too_deeply_nested' })

/** Whether JSON text nests arrays/objects more than `max` deep (strings skipped; one pass, no allocation). */
function nestingExceeds(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 91 || c === 123) {
      if (++depth > max) return true
    } else if (c === 93 || c === 125) depth--
  }
  return false
}

/**
 * Reading the body failed: the client closed its side before sending the bytes its `Content-Length` declared
 * (workerd: "Network connection lost"). That is the client's fault: 400, not an unhandled 500.
 */
const incomplete = (err: unknown): never => {
  if (err instanceof ApiError) throw err
  throw new ApiError(400, 'The request body ended before its Content-Length: the client closed the connection early.', {
    code: 'incomplete_body',
  })
}

const tooLarge = (max: number) =>
  new ApiError(413, `The request body is larger than the limit of ${max} bytes.`, { code: 'request_too_large' })

/**
 * Reads the body, refusing it with `tooLargeError()` when the declared length or the bytes read pass `max` (a
 * lying or absent content-length cannot get past it).
 *
 * @example const bytes = await readBytesCapped(c.req.raw, 4096, () => new ApiError(413, 'Form too large.'))
 */
export async function readBytesCapped(raw: Pick<Request, 'headers' | 'body'>, max: number, tooLargeError: () => Error): Promise<Uint8Array[]> {
  if (Number(raw.headers.get('content-length') ?? NaN) > max) throw tooLargeError()
  const parts: Uint8Array[] = []
  if (!raw.body) return parts
  const reader = raw.body.getReader()
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      reader.cancel().catch(() => {})
      throw tooLargeError()
    }
    parts.push(value)
  }
  return parts
}

/** Reads the body as UTF-8 text, at most `max` bytes (413 beyond). */
async function readTextCapped(raw: Request, max: number): Promise<string> {
  // A declared length frames the body on the wire, so one native read is bounded by it (a reader loop costs ~0.1 ms
  // more per request on workerd). A body that disagrees with its header (possible only for a Request built in
  // process) is still refused once read.
  const declared = raw.headers.get('content-length')
  if (declared !== null && /^\d{1,15}$/.test(declared)) {
    if (Number(declared) > max) throw tooLarge(max)
    const text = await raw.text().catch(incomplete)
    if (text.length > max || (text.length * 3 > max && utf8Length(text) > max)) throw tooLarge(max)
    return text
  }
  const parts = await readBytesCapped(raw, max, () => tooLarge(max)).catch(incomplete)
  const decoder = new TextDecoder()
  if (parts.length === 1) return decoder.decode(parts[0])
  let out = ''
  for (const p of parts) out += decoder.decode(p, { stream: true })
  return out + decoder.decode()
}

/** UTF-8 byte length of a string, without encoding it. */
function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4
      i++
    } else n += 3
  }
  return n
}

/** Iterative depth check (no recursion, so hostile nesting cannot overflow the stack). */
function depthExceeds(root: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]]
  while (stack.length) {
    const [node, depth] = stack.pop()!
    if (!node || typeof node !== 'object') continue
    if (depth > max) return true
    if (Array.isArray(node)) for (const v of node) stack.push([v, depth + 1])
    else for (const k in node) stack.push([(node as Record<string, unknown>)[k], depth + 1])
  }
  return false
}

/** Header limits: any one header (name + value) and all of them together, in bytes. Clients send well under 2 KiB. */
export const HEADER_LIMITS = { maxHeaderBytes: 8 * 1024, maxTotalHeaderBytes: 32 * 1024 } as const

/**
 * Refuses oversized request headers with a 431 in OpenAI's format (before anything reads them).
 *
 * @example checkHeaderSizes(c.req.raw.headers)   // throws ApiError(431, …, { code: 'request_header_fields_too_large' })
 */
export function checkHeaderSizes(headers: Headers, limits: { maxHeaderBytes: number; maxTotalHeaderBytes: number } = HEADER_LIMITS): void {
  let total = 0
  for (const [name, value] of headers) {
    // Header names and values are ByteStrings in the fetch API (one character per byte on the wire).
    const size = name.length + 2 + value.length
    if (size > limits.maxHeaderBytes) {
      throw new ApiError(431, `The request header '${name.slice(0, 64)}' is ${size} bytes; the limit is ${limits.maxHeaderBytes} bytes per header.`, {
        code: 'request_header_fields_too_large', param: name.slice(0, 64),
      })
    }
    total += size + 2
  }
  if (total > limits.maxTotalHeaderBytes) {
    throw new ApiError(431, `The request headers total ${total} bytes; the limit is ${limits.maxTotalHeaderBytes} bytes.`, { code: 'request_header_fields_too_large' })
  }
}
