/**
 * Triage's one app: the request path (`/v1/chat/completions`), its dry run (`/v1/route`), `/v1/models` and
 * `/healthz`; each tenant's `/v1/usage`; the admin API (`/admin`), its metrics (`/admin/metrics`) and the dashboard
 * (`/dashboard`), behind ADMIN_TOKEN (src/admin). Each route's work lives in its own module under api/ or dashboard/.
 *
 * @example export default createApp()   // src/index.ts
 */
import type { HonoBase } from 'hono/hono-base'
import { cors } from 'hono/cors'
import { baseApp, type AppEnv } from './http/base'
import { chatCompletions } from './api/chat'
import { listModels } from './api/models'
import { routeDryRun } from './api/route'
import { adminRoutes } from './api/admin'
import { usageRoutes } from './api/usage'
import { dashboardRoutes, metricsRoutes } from './dashboard'

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
  app.post('/v1/route', routeDryRun)
  app.get('/v1/models', listModels)
  app.route('/v1/usage', usageRoutes)
  app.route('/admin/metrics', metricsRoutes)
  app.route('/admin', adminRoutes)
  app.route('/dashboard', dashboardRoutes)
  return app
}
