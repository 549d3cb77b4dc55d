/**
 * Every provider Triage can call, one folder each. Adding a provider is adding its folder (which exports a
 * `ProviderModule`: its settings schema, the environment it reads and its adapter factory) and one line here; the
 * config's environment schema, the TRIAGE_MODELS entry schema, availability and the adapters are built from this list.
 *
 * @example moduleNamed('openai-compatible')?.entry?.fields   // { base_url, api_key_env }
 */
import { anthropic } from './anthropic'
import { azureOpenAI } from './azure-openai'
import { deepseek } from './deepseek'
import { openai } from './openai'
import { openaiCompatible } from './openai-compatible'
import type { ProviderModule } from './types'
import { workersAI } from './workers-ai'

export const PROVIDER_MODULES: readonly ProviderModule[] = [workersAI, deepseek, openai, anthropic, openaiCompatible, azureOpenAI]

const byName = new Map(PROVIDER_MODULES.map((m) => [m.name, m]))

/** The provider named `name` (a TRIAGE_MODELS `provider`, or a `ProviderSettings.adapter`). */
export const moduleNamed = (name: string): ProviderModule | undefined => byName.get(name)
