/**
 * Triage's one app, and its whole route table:
 *
 * - the request path (`POST /v1/chat/completions`, and `POST /v1/messages` in Anthropic's format; `POST /v1/embeddings`), its dry run (`POST /v1/route`), `GET /v1/models`, `/healthz`;
 * - each tenant's own `GET /v1/usage`;
 * - behind ADMIN_TOKEN (src/admin): the admin API (`/admin/tenants…`), `GET /admin/metrics` and the dashboard.
 *
 * The handlers of the last two groups load on the first request that needs them (server/lazy), so an isolate that
 * serves only the request path never evaluates them. Errors, 404s and 405s come from one place (server/base).
 *
 * @example export default createApp()   // src/index.ts
 */
import type { HonoBase } from 'hono/hono-base'
import { cors } from 'hono/cors'
import { csrf } from 'hono/csrf'
import { secureHeaders } from 'hono/secure-headers'
import { baseApp, type AppEnv } from './server/base'
import { lazy } from './server/lazy'
import { chatCompletions } from './api/chat'
import { messages } from './api/messages'
import { embeddings } from './api/embeddings'
import { listModels } from './api/models'
import { routeDryRun } from './api/route'
import { adminAuth, adminBodyLimit, signInBodyLimit } from './admin'
import { DASHBOARD_PATH, dashboardHeaders } from './dashboard/path'

export type { AppEnv } from './server/base'

const usage = lazy(() => import('./api/usage').then((m) => ({ usage: m.usage })))
const tenants = lazy(() => import('./api/admin').then((m) => m.tenantHandlers))
const dashboard = lazy(() => import('./dashboard').then((m) => m.dashboardHandlers))

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
  app.post('/v1/embeddings', embeddings)
  app.post('/v1/route', routeDryRun)
  app.get('/v1/models', listModels)
  app.get('/v1/usage', usage('usage'))

  app.get('/admin/metrics', secureHeaders(), adminAuth({ session: {} }), dashboard('metrics'))

  app.use('/admin/tenants/*', adminAuth(), adminBodyLimit)
  app.post('/admin/tenants', tenants('create'))
  app.get('/admin/tenants', tenants('list'))
  app.get('/admin/tenants/:id', tenants('get'))
  app.patch('/admin/tenants/:id', tenants('patch'))
  app.delete('/admin/tenants/:id', tenants('remove'))
  app.post('/admin/tenants/:id/disable', tenants('disable'))
  app.post('/admin/tenants/:id/enable', tenants('enable'))
  app.put('/admin/tenants/:id/budget', tenants('putBudget'))
  app.post('/admin/tenants/:id/keys', tenants('issueTenantKey'))
  app.delete('/admin/tenants/:id/keys/:key_id', tenants('revokeTenantKey'))
  app.get('/admin/tenants/:id/usage', tenants('usage'))

  app.use(`${DASHBOARD_PATH}/*`, dashboardHeaders, csrf())
  app.get(DASHBOARD_PATH, adminAuth({ session: { redirect: `${DASHBOARD_PATH}/sign-in` } }), dashboard('page'))
  app.get(`${DASHBOARD_PATH}/sign-in`, dashboard('signInPage'))
  app.post(`${DASHBOARD_PATH}/sign-in`, signInBodyLimit, dashboard('signIn'))
  app.post(`${DASHBOARD_PATH}/sign-out`, dashboard('signOut'))
  app.get(`${DASHBOARD_PATH}/assets/dashboard.css`, dashboard('css'))
  return app
}
