/**
 * The value schemas provider folders declare their settings with (zod/mini), and the one rule for a base URL.
 *
 * @example
 * export const env = { OPENAI_API_KEY: secret, OPENAI_BASE_URL: url }
 */
import * as z from 'zod/mini'

/** An http(s) URL. */
export const url = z.string().check(z.regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL'))
/** A credential: any non-empty string. */
export const secret = z.string().check(z.minLength(1))
/** The name of an environment variable (a model entry's `api_key_env`). */
export const envName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name, e.g. "GROQ_API_KEY"'))

/** A base URL without its trailing slashes. */
export const trimSlash = (s: string): string => s.replace(/\/+$/, '')

/**
 * The settings of a connection with one API key, read from `KEY` and `BASE_URL` variables.
 *
 * @example keyed('openai', vars.OPENAI_API_KEY, 'OPENAI_API_KEY', vars.OPENAI_BASE_URL ?? 'https://api.openai.com/v1')
 */
export function keyed(adapter: string, apiKey: unknown, keyVar: string, baseUrl: string) {
  const key = typeof apiKey === 'string' && apiKey ? apiKey : undefined
  return { adapter, configured: !!key, missing: key ? [] : [keyVar], apiKey: key, baseUrl: trimSlash(baseUrl) }
}

/** A variable's value from the Worker's environment: trimmed, or undefined when absent, empty or a binding. */
export function envString(env: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = env[name]
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
}
