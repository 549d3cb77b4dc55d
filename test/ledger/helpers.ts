/** Shared helpers for ledger tests: tenants without KV, a waitUntil that can be drained, usage builders. */
import { env as testEnv } from 'cloudflare:test'
import type { Env } from '../../src/env'
import type { Tenant } from '../../src/tenants'
import { resolvePolicy } from '../../src/tenants'
import type { Usage } from '../../src/openai/types'
import { ledgerStub, LedgerClient, budgetFor, type Budget } from '../../src/ledger'
import { loadConfig, type ConfigEnv } from '../../src/config'

export const env = testEnv as unknown as Env

let n = 0
export function tenant(budget: Tenant['budget'] = {}, name = 'acme'): Tenant {
  return { id: `ten_test${Date.now().toString(36)}${(n++).toString(36)}${Math.random().toString(36).slice(2, 8)}`, name, budget, policy: resolvePolicy(undefined), disabled: false, updated_at: '2026-01-01T00:00:00.000Z' }
}

export function fakeCtx() {
  const pending: Promise<unknown>[] = []
  return {
    waitUntil: (p: Promise<unknown>) => void pending.push(p),
    passThroughOnException() {},
    props: {},
    async drain() {
      while (pending.length) await Promise.allSettled(pending.splice(0))
    },
  }
}

export const usage = (input: number, output: number, extra: Partial<Usage> = {}): Usage => ({ input, cachedInput: 0, cacheWrite: 0, output, reasoning: 0, ...extra })

/** A fresh isolate: its own client (own lease) against the tenant's DO. */
export function isolate(t: Tenant, opts: { reservationTtlMs?: number } = {}) {
  const client = new LedgerClient(env, t, opts)
  const ctx = fakeCtx()
  // The router's config: prices, the reference premium model (savings are priced where the record is built).
  const budget: Budget = budgetFor(client, ctx, t, loadConfig(env as unknown as ConfigEnv))
  return { client, ctx, budget }
}

export const stub = (t: Tenant) => ledgerStub(env, t.id)
