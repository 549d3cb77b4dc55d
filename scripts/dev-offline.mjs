#!/usr/bin/env node
// `npm run dev:offline`: the router on http://127.0.0.1:8787, fully offline, with every provider pointed at the
// project's emulators (the same ones the tests use), and a dev tenant whose key is printed.
//
//   npm run dev:offline                 # router :8787, emulators :8788
//   PORT=9000 EMULATOR_PORT=9001 npm run dev:offline
import { spawn } from 'node:child_process'
import { startEmulatorServer } from '../test/fixtures/emulator-server.mjs'
import { offlineVars, DEV_ADMIN_TOKEN } from './offline-env.mjs'

const port = Number(process.env.PORT ?? 8787)
const emulator = await startEmulatorServer(Number(process.env.EMULATOR_PORT ?? 8788))
console.log(`provider emulators on ${emulator.url}`)

const vars = offlineVars(emulator.url)
const args = ['wrangler', 'dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', '.wrangler/offline']
for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`)
const wrangler = spawn('npx', args, { stdio: ['inherit', 'pipe', 'inherit'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } })

let announced = false
wrangler.stdout.on('data', async (buf) => {
  process.stdout.write(buf)
  if (announced || !String(buf).includes('Ready on')) return
  announced = true
  try {
    const res = await fetch(`http://127.0.0.1:${port}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEV_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dev', budget: { daily_usd: 5, monthly_usd: 50 } }),
    })
    const body = await res.json()
    if (!res.ok) throw new Error(JSON.stringify(body))
    console.log(`\nTriage is serving offline on http://127.0.0.1:${port}/v1 (admin token: ${DEV_ADMIN_TOKEN})`)
    console.log(`dev tenant ${body.id}, API key (shown once): ${body.api_key}\n`)
    console.log(`  curl http://127.0.0.1:${port}/v1/chat/completions -H 'authorization: Bearer ${body.api_key}' \\`)
    console.log(`    -H 'content-type: application/json' -d '{"model":"auto","messages":[{"role":"user","content":"Hello!"}]}'\n`)
  } catch (err) {
    console.error(`could not create the dev tenant: ${err.message}`)
  }
})

const stop = async () => {
  wrangler.kill('SIGINT')
  await emulator.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
wrangler.on('exit', async (code) => {
  await emulator.close()
  process.exit(code ?? 0)
})
