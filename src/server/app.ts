/**
 * New Hono apps with RegExpRouter alone. `new Hono()` wraps RegExpRouter in SmartRouter with TrieRouter as a
 * fallback for patterns RegExpRouter cannot compile; Triage's routes are plain paths, `:params` and `*`
 * middleware, so the fallback was dead weight in the bundle. A pattern RegExpRouter refused would fail every
 * test that routes through the app.
 *
 * @example const app = honoApp<AppEnv>()   // server/base.ts
 */
import type { Env } from 'hono'
import { HonoBase } from 'hono/hono-base'
import { RegExpRouter } from 'hono/router/reg-exp-router'

export function honoApp<E extends Env>(): HonoBase<E> {
  return new HonoBase<E>({ router: new RegExpRouter() })
}
