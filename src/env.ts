/** The Worker's bindings and variables. Variables are validated by src/config; this only types the bindings. */
export interface Env {
  /** Workers AI binding (absent under `wrangler dev --local`; the adapter then uses the REST API). */
  AI?: Ai
  /** Tenants, API-key hashes, spend counters and per-request records. Written only by the TenantLedger DO (spend) and the admin API (tenants, keys). */
  TRIAGE_KV: KVNamespace
  /** One TenantLedger Durable Object per tenant: the authority on money. */
  TENANT_LEDGER: DurableObjectNamespace
  /** Optional Workers Analytics Engine dataset: one data point per request. */
  ANALYTICS?: AnalyticsEngineDataset
  /** Optional Workers Rate Limiting binding. */
  RATE_LIMITER?: RateLimit
  [key: string]: unknown
}
