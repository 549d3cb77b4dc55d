/**
 * Cascade validation: is a cheap model's answer good enough to return, or must the request escalate?
 *
 * Rejected: no choice; empty content (and no tool call); a refusal (`refusal`, finish_reason `content_filter`, or
 * an apology/refusal opening); truncation (finish_reason `length`); content that is not a JSON object when
 * `response_format` asks for json_object / json_schema (and lacks a schema's required top-level keys); no tool call
 * when `tool_choice` is 'required' or names a function (or the wrong function); tool arguments that are not JSON.
 *
 * @example validateAnswer(completion, req) // { ok: false, reason: 'truncated (finish_reason length)' }
 */
import type { ChatRequest } from '../openai/request'
import type { ChatCompletion } from '../openai/types'

export type Verdict = { ok: true } | { ok: false; reason: string }

const REFUSAL = /^\s*(?:I['’]m sorry|I am sorry|Sorry, (?:but )?I|I apologi[sz]e|I (?:cannot|can['’]t|won['’]t|am unable to|['’]m unable to|am not able to) (?:help|assist|comply|provide|do that|answer|fulfil)|As an AI\b)/i

export function validateAnswer(c: ChatCompletion, req: ChatRequest): Verdict {
  const choice = c.choices?.[0]
  if (!choice) return { ok: false, reason: 'no choice in the answer' }
  const msg = choice.message
  if (choice.finish_reason === 'length') return { ok: false, reason: 'truncated (finish_reason length)' }
  if (choice.finish_reason === 'content_filter' || (msg.refusal != null && msg.refusal !== '')) return { ok: false, reason: 'refusal' }

  const calls = msg.tool_calls ?? []
  const tc = req.tool_choice
  if (tc === 'required' && calls.length === 0) return { ok: false, reason: "missing tool call (tool_choice 'required')" }
  if (tc && typeof tc === 'object') {
    if (!calls.some((t) => t.type === 'function' && t.function.name === tc.function.name)) {
      return { ok: false, reason: `missing tool call to '${tc.function.name}'` }
    }
  }
  for (const t of calls) {
    if (t.type !== 'function') continue
    try {
      JSON.parse(t.function.arguments || '{}')
    } catch {
      return { ok: false, reason: `tool call '${t.function.name}' has arguments that are not JSON` }
    }
  }
  if (calls.length) return { ok: true }

  const content = typeof msg.content === 'string' ? msg.content : ''
  if (!content.trim()) return { ok: false, reason: 'empty answer' }
  if (REFUSAL.test(content.slice(0, 200))) return { ok: false, reason: 'refusal' }

  const rf = req.response_format
  if (rf && (rf.type === 'json_object' || rf.type === 'json_schema')) {
    let value: unknown
    try {
      value = JSON.parse(content)
    } catch {
      return { ok: false, reason: 'not valid JSON although response_format asks for JSON' }
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'JSON answer is not an object' }
    const required = (rf as { json_schema?: { schema?: { required?: unknown } } }).json_schema?.schema?.required
    if (Array.isArray(required)) {
      const missing = required.filter((k) => typeof k === 'string' && !(k in (value as object)))
      if (missing.length) return { ok: false, reason: `JSON answer lacks required key(s): ${missing.join(', ')}` }
    }
  }
  return { ok: true }
}
