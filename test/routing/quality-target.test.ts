/**
 * Thresholds that mean something to a user: a quality target, set for the deployment (TRIAGE_QUALITY_TARGET) or per
 * tenant (policy.quality_target), routes with the cheapest thresholds that keep it on the calibration data, and
 * /v1/route shows the setting in force with its expected cost and quality.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildConfig, ConfigError } from '../../src/config'
import { expectedOutcome, thresholdsForQuality } from '../../src/scoring'
import { resolvePolicy, PolicySchema } from '../../src/tenants'
import { routingSetting } from '../../src/routing'
import { ADMIN, emulatorVars, testRouter } from '../api/helpers'

afterEach(() => vi.restoreAllMocks())

describe('quality targets', () => {
  it('TRIAGE_QUALITY_TARGET sets the thresholds to the cheapest pair that keeps the target', () => {
    const c = buildConfig({ TRIAGE_QUALITY_TARGET: '0.95' })
    const plan = thresholdsForQuality(0.95)
    expect(c.thresholds).toEqual({ medium: plan.medium, premium: plan.premium })
    expect(c.qualityTarget).toBe(0.95)
    expect(expectedOutcome(c.thresholds).quality).toBeGreaterThanOrEqual(0.95)
  })

  it('refuses a target together with explicit thresholds, and a target out of range, naming the variables', () => {
    expect(() => buildConfig({ TRIAGE_QUALITY_TARGET: '0.95', TRIAGE_THRESHOLD_PREMIUM: '0.9' })).toThrow(/TRIAGE_QUALITY_TARGET: set either it or TRIAGE_THRESHOLD_MEDIUM\/_PREMIUM/)
    expect(() => buildConfig({ TRIAGE_QUALITY_TARGET: '1.5' })).toThrow(ConfigError)
    expect(() => buildConfig({ TRIAGE_QUALITY_TARGET: '1.5' })).toThrow(/TRIAGE_QUALITY_TARGET/)
  })

  it('a higher target never costs less and never keeps less quality', () => {
    let last = { cost: -1, quality: -1 }
    for (const target of [0.8, 0.85, 0.9, 0.95, 0.97, 0.99]) {
      const t = thresholdsForQuality(target)
      const o = expectedOutcome(t)
      expect(o.cost).toBeGreaterThanOrEqual(last.cost - 1e-12)
      if (t.reached) expect(o.quality).toBeGreaterThanOrEqual(target)
      last = o
    }
  })

  it('a tenant policy with a quality target routes with its thresholds; it excludes explicit thresholds', () => {
    const policy = resolvePolicy({ quality_target: 0.9 })
    const t = thresholdsForQuality(0.9)
    expect(policy.thresholds).toEqual({ medium: t.medium, premium: t.premium })
    expect(policy.quality_target).toBe(0.9)
    const setting = routingSetting({ policy }, buildConfig({}))
    expect(setting).toEqual({ thresholds: { medium: t.medium, premium: t.premium }, quality_target: 0.9, expected: expectedOutcome({ medium: t.medium, premium: t.premium }) })
    const both = PolicySchema.safeParse({ quality_target: 0.9, thresholds: { premium: 0.5 } })
    expect(both.success).toBe(false)
    expect(both.error?.issues[0]).toMatchObject({ path: ['quality_target'], message: 'set either thresholds or quality_target, not both' })
  })

  it('/v1/route shows the setting in force and its expected cost and quality; the admin API refuses both at once', async () => {
    const r = testRouter(emulatorVars)
    const body = { model: 'auto', messages: [{ role: 'user', content: 'Prove that √2 is irrational.' }] }
    const anonymous: any = await (await r.call('/v1/route', { json: body })).json()
    const config = buildConfig(emulatorVars)
    expect(anonymous.routing).toEqual({ thresholds: config.thresholds, quality_target: null, expected: expectedOutcome(config.thresholds) })

    const strict = await r.tenant({ policy: { quality_target: 0.99 } })
    const cheap = await r.tenant({ policy: { quality_target: 0.8 } })
    const hi: any = await (await r.call('/v1/route', { json: body, key: strict.api_key })).json()
    const lo: any = await (await r.call('/v1/route', { json: body, key: cheap.api_key })).json()
    expect(hi.routing.quality_target).toBe(0.99)
    expect(lo.routing.quality_target).toBe(0.8)
    expect(hi.routing.expected.cost).toBeGreaterThanOrEqual(lo.routing.expected.cost)
    expect(hi.routing.expected.quality).toBeGreaterThanOrEqual(lo.routing.expected.quality)

    const refused = await r.call('/admin/tenants', { json: { name: 'both', policy: { quality_target: 0.9, thresholds: { premium: 0.5 } } }, headers: { authorization: `Bearer ${ADMIN}` } })
    expect(refused.status).toBe(400)
    const err: any = await refused.json()
    expect(err.error.message).toMatch(/set either thresholds or quality_target, not both/)
  })
})
