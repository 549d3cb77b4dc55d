// The router's variables for running fully offline against the project's provider emulators
// (test/fixtures/emulator-server.mjs). Used by `npm run dev:offline` and the end-to-end tests.
export const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me'

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
