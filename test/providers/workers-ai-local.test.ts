/**
 * `npm run dev` (wrangler dev --local): miniflare's AI binding has no remote proxy and throws
 * "Binding AI needs to be run remotely" (miniflare/src/workers/shared/remote-bindings-utils.ts). With
 * CLOUDFLARE_ACCOUNT_ID + CLOUDFLARE_API_TOKEN the call goes over REST instead; without them the request answers a
 * clear 503 naming the two settings, at once (not 502 after three attempts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildConfig } from '../../src/config'
import { createProviders } from '../../src/providers'
import { createEmulator } from '../fixtures/emulator.mjs'
import { testRouter, emulatorVars } from '../api/helpers'

const LLAMA = '@cf/meta/llama-3.2-3b-instruct'
/** What miniflare's local AI binding throws, word for word. */
const localBinding = () => {
  const calls: string[] = []
  return { calls, run: async (model: string) => { calls.push(model); throw new Error('Binding AI needs to be run remotely') } }
}
const user = (content: string) => ({ model: 'auto', messages: [{ role: 'user' as const, content }] })
const signal = () => new AbortController().signal

afterEach(() => vi.restoreAllMocks())

describe('workers-ai when the AI binding cannot run locally', () => {
  it('uses the REST API with account id + token (Cloudflare’s URL), and stays on REST', async () => {
    const config = buildConfig({ CLOUDFLARE_ACCOUNT_ID: 'acct-1', CLOUDFLARE_API_TOKEN: 'cf-token-1' })
    const emu = createEmulator()
    const ai = localBinding()
    const p = createProviders(config, { AI: ai as unknown as Ai }, emu.fetch)
    for (let i = 0; i < 2; i++) {
      const r = await p['workers-ai'].chat(user('hello there'), config.models[LLAMA], { signal: signal(), stream: false })
      expect(r.kind).toBe('json')
    }
    expect(ai.calls).toEqual([LLAMA]) // tried once, then REST only
    expect(emu.requests.map((q) => q.path)).toEqual([`/client/v4/accounts/acct-1/ai/run/${LLAMA}`, `/client/v4/accounts/acct-1/ai/run/${LLAMA}`])
    expect(emu.requests[0].headers.authorization).toBe('Bearer cf-to…')
  })

  it('without REST credentials: unconfigured, naming both settings', async () => {
    const config = buildConfig({})
    const p = createProviders(config, { AI: localBinding() as unknown as Ai }, createEmulator().fetch)
    const e = await p['workers-ai'].chat(user('x'), config.models[LLAMA], { signal: signal(), stream: false }).catch((e) => e)
    expect(e.kind).toBe('unconfigured')
    expect(e.missing).toEqual(['CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_API_TOKEN'])
    expect(e.message).toContain('cannot run here')
  })

  it('a trivial request answers 503 naming the settings after one try, not 502 after three attempts', async () => {
    const { CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN, WORKERS_AI_BASE_URL, ...vars } = emulatorVars
    const ai = localBinding()
    const r = testRouter({ ...vars, AI: ai })
    const { api_key } = await r.tenant()
    const res = await r.call('/v1/chat/completions', { key: api_key, json: { model: 'triage/trivial', messages: [{ role: 'user', content: 'hi' }] } })
    expect(res.status).toBe(503)
    const body: any = await res.json()
    expect(body.error.code).toBe('provider_not_configured')
    expect(body.error.message).toContain('CLOUDFLARE_ACCOUNT_ID')
    expect(body.error.message).toContain('CLOUDFLARE_API_TOKEN')
    expect(ai.calls).toHaveLength(1)
  })
})
