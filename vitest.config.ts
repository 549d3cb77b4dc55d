import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

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
            wrangler: { configPath: './wrangler.toml' },
            remoteBindings: false,
            miniflare: {
              bindings: {
                ADMIN_TOKEN: 'test-admin-token-0123456789',
              },
              // The admin Worker is a second script; in here tests bind the admin app in-process instead
              // (test/support/admin.ts). The node project runs both Workers for real.
              serviceBindings: {
                ADMIN: () => new Response('the admin Worker is not running in the workers test pool', { status: 503 }),
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
