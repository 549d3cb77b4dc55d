import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

/**
 * The Workers pool reads the wrangler config and, beside it, the developer's `.dev.vars` (or `.env`): real keys and
 * provider URLs would reach the tests, and could spend real money. So the pool reads a copy of the config in a folder
 * of its own (`main` made absolute), where no such file is: every binding a test sees comes from the config's
 * [vars], from `miniflare.bindings` below, or from the test itself (test/node/dev-vars.test.ts checks this).
 */
function withoutDevVars(config: string): string {
  const dir = resolve('.wrangler/test-config')
  mkdirSync(dir, { recursive: true })
  const toml = readFileSync(config, 'utf8').replace(/^main\s*=\s*"([^"]+)"/m, (_, main: string) => `main = ${JSON.stringify(resolve(main))}`)
  const copy = join(dir, basename(config))
  writeFileSync(copy, toml)
  return copy
}

/**
 * Two projects:
 * - `workers`: unit and integration tests inside workerd, with real KV and Durable Object bindings.
 * - `e2e`: Node-side tests that start the Worker and drive it with the official `openai` SDK.
 */
export default defineConfig({
  test: {
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: withoutDevVars('wrangler.toml') },
            remoteBindings: false,
            miniflare: {
              bindings: {
                ADMIN_TOKEN: 'test-admin-token-Xq7Lm2Rb9Kd4Vt8Nc5Hs1Wf6Jz3Pg0Ey',
              },
            },
          }),
        ],
        test: {
          name: 'workers',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/node/**', 'node_modules/**'],
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          // Provides Debian's chromium to the browser tests, installing it when missing (or fails with one line).
          globalSetup: ['test/node/browser.ts'],
          include: ['test/e2e/**/*.test.ts', 'test/node/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
