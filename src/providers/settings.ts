/**
 * The value schemas provider folders declare their settings with (zod/mini), and the one rule for a base URL.
 *
 * @example
 * export const env = { OPENAI_API_KEY: secret, OPENAI_BASE_URL: url }
 */
import * as z from 'zod/mini'
import type { ProviderModule } from './types'

/** An http(s) URL. */
export const url = z.string().check(z.regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL'))
/** A credential: any non-empty string. */
export const secret = z.string().check(z.minLength(1))
/** The name of an environment variable (a model entry's `api_key_env`). */
export const envName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name, e.g. "GROQ_API_KEY"'))

/** A base URL without its trailing slashes. */
export const trimSlash = (s: string): string => s.replace(/\/+$/, '')

/**
 * A provider with one connection, one API key and a base URL: `<PREFIX>_API_KEY`, `<PREFIX>_BASE_URL` (default
 * `defaultUrl`, or `{AI_GATEWAY_URL}/<name>` when it goes through the gateway).
 *
 * @example export const openai = keyedProvider('openai', 'OPENAI', 'https://api.openai.com/v1', createOpenAI)
 */
export function keyedProvider(name: string, prefix: string, defaultUrl: string, create: ProviderModule['create']): ProviderModule {
  const keyVar = `${prefix}_API_KEY`
  const urlVar = `${prefix}_BASE_URL`
  return {
    name,
    env: { [keyVar]: z.optional(secret), [urlVar]: z.optional(url) },
    settings: (v, gateway) => {
      const apiKey = v[keyVar] as string | undefined
      const baseUrl = (v[urlVar] as string | undefined) ?? (gateway ? `${gateway}/${name}` : defaultUrl)
      return { adapter: name, configured: !!apiKey, missing: apiKey ? [] : [keyVar], apiKey, baseUrl: trimSlash(baseUrl) }
    },
    create,
  }
}

/** A variable's value from the Worker's environment: trimmed, or undefined when absent, empty or a binding. */
export function envString(env: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const v = env[name]
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined
}
