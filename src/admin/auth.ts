/**
 * Who may use the admin API, the metrics API and the dashboard: the operator holding ADMIN_TOKEN, and nobody else.
 *
 * - A script sends `Authorization: Bearer <ADMIN_TOKEN>` (hono/bearer-auth; compared in constant time, as
 *   SHA-256 digests). Tenant API keys (`trg_…`) are refused with a message saying why.
 * - A person signs in at /dashboard/sign-in and is then carried by a session cookie (./session.ts), on the
 *   dashboard and /admin/metrics.
 * - Wrong tokens are slowed per client (the `cf-connecting-ip` address): after THROTTLE.free wrong tokens, each
 *   further one starts a back-off (1 s, 2 s, 4 s … up to a minute) during which every attempt from that client is
 *   answered `429 admin_auth_throttled` with `retry-after`, right tokens included. The count lives in the isolate
 *   (a guesser spread over many isolates gets proportionally more tries; ADMIN_TOKEN is long and random enough that
 *   this is defence in depth, not the defence).
 *
 * @example
 * app.use('/admin/tenants/*', adminAuth())                                          // Bearer only
 * app.get('/dashboard', adminAuth({ session: { redirect: '/dashboard/sign-in' } }), …) // or a session; else sign in
 */
import type { Context, MiddlewareHandler } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import type { AppEnv } from '../server/base'
import { ApiError } from '../http/errors'
import { KEY_PREFIX, secretsEqual } from '../tenants'
import { hasSession } from './session'

/** The back-off after repeated wrong admin tokens, per client, per isolate. */
export const THROTTLE = { free: 5, baseMs: 1_000, maxMs: 60_000, forgetAfterMs: 15 * 60_000, maxClients: 10_000 } as const

type Failures = { count: number; last: number; until: number }
const failures = new Map<string, Failures>()

const clientOf = (c: Context) => c.req.header('cf-connecting-ip') ?? 'unknown'

/** Throws 429 while the client is backing off after repeated wrong tokens. */
function refuseIfThrottled(c: Context, now = Date.now()): void {
  const f = failures.get(clientOf(c))
  if (!f || f.until <= now) return
  const s = Math.ceil((f.until - now) / 1000)
  throw new ApiError(429, `Too many wrong admin tokens from this client: try again in ${s} s.`, { code: 'admin_auth_throttled', headers: { 'retry-after': String(s) } })
}

function recordFailure(c: Context, now = Date.now()): void {
  const client = clientOf(c)
  let f = failures.get(client)
  if (!f || now - f.last > THROTTLE.forgetAfterMs) f = { count: 0, last: now, until: 0 }
  f.count++
  f.last = now
  if (f.count > THROTTLE.free) f.until = now + Math.min(THROTTLE.maxMs, THROTTLE.baseMs * 2 ** (f.count - THROTTLE.free - 1))
  failures.delete(client)
  if (failures.size >= THROTTLE.maxClients) failures.delete(failures.keys().next().value!)
  failures.set(client, f)
}

/** The configured admin token, or a 503 saying how to set one. */
export function adminTokenOf(c: Context<AppEnv>): string {
  const token = c.get('config').adminToken
  if (!token) throw new ApiError(503, 'The admin API and the dashboard are disabled: set the ADMIN_TOKEN secret (README.md#configuration).', { code: 'admin_disabled' })
  return token
}

/**
 * Checks a token someone sent or typed, in constant time: true when it is ADMIN_TOKEN. A tenant key throws 401
 * saying why; a wrong token counts towards the client's back-off; a throttled client gets 429.
 */
export async function checkAdminToken(c: Context<AppEnv>, presented: string, purpose = 'use the admin API'): Promise<boolean> {
  refuseIfThrottled(c)
  if (presented.startsWith(KEY_PREFIX)) {
    throw new ApiError(401, `Tenant API keys cannot ${purpose}. Use the ADMIN_TOKEN.`, { code: 'invalid_admin_token' })
  }
  if (presented && (await secretsEqual(presented, adminTokenOf(c)))) {
    failures.delete(clientOf(c))
    return true
  }
  recordFailure(c)
  return false
}

const refusal = (message: string, code: string) => () => new ApiError(401, message, { code }).toResponse()

const bearer = bearerAuth<AppEnv>({
  verifyToken: (token, c) => checkAdminToken(c, token),
  noAuthenticationHeader: { message: refusal("Missing admin token. Send 'Authorization: Bearer <ADMIN_TOKEN>'.", 'missing_admin_token') },
  invalidAuthenticationHeader: { message: refusal("Malformed Authorization header. Send 'Authorization: Bearer <ADMIN_TOKEN>'.", 'invalid_admin_token') },
  invalidToken: { message: refusal('Incorrect admin token.', 'invalid_admin_token') },
})

/**
 * The one admin-auth middleware. With `session`, a request without an Authorization header may instead carry a
 * live dashboard session; without either it is redirected to `session.redirect`, or refused 401.
 */
export function adminAuth(opts: { session?: { redirect?: string } } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = adminTokenOf(c)
    if (opts.session && c.req.header('authorization') === undefined) {
      if (await hasSession(c, token)) return next()
      if (opts.session.redirect) {
        c.header('cache-control', 'no-store')
        return c.redirect(opts.session.redirect, 303)
      }
      throw new ApiError(401, "Missing admin token. Send 'Authorization: Bearer <ADMIN_TOKEN>' or sign in at /dashboard.", { code: 'missing_admin_token' })
    }
    return bearer(c, next)
  }
}
