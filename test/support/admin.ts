/**
 * The admin Worker in-process, for the workers test pool: what the router's `ADMIN` service binding is there. In
 * production the router reaches src/admin/index.ts over Workers RPC (the node tests run both Workers); here the
 * same admin app gets the same inputs: the router's forwarded request and vars, on top of only the bindings the
 * admin Worker has (KV and the ledger DOs).
 *
 * @example
 * const env = { ...testEnv, ...vars }
 * env.ADMIN = localAdmin(env)
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { createAdminApp, type AdminService } from '../../src/admin'

export function localAdmin(bindings: Record<string, unknown>): AdminService {
  const app = createAdminApp()
  const base = { TRIAGE_KV: bindings.TRIAGE_KV, TENANT_LEDGER: bindings.TENANT_LEDGER }
  return {
    async serve(request, vars) {
      const ctx = createExecutionContext()
      const res = await app.fetch(request, { ...base, ...vars }, ctx)
      const body = await res.arrayBuffer()
      await waitOnExecutionContext(ctx)
      return new Response(body, res)
    },
  }
}
