/**
 * The dashboard in a real browser (Debian chromium driven by playwright-core; test/node/browser.ts provides it,
 * installing it on a fresh machine) against the real Worker
 * (on Miniflare, test/e2e/harness.ts) and the provider emulators: sign-in, refusals, figures that match the ledger,
 * no prompt text, no cross-tenant leak in /v1/usage, and screenshots at phone and desktop widths, light and dark.
 *
 * Screenshots land in test-results/screenshots/ (gitignored; CI keeps test-results/ as artifacts).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startRouter, type Router } from '../e2e/harness'
import { CHROMIUM_FLAGS } from './browser'
import { cost, formatUsd, parseUsd } from '../../src/money'
import { roundUsd } from '../../src/dashboard/page'

const SHOTS = 'test-results/screenshots'
/** A marker that must never reach the dashboard: prompts are not recorded. */
const PROMPT_MARKER = 'PROMPT-MARKER-c0ffee'

interface Sent {
  tenant: string
  requestId: string
  tier: string
  model: string
  /** Known for JSON answers (x-triage-cost-usd). */
  costUsd?: string
  /** What the same tokens cost on gpt-4.1 (the reference premium model), or the real cost for premium answers. */
  premiumNano?: number
}

let router: Router
let context: BrowserContext
let page: Page
let userDataDir: string
const tenants: Record<'a' | 'b' | 'c', { id: string; api_key: string; name: string }> = {} as never
const sent: Sent[] = []
const cspErrors: string[] = []

function premiumEquivalent(u: OpenAI.CompletionUsage, tier: string, costUsd: string): number {
  if (tier === 'premium') return parseUsd(costUsd)!
  return cost({
    input: u.prompt_tokens, cachedInput: u.prompt_tokens_details?.cached_tokens ?? 0, cacheWrite: 0,
    output: u.completion_tokens, reasoning: u.completion_tokens_details?.reasoning_tokens ?? 0,
  }, 'gpt-4.1')
}

async function traffic(who: 'a' | 'b' | 'c', model: string, text: string) {
  const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: tenants[who].api_key, maxRetries: 0 })
  const { data, response } = await client.chat.completions
    .create({ model, messages: [{ role: 'user', content: `${text} ${PROMPT_MARKER}` }] })
    .withResponse()
  const tier = response.headers.get('x-triage-tier')!
  const costUsd = response.headers.get('x-triage-cost-usd')!
  sent.push({
    tenant: tenants[who].id, requestId: response.headers.get('x-request-id')!, tier, model: response.headers.get('x-triage-model')!,
    costUsd, premiumNano: premiumEquivalent(data.usage!, tier, costUsd),
  })
}

async function streamed(who: 'a' | 'b', model: string, text: string) {
  const client = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: tenants[who].api_key, maxRetries: 0 })
  const { data: stream, response } = await client.chat.completions
    .create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: `${text} ${PROMPT_MARKER}` }] })
    .withResponse()
  let usage: OpenAI.CompletionUsage | undefined
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage
  sent.push({ tenant: tenants[who].id, requestId: response.headers.get('x-request-id')!, tier: response.headers.get('x-triage-tier')!, model: response.headers.get('x-triage-model')!, premiumNano: usage && premiumEquivalent(usage, response.headers.get('x-triage-tier')!, '0') })
}

async function adminJson(path: string): Promise<any> {
  const res = await router.admin(path)
  expect(res.status).toBe(200)
  return res.json()
}

