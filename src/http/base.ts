/**
 * What every Triage app shares, the router's and the admin Worker's: OpenAI-format errors (a bad configuration is
 * a 500 naming every bad variable), a 404 for unknown routes, the header-size check, a request id on every
 * response, and the validated config in `c.get('config')`.
 *
 * @example
 * const app = baseApp()
 * app.get('/healthz', (c) => c.json({ status: 'ok' }))
 */
import type { HonoBase } from 'hono/hono-base'
import type { Env } from '../env'
import type { Config } from '../config'
import type { Tenant } from '../tenants'
import { loadConfig, ConfigError } from '../config'
import { honoApp } from './app'
import { ApiError, toApiError } from './errors'
import { checkHeaderSizes } from './body'

export interface AppEnv {
  Bindings: Env
  Variables: { requestId: string; config: Config; tenant: Tenant }
}

export function baseApp(): HonoBase<AppEnv> {
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
  return app
}
