/**
 * Tenants: who is calling, and what they may spend.
 *
 * `authenticate(request, env)` reads `Authorization: Bearer <key>` (or `x-api-key`), hashes the key, and resolves
 * the tenant from KV. Results are cached per isolate for AUTH_CACHE_MS (5 s). KV is eventually consistent (up to
 * ~60 s across locations), so status changes are enforced by the tenant's ledger DO, within 1 s: a revoked key or a
 * disabled tenant is refused by the ledger when the request reserves (src/ledger/client.ts), and a tenant whose KV
 * record still says disabled is served when its ledger holds a newer, enabled status. Any failure is a 401/403 in
 * OpenAI's format that never echoes the key. The admin token is not a tenant key: it is refused here.
 *
 * @example
 * const tenant = await authenticate(c.req.raw, c.env)   // throws ApiError(401) on a bad key
 * tenant.policy.downgrade_at_remaining_fraction.premium // 0.2
 */
import { ApiError } from '../http/errors'
import type { Env } from '../env'
import { resolvePolicy, type Policy } from './policy'
import { getTenantRecord, apiKeyKey, type ApiKeyRecord, type BudgetUsd, type TenantRecord } from './store'
import { sha256, toHex, hexToBytes, timingSafeEqual, looksLikeApiKey } from './keys'

export { PolicySchema, resolvePolicy, cachePolicy, CACHE_TTL_BOUNDS, DEFAULT_DOWNGRADE, type Policy, type PolicyInput, type CachePolicy } from './policy'
export * from './store'
export { generateApiKey, hashKey, looksLikeApiKey, secretsEqual, timingSafeEqual, KEY_PREFIX } from './keys'

/** The authenticated caller, as the request path sees it. */
export interface Tenant {
  id: string
  name: string
  /** Budget windows in USD (exact decimal strings); absent = unlimited. */
  budget: BudgetUsd
  policy: Policy
  disabled: boolean
  /** When the tenant record last changed (the ledger keeps the newest budget it has seen). */
  updated_at?: string
  /** The key that authenticated this request (id only). */
  key_id?: string
  /** Ids of the tenant's revoked keys: the ledger refuses a request authenticated by one (within 1 s everywhere, see LedgerClient). */
  revoked_keys?: string[]
}

/**
 * How long an isolate trusts a key → tenant lookup. Revocation and disabling reach chat completions sooner, through
 * the tenant's ledger (within 1 s: src/ledger/client.ts); this window bounds the endpoints that spend nothing.
 */
export const AUTH_CACHE_MS = 5_000
/** A disabled tenant's lookup is trusted this long only: re-enabling must take effect within 1 s everywhere. */
const DISABLED_CACHE_MS = 500
const AUTH_CACHE_MAX = 10_000

type CacheEntry = { at: number; tenant?: Tenant; error?: ApiError }
const cache = new Map<string, CacheEntry>()

/** Drops cached lookups (all, or those of one tenant): the admin API calls this after it changes a tenant. */
export function forgetTenant(tenantId?: string): void {
  if (!tenantId) return cache.clear()
  for (const [k, v] of cache) if (v.tenant?.id === tenantId) cache.delete(k)
}

export function toTenant(record: TenantRecord, keyId?: string): Tenant {
  return {
    id: record.id,
    name: record.name,
    budget: record.budget ?? {},
    policy: resolvePolicy(record.policy),
    disabled: !!record.disabled,
    updated_at: record.updated_at,
    ...(keyId ? { key_id: keyId } : {}),
    revoked_keys: (record.keys ?? []).filter((k) => k.revoked_at).map((k) => k.key_id),
  }
}

/** The key a request presents, or undefined. */
export function presentedKey(headers: Headers): string | undefined {
  const auth = headers.get('authorization')
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    return m ? m[1] : ''
  }
  const x = headers.get('x-api-key')
  return x === null ? undefined : x.trim()
}

const invalidKey = () =>
  new ApiError(401, 'Incorrect API key provided. Triage keys start with "trg_"; ask your operator for one.', {
    type: 'invalid_request_error', code: 'invalid_api_key',
  })

/** Resolves the tenant of a request, or throws ApiError 401 (no/bad/revoked key) or 403 (tenant disabled). */
export async function authenticate(request: Request | Headers, env: Pick<Env, 'TRIAGE_KV'> & { TENANT_LEDGER?: DurableObjectNamespace }): Promise<Tenant> {
  const headers = request instanceof Headers ? request : request.headers
  const key = presentedKey(headers)
  if (key === undefined) {
    throw new ApiError(401, "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.", {
      type: 'invalid_request_error', code: 'missing_api_key',
    })
  }
  if (!looksLikeApiKey(key)) throw invalidKey()
  const digest = await sha256(key)
  const hash = toHex(digest)
  const now = Date.now()
  const hit = cache.get(hash)
  if (hit && now - hit.at < (hit.error?.code === 'tenant_disabled' ? DISABLED_CACHE_MS : AUTH_CACHE_MS)) {
    if (hit.error) throw hit.error
    return hit.tenant!
  }
  let entry: CacheEntry
  try {
    entry = { at: now, tenant: await resolve(env, hash, digest) }
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    entry = { at: now, error: err }
  }
  if (cache.size >= AUTH_CACHE_MAX) cache.delete(cache.keys().next().value!)
  cache.set(hash, entry)
  if (entry.error) throw entry.error
  return entry.tenant!
}

/**
 * What the tenant's ledger (the TenantLedger DO, src/ledger/object.ts › `status`) says of its status: the newest the
 * admin API has set, where KV (eventually consistent, up to ~60 s across locations) may still hold an older record.
 */
export interface LedgerStatus {
  disabled: boolean
  updated_at: string
}
type StatusStub = { status(tenant: string): Promise<LedgerStatus> }

/** Whether the tenant is disabled: the record says so, unless its ledger holds a newer status (re-enabled since). */
async function disabledNow(env: Pick<Env, 'TRIAGE_KV'> & { TENANT_LEDGER?: DurableObjectNamespace }, record: TenantRecord): Promise<boolean> {
  if (!record.disabled || !env.TENANT_LEDGER) return !!record.disabled
  const ns = env.TENANT_LEDGER
  const s = await (ns.get(ns.idFromName(record.id)) as unknown as StatusStub).status(record.id)
  return s.updated_at > record.updated_at ? s.disabled : true
}

async function resolve(env: Pick<Env, 'TRIAGE_KV'> & { TENANT_LEDGER?: DurableObjectNamespace }, hash: string, digest: Uint8Array): Promise<Tenant> {
  const kv = env.TRIAGE_KV
  const rec = await kv.get<ApiKeyRecord>(apiKeyKey(hash), 'json')
  if (!rec || rec.revoked) throw invalidKey()
  const record = await getTenantRecord(kv, rec.tenant)
  if (!record) throw invalidKey()
  // The tenant record is the source of truth for its keys: the key must be listed there, unrevoked.
  let ok = false
  for (const k of record.keys ?? []) {
    if (!k.revoked_at && timingSafeEqual(hexToBytes(k.hash), digest)) ok = true
  }
  if (!ok) throw invalidKey()
  if (await disabledNow(env, record)) {
    throw new ApiError(403, `Tenant '${record.name}' is disabled. Ask your operator to re-enable it.`, {
      type: 'permission_error', code: 'tenant_disabled',
    })
  }
  return { ...toTenant(record, rec.key_id), disabled: false }
}