/** The ledger's usage of a tenant, once KV has caught up with it (the DO flushes on a ~1 s alarm). Bounded wait. */
async function settledUsage(id: string, requests: number): Promise<any> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const u = await adminJson(`/tenants/${id}/usage?days=1`)
    if (u.ledger.kv_pending === 0 && u.days[0].requests >= requests && u.ledger.daily.spent_nano === u.days[0].nano) return u
    if (Date.now() > deadline) throw new Error(`KV did not catch up with the ledger: ${JSON.stringify(u.ledger)} / ${JSON.stringify(u.days[0])}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

async function shot(name: string, width: number, colorScheme: 'light' | 'dark') {
  await page.setViewportSize({ width, height: width < 600 ? 844 : 900 })
  await page.emulateMedia({ colorScheme })
  await page.screenshot({ path: join(SHOTS, `${name}-${width}-${colorScheme}.png`), fullPage: true })
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  router = await startRouter()
  for (const [who, name, budget] of [['a', 'acme-browser', { daily_usd: '0.50', monthly_usd: 5 }], ['b', 'beta-browser', { daily_usd: 1 }]] as const) {
    tenants[who] = { ...(await router.createTenant({ name, budget })), name }
  }
  // A tenant whose policy drops premium as soon as anything is spent: the dashboard must say it is downgraded.
  tenants.c = { ...(await router.createTenant({ name: 'gamma-frugal', budget: { daily_usd: 1 }, policy: { downgrade_at_remaining_fraction: { premium: 0.99999999, medium: 0 } } })), name: 'gamma-frugal' }
  await traffic('a', 'triage/trivial', 'Say hi.')
  await traffic('a', 'triage/medium', 'Summarise the quarterly plan in two lines.')
  await traffic('a', 'triage/premium', 'Prove that the square root of two is irrational.')
  await traffic('a', 'triage/medium', 'List three risks of the migration.')
  await streamed('a', 'triage/trivial', 'Write one word.')
  await traffic('b', 'triage/trivial', 'Hello there.')
  await traffic('b', 'triage/premium', 'Design a sharded rate limiter.')
  await traffic('c', 'triage/medium', 'Plan the offsite agenda.')

  userDataDir = mkdtempSync(join(tmpdir(), 'triage-chromium-'))
  context = await chromium.launchPersistentContext(userDataDir, { executablePath: inject('chromiumPath'), headless: true, args: ['--headless', ...CHROMIUM_FLAGS] })
  page = context.pages()[0] ?? (await context.newPage())
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text())
  })
}, 120_000)

afterAll(async () => {
  await context?.close()
  await router?.stop()
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true })
})

describe('dashboard in a browser', () => {
  it('refuses an unauthenticated visit: the page redirects to sign-in, the JSON API answers 401', async () => {
    const res = await page.goto(`${router.url}/dashboard`)
    expect(res?.status()).toBe(200)
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in')
    expect(await page.locator('input#token').count()).toBe(1)
    await shot('signin', 390, 'light')
    const api = await fetch(`${router.url}/admin/metrics`)
    expect(api.status).toBe(401)
    const asTenant = await fetch(`${router.url}/admin/metrics`, { headers: { authorization: `Bearer ${tenants.a.api_key}` } })
    expect(asTenant.status).toBe(401)
  })

  it('refuses a tenant key at sign-in, then signs in with the admin token into a Secure, HttpOnly, SameSite=Strict session', async () => {
    await page.fill('#token', tenants.a.api_key)
    await page.click('button[type=submit]')
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in')
    expect(await page.locator('[role=alert]').textContent()).toContain('Tenant API keys cannot open the dashboard')
    expect(await context.cookies()).toEqual([])

    await page.fill('#token', router.adminToken)
    await page.click('button[type=submit]')
    await page.waitForURL(`${router.url}/dashboard`)
    const cookies = await context.cookies()
    expect(cookies).toHaveLength(1)
    expect(cookies[0]).toMatchObject({ name: '__Host-triage_session', httpOnly: true, secure: true, sameSite: 'Strict', path: '/' })
    expect(cookies[0].value).not.toContain(router.adminToken)
  })

  it('shows each tenant’s spend exactly as the ledger has it, and the savings from real token counts', async () => {
    const count = (id: string) => sent.filter((s) => s.tenant === id).length
    const ua = await settledUsage(tenants.a.id, count(tenants.a.id))
    const ub = await settledUsage(tenants.b.id, count(tenants.b.id))
    const uc = await settledUsage(tenants.c.id, count(tenants.c.id))
    await page.goto(`${router.url}/dashboard?days=1`)

    for (const [t, u] of [[tenants.a, ua], [tenants.b, ub], [tenants.c, uc]] as const) {
      const card = page.locator(`article[data-tenant="${t.id}"]`)
      expect(await card.locator('h3').textContent()).toContain(t.name)
      const today = card.locator('[data-testid=daily] [data-field=spent]')
      expect(await today.getAttribute('data-value')).toBe(u.ledger.daily.spent_usd)
      // Read at three significant digits (issue 14 item 11); the exact figure is in data-value, checked above.
      expect(await today.textContent()).toBe(roundUsd(u.days[0].nano))
      expect(await card.locator('[data-testid=daily] [data-field=limit]').getAttribute('data-value')).toBe(u.ledger.daily.limit_usd)
      expect(await card.locator('[data-testid=monthly] [data-field=spent]').getAttribute('data-value')).toBe(u.ledger.monthly.spent_usd)
      expect(await card.locator('[data-field=window-calls]').getAttribute('data-value')).toBe(String(u.days[0].requests))
    }
    expect(await page.locator('article[data-tenant]').count()).toBe(3)
    expect(await page.textContent(`article[data-tenant="${tenants.a.id}"] [data-field=state]`)).toBe('ok')
    expect(await page.textContent(`article[data-tenant="${tenants.c.id}"] [data-field=state]`)).toBe('downgrading to medium')

    // Savings: actual = what the ledger charged; premium = the same tokens on gpt-4.1, computed here from the SDK's usage.
    const actual = [ua, ub, uc].reduce((sum, u) => sum + parseUsd(u.ledger.daily.spent_usd)!, 0)
    const premium = sent.reduce((s, r) => s + (r.premiumNano ?? 0), 0)
    expect(sent.every((r) => r.premiumNano !== undefined)).toBe(true)
    expect(await page.getAttribute('[data-testid=actual-usd]', 'data-value')).toBe(formatUsd(actual))
    expect(await page.getAttribute('[data-testid=premium-usd]', 'data-value')).toBe(formatUsd(premium))
    expect(await page.getAttribute('[data-testid=saved-usd]', 'data-value')).toBe(formatUsd(premium - actual))
    // The headline is rounded to three significant digits for reading; the exact figure is in data-value and title.
    const headline = (await page.textContent('[data-testid=saved-usd]'))!
    expect(headline).toMatch(/^\$[\d.,]+ saved$/)
    expect(Math.abs(Number(headline.replace(/[^\d.]/g, '')) * 1e9 - (premium - actual)) / (premium - actual)).toBeLessThan(0.005)
    expect(await page.getAttribute('[data-testid=requests]', 'data-value')).toBe(String(sent.length))
    expect(premium).toBeGreaterThan(actual)

    // The JSON API says the same.
    const m = await adminJson('/metrics?days=1')
    expect(m.savings).toMatchObject({ actual_usd: formatUsd(actual), premium_usd: formatUsd(premium), requests: sent.length })
  })

  it('lists the latest requests with their real costs, and no prompt text anywhere', async () => {
    const rows = page.locator('table[data-testid=recent] tbody tr[data-request]')
    expect(await rows.count()).toBe(sent.length)
    for (const s of sent) {
      const row = page.locator(`tr[data-request="${s.requestId}"]`)
      expect(await row.getAttribute('data-tenant')).toBe(s.tenant)
      const cells = await row.locator('td').allTextContents()
      expect(cells[2]).toBe(s.tier)
      expect(cells[4]).toBe(s.model)
      expect(cells[8]).toMatch(/^ok/)
      if (s.costUsd) expect(await row.locator('[data-field=cost]').getAttribute('data-value')).toBe(s.costUsd)
    }
    const providers = await page.locator('table[data-testid=providers] tbody tr[data-provider]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-provider')))
    expect(providers.sort()).toEqual(['deepseek', 'openai', 'workers-ai'])
    const html = await page.content()
    expect(html).not.toContain(PROMPT_MARKER)
    expect(html).not.toContain(tenants.a.api_key)
    expect(html).not.toContain(router.adminToken)
  })

  it('renders at phone and desktop widths, light and dark, with no CSP violation and no sideways scroll on a phone', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await shot('dashboard', 390, scheme)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
      expect(await page.locator('svg.chart.narrow').first().isVisible()).toBe(true)
      expect(await page.locator('svg.chart.wide').first().isVisible()).toBe(false)
      await shot('dashboard', 1280, scheme)
      expect(await page.locator('svg.chart.wide').first().isVisible()).toBe(true)
    }
    // Close-ups of the phone layout, for review.
    await page.setViewportSize({ width: 390, height: 844 })
    await page.emulateMedia({ colorScheme: 'light' })
    for (const id of ['savings-h', 'tenants-h', 'providers-h', 'recent-h']) {
      await page.locator(`section[aria-labelledby="${id}"]`).screenshot({ path: join(SHOTS, `dashboard-390-light-${id.replace(/-h$/, '')}.png`) })
    }
    // Dark mode really changes colours (CSS variables follow prefers-color-scheme).
    await page.emulateMedia({ colorScheme: 'light' })
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    await page.emulateMedia({ colorScheme: 'dark' })
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(light).not.toBe(dark)
    expect(cspErrors, cspErrors.join("\n")).toEqual([])
  })

  it('keeps tenants apart in /v1/usage: A sees only A, B only B', async () => {
    for (const [me, other] of [['a', 'b'], ['b', 'a']] as const) {
      const res = await fetch(`${router.url}/v1/usage?days=1`, { headers: { authorization: `Bearer ${tenants[me].api_key}` } })
      expect(res.status).toBe(200)
      const body = await res.text()
      const u = JSON.parse(body)
      expect(u.tenant.id).toBe(tenants[me].id)
      expect(u.today.requests).toBe(sent.filter((s) => s.tenant === tenants[me].id).length)
      // Its own savings against the reference premium model, from the ledger's totals, to the nano-dollar.
      expect(u.reference_premium_model).toBe('gpt-4.1')
      expect(u.today.premium_nano).toBe(sent.filter((s) => s.tenant === tenants[me].id).reduce((sum, s) => sum + s.premiumNano!, 0))
      expect(u.today.saved_nano).toBe(u.today.premium_nano - u.today.cost_nano)
      expect(u.today.tokens.input).toBeGreaterThan(0)
      expect(body).not.toContain(tenants[other].id)
      expect(body).not.toContain(tenants[other].name)
      // Naming the other tenant in the query changes nothing.
      const sneaky = await (await fetch(`${router.url}/v1/usage?tenant=${tenants[other].id}`, { headers: { authorization: `Bearer ${tenants[me].api_key}` } })).text()
      expect(sneaky).not.toContain(tenants[other].id)
    }
  })

  it('signs out: the session cookie is gone and the dashboard redirects to sign-in again', async () => {
    await page.click('form[action="/dashboard/sign-out"] button')
    await page.waitForURL(`${router.url}/dashboard/sign-in`)
    expect(await context.cookies()).toEqual([])
    await page.goto(`${router.url}/dashboard`)
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in')
  })
})
