/**
 * The contract between the two Workers. The router (`triage`) serves the request path; the admin Worker
 * (`triage-admin`, wrangler.admin.toml) serves the admin API, the dashboard and `/v1/usage`. Clients see one
 * origin: the router forwards those paths over its `ADMIN` service binding (Workers RPC), with its own
 * configuration variables, so the two Workers can never disagree on models, prices or the admin token. Provider
 * credentials stay in the router.
 *
 * @example
 * app.all('/admin/*', forwardToAdmin)       // src/app.ts
 */
import type { Context } from 'hono'
import { configVars } from '../config'
import { ApiError } from '../http/errors'
import type { AppEnv } from '../http/base'

/** What the admin Worker answers over the router's `ADMIN` service binding. */
export interface AdminService {
  /** Serves one request for an admin path, with the router's configuration variables (credentials left out). */
  serve(request: Request, vars: Record<string, string>): Promise<Response>
}

/** Path prefixes the admin Worker serves (each also matches its sub-paths). */
export const ADMIN_PATHS = ['/admin', '/dashboard', '/v1/usage'] as const

/** Provider credentials: the admin Worker never needs them, so they never leave the router. */
const CREDENTIALS = new Set(['OPENAI_API_KEY', 'DEEPSEEK_API_KEY', 'ANTHROPIC_API_KEY', 'CLOUDFLARE_API_TOKEN'])

/** The router's configuration variables, as the admin Worker gets them. */
export function adminVars(env: Record<string, unknown>): Record<string, string> {
  const vars = configVars(env)
  for (const k of CREDENTIALS) delete vars[k]
  return vars
}

/** The router's handler for ADMIN_PATHS: the same request, with the router's request id, answered by the admin Worker. */
export async function forwardToAdmin(c: Context<AppEnv>): Promise<Response> {
  const admin = c.env.ADMIN
  if (!admin) {
    throw new ApiError(503, 'The admin API, the dashboard and /v1/usage are served by the triage-admin Worker, and this router has no ADMIN service binding to it. Deploy wrangler.admin.toml and bind it as ADMIN (README.md#deploying).', {
      type: 'server_error', code: 'admin_unavailable',
    })
  }
  const headers = new Headers(c.req.raw.headers)
  headers.set('x-request-id', c.get('requestId'))
  const res = await admin.serve(new Request(c.req.raw, { headers }), adminVars(c.env))
  // An RPC response's headers are immutable; the router's middleware still adds its own.
  return new Response(res.body, res)
}
