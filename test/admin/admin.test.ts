/** The admin API and /v1/usage, end to end through Hono with the real KV and DO bindings. */
import { describe, expect, it } from 'vitest'
import { env, fakeCtx, usage } from '../ledger/helpers'
import { createApp } from '../../src/app'
import { authenticate, forgetTenant } from '../../src/tenants'
import { openBudget, ledgerStub, LEASE_TTL_MS } from '../../src/ledger'
import { cost, formatUsd } from '../../src/money'

const app = createApp()

const ADMIN = 'test-admin-token-Xq7Lm2Rb9Kd4Vt8Nc5Hs1Wf6Jz3Pg0Ey'
async function call(method: string, path: string, body?: unknown, token: string | null = ADMIN) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  const res = await app.request(path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) }, env, fakeCtx())
  return { status: res.status, json: (await res.json()) as any }
}
const create = (body: unknown = { name: 'acme', budget: { daily_usd: 5, monthly_usd: '50' } }) => call('POST', '/admin/tenants', body)

describe('admin auth', () => {
  it('needs the admin token, compared in constant time, and refuses tenant keys', async () => {
    expect((await call('GET', '/admin/tenants', undefined, null)).status).toBe(401)
    const wrong = await call('GET', '/admin/tenants', undefined, 'test-admin-token-Xq7Lm2Rb9Kd4Vt8Nc5Hs1Wf6Jz3Pg0Ex')
    expect(wrong.status).toBe(401)
    expect(wrong.json.error.code).toBe('invalid_admin_token')
    const t = await create()
    const asTenant = await call('GET', '/admin/tenants', undefined, t.json.api_key)
    expect(asTenant.status).toBe(401)
    expect(asTenant.json.error.message).toMatch(/Tenant API keys cannot use the admin API/)
    expect(JSON.stringify(asTenant.json)).not.toContain(t.json.api_key)
  })
})

