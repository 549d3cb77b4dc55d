import { env } from 'cloudflare:test'
import { expect, it } from 'vitest'
it('has KV and DO bindings', async () => {
  await env.TRIAGE_KV.put('a', 'b')
  expect(await env.TRIAGE_KV.get('a')).toBe('b')
  expect(env.TENANT_LEDGER).toBeDefined()
  expect((env as any).AI).toBeDefined()
})
