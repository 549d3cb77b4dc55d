/**
 * Reading a traffic log for `npm run simulate`: three JSONL formats, detected from the first line, each line
 * validated with the Worker's own request schema. A bad line is an error naming `FILE:LINE`, or (with `skipBad`)
 * counted and skipped; nothing is guessed silently.
 *
 * | format             | a line                                                        |
 * |--------------------|---------------------------------------------------------------|
 * | `chat-requests`    | a Chat Completions request body: `{"messages":[…], …}`        |
 * | `openai-batch`     | an OpenAI Batch API input line: `{"custom_id","method","url","body"}` |
 * | `request-response` | `{"request":{…},"response":{…,"usage":{…}},"timestamp":…}`     |
 *
 * @example
 * const log = parseLog('{"messages":[{"role":"user","content":"hi"}]}\n', { file: 'log.jsonl' })
 * log.format            // 'chat-requests'
 * log.entries[0].line   // 1
 */
import { parseChatRequest, type ChatRequest } from '../openai/request'

export type LogFormat = 'chat-requests' | 'openai-batch' | 'request-response'

/** What a format is called in the simulator's output. */
export const FORMAT_NAMES: Record<LogFormat, string> = {
  'chat-requests': 'JSONL of Chat Completions request bodies',
  'openai-batch': 'OpenAI Batch API input file',
  'request-response': 'JSONL of {request, response} pairs',
}

/** Token counts a logged response reported (OpenAI or Anthropic usage fields). */
export interface LoggedUsage {
  input: number
  cachedInput: number
  /** All completion tokens, reasoning included. */
  output: number
  /** Of `output`, hidden reasoning tokens. */
  reasoning: number
}

export interface LoggedRequest {
  /** 1-based line number in the file. */
  line: number
  /** The request as the Worker would parse it, with `model` replaced by `auto` (the simulator routes it). */
  request: ChatRequest
  /** The model the log says was asked for, if any. */
  loggedModel?: string
  usage?: LoggedUsage
  /** When the request was made (epoch ms), if the log says. */
  at?: number
}

export interface ParsedLog {
  format: LogFormat
  entries: LoggedRequest[]
  /** Lines skipped with `skipBad`. */
  skipped: Array<{ line: number; reason: string }>
}

/** A line that cannot be read: `FILE:LINE: reason`. */
export class LogError extends Error {
  constructor(readonly file: string, readonly line: number, readonly reason: string) {
    super(`${file}:${line}: ${reason}`)
  }
}

/** Reads a whole log. Throws LogError on the first bad line unless `skipBad`. */
export function parseLog(text: string, opts: { file: string; skipBad?: boolean }): ParsedLog {
  const lines = text.split('\n')
  let format: LogFormat | undefined
  const entries: LoggedRequest[] = []
  const skipped: ParsedLog['skipped'] = []
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim()
    if (!raw) continue
    const line = i + 1
    try {
      let value: unknown
      try {
        value = JSON.parse(raw)
      } catch (e) {
        throw new Error(`not JSON (${(e as Error).message})`)
      }
      if (!isObject(value)) throw new Error('each line must be a JSON object')
      const own = detect(value)
      if (!own) throw new Error('not a known format: expected a request body with "messages", a Batch API line with "custom_id" and "body", or a {"request","response"} pair')
      format ??= own
      if (own !== format) throw new Error(`this line is a ${FORMAT_NAMES[own]} line, but the file was detected as ${FORMAT_NAMES[format]} from its first line`)
      entries.push(readLine(value, own, line))
    } catch (e) {
      if (!opts.skipBad) throw new LogError(opts.file, line, (e as Error).message)
      skipped.push({ line, reason: (e as Error).message })
    }
  }
  if (!format) throw new LogError(opts.file, lines.length, skipped.length ? 'no readable line' : 'the log is empty')
  return { format, entries, skipped }
}

function detect(v: Record<string, unknown>): LogFormat | undefined {
  if ('custom_id' in v && 'body' in v) return 'openai-batch'
  if (isObject(v.request)) return 'request-response'
  if ('messages' in v) return 'chat-requests'
  return undefined
}