describe('tenants', () => {
  it('creates a tenant: 201 with its key shown once, then never again', async () => {
    const r = await create()
    expect(r.status).toBe(201)
    expect(r.json).toMatchObject({ object: 'tenant', name: 'acme', budget: { daily_usd: '5.00', monthly_usd: '50.00' }, disabled: false })
    expect(r.json.id).toMatch(/^ten_/)
    expect(r.json.api_key).toMatch(/^trg_[0-9A-Za-z]{43}$/)
    expect(r.json.policy.log_prompts).toBe(false)
    const got = await call('GET', `/admin/tenants/${r.json.id}`)
    expect(got.status).toBe(200)
    expect(JSON.stringify(got.json)).not.toContain(r.json.api_key)
    expect(got.json.keys[0]).toEqual({ key_id: r.json.key_id, prefix: r.json.api_key.slice(0, 8), created_at: expect.any(String), revoked_at: null })
    expect(got.json.keys[0].hash).toBeUndefined()
    // The budget reached the ledger.
    const snap = await ledgerStub(env, r.json.id).snapshot()
    expect(snap.daily.limit_nano).toBe(5_000_000_000)
    expect(snap.monthly.limit_nano).toBe(50_000_000_000)
  })

  it('validates bodies and answers in OpenAI format', async () => {
    const bad = [
      [{ name: '' }, 'name'],
      [{ name: 'x', budget: { daily_usd: -1 } }, 'budget.daily_usd'],
      [{ name: 'x', budget: { daily_usd: '1e3' } }, 'budget.daily_usd'],
      [{ name: 'x', budget: { weekly_usd: 1 } }, 'budget'],
      [{ name: 'x', policy: { thresholds: { premium: 2 } } }, 'policy.thresholds.premium'],
      [{ name: 'x', policy: { allowed_tiers: ['gold'] } }, 'policy.allowed_tiers.0'],
      [{ name: 'x', extra: true }, null],
    ] as const
    for (const [body, param] of bad) {
      const r = await create(body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request' })
      if (param) expect(r.json.error.param).toBe(param)
    }
    const notJson = await call('POST', '/admin/tenants', '{nope')
    expect(notJson.status).toBe(400)
    expect(notJson.json.error.code).toBe('invalid_json')
    const missing = await call('GET', '/admin/tenants/ten_doesnotexist')
    expect(missing.status).toBe(404)
    expect(missing.json.error.code).toBe('tenant_not_found')
  })

  it('lists, patches, disables and re-enables', async () => {
    const a = await create({ name: 'lister' })
    const list = await call('GET', '/admin/tenants?limit=1000')
    expect(list.json.object).toBe('list')
    expect(list.json.data.some((t: any) => t.id === a.json.id)).toBe(true)
    const p = await call('PATCH', `/admin/tenants/${a.json.id}`, { name: 'renamed', policy: { downgrade_at_remaining_fraction: { premium: 0.5 } } })
    expect(p.status).toBe(200)
    expect(p.json.name).toBe('renamed')
    expect(p.json.policy.downgrade_at_remaining_fraction).toEqual({ premium: 0.5, medium: 0.05 })
    expect((await call('POST', `/admin/tenants/${a.json.id}/disable`)).json.disabled).toBe(true)
    forgetTenant()
    expect((await app.request('/v1/usage', { headers: { authorization: `Bearer ${a.json.api_key}` } }, env)).status).toBe(403)
    expect((await call('POST', `/admin/tenants/${a.json.id}/enable`)).json.disabled).toBe(false)
    forgetTenant()
    expect((await app.request('/v1/usage', { headers: { authorization: `Bearer ${a.json.api_key}` } }, env)).status).toBe(200)
  })

  it('rotates and revokes keys', async () => {
    const a = await create({ name: 'keys' })
    const rot = await call('POST', `/admin/tenants/${a.json.id}/keys`)
    expect(rot.status).toBe(201)
    expect(rot.json.api_key).not.toBe(a.json.api_key)
    expect(rot.json.revoked).toEqual([])
    const both = await call('GET', `/admin/tenants/${a.json.id}`)
    expect(both.json.keys).toHaveLength(2)
    const del = await call('DELETE', `/admin/tenants/${a.json.id}/keys/${a.json.key_id}`)
    expect(del.json).toMatchObject({ key_id: a.json.key_id, revoked: true })
    forgetTenant()
    await expect(authenticate(new Headers({ authorization: `Bearer ${a.json.api_key}` }), env)).rejects.toMatchObject({ status: 401 })
    expect((await authenticate(new Headers({ authorization: `Bearer ${rot.json.api_key}` }), env)).id).toBe(a.json.id)
    const rot2 = await call('POST', `/admin/tenants/${a.json.id}/keys`, { revoke_existing: true })
    expect(rot2.json.revoked).toEqual([rot.json.key_id])
    forgetTenant()
    await expect(authenticate(new Headers({ authorization: `Bearer ${rot.json.api_key}` }), env)).rejects.toMatchObject({ status: 401 })
    expect((await call('DELETE', `/admin/tenants/${a.json.id}/keys/key_nope`)).status).toBe(404)
  })

  it('sets a budget (PUT replaces; null or absent = unlimited) and the ledger enforces it at once', async () => {
    const a = await create({ name: 'budget', budget: { daily_usd: 5 } })
    const put = await call('PUT', `/admin/tenants/${a.json.id}/budget`, { monthly_usd: '0.000001' })
    expect(put.json.budget).toEqual({ daily_usd: null, monthly_usd: '0.000001' })
    forgetTenant()
    const tenant = await authenticate(new Headers({ authorization: `Bearer ${a.json.api_key}` }), env)
    const budget = await openBudget(env, fakeCtx() as unknown as ExecutionContext, tenant)
    await expect(budget.reserve('r', 2_000)).rejects.toMatchObject({ status: 429, code: 'insufficient_quota' })
    expect((await call('PUT', `/admin/tenants/${a.json.id}/budget`, { daily_usd: 'abc' })).status).toBe(400)
  })
})

describe('changes reach isolates that cached the tenant within 1 s (issue 14 item 9)', () => {
  it('a deleted tenant’s key is refused by an isolate that had it cached', async () => {
    const a = await create({ name: 'deleted', budget: { daily_usd: 5 } })
    forgetTenant()
    const tenant = await authenticate(new Headers({ authorization: `Bearer ${a.json.api_key}` }), env) // cached, as in another isolate
    const ctx = fakeCtx()
    const budget = await openBudget(env, ctx as unknown as ExecutionContext, tenant)
    budget.release(await budget.reserve('before', 1_000))
    expect((await call('DELETE', `/admin/tenants/${a.json.id}`)).status).toBe(200)
    await new Promise((r) => setTimeout(r, LEASE_TTL_MS + 20))
    await expect(budget.reserve('after', 1_000)).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' })
    await ctx.drain()
  })
})

describe('usage', () => {
  async function spend(apiKey: string, n: number) {
    const tenant = await authenticate(new Headers({ authorization: `Bearer ${apiKey}` }), env)
    const ctx = fakeCtx()
    const budget = await openBudget(env, ctx as unknown as ExecutionContext, tenant)
    for (let i = 0; i < n; i++) {
      const r = await budget.reserve(`u${i}`, 5_000_000)
      budget.settle(r, [{ model: i % 2 ? 'gpt-4.1' : 'deepseek-chat', tier: i % 2 ? 'premium' : 'medium', provider: i % 2 ? 'openai' : 'deepseek', usage: usage(100, 100) }], { status: 200 })
    }
    await ctx.drain()
    await ledgerStub(env, tenant.id).flush()
    return tenant
  }

  it('GET /v1/usage shows the tenant its own spend by day, month, tier and model', async () => {
    const a = await create({ name: 'user-a', budget: { daily_usd: 1 } })
    await spend(a.json.api_key, 4)
    const res = await app.request('/v1/usage?days=3', { headers: { authorization: `Bearer ${a.json.api_key}` } }, env)
    expect(res.status).toBe(200)
    const u = (await res.json()) as any
    const expected = 2 * cost(usage(100, 100), 'gpt-4.1') + 2 * cost(usage(100, 100), 'deepseek-chat')
    expect(u.tenant).toEqual({ id: a.json.id, name: 'user-a' })
    expect(u.days).toHaveLength(3)
    expect(u.today).toMatchObject({ cost_nano: expected, requests: 4 })
    expect(u.month.cost_nano).toBe(expected)
    expect(u.today.by_tier.premium).toEqual({ cost_usd: expect.any(String), cost_nano: 2 * cost(usage(100, 100), 'gpt-4.1'), requests: 2 })
    expect(Object.keys(u.today.by_model).sort()).toEqual(['deepseek-chat', 'gpt-4.1'])
    // Savings against the reference premium model, from the ledger's totals: the two deepseek answers priced on gpt-4.1.
    const premium = 4 * cost(usage(100, 100), 'gpt-4.1')
    expect(u.reference_premium_model).toBe('gpt-4.1')
    expect(u.today).toMatchObject({ tokens: { input: 400, output: 400 }, premium_nano: premium, premium_usd: formatUsd(premium), saved_nano: premium - expected, saved_usd: formatUsd(premium - expected) })
    expect(u.today.saved_fraction).toBeCloseTo((premium - expected) / premium, 12)
    expect(u.month).toMatchObject({ premium_nano: premium, saved_nano: premium - expected })
    expect(u.days[1]).toMatchObject({ premium_nano: 0, saved_nano: 0, saved_fraction: null })
    expect((await app.request('/v1/usage?days=0', { headers: { authorization: `Bearer ${a.json.api_key}` } }, env)).status).toBe(400)
    expect((await app.request('/v1/usage', {}, env)).status).toBe(401)
  })

  it('isolates tenants: a key reads and spends only its own tenant', async () => {
    const a = await create({ name: 'iso-a', budget: { daily_usd: 1 } })
    const b = await create({ name: 'iso-b', budget: { daily_usd: 1 } })
    await spend(a.json.api_key, 3)
    const ub = (await (await app.request('/v1/usage', { headers: { authorization: `Bearer ${b.json.api_key}` } }, env)).json()) as any
    expect(ub.tenant.id).toBe(b.json.id)
    expect(ub.today.cost_nano).toBe(0)
    expect(JSON.stringify(ub)).not.toContain(a.json.id)
    const sb = await ledgerStub(env, b.json.id).snapshot()
    expect(sb.charged_nano).toBe(0)
    const sa = await ledgerStub(env, a.json.id).snapshot()
    expect(sa.charged_nano).toBeGreaterThan(0)
    // The query string cannot point at another tenant.
    const sneaky = (await (await app.request(`/v1/usage?tenant=${a.json.id}`, { headers: { authorization: `Bearer ${b.json.api_key}` } }, env)).json()) as any
    expect(sneaky.tenant.id).toBe(b.json.id)
  })

  it('GET /admin/tenants/:id/usage shows the ledger (authoritative) next to KV, and they agree once flushed', async () => {
    const a = await create({ name: 'admin-usage', budget: { daily_usd: 1, monthly_usd: 10 } })
    await spend(a.json.api_key, 2)
    const r = await call('GET', `/admin/tenants/${a.json.id}/usage?days=2`)
    expect(r.status).toBe(200)
    expect(r.json.ledger.daily.spent_nano).toBe(r.json.days[0].nano)
    expect(r.json.ledger.monthly.spent_nano).toBe(r.json.months[0].nano)
    expect(r.json.ledger.kv_pending).toBe(0)
    expect(r.json.ledger.daily.limit_usd).toBe('1.00')
  })
})
