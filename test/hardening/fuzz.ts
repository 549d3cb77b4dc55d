/** Counting and reporting the cases each fuzz property runs (the README quotes the total). */
/** A fresh seed per run (printed, so a failure can be replayed by pinning it here). */
export const FUZZ_SEED = Date.now() % 2 ** 31

/** Wraps a property body so every generated case is counted. */
export function counted<A extends unknown[], R>(counter: { n: number }, fn: (...a: A) => R): (...a: A) => R {
  return (...a: A) => {
    counter.n++
    return fn(...a)
  }
}

export function report(file: string, counters: Record<string, { n: number }>): void {
  const total = Object.values(counters).reduce((s, c) => s + c.n, 0)
  console.log(`[fuzz] ${file}: ${total} cases (${Object.entries(counters).map(([k, c]) => `${k} ${c.n}`).join(', ')}) seed ${FUZZ_SEED}`)
}

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { createApp } from '../../src/app'

/**
 * Calls the app like TestRouter.call, but does not wait for each request's waitUntil work (the ledger's 25 ms
 * batching) before the next case: `settled()` waits for all of them at the end. Thousands of cases then take
 * seconds, and settlement still runs exactly as in production (batched, in waitUntil).
 */
export function fastCaller(env: Record<string, unknown>) {
  const app = createApp()
  const pending: Promise<void>[] = []
  return {
    async call(path: string, init: { key: string; json: unknown }): Promise<Response> {
      const ctx = createExecutionContext()
      const res = await app.fetch(new Request(`http://triage.test${path}`, {
        method: 'POST', headers: { authorization: `Bearer ${init.key}`, 'content-type': 'application/json' }, body: JSON.stringify(init.json),
      }), env, ctx)
      const body = await res.arrayBuffer()
      pending.push(waitOnExecutionContext(ctx))
      return new Response(body, { status: res.status, headers: res.headers })
    },
    async settled(): Promise<void> {
      await Promise.all(pending.splice(0))
    },
  }
}
