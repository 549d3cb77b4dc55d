import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
export default defineConfig({
  
  test: {
    projects: [{
      
      plugins: [cloudflareTest({ wrangler: { configPath: '/tmp/triage-ledger/wrangler.toml' }, remoteBindings: false, miniflare: { bindings: { ADMIN_TOKEN: 'test-admin-token-0123456789' } } })],
      test: { name: 'workers', include: ['test/money/**/*.test.ts', 'test/tenants/**/*.test.ts', 'test/ledger/**/*.test.ts', 'test/admin/**/*.test.ts'] },
    }],
  },
})