function readLine(v: Record<string, unknown>, format: LogFormat, line: number): LoggedRequest {
  if (format === 'chat-requests') return { line, ...request(v), ...timeOf(v) }
  if (format === 'openai-batch') {
    if (v.method !== undefined && v.method !== 'POST') throw new Error(`"method" must be "POST", got ${JSON.stringify(v.method)}`)
    if (v.url !== '/v1/chat/completions') throw new Error(`only /v1/chat/completions lines can be routed; "url" is ${JSON.stringify(v.url)}`)
    if (!isObject(v.body)) throw new Error('"body" must be a JSON object')
    return { line, ...request(v.body) }
  }
  const out: LoggedRequest = { line, ...request(v.request as Record<string, unknown>), ...timeOf(v) }
  if (v.response !== undefined && v.response !== null) {
    if (!isObject(v.response)) throw new Error('"response" must be a JSON object')
    const usage = usageOf(v.response.usage)
    if (usage) out.usage = usage
    if (out.at === undefined) Object.assign(out, timeOf({ created: v.response.created }))
  }
  return out
}

function request(body: Record<string, unknown>): Pick<LoggedRequest, 'request' | 'loggedModel'> {
  const parsed = parseChatRequest({ ...body, model: 'auto' })
  if (!parsed.ok) throw new Error(parsed.message)
  return { request: parsed.request, ...(typeof body.model === 'string' ? { loggedModel: body.model } : {}) }
}

const count = (v: unknown, name: string): number => {
  if (v === undefined || v === null) return 0
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`usage.${name} must be a whole number ≥ 0, got ${JSON.stringify(v)}`)
  return v
}

/** OpenAI (`prompt_tokens`, `completion_tokens`, details) or Anthropic (`input_tokens`, `output_tokens`, cache fields) usage. */
function usageOf(u: unknown): LoggedUsage | undefined {
  if (u === undefined || u === null) return undefined
  if (!isObject(u)) throw new Error('"response.usage" must be an object')
  if ('prompt_tokens' in u || 'completion_tokens' in u) {
    const details = isObject(u.completion_tokens_details) ? u.completion_tokens_details : {}
    const prompt = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {}
    const output = count(u.completion_tokens, 'completion_tokens')
    const reasoning = count(details.reasoning_tokens, 'completion_tokens_details.reasoning_tokens')
    if (reasoning > output) throw new Error('usage reports more reasoning tokens than completion tokens')
    return { input: count(u.prompt_tokens, 'prompt_tokens'), cachedInput: count(prompt.cached_tokens, 'prompt_tokens_details.cached_tokens'), output, reasoning }
  }
  if ('input_tokens' in u || 'output_tokens' in u) {
    const cached = count(u.cache_read_input_tokens, 'cache_read_input_tokens')
    const written = count(u.cache_creation_input_tokens, 'cache_creation_input_tokens')
    return { input: count(u.input_tokens, 'input_tokens') + cached + written, cachedInput: cached, output: count(u.output_tokens, 'output_tokens'), reasoning: 0 }
  }
  throw new Error('"response.usage" has neither OpenAI (prompt_tokens, completion_tokens) nor Anthropic (input_tokens, output_tokens) fields')
}

/** A timestamp: `timestamp`, `created_at`, `time` (ISO 8601, or epoch seconds or milliseconds) or `created` (epoch seconds). */
function timeOf(v: Record<string, unknown>): { at?: number } {
  for (const key of ['timestamp', 'created_at', 'time', 'created']) {
    const t = v[key]
    if (t === undefined || t === null) continue
    let ms: number
    if (typeof t === 'number') ms = t < 1e11 ? t * 1000 : t
    else if (typeof t === 'string') ms = /^\d+(\.\d+)?$/.test(t) ? (Number(t) < 1e11 ? Number(t) * 1000 : Number(t)) : Date.parse(t)
    else throw new Error(`"${key}" must be a date string or a number`)
    if (!Number.isFinite(ms)) throw new Error(`"${key}" is not a date: ${JSON.stringify(t)}`)
    return { at: ms }
  }
  return {}
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
