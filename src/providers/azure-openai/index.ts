/**
 * Azure OpenAI: the OpenAI-compatible core with Azure's URL and key header, one deployment per TRIAGE_MODELS entry.
 *
 * Azure's data-plane inference API (https://learn.microsoft.com/azure/ai-services/openai/reference, "Chat
 * completions"): `POST {endpoint}/openai/deployments/{deployment-id}/chat/completions?api-version={api-version}`,
 * the key in an `api-key` header (latest GA data-plane inference version when checked: `2024-10-21`).
 *
 * The entry's `upstream` is the OpenAI model behind the deployment (default: the entry's id), so that o-series and
 * GPT-5 deployments get the output cap as `max_completion_tokens` whatever the deployment is called.
 *
 * @example
 * TRIAGE_MODELS={"gpt-4o-eu":{"provider":"azure-openai","base_url":"https://my-resource.openai.azure.com",
 *   "deployment":"gpt4o-prod","api_version":"2024-10-21","api_key_env":"AZURE_OPENAI_API_KEY","upstream":"gpt-4o",
 *   "tier":"premium","price":{"input":"2.50","output":"10.00"}}}
 */
import { capField } from '../openai'
import { createOpenAICompatible, endpointSettings } from '../openai-compatible'
import { envName, secret, trimSlash, url } from '../settings'
import type { ProviderModule } from '../types'

export const azureOpenAI: ProviderModule = {
  name: 'azure-openai',
  env: {},
  entry: {
    fields: {
      base_url: url,
      deployment: secret,
      api_version: secret,
      api_key_env: envName,
    },
    settings: (entry, env) => ({
      ...endpointSettings('azure-openai', entry, env),
      baseUrl: `${trimSlash(String(entry.base_url))}/openai/deployments/${encodeURIComponent(String(entry.deployment))}`,
      apiVersion: String(entry.api_version),
    }),
  },
  create: (ctx) =>
    createOpenAICompatible('azure-openai', ctx, {
      prepare: capField,
      url: (s) => `${s.baseUrl}/chat/completions?api-version=${encodeURIComponent(s.apiVersion ?? '')}`,
      auth: (key) => ({ 'api-key': key }),
    }),
}
