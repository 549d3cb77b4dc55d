// The router's variables for running fully offline against the project's provider emulators
// (test/fixtures/emulator-server.mjs). Used by `npm run dev:offline` and the end-to-end tests.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

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

/**
 * Where `npm run dev:offline` keeps its local state (git-ignored): wrangler's KV and Durable Objects, and the files
 * below. TRIAGE_OFFLINE_STATE moves it (the tests use a temp folder, so they never touch a developer's state).
 */
export const OFFLINE_STATE_DIR = path.resolve(process.env.TRIAGE_OFFLINE_STATE ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../.wrangler/offline'))
/** The running dev:offline's address and admin token, for `npm run tenant:create`; removed when it stops. */
const SESSION = path.join(OFFLINE_STATE_DIR, 'session.json')
/** The dev tenant (id and API key), reused by the next dev:offline run over the same state. */
const DEV_TENANT = path.join(OFFLINE_STATE_DIR, 'dev-tenant.json')

const readJson = (file) => { try { return JSON.parse(fs.readFileSync(file, 'utf8')) } catch { return undefined } }
const writeJson = (file, value) => { fs.mkdirSync(path.dirname(file), { recursive: true }); fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 }) }

/** @param {{ url: string, admin_token: string, pid: number }} session */
export const writeSession = (session) => writeJson(SESSION, session)
export const removeSession = () => fs.rmSync(SESSION, { force: true })
/** The session of a dev:offline that is still running, if any. */
export function liveSession() {
  const s = readJson(SESSION)
  if (!s?.url || !s.pid) return undefined
  try { process.kill(s.pid, 0) } catch { return undefined }
  return s
}

/** @returns {{ id: string, api_key: string } | undefined} */
export const readDevTenant = () => readJson(DEV_TENANT)
/** @param {{ id: string, api_key: string }} tenant */
export const writeDevTenant = (tenant) => writeJson(DEV_TENANT, { id: tenant.id, api_key: tenant.api_key })
