/**
 * What makes ADMIN_TOKEN strong enough to guard the admin API and the dashboard: at least 32 characters, only the
 * characters a Bearer token may hold (A–Z a–z 0–9 . _ ~ + / -), and at least 80 bits by a character-frequency
 * estimate (length × the Shannon entropy of its characters), and not one string repeated: this refuses
 * `aaaa…`, `passwordpassword…` and `0123…f0123…f`. A random token passes: `openssl rand -hex 32` (about 250 bits by this estimate).
 *
 * @example
 * adminTokenProblem('dev-admin-token-change-me')            // 'must be at least 32 characters (…)'
 * adminTokenProblem(crypto.randomUUID() + crypto.randomUUID()) // null
 */
export const ADMIN_TOKEN_MIN_LENGTH = 32
export const ADMIN_TOKEN_MIN_BITS = 80

const HOW = 'generate one with `openssl rand -hex 32`'

export function adminTokenProblem(token: string): string | null {
  if (token.length < ADMIN_TOKEN_MIN_LENGTH) return `must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters (it has ${token.length}); ${HOW}`
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(token)) return `may hold only A-Z a-z 0-9 . _ ~ + / - (a Bearer token's characters); ${HOW}`
  for (let p = 1; p <= token.length / 2; p++) {
    if (token.length % p === 0 && token.slice(0, p).repeat(token.length / p) === token) return `is one string repeated; ${HOW}`
  }
  const counts = new Map<string, number>()
  for (const ch of token) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  let bitsPerChar = 0
  for (const n of counts.values()) bitsPerChar -= (n / token.length) * Math.log2(n / token.length)
  const bits = Math.floor(bitsPerChar * token.length)
  if (bits < ADMIN_TOKEN_MIN_BITS) return `is too predictable (about ${bits} bits by character frequency; at least ${ADMIN_TOKEN_MIN_BITS} needed); ${HOW}`
  return null
}
