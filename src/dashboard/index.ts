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
import { bodyLimit } from 'hono/body-limit'
import { csrf } from 'hono/csrf'
import { secureHeaders } from 'hono/secure-headers'
import type { AppEnv } from '../http/base'
import { ApiError } from '../http/errors'
import { adminAuth, adminTokenOf, checkAdminToken } from '../admin/auth'
import { endSession, hasSession, startSession } from '../admin/session'
import { collectMetrics, type MetricsOptions } from './metrics'
import { renderDashboard, renderSignIn, DASHBOARD_PATH } from './page'
import { CSS } from './style'

export { collectMetrics, type Metrics } from './metrics'

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

const noStore = (c: Context) => c.header('cache-control', 'no-store')

// ---- /dashboard ----

export const dashboardRoutes = honoApp<AppEnv>()

dashboardRoutes.use('*', strict)
dashboardRoutes.use('*', csrf())

dashboardRoutes.get('/assets/dashboard.css', (c) => {
  c.header('cache-control', 'public, max-age=3600')
  return c.body(CSS, 200, { 'content-type': 'text/css; charset=utf-8' })
})

const page = (c: Context, html: string, status: 200 | 401 | 429 = 200) => {
  noStore(c)
  return c.html(html, status)
}

dashboardRoutes.get('/sign-in', async (c) => {
  if (await hasSession(c, adminTokenOf(c))) return c.redirect(DASHBOARD_PATH, 303)
  return page(c, renderSignIn())
})

dashboardRoutes.post('/sign-in', bodyLimit({ maxSize: 4096, onError: () => { throw new ApiError(413, 'Sign-in form too large.', { code: 'body_too_large' }) } }), async (c) => {
  const token = adminTokenOf(c)
  const form = await c.req.parseBody()
  const presented = typeof form.token === 'string' ? form.token.trim() : ''
  let ok: boolean
  try {
    ok = await checkAdminToken(c, presented, 'open the dashboard')
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 429)) throw err
    for (const [k, v] of Object.entries(err.headers)) c.header(k, v)
    return page(c, renderSignIn(err.message), err.status)
  }
  if (!ok) return page(c, renderSignIn('Incorrect admin token.'), 401)
  await startSession(c, token)
  noStore(c)
  return c.redirect(DASHBOARD_PATH, 303)
})

dashboardRoutes.post('/sign-out', async (c) => {
  await endSession(c, adminTokenOf(c))
  noStore(c)
  return c.redirect(`${DASHBOARD_PATH}/sign-in`, 303)
})

dashboardRoutes.get('/', adminAuth({ session: { redirect: `${DASHBOARD_PATH}/sign-in` } }), async (c) => {
  const m = await collectMetrics(c.env, c.get('config'), metricsOptions(c.req.query()))
  return page(c, renderDashboard(m))
})

// ---- /admin/metrics ----

export const metricsRoutes = honoApp<AppEnv>()

metricsRoutes.use('*', secureHeaders())

/** GET /admin/metrics?days=7[&tenant=<id>]: everything the dashboard shows, as JSON. */
metricsRoutes.get('/', adminAuth({ session: {} }), async (c) => {
  const m = await collectMetrics(c.env, c.get('config'), metricsOptions(c.req.query()))
  noStore(c)
  return c.json(m)
})
