/**
 * Drives the real app inside workerd with a chosen environment: real KV and Durable Objects from the test
 * bindings, providers pointed at the in-process emulators (an injected `fetch` spy), and a fresh tenant.
 */
import { env as testEnv, createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { afterEach, beforeEach, vi } from 'vitest'
import { createApp } from '../../src/app'
import { createEmulator, type Emulator } from '../fixtures/emulator.mjs'
import { offlineVars } from '../../scripts/offline-env.mjs'

export const EMU = 'http://emulator.test'
export const ADMIN = 'test-admin-token-Xq7Lm2Rb9Kd4Vt8Nc5Hs1Wf6Jz3Pg0Ey'

/** Provider settings that point every provider at the emulator (through the fetch spy): the same as `npm run dev:offline`. */
export const emulatorVars: Record<string, string> = { ...offlineVars(EMU), ADMIN_TOKEN: ADMIN }

export interface TestRouter {
  emulator: Emulator
  env: Record<string, unknown>
  /** Calls the app and waits for its waitUntil work (settlement) to finish. */
  call(path: string, init?: RequestInit & { json?: unknown; key?: string }): Promise<Response>
  /** A new tenant's API key. */
  tenant(body?: Record<string, unknown>): Promise<{ id: string; api_key: string }>
}

export function testRouter(vars: Record<string, unknown> = emulatorVars): TestRouter {
  const emulator = createEmulator()
  const real = globalThis.fetch
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    return url.startsWith(EMU) ? emulator.fetch(input as RequestInfo, init) : real(input as RequestInfo, init)
  })
  // A fresh env object per router, so the per-isolate config cache sees these vars.
  const env: Record<string, unknown> = { ...testEnv, AI: undefined, ...vars }
  const app = createApp()
  const call: TestRouter['call'] = async (path, init = {}) => {
    const headers = new Headers(init.headers)
    if (init.json !== undefined) headers.set('content-type', 'application/json')
    if (init.key) headers.set('authorization', `Bearer ${init.key}`)
    const ctx = createExecutionContext()
    const res = await app.fetch(
      new Request(`http://triage.test${path}`, { method: init.method ?? (init.json !== undefined ? 'POST' : 'GET'), headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body }),
      env,
      ctx,
    )
    // Streams settle when they end: read the body before waiting on waitUntil.
    const body = await res.arrayBuffer()
    await waitOnExecutionContext(ctx)
    return new Response(body, { status: res.status, headers: res.headers })
  }
  return {
    emulator,
    env,
    call,
    async tenant(body = {}) {
      const res = await call('/admin/tenants', { json: { name: 't', budget: { daily_usd: 10 }, ...body }, headers: { authorization: `Bearer ${ADMIN}` } })
      if (res.status !== 201) throw new Error(`tenant: ${res.status} ${await res.text()}`)
      return res.json() as Promise<{ id: string; api_key: string }>
    },
  }
}

/** A fresh router and tenant key for each test of a file; the fetch spy is restored after each. */
export function routerEachTest(): { readonly r: TestRouter; readonly key: string } {
  const state = {} as { r: TestRouter; key: string }
  beforeEach(async () => {
    state.r = testRouter()
    state.key = (await state.r.tenant()).api_key
  })
  afterEach(() => vi.restoreAllMocks())
  return state
}

/** Splits an SSE body into its `data:` payloads and comment lines. */
export function parseSSE(text: string): { data: string[]; comments: string[] } {
  const data: string[] = []
  const comments: string[] = []
  for (const block of text.split('\n\n')) {
    for (const line of block.split('\n')) {
      if (line.startsWith('data: ')) data.push(line.slice(6))
      else if (line.startsWith(':')) comments.push(line.slice(1).trim())
    }
  }
  return { data, comments }
}
