// The router's variables for running fully offline against the project's provider emulators
// (test/fixtures/emulator-server.mjs). Used by `npm run dev:offline` and the end-to-end tests.
// Strong enough for the start-up check (src/config/admin-token.ts); it guards only emulators on loopback.
export const DEV_ADMIN_TOKEN = 'dev-offline-admin-token-7f3Kq9Lm2Xr8Vb4Nt1Hc6Zs0Wd5Jg'

/** @param {string} emulatorUrl e.g. http://127.0.0.1:8788 */
export function offlineVars(emulatorUrl) {
  return {
    ADMIN_TOKEN: DEV_ADMIN_TOKEN,
    OPENAI_API_KEY: 'sk-emulator',
    OPENAI_BASE_URL: `${emulatorUrl}/openai/v1`,
    DEEPSEEK_API_KEY: 'sk-emulator',
    DEEPSEEK_BASE_URL: `${emulatorUrl}/deepseek`,
    ANTHROPIC_API_KEY: 'sk-ant-emulator',
    ANTHROPIC_BASE_URL: `${emulatorUrl}/anthropic`,
    CLOUDFLARE_ACCOUNT_ID: 'emulator',
    CLOUDFLARE_API_TOKEN: 'emulator',
    WORKERS_AI_BASE_URL: `${emulatorUrl}/workers-ai`,
  }
}
