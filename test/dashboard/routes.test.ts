/**
 * /dashboard and /admin/metrics through the Worker's app (createApp), with real KV and TenantLedger DOs: sign-in,
 * refusals, headers, and figures that match the ledger.
 */
import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { env, fakeCtx, usage } from '../ledger/helpers'
import { authenticate, forgetTenant } from '../../src/tenants'
import { openBudget, ledgerStub } from '../../src/ledger'
import { cost, formatUsd } from '../../src/money'
import { collectMetrics } from '../../src/dashboard'
import { renderDashboard } from '../../src/dashboard/page'
import { loadConfig } from '../../src/config'

const app = createApp()
const ADMIN = 'test-admin-token-Xq7Lm2Rb9Kd4Vt8Nc5Hs1Wf6Jz3Pg0Ey'
const ORIGIN = 'http://localhost'

const req = (path: string, init: RequestInit = {}) => app.request(path, init, env, fakeCtx())
const admin = (path: string, init: RequestInit = {}) =>
  req(path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } })
const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  req(path, { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, ...headers } })

async function tenantWithSpend(name: string, calls: Array<{ model: string; tier: string; provider: string; input: number; output: number; latency: number; status?: number }>) {
  const created = (await (await admin('/admin/tenants', { method: 'POST', body: JSON.stringify({ name, budget: { daily_usd: '0.01', monthly_usd: 1 } }) })).json()) as { id: string; api_key: string }
  forgetTenant()
  const tenant = await authenticate(new Headers({ authorization: `Bearer ${created.api_key}` }), env)
  const ctx = fakeCtx()
  const budget = await openBudget(env, ctx as unknown as ExecutionContext, tenant)
  for (const [i, c] of calls.entries()) {
    const r = await budget.reserve(`${name}-${i}`, 1_000_000)
    budget.settle(r, [{ model: c.model, tier: c.tier, provider: c.provider, usage: usage(c.input, c.output) }], {
      status: c.status ?? 200, tier: c.tier, model: c.model, provider: c.provider, score: 0.1 * i, latency_ms: c.latency, attempts: 1,
    })
  }
  await ctx.drain()
  await ledgerStub(env, tenant.id).flush()
  return created
}

async function signIn(): Promise<string> {
  const res = await form('/dashboard/sign-in', { token: ADMIN })
  expect(res.status).toBe(303)
  const cookie = res.headers.get('set-cookie')!
  return cookie.split(';')[0]
}

