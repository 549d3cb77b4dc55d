#!/usr/bin/env node
// `npm run deploy`: both Workers, the router (wrangler.toml) and then the admin Worker (wrangler.admin.toml).
//
// They bind each other: the router's ADMIN service binding names `triage-admin`, and `triage-admin` binds the
// router's TenantLedger Durable Objects by script_name. Cloudflare refuses a binding to a Worker that does not
// exist yet (service binding: code 10143; Durable Object class: code 10061), so the very first deploy goes
// router without ADMIN → admin Worker → router. Until the last step, admin paths answer 503 admin_unavailable.
// Any other failure stops the deploy as it is.
//
//   npm run deploy                      # extra arguments go to every `wrangler deploy`
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// Tests point this at a fake wrangler (test/node/deploy.test.ts).
const WRANGLER = process.env.TRIAGE_WRANGLER ?? path.join(ROOT, 'node_modules/.bin/wrangler')
const extra = process.argv.slice(2)

function wrangler(args) {
  console.log(`\n$ wrangler ${args.join(' ')}`)
  const r = spawnSync(WRANGLER, args, { cwd: ROOT, encoding: 'utf8', stdio: ['inherit', 'pipe', 'pipe'] })
  process.stdout.write(r.stdout ?? '')
  process.stderr.write(r.stderr ?? '')
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` }
}

/** wrangler.toml without its ADMIN service binding: the same router Worker, for the first deploy only. */
export function withoutAdminBinding(toml) {
  const out = toml.replace(/^\[\[services\]\][ \t]*\nbinding[ \t]*=[ \t]*"ADMIN"[ \t]*\nservice[ \t]*=[ \t]*"[^"]*"[ \t]*\n/m, '')
  if (out === toml) throw new Error('wrangler.toml: no [[services]] block with binding = "ADMIN" to leave out')
  return out
}

function main() {
  const router = wrangler(['deploy', ...extra])
  if (router.ok) return wrangler(['deploy', '-c', 'wrangler.admin.toml', ...extra]).ok ? 0 : 1
  if (!/\b10143\b/.test(router.output) || !/triage-admin/.test(router.output)) return 1

  console.log('\nThe admin Worker does not exist yet (first deploy): the router goes first without its ADMIN binding.')
  const bootstrap = path.join(ROOT, 'wrangler.bootstrap.toml')
  fs.writeFileSync(bootstrap, withoutAdminBinding(fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')))
  try {
    if (!wrangler(['deploy', '-c', 'wrangler.bootstrap.toml', ...extra]).ok) return 1
  } finally {
    fs.rmSync(bootstrap, { force: true })
  }
  if (!wrangler(['deploy', '-c', 'wrangler.admin.toml', ...extra]).ok) return 1
  return wrangler(['deploy', ...extra]).ok ? 0 : 1
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main()
