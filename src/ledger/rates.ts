/**
 * A sliding-window counter (two fixed buckets, the previous one weighted by how much of it still overlaps the
 * window — the approximation Cloudflare's own rate limiting uses). O(1) memory per limit, exact retry-after.
 *
 * @example
 * const w = new SlidingWindow(60_000)
 * w.admit(Date.now(), 1, 600)   // { ok: true } or { ok: false, retryAfterMs: 12_345 }
 */
export interface Admission {
  ok: boolean
  /** When refused: how long until this amount would fit (ms); Infinity when it never can (amount > limit). */
  retryAfterMs?: number
  /** The weighted count in the window before this amount. */
  used: number
}

export class SlidingWindow {
  private start = 0
  private current = 0
  private previous = 0

  constructor(readonly periodMs: number) {}

  private roll(now: number): void {
    const bucket = Math.floor(now / this.periodMs) * this.periodMs
    if (bucket === this.start) return
    this.previous = bucket - this.start === this.periodMs ? this.current : 0
    this.current = 0
    this.start = bucket
  }

  /** The weighted count at `now`. */
  used(now: number): number {
    this.roll(now)
    const overlap = 1 - (now - this.start) / this.periodMs
    return this.previous * overlap + this.current
  }

  /** Whether `amount` fits under `limit` now (counts nothing), and if not how long to wait. */
  check(now: number, amount: number, limit: number): Admission {
    const used = this.used(now)
    if (used + amount <= limit) return { ok: true, used }
    return { ok: false, used, retryAfterMs: this.waitFor(now, amount, limit) }
  }

  /** Admits `amount` if it fits under `limit` (and counts it), else says how long to wait. */
  admit(now: number, amount: number, limit: number): Admission {
    const a = this.check(now, amount, limit)
    if (a.ok) this.current += amount
    return a
  }

  /** Counts `amount` unconditionally (e.g. the real tokens of an admitted request). */
  add(now: number, amount: number): void {
    this.roll(now)
    this.current += amount
  }

  /** Smallest wait after which `amount` fits, assuming nothing else is admitted meanwhile. */
  private waitFor(now: number, amount: number, limit: number): number {
    if (amount > limit) return Infinity
    const elapsed = now - this.start
    const room = limit - this.current - amount
    if (room >= 0 && this.previous > 0) {
      // Still in this bucket: wait until the previous bucket's weight has decayed enough.
      const t = this.periodMs * (1 - room / this.previous)
      return Math.max(1, Math.ceil(t - elapsed))
    }
    // Next bucket: the current one becomes the weighted previous one.
    const untilNext = this.periodMs - elapsed
    const roomNext = limit - amount
    const t = this.current > 0 ? Math.max(0, this.periodMs * (1 - roomNext / this.current)) : 0
    return Math.max(1, Math.ceil(untilNext + t))
  }
}

/** What an isolate asks the tenant's Durable Object: one request of `tokens` (estimated), against these limits. */
export interface RateRequest {
  rpm?: number
  tpm?: number
  tokens: number
}

export interface RateResult {
  ok: boolean
  /** Which limit refused it. */
  limit?: 'rpm' | 'tpm'
  /** The refused limit's value, and the window's weighted use before this request. */
  limit_value?: number
  used?: number
  /** ms until it would fit; null when it never can (more tokens than the tpm limit). */
  retry_after_ms?: number | null
}

const MINUTE = 60_000

/**
 * One tenant's requests-per-minute and tokens-per-minute windows. A request is admitted only when it fits both;
 * then both count it (a refused request counts nowhere).
 *
 * @example new TenantRates().admit(Date.now(), { rpm: 600, tpm: 100_000, tokens: 4_200 })  // { ok: true }
 */
export class TenantRates {
  readonly requests = new SlidingWindow(MINUTE)
  readonly tokens = new SlidingWindow(MINUTE)

  admit(now: number, req: RateRequest): RateResult {
    const tokens = Math.max(0, Math.ceil(req.tokens))
    const checks: Array<['rpm' | 'tpm', SlidingWindow, number, number]> = []
    if (req.rpm !== undefined) checks.push(['rpm', this.requests, 1, req.rpm])
    if (req.tpm !== undefined) checks.push(['tpm', this.tokens, tokens, req.tpm])
    for (const [name, w, amount, limit] of checks) {
      const a = w.check(now, amount, limit)
      if (!a.ok) {
        const wait = a.retryAfterMs ?? MINUTE
        return { ok: false, limit: name, limit_value: limit, used: Math.ceil(a.used), retry_after_ms: Number.isFinite(wait) ? wait : null }
      }
    }
    for (const [, w, amount] of checks) w.add(now, amount)
    return { ok: true }
  }
}
