/**
 * Deploying is one Worker and one `wrangler deploy`: `npm run build` and `npm run deploy` refuse wrangler.toml's
 * placeholder KV namespace id with the command that creates the namespace, before wrangler runs (scripts/preflight.mjs).
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { kvIdProblem, PLACEHOLDER_KV_ID } from '../../scripts/preflight.mjs'

const ROOT = path.resolve(import.meta.dirname, '../..')
const toml = fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')
const npm = (script: string) =>
  promisify(execFile)('npm', ['run', '--silent', script], { cwd: ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }))

describe('npm run build / npm run deploy', () => {
  it('is one Worker: one wrangler config, one wrangler deploy', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts
    expect(scripts.deploy).toBe('node scripts/preflight.mjs && wrangler deploy')
    expect(scripts.build).toBe('node scripts/preflight.mjs && wrangler deploy --dry-run --outdir dist --minify')
    expect(fs.readdirSync(ROOT).filter((f) => /^wrangler\..*toml$/.test(f))).toEqual(['wrangler.toml'])
    expect(toml).not.toMatch(/^\[\[services\]\]/m)
  })

  it.each(['build', 'deploy'])('npm run %s refuses the placeholder KV id, naming the command that creates the namespace', async (script) => {
    expect(toml).toContain(`id = "${PLACEHOLDER_KV_ID}"`)
    const r = await npm(script)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('the TRIAGE_KV namespace id is still the placeholder')
    expect(r.stderr).toContain('npx wrangler kv namespace create TRIAGE_KV')
    expect(r.stderr).toContain('README.md#deploying')
    // wrangler never ran: it prints its banner (⛅️ wrangler 4.x) on stdout first thing.
    expect(r.stdout).toBe('')
  })

  it('passes a real namespace id and refuses a malformed or missing one', () => {
    const real = toml.replace(PLACEHOLDER_KV_ID, '0f1e2d3c4b5a69788796a5b4c3d2e1f0')
    expect(kvIdProblem(real)).toBeNull()
    expect(kvIdProblem(toml.replace(PLACEHOLDER_KV_ID, 'my-namespace'))).toContain('not a namespace id ("my-namespace")')
    expect(kvIdProblem(toml.replace(/\[\[kv_namespaces\]\][\s\S]*?(?=\n\[)/, ''))).toContain('no [[kv_namespaces]] entry')
  })
})
