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
          include: ['test/e2e/**/*.test.ts', 'test/node/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
