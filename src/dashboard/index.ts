/**
 * The operator's dashboard (`/dashboard`) and the same figures as JSON (`/admin/metrics`).
 *
 * Both sit behind ADMIN_TOKEN: a person signs in once at /dashboard/sign-in (session cookie, see ./session.ts);
 * a script sends `Authorization: Bearer <ADMIN_TOKEN>`. Tenant keys are refused. Pages are rendered on the server
 * (hono/jsx), use no script and no external resource, and are served with a strict CSP.
 *
 * @example
 * app.route('/admin/metrics', metricsRoutes)   // before app.route('/admin', adminRoutes)
 * app.route('/dashboard', dashboardRoutes)
 * // curl -s 'localhost:8787/admin/metrics?days=7' -H "authorization: Bearer $ADMIN_TOKEN" | jq .savings
 */
import { honoApp } from '../http/app'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { bodyLimit } from 'hono/body-limit'
import { csrf } from 'hono/csrf'
import { secureHeaders } from 'hono/secure-headers'
import type { Env } from '../env'
import { loadConfig, type ConfigEnv } from '../config'
import { ApiError, toApiError } from '../http/errors'
import { collectMetrics, type MetricsOptions } from './metrics'
import { adminTokenOf, checkAdminToken, endSession, isAdmin, startSession } from './session'
import { renderDashboard, renderSignIn, DASHBOARD_PATH } from './page'
import { CSS } from './style'

export { collectMetrics, type Metrics } from './metrics'
export { issueSession, verifySession, SESSION_COOKIE } from './session'

type DashboardEnv = { Bindings: Env }

/** The longest window the dashboard reads, in days. */
export const MAX_WINDOW_DAYS = 31

/** Strict headers: nothing but this origin's stylesheet may load; no script at all; no framing. */
const strict = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  crossOriginResourcePolicy: 'same-origin',
  referrerPolicy: 'no-referrer',
  xFrameOptions: 'DENY',
})

/** `?days=` and `?tenant=`, validated; 400 in OpenAI format otherwise. */
export function metricsOptions(query: Record<string, string>): MetricsOptions {
  const days = query.days ?? '7'
  if (!/^\d{1,3}$/.test(days) || Number(days) < 1 || Number(days) > MAX_WINDOW_DAYS) {
    throw new ApiError(400, `Invalid request: 'days' must be a whole number from 1 to ${MAX_WINDOW_DAYS}.`, { param: 'days', code: 'invalid_request' })
  }
  const tenant = query.tenant
  if (tenant !== undefined && !/^[\w-]{1,64}$/.test(tenant)) {
    throw new ApiError(400, "Invalid request: 'tenant' must be a tenant id.", { param: 'tenant', code: 'invalid_request' })
  }
  return { days: Number(days), ...(tenant ? { tenant } : {}) }
}

/** Errors in OpenAI's format; Hono's own (e.g. the CSRF check's 403) keep their status. */
function errorResponse(err: unknown): Response {
  if (err instanceof HTTPException && err.status < 500) {
    return new ApiError(err.status, err.status === 403 ? 'Cross-site form posts are refused.' : err.message || 'Request refused.', { code: 'forbidden' }).toResponse()
  }
  return toApiError(err).toResponse()
}

const noStore = (c: Context) => c.header('cache-control', 'no-store')

// ---- /dashboard ----

export const dashboardRoutes = honoApp<DashboardEnv>()

dashboardRoutes.onError(errorResponse)
dashboardRoutes.use('*', strict)
dashboardRoutes.use('*', csrf())

dashboardRoutes.get('/assets/dashboard.css', (c) => {
  c.header('cache-control', 'public, max-age=3600')
  return c.body(CSS, 200, { 'content-type': 'text/css; charset=utf-8' })
})

const page = (c: Context, html: string, status: 200 | 401 = 200) => {
  noStore(c)
  return c.html(html, status)
}

dashboardRoutes.get('/sign-in', async (c) => {
  adminTokenOf(c)
  if (await isAdmin(c)) return c.redirect(DASHBOARD_PATH, 303)
  return page(c, renderSignIn())
})

dashboardRoutes.post('/sign-in', bodyLimit({ maxSize: 4096, onError: () => { throw new ApiError(413, 'Sign-in form too large.', { code: 'body_too_large' }) } }), async (c) => {
  const token = adminTokenOf(c)
  const form = await c.req.parseBody()
  const presented = typeof form.token === 'string' ? form.token.trim() : ''
  const check = await checkAdminToken(token, presented)
  if (!check.ok) return page(c, renderSignIn(check.error.message), 401)
  await startSession(c, token)
  noStore(c)
  return c.redirect(DASHBOARD_PATH, 303)
})

dashboardRoutes.post('/sign-out', (c) => {
  endSession(c)
  noStore(c)
  return c.redirect(`${DASHBOARD_PATH}/sign-in`, 303)
})

dashboardRoutes.get('/', async (c) => {
  if (!(await isAdmin(c))) {
    noStore(c)
    return c.redirect(`${DASHBOARD_PATH}/sign-in`, 303)
  }
  const opts = metricsOptions(c.req.query())
  const m = await collectMetrics(c.env, loadConfig(c.env as ConfigEnv), opts)
  return page(c, renderDashboard(m))
})

// ---- /admin/metrics ----

export const metricsRoutes = honoApp<DashboardEnv>()

metricsRoutes.onError(errorResponse)
metricsRoutes.use('*', secureHeaders())

/** GET /admin/metrics?days=7[&tenant=<id>]: everything the dashboard shows, as JSON. */
metricsRoutes.get('/', async (c) => {
  if (!(await isAdmin(c))) {
    throw new ApiError(401, "Missing admin token. Send 'Authorization: Bearer <ADMIN_TOKEN>' or sign in at /dashboard.", { code: 'missing_admin_token' })
  }
  const opts = metricsOptions(c.req.query())
  const m = await collectMetrics(c.env, loadConfig(c.env as ConfigEnv), opts)
  noStore(c)
  return c.json(m)
})
