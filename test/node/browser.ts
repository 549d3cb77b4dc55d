/**
 * The browser the dashboard tests drive: Debian's `chromium`, through playwright-core. This file is the node test
 * project's globalSetup (vitest.config.ts), so `npm test` on a fresh machine provisions the browser itself:
 *
 * - found (CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser) → used as is;
 * - missing, and we are root with apt-get → `apt-get update` + `apt-get install chromium` once (measured on the
 *   project's Debian 12 machines: docs/DASHBOARD.md#browser-tests);
 * - missing otherwise → the run fails with one line that says what to install. It never skips.
 *
 * @example
 * const path = ensureChromium()                        // '/usr/bin/chromium', installing it first if needed
 * ensureChromium({ isRoot: false, candidates: [] })    // throws: "Browser tests need Chromium: …"
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { TestProject } from 'vitest/node'

/** The flags the tests launch Chromium with (playwright-core's `args`): no sandbox, GPU or background traffic. */
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Where a Chromium is looked for, in order. */
export function chromiumCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p)
}

export interface EnsureOptions {
  candidates?: string[]
  isRoot?: boolean
  /** apt-get's path, or undefined when the machine has none. */
  aptGet?: string
  log?: (line: string) => void
}

/** The one line a run fails with when the browser cannot be provisioned. */
export const MISSING_BROWSER =
  'Browser tests need Chromium: install it with `sudo apt-get install chromium` (Debian/Ubuntu; `npm test` does this itself when run as root), or set CHROMIUM_PATH to a Chromium or Chrome binary.'

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${cmd}`)) return `${dir}/${cmd}`
  }
  return undefined
}

/** Returns a Chromium binary's path, installing Debian's `chromium` first when it is missing and that is possible. */
export function ensureChromium(opts: EnsureOptions = {}): string {
  const candidates = opts.candidates ?? chromiumCandidates()
  const found = candidates.find((p) => existsSync(p))
  if (found) return found
  const isRoot = opts.isRoot ?? process.getuid?.() === 0
  const aptGet = 'aptGet' in opts ? opts.aptGet : which('apt-get')
  if (!isRoot || !aptGet) throw new Error(MISSING_BROWSER)
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  log('browser tests: Chromium is missing; installing Debian\'s chromium (apt-get update && apt-get install chromium, once)...')
  const t0 = Date.now()
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  try {
    execFileSync(aptGet, ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'inherit'] })
    execFileSync(aptGet, ['install', '-y', '-qq', 'chromium'], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  } catch (err) {
    throw new Error(`${MISSING_BROWSER} (apt-get failed: ${(err as Error).message.split('\n')[0]})`)
  }
  const installed = candidates.find((p) => existsSync(p))
  if (!installed) throw new Error(`${MISSING_BROWSER} (apt-get installed chromium, but none of ${candidates.join(', ')} exists)`)
  log(`browser tests: installed ${installed} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return installed
}

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumPath: string
  }
}

/** vitest globalSetup (node project): provisions the browser before any browser test runs. */
export default function setup(project: TestProject): void {
  project.provide('chromiumPath', ensureChromium())
}
