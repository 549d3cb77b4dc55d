/**
 * Conformance oracle: validates what Triage returns against OpenAI's published Chat Completions schemas
 * (test/fixtures/openai-spec/chat-completions.schemas.json, OpenAPI 3.1 = JSON Schema 2020-12, MIT licence: see the
 * LICENSE beside it). The fixture is generated from ../shared/openai-spec by `npm run fixtures:openai-spec`.
 *
 * Uses @cfworker/json-schema, which needs no code generation, so it runs inside workerd as well as in Node.
 * OpenAPI 3.0 leftovers are folded as the spec's README says: `nullable: true` → "or null".
 *
 * @example
 * expectValid('CreateChatCompletionResponse', body)
 * for (const chunk of chunks) expectValid('CreateChatCompletionStreamResponse', chunk)
 */
import { Validator, type Schema } from '@cfworker/json-schema'
import spec from '../fixtures/openai-spec/chat-completions.schemas.json'

/** The schemas the fixture keeps (scripts/fixtures/regenerate-openai-spec.mjs ROOTS), with all they reference. */
export type SpecSchemaName = 'CreateChatCompletionResponse' | 'CreateChatCompletionStreamResponse' | 'ErrorResponse'

const BASE = 'https://triage.test/openai-spec.json'

/** Folds OpenAPI 3.0 `nullable: true` into JSON Schema 2020-12 and drops the custom `unixtime` format. */
function fold(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fold)
  if (!node || typeof node !== 'object') return node
  const src = node as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(src)) {
    if (k === 'nullable' || (k === 'format' && v === 'unixtime')) continue
    out[k] = fold(v)
  }
  if (src.format === 'unixtime') out.type = 'integer'
  if (src.nullable === true) {
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null]
    if (typeof out.type === 'string') out.type = [out.type, 'null']
    else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null']
    if (out.$ref || out.anyOf || out.oneOf || out.allOf) {
      return { anyOf: [out, { type: 'null' }] }
    }
  }
  return out
}

const folded = fold(spec) as { components: { schemas: Record<string, Schema> } }
const root: Schema = { $id: BASE, components: folded.components } as Schema
const validators = new Map<SpecSchemaName, Validator>()

function validatorFor(name: SpecSchemaName): Validator {
  let v = validators.get(name)
  if (!v) {
    v = new Validator({ $ref: `${BASE}#/components/schemas/${name}` } as Schema, '2020-12', false)
    v.addSchema(root, BASE)
    validators.set(name, v)
  }
  return v
}

/** Validates `value` against the named schema; returns the errors (empty when valid). */
export function specErrors(name: SpecSchemaName, value: unknown): string[] {
  const r = validatorFor(name).validate(value)
  return r.valid ? [] : r.errors.map((e) => `${e.instanceLocation} ${e.keyword}: ${e.error}`)
}

/** Throws with every error listed when `value` does not validate. */
export function expectValid(name: SpecSchemaName, value: unknown): void {
  const errors = specErrors(name, value)
  if (errors.length) throw new Error(`Not a valid ${name}:\n${errors.slice(0, 12).join('\n')}\n${JSON.stringify(value).slice(0, 500)}`)
}
