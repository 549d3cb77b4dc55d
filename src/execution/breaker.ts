/**
 * A circuit breaker per provider + model.
 *
 * closed → (N consecutive failures) → open → (cooldown passes) → half-open: one probe call is let through →
 * success closes it, failure re-opens it for another cooldown.
 *
 * SCOPE: state lives in the memory of one Worker isolate. Each isolate (each machine/colo, and a fresh one after an
 * eviction) learns on its own; there is no cross-isolate sharing, on purpose: the breaker sits on the hot path
 * and KV/DO round trips would cost more than the failures they would save. A failing provider is therefore
 * skipped by an isolate after it has seen N failures itself.
 *
 * @example
 * const b = new CircuitBreaker({ failureThreshold: 5, cooldownMs: 30_000 })
 * if (b.allow('openai:gpt-4.1')) { … b.success(key) or b.failure(key) }
 */
export interface BreakerSettings {
  failureThreshold: number
  cooldownMs: number
}

export type BreakerState = 'closed' | 'open' | 'half-open'

interface Entry {
  failures: number
  openUntil: number
  probing: boolean
  probeStarted: number
}

export class CircuitBreaker {
  private readonly entries = new Map<string, Entry>()

  constructor(
    readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** The state of one key, for logs and tests. */
  state(key: string): BreakerState {
    const e = this.entries.get(key)
    if (!e || e.openUntil === 0) return 'closed'
    return this.now() < e.openUntil ? 'open' : 'half-open'
  }

  /** Whether a call may go out now. In half-open, only one probe at a time (a stuck probe is replaced after a cooldown). */
  allow(key: string): boolean {
    const e = this.entries.get(key)
    if (!e || e.openUntil === 0) return true
    const t = this.now()
    if (t < e.openUntil) return false
    if (e.probing && t - e.probeStarted < this.settings.cooldownMs) return false
    e.probing = true
    e.probeStarted = t
    return true
  }

  success(key: string): void {
    this.entries.delete(key)
  }

  failure(key: string): void {
    const e = this.entries.get(key) ?? { failures: 0, openUntil: 0, probing: false, probeStarted: 0 }
    e.failures++
    const wasProbe = e.probing
    e.probing = false
    if (wasProbe || e.failures >= this.settings.failureThreshold) e.openUntil = this.now() + this.settings.cooldownMs
    this.entries.set(key, e)
  }
}

const isolateBreakers = new Map<string, CircuitBreaker>()

/** The isolate-wide breaker for these settings (one per distinct threshold/cooldown pair). */
export function isolateBreaker(settings: BreakerSettings): CircuitBreaker {
  const k = `${settings.failureThreshold}/${settings.cooldownMs}`
  let b = isolateBreakers.get(k)
  if (!b) isolateBreakers.set(k, (b = new CircuitBreaker(settings)))
  return b
}
