/**
 * API keys: random, recognisable, stored only as SHA-256 hashes.
 *
 * A key is `trg_` + 43 base62 characters (≈256 bits from crypto.getRandomValues). It is shown once, at creation;
 * KV holds `apikey:<sha256 hex>` only. Lookup is by hash, so no comparison ever runs on the secret itself, and
 * the final check against the tenant's key list uses a constant-time compare.
 *
 * @example
 * const key = generateApiKey()   // 'trg_4fQ…'
 * await hashKey(key)              // '9b1c…' (64 hex chars)
 */

export const KEY_PREFIX = 'trg_'
const KEY_BODY_LENGTH = 43
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** `n` unbiased base62 characters (rejection sampling over random bytes). */
export function randomBase62(n: number): string {
  let out = ''
  while (out.length < n) {
    const bytes = crypto.getRandomValues(new Uint8Array(n * 2))
    for (const b of bytes) {
      if (b < 248) out += BASE62[b % 62] // 248 = 4 × 62: no modulo bias
      if (out.length === n) break
    }
  }
  return out
}

export function generateApiKey(): string {
  return KEY_PREFIX + randomBase62(KEY_BODY_LENGTH)
}

/** Whether a string has the shape of a Triage key (cheap check before hashing). */
export function looksLikeApiKey(s: string): boolean {
  return s.length === KEY_PREFIX.length + KEY_BODY_LENGTH && s.startsWith(KEY_PREFIX) && /^[0-9A-Za-z]+$/.test(s.slice(KEY_PREFIX.length))
}

/** Non-secret id of a key, for listing and revoking. */
export function newKeyId(): string {
  return 'key_' + randomBase62(16)
}

/** Non-secret tenant id. */
export function newTenantId(): string {
  return 'ten_' + randomBase62(16)
}

const encoder = new TextEncoder()

export async function sha256(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(s)))
}

export async function hashKey(key: string): Promise<string> {
  return toHex(await sha256(key))
}

export function toHex(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b.toString(16).padStart(2, '0')
  return s
}

/** Constant-time equality of two equal-length byte strings (false, without comparing, when lengths differ). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean }
  if (typeof subtle.timingSafeEqual === 'function') return subtle.timingSafeEqual(a, b)
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

/** Constant-time equality of two secrets of any length: compares their SHA-256 digests. */
export async function secretsEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256(a), sha256(b)])
  return timingSafeEqual(x, y)
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}
