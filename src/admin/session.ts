/**
 * The dashboard's sessions: a person signs in once with ADMIN_TOKEN and gets a cookie
 * `__Host-triage_session` = `v1.<expires unix s>.<session id>.<HMAC-SHA256, base64url>` (Secure, HttpOnly,
 * SameSite=Strict, Path=/).
 *
 * - The HMAC key is derived from ADMIN_TOKEN with HKDF, so the cookie never holds the token, and rotating the token
 *   signs every session out.
 * - Each session also lives server-side, in KV (`session:<id>`, expiring with it). Signing out deletes it, so a copied
 *   cookie stops working at once where it was signed out, and everywhere within KV's propagation (≤ 60 s).
 *
 * @example
 * const cookie = await issueSession(token, Date.now())   // 'v1.1767225600.Qm9…'
 * await verifySession(token, cookie, Date.now())          // true
 */
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../server/base'

export const SESSION_COOKIE = 'triage_session'
/** A session lasts 12 hours; then the operator signs in again. */
export const SESSION_TTL_S = 12 * 3600
/** The KV key of a live session. */
export const sessionKey = (id: string) => `session:${id}`

const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

/** The HMAC key of a token's sessions (HKDF-SHA256, fixed salt and purpose), memoised per token. */
function signingKey(adminToken: string): Promise<CryptoKey> {
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
  const id = b64url(crypto.getRandomValues(new Uint8Array(12)))
  const body = `v1.${exp}.${id}`
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await signingKey(adminToken), encoder.encode(body)))
  return `${body}.${b64url(sig)}`
}

/** The session id of a value issued under this token that has not expired (HMAC verified in constant time), else null. */
async function sessionIdOf(adminToken: string, value: string | undefined, now = Date.now()): Promise<string | null> {
  if (!value || value.length > 200) return null
  const m = /^(v1\.(\d{1,12})\.([\w-]{16}))\.([\w-]{43})$/.exec(value)
  if (!m) return null
  if (Number(m[2]) * 1000 <= now) return null
  const sig = fromB64url(m[4])
  // Canonical encoding only: the last character's 2 spare bits would otherwise give 4 spellings of one signature.
  if (!sig || b64url(sig) !== m[4]) return null
  return (await crypto.subtle.verify('HMAC', await signingKey(adminToken), sig, encoder.encode(m[1]))) ? m[3] : null
}

/** Whether a session value was issued under this token and has not expired (the cookie alone; see hasSession). */
export async function verifySession(adminToken: string, value: string | undefined, now = Date.now()): Promise<boolean> {
  return (await sessionIdOf(adminToken, value, now)) !== null
}

/** Whether the request carries a live session: a valid cookie whose session is still in KV (not signed out). */
export async function hasSession(c: Context<AppEnv>, adminToken: string): Promise<boolean> {
  const id = await sessionIdOf(adminToken, getCookie(c, SESSION_COOKIE, 'host'))
  return id !== null && (await c.env.TRIAGE_KV.get(sessionKey(id))) !== null
}

/** Starts a session: its record in KV, the cookie on the response. */
export async function startSession(c: Context<AppEnv>, adminToken: string): Promise<void> {
  const value = await issueSession(adminToken)
  await c.env.TRIAGE_KV.put(sessionKey(value.split('.')[2]), '1', { expirationTtl: SESSION_TTL_S })
  setCookie(c, SESSION_COOKIE, value, { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: SESSION_TTL_S })
}

/** Ends the request's session server-side (deletes its KV record) and clears the cookie. */
export async function endSession(c: Context<AppEnv>, adminToken: string): Promise<void> {
  const id = await sessionIdOf(adminToken, getCookie(c, SESSION_COOKIE, 'host'))
  if (id) await c.env.TRIAGE_KV.delete(sessionKey(id))
  deleteCookie(c, SESSION_COOKIE, { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' })
}
