/**
 * The admin side's gate: who may use the admin API, /admin/metrics and the dashboard (./auth.ts: one middleware,
 * Bearer ADMIN_TOKEN or a dashboard session, with a per-client back-off on wrong tokens), the dashboard's sessions
 * (./session.ts), and the body caps of admin requests. Small and loaded at start-up; the handlers behind it
 * (src/api/admin.ts, src/dashboard) load on the first request that needs them.
 *
 * @example
 * app.use('/admin/tenants/*', adminAuth(), adminBodyLimit)
 */
import { bodyLimit } from 'hono/body-limit'
import { ApiError } from '../http/errors'

export { adminAuth, adminTokenOf, checkAdminToken, THROTTLE } from './auth'
export { issueSession, verifySession, hasSession, startSession, endSession, SESSION_COOKIE, SESSION_TTL_S } from './session'

/** The largest admin API request body, in bytes (a tenant with a full policy is well under 4 KiB). */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024
/** The largest dashboard sign-in form, in bytes. */
export const MAX_SIGN_IN_BYTES = 4096

const capped = (maxSize: number, message: string, code: string) =>
  bodyLimit({ maxSize, onError: () => { throw new ApiError(413, message, { code }) } })

export const adminBodyLimit = capped(MAX_ADMIN_BODY_BYTES, `The request body is larger than the admin API's limit of ${MAX_ADMIN_BODY_BYTES} bytes.`, 'request_too_large')
export const signInBodyLimit = capped(MAX_SIGN_IN_BYTES, 'Sign-in form too large.', 'body_too_large')
