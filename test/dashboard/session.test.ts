/** Session cookies: HMAC'd with a key derived from ADMIN_TOKEN, expiring, never holding the token. */
import { describe, expect, it } from 'vitest'
import { issueSession, verifySession, SESSION_TTL_S } from '../../src/admin/session'

const TOKEN = 'test-admin-token-Xq7Lm2Rb9Kd4Vt8Nc5Hs1Wf6Jz3Pg0Ey'

describe('session values', () => {
  it('verify until they expire, and never contain the token', async () => {
    const now = Date.UTC(2026, 3, 30)
    const s = await issueSession(TOKEN, now)
    expect(s).toMatch(/^v1\.\d+\.[\w-]{16}\.[\w-]{43}$/)
    expect(s).not.toContain(TOKEN)
    expect(await verifySession(TOKEN, s, now)).toBe(true)
    expect(await verifySession(TOKEN, s, now + (SESSION_TTL_S - 1) * 1000)).toBe(true)
    expect(await verifySession(TOKEN, s, now + SESSION_TTL_S * 1000)).toBe(false)
  })

  it('are refused when tampered with, truncated, or issued under another token', async () => {
    const now = Date.now()
    const s = await issueSession(TOKEN, now)
    const [v, exp, nonce, sig] = s.split('.')
    expect(await verifySession(TOKEN, `${v}.${Number(exp) + 3600}.${nonce}.${sig}`, now)).toBe(false)
    expect(await verifySession(TOKEN, `${v}.${exp}.${nonce.slice(1)}A.${sig}`, now)).toBe(false)
    expect(await verifySession(TOKEN, `${v}.${exp}.${nonce}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`, now)).toBe(false)
    // The last character carries 2 spare bits in base64url: every other spelling of it is refused too, not only
    // those that change the signature's bytes (this check used to fail about 1 run in 16).
    for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
      if (ch !== sig.at(-1)) expect(await verifySession(TOKEN, `${v}.${exp}.${nonce}.${sig.slice(0, -1)}${ch}`, now)).toBe(false)
    }
    expect(await verifySession(TOKEN, s.slice(0, -2), now)).toBe(false)
    expect(await verifySession('another-admin-token-rotated', s, now)).toBe(false)
    for (const junk of [undefined, '', 'v1', TOKEN, 'x'.repeat(500)]) expect(await verifySession(TOKEN, junk, now)).toBe(false)
  })

  it('are unique per sign-in', async () => {
    expect(await issueSession(TOKEN)).not.toBe(await issueSession(TOKEN))
  })
})
