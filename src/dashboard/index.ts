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
import { Hono } from 'hono/tiny'
import type { Context } from 'hono'
import type { MiddlewareHandler } from 'hono'
import type { Env } from '../env'
import { loadConfig, type ConfigEnv } from '../config'
import { ApiError, toApiError } from '../http/errors'
import { readBytesCapped } from '../http/body'
import { collectMetrics, type MetricsOptions } from './metrics'
import { adminTokenOf, checkAdminToken, endSession, isAdmin, startSession } from './session'
import { renderDashboard, renderSignIn, DASHBOARD_PATH } from './page'
import { CSS } from './style'

export { collectMetrics, type Metrics } from './metrics'
export { issueSession, verifySession, SESSION_COOKIE } from './session'

type DashboardEnv = { Bindings: Env }

/** The longest window the dashboard reads, in days. */
export const MAX_WINDOW_DAYS = 31

/** The security headers of every response (what Hono's `secureHeaders()` sets by default). */
const SECURE_HEADERS: Record<string, string> = {
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
}

/** Sets `headers` on the response after the handler ran (replacing any it set) and drops X-Powered-By. */
const secureHeaders = (headers: Record<string, string>): MiddlewareHandler => async (c, next) => {
  await next()
  for (const name in headers) c.res.headers.set(name, headers[name])
  c.res.headers.delete('x-powered-by')
}

/** Strict headers: nothing but this origin's stylesheet may load; no script at all; no framing. */
const strict = secureHeaders({
  ...SECURE_HEADERS,
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
})

/**
 * Refuses cross-site form posts (403): a request that is not GET/HEAD/OPTIONS, carries a form content type (or
 * none), and neither `Sec-Fetch-Site: same-origin` nor an `Origin` equal to this origin (as Hono's `csrf()`).
 */
const csrf: MiddlewareHandler = async (c, next) => {
  if (
    !/^(GET|HEAD|OPTIONS)$/.test(c.req.method) &&
    /^\b(application\/x-www-form-urlencoded|multipart\/form-data|text\/(?:plain|ping))\b/i.test(c.req.header('content-type') || 'text/plain') &&
    c.req.header('sec-fetch-site') !== 'same-origin' &&
    c.req.header('origin') !== new URL(c.req.url).origin
  ) {
    throw new ApiError(403, 'Cross-site form posts are refused.', { code: 'forbidden' })
  }
  await next()
}

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

/** Errors in OpenAI's format. */
const errorResponse = (err: unknown): Response => toApiError(err).toResponse()

const noStore = (c: Context) => c.header('cache-control', 'no-store')

// ---- /dashboard ----

export const dashboardRoutes = new Hono<DashboardEnv>()

dashboardRoutes.onError(errorResponse)
dashboardRoutes.use('*', strict)
dashboardRoutes.use('*', csrf)

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

/** The sign-in form's `token` field ('' when absent); a form over 4 KiB is refused with 413. */
async function formToken(raw: Request): Promise<string> {
  const type = raw.headers.get('content-type') ?? ''
  const tooLarge = () => new ApiError(413, 'Sign-in form too large.', { code: 'body_too_large' })
  const bytes = await readBytesCapped(raw, 4096, tooLarge)
  if (!/^\s*(multipart\/form-data|application\/x-www-form-urlencoded)\s*(;|$)/i.test(type)) return ''
  const token = (await new Response(new Blob(bytes), { headers: { 'content-type': type.replace(/^[^;]+/, (media) => media.toLowerCase()) } }).formData()).get('token')
  return typeof token === 'string' ? token.trim() : ''
}

dashboardRoutes.post('/sign-in', async (c) => {
  const presented = await formToken(c.req.raw)
  const token = adminTokenOf(c)
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

export const metricsRoutes = new Hono<DashboardEnv>()

metricsRoutes.onError(errorResponse)
metricsRoutes.use('*', secureHeaders(SECURE_HEADERS))

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
