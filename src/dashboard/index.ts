/**
 * The operator's dashboard (`/dashboard`) and the same figures as JSON (`/admin/metrics`).
 *
 * Both sit behind ADMIN_TOKEN (src/admin): a person signs in once at /dashboard/sign-in (a session cookie); a script
 * sends `Authorization: Bearer <ADMIN_TOKEN>`. Tenant keys are refused. Pages are rendered on the server (hono/jsx),
 * use no script and no external resource, and are served with a strict CSP (`dashboardHeaders`). src/app.ts routes
 * to these handlers and loads this module on the first request for one of them.
 *
 * @example
 * // curl -s 'localhost:8787/admin/metrics?days=7' -H "authorization: Bearer $ADMIN_TOKEN" | jq .savings
 */
import type { Context } from 'hono'
import type { AppEnv } from '../server/base'
import { ApiError } from '../http/errors'
import { adminTokenOf, checkAdminToken, endSession, hasSession, startSession } from '../admin'
import { collectMetrics, type MetricsOptions } from './metrics'
import { renderDashboard, renderSignIn } from './page'
import { DASHBOARD_PATH } from './path'
import { CSS } from './style'

export { collectMetrics, type Metrics } from './metrics'

/** The longest window the dashboard reads, in days. */
export const MAX_WINDOW_DAYS = 31

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

type C = Context<AppEnv>

const page = (c: C, html: string, status: 200 | 401 | 429 = 200) => {
  noStore(c)
  return c.html(html, status)
}

/** The dashboard's and /admin/metrics' handlers, by route (src/app.ts). */
export const dashboardHandlers = {
  css(c: C) {
    c.header('cache-control', 'public, max-age=3600')
    return c.body(CSS, 200, { 'content-type': 'text/css; charset=utf-8' })
  },

  async signInPage(c: C) {
    if (await hasSession(c, adminTokenOf(c))) return c.redirect(DASHBOARD_PATH, 303)
    return page(c, renderSignIn())
  },

  async signIn(c: C) {
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
  },

  async signOut(c: C) {
    await endSession(c, adminTokenOf(c))
    noStore(c)
    return c.redirect(`${DASHBOARD_PATH}/sign-in`, 303)
  },

  /** GET /dashboard?days=7[&tenant=<id>] */
  async page(c: C) {
    return page(c, renderDashboard(await collectMetrics(c.env, c.get('config'), metricsOptions(c.req.query()))))
  },

  /** GET /admin/metrics?days=7[&tenant=<id>]: everything the dashboard shows, as JSON. */
  async metrics(c: C) {
    const m = await collectMetrics(c.env, c.get('config'), metricsOptions(c.req.query()))
    noStore(c)
    return c.json(m)
  },
}
