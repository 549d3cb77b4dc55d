/**
 * The Hono app: routes and the cross-cutting middleware (request id, errors, CORS). Each route's work lives
 * in its own module under api/.
 *
 * @example export default createApp()   // src/index.ts
 */
import type { HonoBase } from 'hono/hono-base'
import { honoApp } from './http/app'
import { cors } from 'hono/cors'
import type { Env } from './env'
import type { Config } from './config'
import { loadConfig, ConfigError } from './config'
import { ApiError, toApiError } from './http/errors'
import { checkHeaderSizes } from './http/body'
import type { Tenant } from './tenants'
import { chatCompletions } from './api/chat'
import { listModels } from './api/models'
import { routeDryRun } from './api/route'
import { adminRoutes } from './api/admin'
import { usageRoutes } from './api/usage'
import { dashboardRoutes, metricsRoutes } from './dashboard'

export interface AppEnv {
  Bindings: Env
  Variables: { requestId: string; config: Config; tenant: Tenant }
}

export function createApp(): HonoBase<AppEnv> {
  const app = honoApp<AppEnv>()

  app.onError((err, c) => {
    if (err instanceof ConfigError) {
      console.error(JSON.stringify({ level: 'error', msg: 'invalid configuration', problems: err.problems }))
      return new ApiError(500, err.message, { type: 'server_error', code: 'invalid_configuration' }).toResponse()
    }
    const api = toApiError(err)
    if (api.status >= 500 && !(err instanceof ApiError)) {
      console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', request_id: c.get('requestId'), error: String(err) }))
    }
    return api.toResponse({ 'x-request-id': c.get('requestId') ?? '' })
  })
  app.notFound((c) => new ApiError(404, `Unknown route: ${c.req.method} ${new URL(c.req.url).pathname}`, { code: 'unknown_route' }).toResponse())

  app.use('*', async (c, next) => {
    checkHeaderSizes(c.req.raw.headers)
    c.set('requestId', c.req.header('x-request-id')?.slice(0, 64).replace(/[^\w.-]/g, '') || crypto.randomUUID())
    c.set('config', loadConfig(c.env))
    await next()
    c.header('x-request-id', c.get('requestId'))
  })

  app.use('/v1/*', async (c, next) => {
    const origins = c.get('config').corsOrigins
    if (origins.length === 0) return next()
    return cors({ origin: origins, exposeHeaders: ['x-request-id', 'x-triage-tier', 'x-triage-model', 'x-triage-cost-usd'] })(c, next)
  })

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.post('/v1/chat/completions', chatCompletions)
  app.post('/v1/route', routeDryRun)
  app.get('/v1/models', listModels)
  app.route('/v1/usage', usageRoutes)
  app.route('/admin/metrics', metricsRoutes)
  app.route('/admin', adminRoutes)
  app.route('/dashboard', dashboardRoutes)

  for (const [path, allow] of [['/v1/chat/completions', 'POST'], ['/v1/route', 'POST'], ['/v1/models', 'GET'], ['/healthz', 'GET']] as const) {
    app.all(path, () => new ApiError(405, `Method not allowed: use ${allow} ${path}.`, { code: 'method_not_allowed', headers: { allow } }).toResponse())
  }
  return app
}
