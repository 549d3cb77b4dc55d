/**
 * The base of Triage's one app: errors from one handler, in the format of the API the client called (Anthropic's
 * on `/v1/messages`, OpenAI's everywhere else; a bad configuration is a 500 naming every bad variable; anything
 * unexpected is a logged 500 with the request id), a 404 for unknown routes, a 405 with `allow` for a known path
 * with the wrong method (hono/method-not-allowed), the header-size check, a request id on every response, and the
 * validated config in `c.get('config')`. Sub-apps are typed `AppEnv` and set no handler of their own, so every
 * route, admin or not, answers errors the same way.
 *
 * @example
 * const app = baseApp()
 * app.get('/healthz', (c) => c.json({ status: 'ok' }))
 */
import type { Context } from 'hono'
import type { HonoBase } from 'hono/hono-base'
import { HTTPException } from 'hono/http-exception'
import { methodNotAllowed } from 'hono/method-not-allowed'
import type { Env } from '../env'
import type { Config } from '../config'
import type { Tenant } from '../tenants'
import { loadConfig, ConfigError } from '../config'
import { honoApp } from './app'
import { ApiError, toApiError } from '../http/errors'
import { checkHeaderSizes } from '../http/body'
import { anthropicErrorBody } from '../anthropic'

export interface AppEnv {
  Bindings: Env
  Variables: { requestId: string; config: Config; tenant: Tenant }
}

/** Anthropic's Messages API, and anything under it: its clients read errors in Anthropic's format. */
const ANTHROPIC_API = '/v1/messages'

/**
 * An error as the response, in the format of the API the client called: Anthropic's (`{type: 'error', error: {type,
 * message}}`) on `/v1/messages`, OpenAI's (`{error: {message, type, param, code}}`) everywhere else.
 * @example return apiErrorResponse(c, new ApiError(404, 'Unknown route'))
 */
export function apiErrorResponse(c: Context, api: ApiError, extraHeaders?: Record<string, string>): Response {
  const path = new URL(c.req.url).pathname
  if (path !== ANTHROPIC_API && !path.startsWith(`${ANTHROPIC_API}/`)) return api.toResponse(extraHeaders)
  return new Response(JSON.stringify(anthropicErrorBody(api)), {
    status: api.status,
    headers: { 'content-type': 'application/json', ...api.headers, ...extraHeaders },
  })
}

/** Every error a route throws, as the response the client gets (see apiErrorResponse; logged when unexpected). */
export function errorResponse(err: unknown, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') ?? ''
  if (err instanceof ConfigError) {
    console.error(JSON.stringify({ level: 'error', msg: 'invalid configuration', problems: err.problems }))
    return apiErrorResponse(c, new ApiError(500, err.message, { type: 'server_error', code: 'invalid_configuration' }), { 'x-request-id': requestId })
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Hono's middleware: bearer-auth answers with our own ApiError response; csrf refuses a cross-site form post.
    if (err.res?.headers.get('content-type')?.startsWith('application/json')) {
      const res = new Response(err.res.body, err.res)
      res.headers.set('x-request-id', requestId)
      return res
    }
    const message = err.status === 403 ? 'Cross-site form posts are refused.' : err.message || 'Request refused.'
    return apiErrorResponse(c, new ApiError(err.status, message, { code: err.status === 403 ? 'forbidden' : null }), { 'x-request-id': requestId })
  }
  const api = toApiError(err)
  if (!(err instanceof ApiError)) logUnhandled(err, c)
  return apiErrorResponse(c, api, { 'x-request-id': requestId })
}

/**
 * Logs an error no route meant to throw (anything but an ApiError: the client gets a 500 `internal_error`), with
 * the request id and path.
 */
function logUnhandled(err: unknown, c: Context<AppEnv>): void {
  console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', request_id: c.get('requestId') ?? '', path: new URL(c.req.url).pathname, error: String(err) }))
}

export function baseApp(): HonoBase<AppEnv> {
  const app = honoApp<AppEnv>()

  app.onError(errorResponse)
  app.notFound((c) => apiErrorResponse(c, new ApiError(404, `Unknown route: ${c.req.method} ${new URL(c.req.url).pathname}`, { code: 'unknown_route' })))

  app.use('*', async (c, next) => {
    // the request id first (the client's, cut to 64 safe chars), so that even a refused header's 431 carries one
    c.set('requestId', c.req.header('x-request-id')?.slice(0, 64).replace(/[^\w.-]/g, '') || crypto.randomUUID())
    checkHeaderSizes(c.req.raw.headers)
    c.set('config', loadConfig(c.env))
    await next()
    // Set on the answer itself: `c.header` after `next()` would copy the whole Response to add one header. A
    // Response with immutable headers (one fetched from elsewhere) throws, and Hono's copy takes it.
    try {
      c.res.headers.set('x-request-id', c.get('requestId'))
    } catch {
      c.header('x-request-id', c.get('requestId'))
    }
  })
  app.use('*', methodNotAllowed({
    app: app as never,
    onMethodNotAllowed: (c, methods) => {
      const allow = methods.filter((m) => m !== 'HEAD').sort().join(', ')
      return apiErrorResponse(c, new ApiError(405, `Method not allowed: use ${allow} ${c.req.path}.`, { code: 'method_not_allowed', headers: { allow } }))
    },
  }))
  return app
}
