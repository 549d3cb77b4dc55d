/**
 * The adapters for a config: one per connection in `config.providers` (the built-in providers, and one per model
 * that names its own endpoint), each made by its folder's factory (`./registry.ts`).
 *
 * Cheap to call (no I/O); memoised per isolate for each (config, env) pair when the global fetch is used.
 * An adapter whose connection has no credentials is still returned: its `chat` throws
 * `ProviderError(kind 'unconfigured')` naming the missing setting(s), which `toApiError` maps to a 503.
 *
 * @example
 * const providers = createProviders(loadConfig(env), env)
 * const reply = await providers[model.provider].chat(req, model, { signal, stream: false })
 */
import { moduleNamed } from './registry'
import type { Provider, ProviderName, ProviderSettings } from './types'

export { ProviderError, notConfigured, type Provider, type ProviderReply, type ProviderContext, type CallOptions, type ProviderSettings, type ProviderModule, type ProviderName, type ModelTarget, type FailureClass } from './types'
export { toApiError } from './errors'
export { PROVIDER_MODULES, moduleNamed } from './registry'

/** What the adapters are built from: a Config has it. */
export interface ProvidersConfig {
  providers: Readonly<Record<ProviderName, ProviderSettings>>
  limits: { defaultMaxOutputTokens: number }
}

type Bindings = { AI?: unknown } | Record<string, unknown>

const memo = new WeakMap<ProvidersConfig, WeakMap<object, Record<ProviderName, Provider>>>()

export function createProviders(config: ProvidersConfig, env: Bindings, fetchImpl?: typeof fetch): Record<ProviderName, Provider> {
  if (!fetchImpl) {
    const hit = memo.get(config)?.get(env)
    if (hit) return hit
  }
  const ai = (env as { AI?: Ai }).AI
  const providers: Record<ProviderName, Provider> = {}
  for (const [name, settings] of Object.entries(config.providers)) {
    providers[name] = adapterOf(settings).create({
      name,
      settings,
      fetch: fetchImpl,
      ai: ai && typeof ai.run === 'function' ? ai : undefined,
      defaultMaxTokens: config.limits.defaultMaxOutputTokens,
    })
  }
  if (!fetchImpl) {
    let byEnv = memo.get(config)
    if (!byEnv) memo.set(config, (byEnv = new WeakMap()))
    byEnv.set(env, providers)
  }
  return providers
}

/**
 * Whether a connection can be called from this Worker: it has credentials, or (Workers AI) the AI binding.
 *
 * @example const available = providerAvailability(config, env); available('deepseek') // false without DEEPSEEK_API_KEY
 */
export function providerAvailability(config: Pick<ProvidersConfig, 'providers'>, env: { AI?: unknown }): (p: ProviderName) => boolean {
  return (p) => {
    const settings = Object.hasOwn(config.providers, p) ? config.providers[p] : undefined
    if (!settings) return false
    const available = adapterOf(settings).available
    return available ? available(settings, env) : settings.configured
  }
}

function adapterOf(settings: ProviderSettings) {
  const m = moduleNamed(settings.adapter)
  if (!m) throw new Error(`no provider module '${settings.adapter}'`)
  return m
}
