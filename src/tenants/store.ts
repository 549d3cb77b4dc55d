/**
 * Tenant and key records in KV. Written only by the admin API; read by `authenticate` and the usage API.
 *
 * - `tenant:<id>` → TenantRecord (name, budget, policy, disabled, and its keys' ids and hashes — never a key)
 * - `apikey:<sha256 hex of key>` → ApiKeyRecord (which tenant a key belongs to)
 *
 * @example const { tenant, apiKey } = await createTenant(env.TRIAGE_KV, { name: 'acme', budget: { daily_usd: '5' } })
 */
import type { PolicyInput } from './policy'
import { generateApiKey, hashKey, newKeyId, newTenantId, KEY_PREFIX } from './keys'

/** Budget windows in USD, as exact decimal strings; an absent window is unlimited. */
export interface BudgetUsd {
  daily_usd?: string
  monthly_usd?: string
}

export interface KeyEntry {
  key_id: string
  /** SHA-256 hex of the key. Never shown by the admin API. */
  hash: string
  /** The first characters of the key (`trg_` + 4), to help an operator recognise it. */
  prefix: string
  created_at: string
  revoked_at?: string
}

export interface TenantRecord {
  id: string
  name: string
  budget: BudgetUsd
  policy?: PolicyInput
  disabled?: boolean
  created_at: string
  updated_at: string
  keys: KeyEntry[]
}

export interface ApiKeyRecord {
  tenant: string
  key_id: string
  created_at: string
  revoked?: boolean
}

export const tenantKey = (id: string) => `tenant:${id}`
export const apiKeyKey = (hash: string) => `apikey:${hash}`

export async function getTenantRecord(kv: KVNamespace, id: string): Promise<TenantRecord | null> {
  if (!/^[\w-]{1,64}$/.test(id)) return null
  return kv.get<TenantRecord>(tenantKey(id), 'json')
}

export async function putTenantRecord(kv: KVNamespace, record: TenantRecord): Promise<void> {
  await kv.put(tenantKey(record.id), JSON.stringify(record))
}

/** Creates a key for a tenant record (mutates `record.keys`) and writes its `apikey:` entry. Returns the key, once. */
export async function issueKey(kv: KVNamespace, record: TenantRecord, now = new Date()): Promise<{ apiKey: string; entry: KeyEntry }> {
  const apiKey = generateApiKey()
  const hash = await hashKey(apiKey)
  const entry: KeyEntry = { key_id: newKeyId(), hash, prefix: apiKey.slice(0, KEY_PREFIX.length + 4), created_at: now.toISOString() }
  const rec: ApiKeyRecord = { tenant: record.id, key_id: entry.key_id, created_at: entry.created_at }
  await kv.put(apiKeyKey(hash), JSON.stringify(rec))
  record.keys.push(entry)
  return { apiKey, entry }
}

/** Marks a key revoked in both records. Returns false when the tenant has no such key. */
export async function revokeKey(kv: KVNamespace, record: TenantRecord, keyId: string, now = new Date()): Promise<boolean> {
  const entry = record.keys.find((k) => k.key_id === keyId)
  if (!entry) return false
  if (!entry.revoked_at) entry.revoked_at = now.toISOString()
  const rec: ApiKeyRecord = { tenant: record.id, key_id: entry.key_id, created_at: entry.created_at, revoked: true }
  await kv.put(apiKeyKey(entry.hash), JSON.stringify(rec))
  return true
}

export interface NewTenant {
  name: string
  budget?: BudgetUsd
  policy?: PolicyInput
}

export async function createTenant(kv: KVNamespace, input: NewTenant, now = new Date()): Promise<{ record: TenantRecord; apiKey: string; keyId: string }> {
  const record: TenantRecord = {
    id: newTenantId(),
    name: input.name,
    budget: input.budget ?? {},
    ...(input.policy ? { policy: input.policy } : {}),
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
    keys: [],
  }
  const { apiKey, entry } = await issueKey(kv, record, now)
  await putTenantRecord(kv, record)
  return { record, apiKey, keyId: entry.key_id }
}

/** One page of tenant records, in id order. */
export async function listTenantRecords(kv: KVNamespace, opts: { limit?: number; cursor?: string } = {}): Promise<{ records: TenantRecord[]; cursor?: string }> {
  const page = await kv.list({ prefix: 'tenant:', limit: opts.limit ?? 100, cursor: opts.cursor })
  const keys = page.keys.map((k) => k.name)
  const records: TenantRecord[] = []
  for (let i = 0; i < keys.length; i += 100) {
    const got = await kv.get<TenantRecord>(keys.slice(i, i + 100), 'json')
    for (const k of keys.slice(i, i + 100)) {
      const r = got.get(k)
      if (r) records.push(r)
    }
  }
  return { records, cursor: page.list_complete ? undefined : page.cursor }
}
