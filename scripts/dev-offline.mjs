#!/usr/bin/env node
// `npm run dev:offline`: Triage on http://127.0.0.1:8787, fully offline, with every provider pointed at the project's
// emulators (the same ones the tests use), and a dev tenant whose key is printed.
//
//   npm run dev:offline                          # :8787 (wrangler.toml's [dev]); emulators on a free port
//   npm run dev:offline -- --port 9000 --emulator-port 9001
//
// State lives in .wrangler/offline (git-ignored; TRIAGE_OFFLINE_STATE moves it): the next run reuses its KV, its ledger and its dev tenant. While it
// runs, .wrangler/offline/session.json tells `npm run tenant:create` where it is and its admin token. Ctrl-C or
// SIGTERM stops wrangler and workerd too (scripts/dev-server.mjs). Other arguments go to wrangler dev.
import { startEmulatorServer } from '../test/fixtures/emulator-server.mjs'
import { assertPortFree, devAddress, startWrangler, stopOnSignals } from './dev-server.mjs'
import { DEV_ADMIN_TOKEN, OFFLINE_STATE_DIR, offlineVars, readDevTenant, removeSession, writeDevTenant, writeSession } from './offline-env.mjs'

const argv = process.argv.slice(2)
const { host, port } = devAddress(argv)
let emulatorPort = 0
const wranglerArgs = []
for (let i = 0; i < argv.length; i++) {
  const [flag, inline] = argv[i].split('=', 2)
  if (flag === '--emulator-port') emulatorPort = Number(inline ?? argv[++i])
  else wranglerArgs.push(argv[i]) // --port and --ip included: wrangler serves where devAddress() says
}
await assertPortFree(host, port, 'npm run dev:offline')
await assertPortFree('127.0.0.1', emulatorPort, 'npm run dev:offline', '--emulator-port')
const emulator = await startEmulatorServer(emulatorPort)
console.log(`provider emulators on ${emulator.url}`)

const args = ['dev', '--local', '--persist-to', OFFLINE_STATE_DIR, ...wranglerArgs]
for (const [k, v] of Object.entries(offlineVars(emulator.url))) args.push('--var', `${k}:${v}`)
const wrangler = startWrangler(args, { stdout: 'pipe' })
stopOnSignals(wrangler, async () => {
  removeSession()
  await emulator.close()
})

const base = `http://${host}:${port}`
const admin = { authorization: `Bearer ${DEV_ADMIN_TOKEN}`, 'content-type': 'application/json' }

/** The dev tenant of an earlier run over the same state, when its key still works; else a new one. */
async function devTenant() {
  const saved = readDevTenant()
  if (saved) {
    const res = await fetch(`${base}/v1/usage`, { headers: { authorization: `Bearer ${saved.api_key}` } })
    if (res.ok) return { ...saved, reused: true }
  }
  const res = await fetch(`${base}/admin/tenants`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'dev', budget: { daily_usd: 5, monthly_usd: 50 } }) })
  const body = await res.json()
  if (!res.ok) throw new Error(JSON.stringify(body))
  writeDevTenant(body)
  return { ...body, reused: false }
}

let announced = false
wrangler.stdout.on('data', async (buf) => {
  process.stdout.write(buf)
  if (announced || !String(buf).includes('Ready on')) return
  announced = true
  try {
    const t = await devTenant()
    writeSession({ url: base, admin_token: DEV_ADMIN_TOKEN, pid: process.pid })
    console.log(`\nTriage is serving offline on ${base}/v1 (admin token: ${DEV_ADMIN_TOKEN}; \`npm run tenant:create -- --name NAME\` uses it)`)
    console.log(`dev tenant ${t.id}${t.reused ? ' (the one from the last run)' : ''}, API key: ${t.api_key}\n`)
    console.log(`  curl ${base}/v1/chat/completions -H 'authorization: Bearer ${t.api_key}' \\`)
    console.log(`    -H 'content-type: application/json' -d '{"model":"auto","messages":[{"role":"user","content":"Hello!"}]}'\n`)
  } catch (err) {
    console.error(`could not create the dev tenant: ${err.message}`)
  }
})
