/**
 * How long a reservation may stay unsettled before the ledger charges it in full: longer than the longest request
 * the configuration allows, so a live request is never charged as `unsettled`.
 *
 * The longest request runs every candidate it may fall back to (the largest tier, plus the cascade's trivial
 * models when a cascade is configured), each `maxAttempts` times, every attempt up to `totalMs` and followed by a
 * backoff of at most `maxDelayMs`; then its settle may take SETTLE_SLACK_MS to reach the DO (batching, retries,
 * a timed-out call re-sent).
 *
 * @example
 * reservationTtlMs(config) // defaults: 1 model per tier, 3 attempts × (300 s + 5 s) + 60 s = 975,000 ms
 */
import type { Config } from '../config'

/** Time for a settle to reach the DO after the request ends (FLUSH_DELAY_MS, 3 sends, SYNC_TIMEOUT_MS each). */
export const SETTLE_SLACK_MS = 60_000

export function reservationTtlMs(config: Pick<Config, 'tiers' | 'cascade' | 'timeouts' | 'retries'>): number {
  const tiers = Object.values(config.tiers)
  const candidates = Math.max(1, ...tiers.map((t) => t.length)) + (config.cascade ? config.tiers.trivial.length : 0)
  const attempt = config.timeouts.totalMs + config.retries.maxDelayMs
  return candidates * config.retries.maxAttempts * attempt + SETTLE_SLACK_MS
}
