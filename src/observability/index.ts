/**
 * Per-request observability beyond the log line: one Workers Analytics Engine data point per request, when an
 * `ANALYTICS` binding is configured. Without the binding this is a no-op (the dashboard reads KV, not this).
 *
 * The data point's layout is fixed (Analytics Engine columns are positional; keep it stable and append only):
 *
 * | column   | value                                                   |
 * |----------|---------------------------------------------------------|
 * | index1   | tenant id (the sampling key)                            |
 * | blob1..5 | tenant, tier, model, provider, status (HTTP code text)  |
 * | double1  | score (0..1; -1 when unscored)                          |
 * | double2  | input tokens                                            |
 * | double3  | output tokens                                           |
 * | double4  | cost in USD (a float: fine for analytics, never for money) |
 * | double5  | latency in ms                                           |
 *
 * It never throws (telemetry must not fail a request) and never carries prompt text or keys.
 *
 * @example
 * observe(env, { tenant: 'ten_1', tier: 'medium', model: 'deepseek-reasoner', provider: 'deepseek', status: 200,
 *   score: 0.41, input_tokens: 812, output_tokens: 96, cost_usd: '0.000268', latency_ms: 940 })
 * // SQL: SELECT blob2 AS tier, SUM(_sample_interval * double4) AS usd FROM triage GROUP BY tier
 */

/** The fields of the per-request log line (src/api/spend.ts) that go into a data point. */
export interface RequestObservation {
  tenant: string
  tier: string | null
  model: string | null
  provider: string | null
  /** HTTP status returned to the client (499 = client went away). */
  status: number | string
  score: number | null
  input_tokens: number
  output_tokens: number
  /** Exact decimal USD string as settled (e.g. '0.000268'), or a number. */
  cost_usd: string | number
  latency_ms: number | null
}

/** The one method of an Analytics Engine dataset that observe uses. */
export interface AnalyticsSink {
  writeDataPoint(point: { indexes?: string[]; blobs?: Array<string | null>; doubles?: number[] }): void
}

/** The data point for one request (exported for tests and for writing queries against it). */
export function dataPoint(r: RequestObservation): { indexes: string[]; blobs: string[]; doubles: number[] } {
  const num = (v: unknown, fallback = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback)
  return {
    // An index is at most 96 bytes; tenant ids are short (`ten_` + 16), but never let a long one break the write.
    indexes: [r.tenant.slice(0, 96)],
    blobs: [r.tenant, r.tier ?? '', r.model ?? '', r.provider ?? '', String(r.status)],
    doubles: [
      num(r.score, -1),
      num(r.input_tokens),
      num(r.output_tokens),
      num(typeof r.cost_usd === 'string' ? Number(r.cost_usd) : r.cost_usd),
      num(r.latency_ms),
    ],
  }
}

/** Writes one data point for a request when `env.ANALYTICS` is bound. Returns whether a point was written. */
export function observe(env: { ANALYTICS?: AnalyticsSink | null }, record: RequestObservation): boolean {
  const sink = env.ANALYTICS
  if (!sink || typeof sink.writeDataPoint !== 'function') return false
  try {
    sink.writeDataPoint(dataPoint(record))
    return true
  } catch (err) {
    console.error(JSON.stringify({ level: 'warn', msg: 'analytics write failed', tenant: record.tenant, error: String(err) }))
    return false
  }
}
