/**
 * Who may see the dashboard and the metrics API: the operator holding ADMIN_TOKEN, and nobody else.
 *
 * - A person signs in once with the token; the Worker answers with a session cookie
 *   `__Host-triage_session` = `v1.<expires unix s>.<nonce>.<HMAC-SHA256, base64url>` (Secure, HttpOnly,
 *   SameSite=Strict, Path=/). The HMAC key is derived from ADMIN_TOKEN with HKDF, so the cookie never holds the
 *   token, expires server-side, and rotating the token signs every session out.
 * - A script sends `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time).
 * - Tenant API keys (`trg_…`) are refused, as on the admin API.
 *
 * @example
 * const cookie = await issueSession(token, Date.now())   // 'v1.1767225600.Qm9…'
 * await verifySession(token, cookie, Date.now())          // true
 */
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { loadConfig, type ConfigEnv } from '../config'
import { ApiError } from '../http/errors'
import { KEY_PREFIX, secretsEqual } from '../tenants'

export const SESSION_COOKIE = 'triage_session'
/** A session lasts 12 hours; then the operator signs in again. */
export const SESSION_TTL_S = 12 * 3600

const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

/** The HMAC key of a token's sessions (HKDF-SHA256, fixed salt and purpose), memoised per token. */
function sessionKey(adminToken: string): Promise<CryptoKey> {
  let key = keys.get(adminToken)
  if (!key) {
    key = crypto.subtle
      .importKey('raw', encoder.encode(adminToken), 'HKDF', false, ['deriveKey'])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: 'HKDF', hash: 'SHA-256', salt: encoder.encode('triage/dashboard'), info: encoder.encode('session cookie v1') },
          base,
          { name: 'HMAC', hash: 'SHA-256', length: 256 },
          false,
          ['sign', 'verify'],
        ),
      )
    if (keys.size > 8) keys.clear()
    keys.set(adminToken, key)
  }
  return key
}

const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
function fromB64url(s: string): Uint8Array | null {
  if (!/^[\w-]+$/.test(s)) return null
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'))
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0))
  } catch {
    return null
  }
}

/** A new session value that expires `ttlS` seconds after `now` (ms). */
export async function issueSession(adminToken: string, now = Date.now(), ttlS = SESSION_TTL_S): Promise<string> {
  const exp = Math.floor(now / 1000) + ttlS
  const nonce = b64url(crypto.getRandomValues(new Uint8Array(12)))
  const body = `v1.${exp}.${nonce}`
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await sessionKey(adminToken), encoder.encode(body)))
  return `${body}.${b64url(sig)}`
}

/** Whether a session value was issued under this token and has not expired (HMAC verified in constant time). */
export async function verifySession(adminToken: string, value: string | undefined, now = Date.now()): Promise<boolean> {
  if (!value || value.length > 200) return false
  const m = /^(v1\.(\d{1,12})\.[\w-]{16})\.([\w-]{43})$/.exec(value)
  if (!m) return false
  if (Number(m[2]) * 1000 <= now) return false
  const sig = fromB64url(m[3])
  // Canonical encoding only: the last character's 2 spare bits would otherwise give 4 spellings of one signature.
  if (!sig || b64url(sig) !== m[3]) return false
  return crypto.subtle.verify('HMAC', await sessionKey(adminToken), sig, encoder.encode(m[1]))
}

/** The configured admin token, or a 503 saying how to set one. */
export function adminTokenOf(c: Context): string {
  const token = loadConfig(c.env as ConfigEnv).adminToken
  if (!token) {
    throw new ApiError(503, 'The dashboard is disabled: set the ADMIN_TOKEN secret (at least 16 characters).', { code: 'admin_disabled' })
  }
  return token
}

export type Check = { ok: true } | { ok: false; error: ApiError }

/** Checks a token someone typed or sent: refuses tenant keys with a message saying why. */
export async function checkAdminToken(adminToken: string, presented: string): Promise<Check> {
  if (presented.startsWith(KEY_PREFIX)) {
    return { ok: false, error: new ApiError(401, 'Tenant API keys cannot open the dashboard. Use the ADMIN_TOKEN.', { code: 'invalid_admin_token' }) }
  }
  if (!presented || !(await secretsEqual(presented, adminToken))) {
    return { ok: false, error: new ApiError(401, 'Incorrect admin token.', { code: 'invalid_admin_token' }) }
  }
  return { ok: true }
}

/**
 * Whether the request carries admin rights: a Bearer token (checked, errors thrown as 401) or a valid session
 * cookie. Returns false when it carries neither, so the caller can redirect to sign-in or answer 401.
 */
export async function isAdmin(c: Context): Promise<boolean> {
  const token = adminTokenOf(c)
  const auth = c.req.header('authorization')
  if (auth !== undefined) {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1]
    if (!presented) throw new ApiError(401, "Malformed Authorization header. Send 'Authorization: Bearer <ADMIN_TOKEN>'.", { code: 'invalid_admin_token' })
    const check = await checkAdminToken(token, presented)
    if (!check.ok) throw check.error
    return true
  }
  return verifySession(token, getCookie(c, SESSION_COOKIE, 'host'))
}

/** Sets the session cookie on the response. */
export async function startSession(c: Context, adminToken: string): Promise<void> {
  setCookie(c, SESSION_COOKIE, await issueSession(adminToken), {
    prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: SESSION_TTL_S,
  })
}

export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' })
}
