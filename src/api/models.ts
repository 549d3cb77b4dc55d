/**
 * GET /v1/models — the names a client may send as `model`: `auto` (route by complexity, the default),
 * the tier aliases, the configured upstream models, and the embedding models `/v1/embeddings` offers. OpenAI's list format.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../app'
import { modelNames } from '../routing'

const CREATED = 1_767_225_600 // 2026-01-01, a fixed timestamp: the list is configuration, not a catalogue with dates

export function listModels(c: Context<AppEnv>): Response {
  const config = c.var.config
  const model = (id: string, owned_by: string) => ({ id, object: 'model' as const, created: CREATED, owned_by })
  const data = [
    ...modelNames(config).map((id) => model(id, id === 'auto' || id.startsWith('triage/') ? 'triage' : config.models[id].provider)),
    ...Object.values(config.embeddings.models).map((m) => model(m.id, m.provider)),
  ]
  return c.json({ object: 'list', data })
}
