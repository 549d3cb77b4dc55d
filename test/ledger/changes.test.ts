/**
 * Changes take effect within LEASE_TTL_MS (1 s) across isolates (issue 14 items 3, 8, 9): a budget cut recalls the
 * leases already granted, re-enabling and key revocation reach every isolate through the tenant's DO, and idle
 * headroom in one isolate's lease is lent on to another, so refusals tell the truth.
 */
import { describe, expect, it } from 'vitest'
import { env, tenant, isolate, usage, stub } from './helpers'
import { LEASE_TTL_MS, budgetOf, type LedgerBudget } from '../../src/ledger'
import { ApiError } from '../../src/http/errors'
import { authenticate, createTenant, putTenantRecord } from '../../src/tenants'

const gpt = (output: number) => [{ model: 'gpt-4.1', tier: 'premium', provider: 'openai', usage: usage(0, output) }]
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** A budget pushed by the operator (admin API), newer than anything before. */
let clock = Date.parse('2030-01-01T00:00:00.000Z')
const newer = (b: Partial<LedgerBudget>): LedgerBudget => ({ daily_nano: null, monthly_nano: null, disabled: false, ...b, updated_at: new Date(clock += 1000).toISOString() })

async function attempt(budget: ReturnType<typeof isolate>['budget'], id: string, nano: number) {
  try {
    return { ok: true as const, r: await budget.reserve(id, nano) }
  } catch (err) {
    if (err instanceof ApiError) return { ok: false as const, err }
    throw err
  }
}

/**
 * Tries a reservation every 20 ms for LEASE_TTL_MS + 300 ms after `since` (releasing what is granted), checks each
 * refusal, and returns whether each attempt that started more than LEASE_TTL_MS after `since` was served.
 */
async function afterChange(budget: ReturnType<typeof isolate>['budget'], since: number, refusal: object): Promise<boolean[]> {
  const late: boolean[] = []
  while (Date.now() - since < LEASE_TTL_MS + 300) {
    const at = Date.now()
    const o = await attempt(budget, 'after-change', 1_000)
    if (o.ok) budget.release(o.r)
    else expect(o.err).toMatchObject(refusal)
    if (at - since > LEASE_TTL_MS) late.push(o.ok)
    await sleep(20)
  }
  expect(late.length).toBeGreaterThan(0)
  return late
}

describe('a budget cut recalls leases (issue 14 item 3)', () => {
  it('within 1 s of the cut no isolate reserves past the new budget, however much its lease held', async () => {
    const t = tenant({ daily_usd: '10' })
    const isos = Array.from({ length: 4 }, () => isolate(t))
    // Every isolate spends a little and holds a big lease (sized by the spend rate, up to 25% of what is left).
    for (const [i, iso] of isos.entries()) {
      for (let k = 0; k < 3; k++) iso.budget.settle(await iso.budget.reserve(`warm-${i}-${k}`, 100_000_000), gpt(1000), { status: 200 })
      await iso.ctx.drain()
    }
    const before = await stub(t).snapshot()
    expect(before.held_nano).toBeGreaterThan(1_000_000_000) // > $1 idle in leases
    // The operator cuts the budget below what was spent.
    await stub(t).configure(t.id, newer({ daily_nano: before.daily.spent_nano - 1 }))
    const cut = Date.now()
    // Right after the cut an isolate may still use its lease for what is left of LEASE_TTL_MS…
    let servedLate = 0
    let servedEarly = 0
    while (Date.now() - cut < LEASE_TTL_MS + 100) {
      for (const iso of isos) {
        const at = Date.now()
        const o = await attempt(iso.budget, 'after-cut', 1_000_000)
        if (!o.ok) continue
        if (at - cut > LEASE_TTL_MS) servedLate++
        else servedEarly++
        iso.budget.release(o.r)
      }
      await sleep(20)
    }
    // …but none reserves after it: every lease was recalled (its idle part taken back at the isolate's next call).
    expect(servedLate).toBe(0)
    for (const [i, iso] of isos.entries()) {
      const o = await attempt(iso.budget, `late-${i}`, 1)
      expect(o.ok).toBe(false)
      if (!o.ok) {
        expect(o.err.status).toBe(429)
        expect(o.err.headers['x-should-retry']).toBe('false') // really spent, not held
        expect(o.err.message).toMatch(/has spent its daily budget/)
      }
    }
    for (const iso of isos) {
      await iso.ctx.drain()
      await iso.client.flush() // the idle parts given back
    }
    const after = await stub(t).snapshot()
    expect(after.charged_nano).toBe(before.charged_nano) // releases only: nothing more was spent
    expect(after.leases.reduce((s, l) => s + l.nano, 0)).toBe(0) // no headroom left in any lease
    expect(servedEarly).toBeGreaterThanOrEqual(0)
  })

  it('an isolate that calls the DO after the cut (a settle, a flush) stops at once', async () => {
    const t = tenant({ daily_usd: '10' })
    const a = isolate(t)
    a.budget.settle(await a.budget.reserve('w', 10_000_000), gpt(1000), { status: 200 })
    await a.ctx.drain()
    const spent = (await stub(t).snapshot()).daily.spent_nano
    await stub(t).configure(t.id, newer({ daily_nano: spent + 5_000_000 })) // $0.005 left
    const r = await a.budget.reserve('x', 1_000_000) // its lease, still trusted (< 1 s)
    a.budget.settle(r, gpt(10), { status: 200 })
    await a.ctx.drain() // the settle's call confirms the lease, and learns it is recalled: its idle part is not used again
    const o = await attempt(a.budget, 'y', 9_000_000)
    expect(o.ok).toBe(false)
    await a.client.flush() // …and goes back with the next call
    expect((await stub(t).snapshot()).leases.reduce((s, l) => s + l.nano, 0)).toBe(0)
  })
})

