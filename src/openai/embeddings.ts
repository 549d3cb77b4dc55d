/**
 * OpenAI's embeddings format (https://platform.openai.com/docs/api-reference/embeddings/create), at Triage's front
 * door: the request schema (zod/mini), its normalised form for the adapters, and the answer.
 *
 * - `input`: a string, an array of strings, an array of token ids, or an array of token-id arrays; at most
 *   MAX_EMBEDDING_INPUTS items, none empty (OpenAI answers 400 for an empty string or array).
 * - `encoding_format`: `float` (default) or `base64`: the vector's float32 values, little-endian, base64-encoded (what
 *   the `openai` SDK decodes). Adapters always ask for floats; Triage encodes.
 * - `dimensions`, `user`: passed to providers that take them.
 *
 * @example
 * parseEmbeddingRequest({ model: 'auto', input: 'hello' })
 * // { ok: true, request: { model: 'auto', input: ['hello'], encoding_format: 'float' } }
 */
import * as z from 'zod/mini'
import type { Usage } from './types'
import { formatPath, isObjectBody, NOT_AN_OBJECT, type Parsed } from './request'

/** OpenAI's API reference (`input`): "any array must be 2048 dimensions or less": at most 2,048 inputs per request. */
export const MAX_EMBEDDING_INPUTS = 2048

const nonEmpty = 'must not be empty'
const tokenId = z.int().check(z.gte(0), z.lte(10_000_000))
const tokens = z.array(tokenId).check(z.minLength(1, nonEmpty))

const EmbeddingRequestSchema = z.looseObject({
  model: z.string().check(z.minLength(1, nonEmpty)),
  input: z.union([
    z.string().check(z.minLength(1, nonEmpty)),
    z.array(z.string().check(z.minLength(1, nonEmpty))).check(z.minLength(1, nonEmpty), z.maxLength(MAX_EMBEDDING_INPUTS, `must have at most ${MAX_EMBEDDING_INPUTS} items`)),
    tokens,
    z.array(tokens).check(z.minLength(1, nonEmpty), z.maxLength(MAX_EMBEDDING_INPUTS, `must have at most ${MAX_EMBEDDING_INPUTS} items`)),
  ]),
  encoding_format: z.optional(z.enum(['float', 'base64'])),
  dimensions: z.optional(z.int().check(z.gte(1), z.lte(65_536))),
  user: z.optional(z.string()),
})

/**
 * What `POST /v1/embeddings` asks an adapter for (`Provider.embed`): every input as a list (texts, or token-id
 * arrays), and the optional `dimensions` and `user`. Vectors are always asked for as floats; base64 is Triage's own
 * encoding of them.
 */
export interface EmbeddingCall {
  input: string[] | number[][]
  dimensions?: number
  user?: string
}

/** A validated request: `input` as a list (one string or one token array becomes a list of one). */
export interface EmbeddingRequest extends EmbeddingCall {
  model: string
  encoding_format: 'float' | 'base64'
}

export type EmbeddingParse = Parsed<EmbeddingRequest>

/** Validates a parsed JSON body. Never throws. */
export function parseEmbeddingRequest(body: unknown): EmbeddingParse {
  if (!isObjectBody(body)) return NOT_AN_OBJECT
  const r = EmbeddingRequestSchema.safeParse(body)
  if (!r.success) {
    const issue = r.error.issues[0]
    // Any problem inside `input` (a union of four shapes) is named as `input`, with what it accepts.
    if (issue.path[0] === 'input') return { ok: false, message: `Invalid request: 'input' must be a non-empty string, an array of non-empty strings, an array of token ids, or an array of non-empty token-id arrays (at most ${MAX_EMBEDDING_INPUTS} items).`, param: 'input' }
    const param = issue.path.length ? formatPath(issue.path) : null
    const message = `${param ? `'${param}': ` : ''}${issue.message}`
    return { ok: false, message: `Invalid request: ${message}`, param }
  }
  const { model, input, encoding_format, dimensions, user } = r.data
  const list = typeof input === 'string' ? [input] : typeof input[0] === 'number' ? [input as number[]] : (input as string[] | number[][])
  return {
    ok: true,
    request: { model, input: list, encoding_format: encoding_format ?? 'float', ...(dimensions !== undefined ? { dimensions } : {}), ...(user !== undefined ? { user } : {}) },
  }
}

/** OpenAI's embedding list object. */
export interface EmbeddingList {
  object: 'list'
  data: Array<{ object: 'embedding'; index: number; embedding: number[] | string }>
  model: string
  usage: { prompt_tokens: number; total_tokens: number }
}

/** The answer in OpenAI's format; `base64` vectors as little-endian float32 bytes. */
export function toEmbeddingList(vectors: number[][], model: string, usage: Usage, format: 'float' | 'base64'): EmbeddingList {
  return {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? float32Base64(v) : v })),
    model,
    usage: { prompt_tokens: usage.input, total_tokens: usage.input },
  }
}

/**
 * A vector as OpenAI's `base64` encoding: float32 little-endian bytes, base64.
 *
 * @example float32Base64([1]) // 'AACAPw=='
 */
export function float32Base64(v: number[]): string {
  const bytes = new Uint8Array(v.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i], true)
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}
