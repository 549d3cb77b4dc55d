/**
 * The router's Hono app: the request path (`/v1/chat/completions`, and `/v1/messages` in Anthropic's format), its dry run (`/v1/route`), `/v1/models` and
 * `/healthz`. Admin paths (`/admin`, `/dashboard`, `/v1/usage`) are forwarded to the admin Worker
 * (src/admin/service.ts), so clients see one origin and the router's bundle carries only the request path.
 * Each route's work lives in its own module under api/.
 *
 * @example export default createApp()   // src/index.ts
 */
import type { HonoBase } from 'hono/hono-base'
import { cors } from 'hono/cors'
import { ApiError } from './http/errors'
import { baseApp, type AppEnv } from './http/base'
import { chatCompletions } from './api/chat'
import { messages } from './api/messages'
import { listModels } from './api/models'
import { routeDryRun } from './api/route'
import { ADMIN_PATHS, forwardToAdmin } from './admin/service'

export type { AppEnv } from './http/base'

export function createApp(): HonoBase<AppEnv> {
  const app = baseApp()

  app.use('/v1/*', async (c, next) => {
    const origins = c.get('config').corsOrigins
    if (origins.length === 0) return next()
    return cors({ origin: origins, exposeHeaders: ['x-request-id', 'x-triage-tier', 'x-triage-model', 'x-triage-cost-usd'] })(c, next)
  })

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.post('/v1/chat/completions', chatCompletions)
  app.post('/v1/messages', messages)
  app.post('/v1/route', routeDryRun)
  app.get('/v1/models', listModels)
  for (const prefix of ADMIN_PATHS) {
    app.all(prefix, forwardToAdmin)
    app.all(`${prefix}/*`, forwardToAdmin)
  }

  for (const [path, allow] of [['/v1/chat/completions', 'POST'], ['/v1/messages', 'POST'], ['/v1/route', 'POST'], ['/v1/models', 'GET'], ['/healthz', 'GET']] as const) {
    app.all(path, () => new ApiError(405, `Method not allowed: use ${allow} ${path}.`, { code: 'method_not_allowed', headers: { allow } }).toResponse())
  }
  return app
}