describe('status and keys through the DO (issue 14 item 9)', () => {
  it('re-enabling takes effect within 1 s in an isolate that saw the tenant disabled, with no 503 in between', async () => {
    const t = tenant({ daily_usd: '1' })
    const a = isolate(t)
    await a.client.ready()
    await stub(t).configure(t.id, newer({ daily_nano: 1_000_000_000, disabled: true }))
    await sleep(LEASE_TTL_MS + 10)
    await expect(a.budget.reserve('d', 1_000)).rejects.toMatchObject({ status: 403, code: 'tenant_disabled' })
    await stub(t).configure(t.id, newer({ daily_nano: 1_000_000_000, disabled: false }))
    // Every attempt that starts more than LEASE_TTL_MS after the change is served; none is a 503 ledger_unavailable.
    const late = await afterChange(a.budget, Date.now(), { status: 403, code: 'tenant_disabled' })
    expect(late.every(Boolean)).toBe(true)
  })

  it('authenticate trusts the ledger over a stale KV record that still says disabled', async () => {
    const { record, apiKey } = await createTenant(env.TRIAGE_KV, { name: 'stale', budget: { daily_usd: '1' } })
    record.disabled = true
    await putTenantRecord(env.TRIAGE_KV, record) // what a far KV location still holds
    const headers = new Headers({ authorization: `Bearer ${apiKey}` })
    await expect(authenticate(headers, env)).rejects.toMatchObject({ status: 403, code: 'tenant_disabled' })
    // The operator re-enables: the ledger has the newer status at once.
    await stub({ id: record.id } as never).configure(record.id, { daily_nano: 1_000_000_000, monthly_nano: null, disabled: false, updated_at: new Date(Date.parse(record.updated_at) + 1).toISOString() })
    await sleep(600) // past the short cache of a disabled lookup
    await expect(authenticate(headers, env)).resolves.toMatchObject({ id: record.id, disabled: false })
  })

  it('a revoked key is refused within 1 s by every isolate that had it cached; the tenant’s other keys still work', async () => {
    const base = tenant({ daily_usd: '1' })
    const old = { ...base, key_id: 'key_old' }
    const fresh = { ...base, key_id: 'key_new' }
    const a = isolate(old)
    const b = isolate(fresh)
    await a.client.ready()
    await b.client.ready()
    a.budget.release(await a.budget.reserve('before', 1_000))
    await stub(base).configure(base.id, { ...budgetOf(base), revoked_keys: ['key_old'], updated_at: new Date(clock += 1000).toISOString() })
    // Every attempt that starts more than LEASE_TTL_MS after the revocation is refused, as an invalid key.
    const late = await afterChange(a.budget, Date.now(), { status: 401, code: 'invalid_api_key' })
    expect(late.some(Boolean)).toBe(false)
    await sleep(LEASE_TTL_MS)
    const ok = await attempt(b.budget, 'other-key', 1_000)
    expect(ok.ok).toBe(true)
  })
})

describe('idle headroom is lent on; refusals tell the truth (issue 14 item 8)', () => {
  it('a sequential client moving between isolates spends at least 90% of its budget before its first refusal', async () => {
    const t = tenant({ daily_usd: '0.01' }) // 10,000,000 nano
    const isos = Array.from({ length: 4 }, () => isolate(t))
    const reserve = 200_000 // 50 fit
    let rand = 7
    const random = () => ((rand = (rand * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    let spent = 0
    let refusal: ApiError | undefined
    for (let i = 0; i < 200 && !refusal; i++) {
      const iso = isos[Math.floor(random() * isos.length)]
      const o = await attempt(iso.budget, `seq-${i}`, reserve)
      if (!o.ok) {
        refusal = o.err
        break
      }
      // gpt-4.1 output at $8/M: 15–25 tokens cost 120,000–200,000 nano (60–100% of the reservation).
      const s = iso.budget.settle(o.r, gpt(15 + Math.floor(random() * 11)), { status: 200 })
      spent += s.cost_nano
      await iso.ctx.drain()
    }
    expect(refusal).toBeDefined()
    expect(spent / 10_000_000).toBeGreaterThanOrEqual(0.9)
    // Nothing is in flight: the refusal says the budget is spent, and not to retry.
    expect(refusal!.headers['x-should-retry']).toBe('false')
    expect(refusal!.message).not.toMatch(/in flight/)
  }, 30_000)

  it('a burst is refused with "try again" while the budget is only held by requests in flight', async () => {
    const t = tenant({ daily_usd: '0.001' }) // 1,000,000 nano: 5 reservations of 200,000
    const a = isolate(t)
    const held = []
    for (let i = 0; i < 5; i++) held.push(await a.budget.reserve(`h${i}`, 200_000))
    const o = await attempt(a.budget, 'burst', 200_000)
    expect(o.ok).toBe(false)
    if (!o.ok) {
      expect(o.err.status).toBe(429)
      expect(o.err.headers['x-should-retry']).toBe('true')
      expect(o.err.headers['retry-after']).toBe('1')
      expect(o.err.message).toMatch(/requests in flight hold \$0\.001 of it/)
    }
    // One ends having spent less: the retry fits.
    a.budget.settle(held[0], gpt(5), { status: 200 }) // 40,000 nano of its 200,000
    await a.ctx.drain()
    expect((await attempt(a.budget, 'retry', 150_000)).ok).toBe(true)
  })
})
