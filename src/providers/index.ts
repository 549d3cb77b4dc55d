/**
 * The provider registry: one adapter per provider, built from config and the Worker's bindings.
 *
 * Cheap to call (no I/O); memoised per isolate for each (config, env) pair when the global fetch is used.
 * An adapter whose provider has no credentials is still returned: its `chat` throws
 * `ProviderError(kind 'unconfigured')` naming the missing setting(s), which `toApiError` maps to a 503.
 *
 * @example
 * const providers = createProviders(loadConfig(env), env)
 * const reply = await providers[model.provider].chat(req, model, { signal, stream: false })
 */
import type { Config, ProviderName } from '../config'
import type { Env } from '../env'
import { createAnthropic } from './anthropic'
import { createDeepSeek } from './deepseek'
import { createOpenAI } from './openai'
import { createWorkersAI } from './workers-ai'
import type { Provider, ProviderContext } from './types'

export { ProviderError, type Provider, type ProviderReply, type ProviderContext, type CallOptions } from './types'
export { toApiError } from './errors'

const memo = new WeakMap<Config, WeakMap<object, Record<ProviderName, Provider>>>()

export function createProviders(config: Config, env: Pick<Env, 'AI'> | Record<string, unknown>, fetchImpl?: typeof fetch): Record<ProviderName, Provider> {
  if (!fetchImpl) {
    const hit = memo.get(config)?.get(env)
    if (hit) return hit
  }
  const ai = (env as Pick<Env, 'AI'>).AI
  const ctx = (name: ProviderName): ProviderContext => ({
    settings: config.providers[name],
    fetch: fetchImpl,
    ai: ai && typeof ai.run === 'function' ? ai : undefined,
    defaultMaxTokens: config.limits.defaultMaxOutputTokens,
  })
  const providers: Record<ProviderName, Provider> = {
    openai: createOpenAI(ctx('openai')),
    deepseek: createDeepSeek(ctx('deepseek')),
    anthropic: createAnthropic(ctx('anthropic')),
    'workers-ai': createWorkersAI(ctx('workers-ai')),
  }
  if (!fetchImpl) {
    let byEnv = memo.get(config)
    if (!byEnv) memo.set(config, (byEnv = new WeakMap()))
    byEnv.set(env, providers)
  }
  return providers
}

/** The memoised registry for a request: `createProviders(config, env)` with the global fetch. */
export function providersFor(config: Config, env: Pick<Env, 'AI'> | Record<string, unknown>): Record<ProviderName, Provider> {
  return createProviders(config, env)
}

/** Whether a provider has what it needs to be called (credentials, or the AI binding for Workers AI). */
export function isAvailable(provider: ProviderName, config: Config, env: Pick<Env, 'AI'> | Record<string, unknown>): boolean {
  if (config.providers[provider].configured) return true
  const ai = (env as Pick<Env, 'AI'>).AI
  return provider === 'workers-ai' && typeof ai?.run === 'function'
}
