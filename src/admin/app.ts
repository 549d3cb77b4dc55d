/**
 * The admin Worker's Hono app: the admin API (tenants, keys, budgets), the dashboard and its JSON metrics, and each
 * tenant's own `/v1/usage`. None of it is on the request path, so none of it is in the router's bundle.
 *
 * @example
 * const app = createAdminApp()
 * await app.fetch(request, { ...bindings, ...vars }, ctx)   // src/admin/index.ts
 */
import type { HonoBase } from 'hono/hono-base'
import { baseApp, type AppEnv } from '../http/base'
import { adminRoutes } from '../api/admin'
import { usageRoutes } from '../api/usage'
import { dashboardRoutes, metricsRoutes } from '../dashboard'

export function createAdminApp(): HonoBase<AppEnv> {
  const app = baseApp()
  app.route('/v1/usage', usageRoutes)
  app.route('/admin/metrics', metricsRoutes)
  app.route('/admin', adminRoutes)
  app.route('/dashboard', dashboardRoutes)
  return app
}
