/**
 * `npm run deploy` (scripts/deploy.mjs) against a fake wrangler that behaves like Cloudflare's API for the part that
 * matters here: a binding to a Worker that does not exist is refused (service binding: code 10143; Durable Object
 * class by script_name: code 10061; the messages as wrangler prints them). The real configs are deployed.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { withoutAdminBinding } from '../../scripts/deploy.mjs'

const ROOT = path.resolve(import.meta.dirname, '../..')

const FAKE = `#!/usr/bin/env node
const fs = require('node:fs')
const args = process.argv.slice(2)
const state = JSON.parse(fs.readFileSync(process.env.FAKE_CF_STATE, 'utf8'))
const config = args.includes('-c') ? args[args.indexOf('-c') + 1] : 'wrangler.toml'
const toml = fs.readFileSync(config, 'utf8')
const name = /^name\\s*=\\s*"([^"]+)"/m.exec(toml)[1]
const services = [...toml.matchAll(/^\\[\\[services\\]\\]\\s*\\nbinding\\s*=\\s*"([^"]+)"\\s*\\nservice\\s*=\\s*"([^"]+)"/gm)].map((m) => m[2])
const scripts = [...toml.matchAll(/^script_name\\s*=\\s*"([^"]+)"/gm)].map((m) => m[1])
state.calls.push({ args, name, services })
const done = (code, text) => { fs.writeFileSync(process.env.FAKE_CF_STATE, JSON.stringify(state)); if (text) process.stderr.write(text + '\\n'); process.exit(code) }
if (process.env.FAKE_CF_FAIL) done(1, 'A request to the Cloudflare API failed. Authentication error [code: 10000]')
for (const s of services) if (!state.workers[s]) done(1, "Could not resolve service binding 'ADMIN'. Target script '" + s + "' not found. Please verify the target script and try again. [code: 10143]")
for (const s of scripts) if (!state.workers[s]) done(1, "Cannot create binding for class 'TenantLedger' in script '" + s + "' that does not exist. [code: 10061]")
state.workers[name] = { services }
done(0, '')
`

describe('npm run deploy', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-deploy-'))
  const fake = path.join(dir, 'wrangler')
  const stateFile = path.join(dir, 'state.json')
  fs.writeFileSync(fake, FAKE, { mode: 0o755 })
  afterEach(() => expect(fs.existsSync(path.join(ROOT, 'wrangler.bootstrap.toml'))).toBe(false))

  async function deploy(workers: Record<string, { services: string[] }>, env: Record<string, string> = {}) {
    fs.writeFileSync(stateFile, JSON.stringify({ workers, calls: [] }))
    const code = await promisify(execFile)(process.execPath, ['scripts/deploy.mjs'], { cwd: ROOT, env: { ...process.env, ...env, TRIAGE_WRANGLER: fake, FAKE_CF_STATE: stateFile } })
      .then(() => 0, (e: { code: number }) => e.code)
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'))
    return { code, state, steps: state.calls.map((c: { name: string; services: string[] }) => `${c.name}${c.services.length ? ` → ${c.services.join(',')}` : ''}`) }
  }

  it('on a fresh account: the router without ADMIN, then the admin Worker, then the router bound to it', async () => {
    const r = await deploy({})
    expect(r.code).toBe(0)
    expect(r.steps).toEqual(['triage → triage-admin', 'triage', 'triage-admin', 'triage → triage-admin'])
    expect(r.state.workers).toEqual({ triage: { services: ['triage-admin'] }, 'triage-admin': { services: [] } })
  })

  it('when both exist: the router, then the admin Worker', async () => {
    const r = await deploy({ triage: { services: ['triage-admin'] }, 'triage-admin': { services: [] } })
    expect(r.code).toBe(0)
    expect(r.steps).toEqual(['triage → triage-admin', 'triage-admin'])
  })

  it('any other failure stops the deploy: no router goes out without its ADMIN binding', async () => {
    const r = await deploy({}, { FAKE_CF_FAIL: '1' })
    expect(r.code).toBe(1)
    expect(r.steps).toEqual(['triage → triage-admin'])
    expect(r.state.workers).toEqual({})
  })

  it('keeps the two configs in step: one KV namespace, the same runtime, the names the bindings point at', () => {
    const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8')
    const router = read('wrangler.toml'), admin = read('wrangler.admin.toml')
    const field = (toml: string, re: RegExp) => re.exec(toml)?.[1]
    const kvId = /binding\s*=\s*"TRIAGE_KV"\s*\nid\s*=\s*"([^"]+)"/
    expect(field(admin, kvId)).toBe(field(router, kvId))
    expect(field(admin, /^compatibility_date\s*=\s*"([^"]+)"/m)).toBe(field(router, /^compatibility_date\s*=\s*"([^"]+)"/m))
    expect(field(admin, /^compatibility_flags\s*=\s*(\[[^\]]*\])/m)).toBe(field(router, /^compatibility_flags\s*=\s*(\[[^\]]*\])/m))
    expect(field(router, /^service\s*=\s*"([^"]+)"/m)).toBe(field(admin, /^name\s*=\s*"([^"]+)"/m))
    expect(field(admin, /^script_name\s*=\s*"([^"]+)"/m)).toBe(field(router, /^name\s*=\s*"([^"]+)"/m))
    // Configuration lives on the router only: the admin Worker gets it over the binding.
    expect(admin).not.toMatch(/^\[vars\]/m)
  })

  it('leaves out exactly the ADMIN service binding', () => {
    const toml = fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')
    const out = withoutAdminBinding(toml)
    const block = '[[services]]\nbinding = "ADMIN"\nservice = "triage-admin"\n'
    expect(out).not.toMatch(/\[\[services\]\]/)
    expect(out).toBe(toml.replace(block, ''))
    expect(out).toContain('class_name = "TenantLedger"')
    expect(() => withoutAdminBinding(out)).toThrow(/no \[\[services\]\] block/)
  })
})
