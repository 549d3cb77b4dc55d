/**
 * Issue 14 items 1 and 2, re-measured with the same attacks: a burst of requests built to cost more than their
 * reservation, against a small budget. Prints what was served, settled and overspent; asserts no request costs more
 * than it reserved and the budget holds. The emulators count a prompt token per run of non-space characters, so
 * `"a a a …"` is one token per 2 bytes (the old estimate, ASCII ÷ 3, reserved 1 per 3).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { testRouter } from './helpers'
import { ledgerStub, listRequestRecords } from '../../src/ledger'
import { formatUsd } from '../../src/money'
import type { Env } from '../../src/env'

afterEach(() => vi.restoreAllMocks())

const ATTACKS: Record<string, Record<string, unknown>> = {
  'item 2: "a a a …" with max_tokens 1': { model: 'triage/medium', max_tokens: 1, messages: [{ role: 'user', content: 'a '.repeat(3000) }] },
  'item 1: max_completion_tokens 1 with max_tokens 30000': { model: 'triage/medium', max_completion_tokens: 1, max_tokens: 30_000, messages: [{ role: 'user', content: 'Tell me a long story about a dragon who guards a library.' }] },
}

describe('overspend under the attacks of issue 14', () => {
  for (const [name, body] of Object.entries(ATTACKS)) {
    it(`${name}: a burst of 20 against $0.01 overspends nothing`, async () => {
      const r = testRouter()
      const budget = 10_000_000
      const t = await r.tenant({ budget: { daily_usd: formatUsd(budget) } })
      const res = await Promise.all(Array.from({ length: 20 }, () => r.call('/v1/chat/completions', { key: t.api_key, json: body })))
      const env = r.env as unknown as Env
      await ledgerStub(env, t.id).flush()
      const { records } = await listRequestRecords(env.TRIAGE_KV, t.id)
      const settled = records.reduce((n, x) => n + x.cost_nano, 0)
      const beyond = records.reduce((n, x) => n + Math.max(0, x.cost_nano - x.reserved_nano), 0)
      const worst = Math.max(...records.map((x) => x.cost_nano / x.reserved_nano))
      console.log(`[attack] ${name}: 20 requests, ${res.filter((x) => x.status === 200).length} served, ${res.filter((x) => x.status === 429).length} refused; settled $${formatUsd(settled)} of $${formatUsd(budget)}; cost beyond reservations $${formatUsd(beyond)}; overspend $${formatUsd(Math.max(0, settled - budget))}; largest cost/reserved ${worst.toFixed(2)}`)
      expect(res.every((x) => x.status === 200 || x.status === 429)).toBe(true)
      expect(records.length).toBeGreaterThan(0)
      expect(beyond).toBe(0)
      expect(settled).toBeLessThanOrEqual(budget)
    })
  }
})
