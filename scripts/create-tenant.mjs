#!/usr/bin/env node
/**
 * Creates a tenant on a running Triage and prints its API key (shown once).
 *
 *   npm run tenant:create -- --name acme --daily 5 --monthly 50
 *   node scripts/create-tenant.mjs --name acme --url http://127.0.0.1:8787
 *
 * Right after `npm run dev:offline` it needs nothing else: while dev:offline runs, its address and admin token are in
 * .wrangler/offline/session.json. Otherwise ADMIN_TOKEN comes from the environment, else from .dev.vars (what
 * `wrangler dev` reads).
 * Options: --name (required), --daily USD, --monthly USD, --url (default: the running dev:offline's, else
 * http://127.0.0.1:8787), --json.
 */
import { readFileSync, existsSync } from 'node:fs'
import { resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { liveSession } from './offline-env.mjs'

const usage = 'usage: npm run tenant:create -- --name <name> [--daily <usd>] [--monthly <usd>] [--url http://127.0.0.1:8787] [--json]'

function fail(msg) {
  console.error(`create-tenant: ${msg}`)
  process.exit(1)
}

let args
try {
  args = parseArgs({
    options: {
      name: { type: 'string' },
      daily: { type: 'string' },
      monthly: { type: 'string' },
      url: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values
} catch (err) {
  fail(`${err.message}\n${usage}`)
}
if (args.help) {
  console.log(usage)
  process.exit(0)
}
if (!args.name) fail(`--name is required\n${usage}`)

const session = liveSession()
args.url ??= process.env.TRIAGE_URL ?? session?.url ?? 'http://127.0.0.1:8787'

/** ADMIN_TOKEN from the environment, else the running dev:offline's (for its URL), else from .dev.vars (KEY=value lines, optional quotes). */
function adminToken() {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN
  if (session && new URL(session.url).origin === new URL(args.url).origin) return session.admin_token
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  for (const file of [resolve(process.cwd(), '.dev.vars'), resolve(root, '.dev.vars')]) {
    if (!existsSync(file)) continue
    for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
      const m = /^\s*ADMIN_TOKEN\s*=\s*(.*?)\s*$/.exec(line)
      if (m) return m[1].replace(/^(['"])(.*)\1$/, '$2')
    }
  }
  return undefined
}

const token = adminToken()
if (!token) fail('no ADMIN_TOKEN: set it in the environment or in .dev.vars (ADMIN_TOKEN=<at least 32 characters, e.g. from openssl rand -hex 32>), or start `npm run dev:offline`')

const amount = (flag, v) => {
  if (v === undefined) return undefined
  if (!/^\d+(\.\d{1,9})?$/.test(v)) fail(`--${flag} must be a USD amount like 5 or 12.50`)
  return v
}
const budget = {}
const daily = amount('daily', args.daily)
const monthly = amount('monthly', args.monthly)
if (daily !== undefined) budget.daily_usd = daily
if (monthly !== undefined) budget.monthly_usd = monthly

const url = `${args.url.replace(/\/+$/, '')}/admin/tenants`
let res
try {
  res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: args.name, budget }),
  })
} catch (err) {
  fail(`cannot reach ${url} (${err.cause?.code ?? err.message}). Is the router running? Start it with: npm run dev`)
}
const body = await res.json().catch(() => null)
if (res.status !== 201 || !body?.api_key) {
  fail(`${res.status} ${body?.error?.message ?? JSON.stringify(body)}`)
}
if (args.json) {
  console.log(JSON.stringify(body, null, 2))
} else {
  const b = body.budget
  console.error(`Created tenant ${body.name} (${body.id}); daily budget ${b.daily_usd ?? 'unlimited'}, monthly ${b.monthly_usd ?? 'unlimited'}.`)
  console.error('API key (shown once; store it now):')
  console.log(body.api_key)
}
