/**
 * Handlers whose module loads on the first request that needs it. `import()` of a bundled module is not I/O:
 * wrangler's esbuild wraps that module's top level in a function it runs on the first import, so an isolate that
 * only serves the request path never evaluates the admin API's schemas or the dashboard's views (start-up CPU:
 * `npm run bench:startup`). Each call awaits the import afresh; after the first it resolves at once.
 *
 * @example
 * const tenants = lazy(() => import('../api/admin').then((m) => m.tenantHandlers))
 * app.post('/admin/tenants', tenants('create'))
 */
import type { Context } from 'hono'
import type { AppEnv } from './base'

type Handler = (c: Context<AppEnv>) => Response | Promise<Response>

export function lazy<H extends Record<string, Handler>>(load: () => Promise<H>): (name: keyof H) => Handler {
  return (name) => async (c) => (await load())[name](c)
}