describe('refusals', () => {
  it('sends an unauthenticated visit to sign-in, and answers 401 on the JSON API', async () => {
    const page = await req('/dashboard')
    expect(page.status).toBe(303)
    expect(page.headers.get('location')).toBe('/dashboard/sign-in')
    const json = await req('/admin/metrics')
    expect(json.status).toBe(401)
    expect(((await json.json()) as any).error).toMatchObject({ code: 'missing_admin_token', type: 'authentication_error' })
  })

  it('refuses tenant keys, wrong tokens and forged cookies', async () => {
    const t = await tenantWithSpend('refusals', [])
    for (const bearer of [t.api_key, 'test-admin-token-Xq7Lm2Rb9Kd4Vt8Nc5Hs1Wf6Jz3Pg0Ex']) {
      const r = await req('/admin/metrics', { headers: { authorization: `Bearer ${bearer}` } })
      expect(r.status).toBe(401)
      expect(await r.text()).not.toContain(t.api_key)
      expect((await req('/dashboard', { headers: { authorization: `Bearer ${bearer}` } })).status).toBe(401)
    }
    const viaForm = await form('/dashboard/sign-in', { token: t.api_key })
    expect(viaForm.status).toBe(401)
    expect(viaForm.headers.get('set-cookie')).toBeNull()
    expect(await viaForm.text()).toContain('Tenant API keys cannot open the dashboard')
    expect((await form('/dashboard/sign-in', { token: 'wrong-token-wrong-token' })).status).toBe(401)
    const forged = `__Host-triage_session=v1.${Math.floor(Date.now() / 1000) + 3600}.AAAAAAAAAAAAAAAA.${'A'.repeat(43)}`
    expect((await req('/dashboard', { headers: { cookie: forged } })).status).toBe(303)
    expect((await req('/admin/metrics', { headers: { cookie: forged } })).status).toBe(401)
  })

  it('refuses a cross-site sign-in post (CSRF)', async () => {
    const r = await form('/dashboard/sign-in', { token: ADMIN }, { origin: 'https://evil.example' })
    expect(r.status).toBe(403)
    expect(r.headers.get('set-cookie')).toBeNull()
    expect(((await r.json()) as any).error).toMatchObject({ code: 'forbidden', type: 'permission_error', message: 'Cross-site form posts are refused.' })
    // Same-origin by Sec-Fetch-Site (no Origin header) passes; a JSON post is not a form and is not checked.
    const same = await req('/dashboard/sign-in', { method: 'POST', body: new URLSearchParams({ token: ADMIN }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' } })
    expect(same.status).toBe(303)
  })

  it('refuses a sign-in form over 4 KiB (declared or streamed), and reads a multipart form', async () => {
    const big = await form('/dashboard/sign-in', { token: ADMIN, pad: 'x'.repeat(5000) })
    expect(big.status).toBe(413)
    expect(((await big.json()) as any).error.code).toBe('body_too_large')
    const chunks = [new TextEncoder().encode(`token=${ADMIN}&pad=`), new TextEncoder().encode('y'.repeat(5000))]
    const stream = new ReadableStream({ pull(c) { const next = chunks.shift(); if (next) c.enqueue(next); else c.close() } })
    const streamed = await req('/dashboard/sign-in', { method: 'POST', body: stream, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, duplex: 'half' } as RequestInit)
    expect(streamed.status).toBe(413)
    const multipart = new FormData()
    multipart.set('token', ADMIN)
    const viaMultipart = await req('/dashboard/sign-in', { method: 'POST', body: multipart, headers: { origin: ORIGIN } })
    expect(viaMultipart.status).toBe(303)
    expect(viaMultipart.headers.get('set-cookie')).toMatch(/^__Host-triage_session=v1\./)
  })

  it('answers the metrics API with the standard security headers', async () => {
    const r = await admin('/admin/metrics')
    expect(r.status).toBe(200)
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(r.headers.get('strict-transport-security')).toBe('max-age=15552000; includeSubDomains')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    expect(r.headers.get('referrer-policy')).toBe('no-referrer')
    expect(r.headers.get('content-security-policy')).toBeNull()
  })

  it('validates the window', async () => {
    const r = await admin('/admin/metrics?days=0')
    expect(r.status).toBe(400)
    expect(((await r.json()) as any).error.param).toBe('days')
    expect((await admin('/admin/metrics?tenant=../x')).status).toBe(400)
  })
})

describe('sign-in and the page', () => {
  it('sets a Secure, HttpOnly, SameSite=Strict, expiring session cookie that never holds the token', async () => {
    const res = await form('/dashboard/sign-in', { token: ADMIN })
    expect(res.headers.get('location')).toBe('/dashboard')
    const cookie = res.headers.get('set-cookie')!
    expect(cookie).toMatch(/^__Host-triage_session=v1\./)
    expect(cookie).toMatch(/; Max-Age=43200/)
    expect(cookie).toMatch(/; Path=\//)
    expect(cookie).toMatch(/; HttpOnly/)
    expect(cookie).toMatch(/; Secure/)
    expect(cookie).toMatch(/; SameSite=Strict/)
    expect(cookie).not.toContain(ADMIN)
  })

  it('serves the page with a strict CSP, no script and no outside resource; sign-out ends the session', async () => {
    const cookie = await signIn()
    const res = await req('/dashboard', { headers: { cookie } })
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const html = await res.text()
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(html).not.toMatch(/<script|style="|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    const css = await req('/dashboard/assets/dashboard.css')
    expect(css.headers.get('content-type')).toContain('text/css')
    expect(await css.text()).toContain('prefers-color-scheme: dark')

    const out = await req('/dashboard/sign-out', { method: 'POST', headers: { cookie, origin: ORIGIN } })
    expect(out.status).toBe(303)
    expect(out.headers.get('set-cookie')).toMatch(/^__Host-triage_session=; Max-Age=0/)
  })

  it('sign-out ends the session server-side: a copy of the cookie no longer works', async () => {
    const cookie = await signIn()
    const other = await signIn()
    expect((await req('/dashboard', { headers: { cookie } })).status).toBe(200)
    expect((await req('/dashboard/sign-out', { method: 'POST', headers: { cookie, origin: ORIGIN } })).status).toBe(303)
    // The browser drops its cookie; a stolen copy is refused as if it were forged.
    const page = await req('/dashboard', { headers: { cookie } })
    expect(page.status).toBe(303)
    expect(page.headers.get('location')).toBe('/dashboard/sign-in')
    expect((await req('/admin/metrics', { headers: { cookie } })).status).toBe(401)
    expect((await req('/dashboard/sign-in', { headers: { cookie } })).status).toBe(200)
    // Other sessions go on.
    expect((await req('/dashboard', { headers: { cookie: other } })).status).toBe(200)
  })
})

describe('figures', () => {
  it('match the ledger: spend per tenant, savings from real tokens, tier mix, providers, latest requests', async () => {
    const a = await tenantWithSpend('fig-a', [
      { model: 'deepseek-chat', tier: 'medium', provider: 'deepseek', input: 1000, output: 200, latency: 300 },
      { model: 'deepseek-chat', tier: 'medium', provider: 'deepseek', input: 2000, output: 100, latency: 500 },
      { model: 'gpt-4.1', tier: 'premium', provider: 'openai', input: 100, output: 100, latency: 900 },
    ])
    const b = await tenantWithSpend('fig-b', [
      { model: 'deepseek-chat', tier: 'medium', provider: 'deepseek', input: 10, output: 10, latency: 100, status: 502 },
    ])
    const u = (n: number, m: number) => usage(n, m)
    const actualA = cost(u(1000, 200), 'deepseek-chat') + cost(u(2000, 100), 'deepseek-chat') + cost(u(100, 100), 'gpt-4.1')
    const premiumA = cost(u(1000, 200), 'gpt-4.1') + cost(u(2000, 100), 'gpt-4.1') + cost(u(100, 100), 'gpt-4.1')

    const res = await admin(`/admin/metrics?days=2&tenant=${a.id}`)
    expect(res.status).toBe(200)
    const m = (await res.json()) as any
    const ledger = (await (await admin(`/admin/tenants/${a.id}/usage?days=1`)).json()) as any
    expect(m.tenants).toHaveLength(1)
    expect(m.tenants[0].today.spent_usd).toBe(ledger.ledger.daily.spent_usd)
    expect(m.tenants[0].today.spent_usd).toBe(formatUsd(actualA))
    expect(m.tenants[0].month.monthly).toMatchObject({ limit_usd: '1.00', spent_usd: ledger.ledger.monthly.spent_usd })
    expect(m.savings).toMatchObject({ requests: 3, actual_nano: actualA, premium_nano: premiumA, saved_nano: premiumA - actualA })
    expect(m.reference_premium_model).toBe('gpt-4.1')
    expect(m.tenants[0].savings).toMatchObject({ requests: 3, actual_nano: actualA, premium_nano: premiumA })
    expect(m.savings_by_day.at(-1)).toMatchObject({ requests: 3, actual_nano: actualA, premium_nano: premiumA })
    // Savings come from the ledger's totals, so they stay exact when the records read are capped (latency etc. do not).
    const capped = await collectMetrics(env, loadConfig(env), { days: 2, tenant: a.id, recordsPerTenant: 1 })
    expect(capped.savings).toMatchObject({ requests: 3, actual_nano: actualA, premium_nano: premiumA })
    expect(capped.sample).toMatchObject({ records: 1, records_complete: false })
    expect(capped.recent).toHaveLength(1)
    expect(renderDashboard(capped)).toContain('From the newest 1 requests.')
    expect(m.tiers.at(-1).by_tier.medium.requests).toBe(2)
    expect(m.tiers.at(-1).by_tier.premium.cost_nano).toBe(cost(u(100, 100), 'gpt-4.1'))
    expect(m.providers.map((p: any) => [p.provider, p.requests, p.latency_p50_ms, p.latency_p95_ms])).toEqual([['deepseek', 2, 300, 500], ['openai', 1, 900, 900]])
    expect(m.recent).toHaveLength(3)
    expect(m.recent.every((r: any) => r.tenant === a.id)).toBe(true)
    expect(JSON.stringify(m)).not.toContain(b.id)
    // $0.001966 of a $0.01 daily budget: premium still allowed.
    expect(actualA).toBe(1_966_000)
    expect(m.tenants[0]).toMatchObject({ state: 'ok', cap: 'premium' })
    expect(m.tenants[0].today.daily).toMatchObject({ limit_usd: '0.01', remaining_usd: formatUsd(10_000_000 - actualA), used_fraction: 0.1966 })

    const all = (await (await admin('/admin/metrics?days=1')).json()) as any
    const ids = all.tenants.map((t: any) => t.id)
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]))
    const tb = all.tenants.find((t: any) => t.id === b.id)
    expect(tb.today.spent_usd).toBe(formatUsd(cost(u(10, 10), 'deepseek-chat')))
    expect(tb.savings.saved_nano).toBe(0) // failed request: no savings claimed
    expect(all.recent.find((r: any) => r.tenant === b.id)).toMatchObject({ outcome: 'error', status: 502, tenant_name: 'fig-b' })

    const cookie = await signIn()
    const html = await (await req(`/dashboard?days=2&tenant=${a.id}`, { headers: { cookie } })).text()
    expect(html).toContain(`data-tenant="${a.id}"`)
    expect(html).toContain(`data-testid="saved-usd" data-value="${formatUsd(premiumA - actualA)}"`)
    expect(html).toContain(`data-value="${formatUsd(actualA)}"`)
    expect(html).not.toContain(b.id)
  })
})
