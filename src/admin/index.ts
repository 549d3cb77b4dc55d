/**
 * The admin Worker (`triage-admin`, wrangler.admin.toml): the admin API, the dashboard and `/v1/usage`, reached
 * only through the router's `ADMIN` service binding (see ./service.ts). It has no route of its own and no provider
 * credentials; it reads KV and the router's TenantLedger Durable Objects (bound by `script_name`).
 *
 * @example
 * // wrangler.toml (the router)
 * [[services]]
 * binding = "ADMIN"
 * service = "triage-admin"
 */
import { WorkerEntrypoint } from 'cloudflare:workers'
import { ApiError } from '../http/errors'
import type { Env } from '../env'
import { createAdminApp } from './app'
import type { AdminService } from './service'

export { createAdminApp } from './app'
export type { AdminService } from './service'

const app = createAdminApp()

let last: { key: string; env: Env } | undefined

/** The bindings merged with the router's vars; the same object while the vars are the same (config is cached per env object). */
function withVars(bindings: Env, vars: Record<string, string>): Env {
  const key = JSON.stringify(vars)
  if (last?.key !== key) last = { key, env: { ...bindings, ...vars } }
  return last.env
}

export default class AdminWorker extends WorkerEntrypoint<Env> implements AdminService {
  override fetch(): Response {
    return new ApiError(404, 'This is the triage-admin Worker. Call the router (the triage Worker): it forwards /admin, /dashboard and /v1/usage here.', { code: 'unknown_route' }).toResponse()
  }

  async serve(request: Request, vars: Record<string, string>): Promise<Response> {
    return app.fetch(request, withVars(this.env, vars), this.ctx)
  }
}
