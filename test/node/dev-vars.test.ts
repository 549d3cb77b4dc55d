/**
 * Tests never read the developer's `.dev.vars` (issue 15): a `.dev.vars` full of unreachable provider URLs, fake
 * keys and a different admin token changes no test result. Runs a representative subset — the request path with and
 * without credentials, the executor, the admin API, the SDK end to end — in a temp copy of the checkout, once without
 * `.dev.vars` and once with it, and compares every test's outcome.
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../..')
const SUBSET = ['test/api/chat.test.ts', 'test/execution/execute.test.ts', 'test/admin/admin.test.ts', 'test/e2e/sdk.test.ts']
const UNREACHABLE = 'http://127.0.0.1:9' // the discard port: nothing listens there
const DEV_VARS = [
  `OPENAI_API_KEY=sk-from-dev-vars`, `OPENAI_BASE_URL=${UNREACHABLE}/v1`,
  `DEEPSEEK_API_KEY=sk-from-dev-vars`, `DEEPSEEK_BASE_URL=${UNREACHABLE}`,
  `ANTHROPIC_API_KEY=sk-ant-from-dev-vars`, `ANTHROPIC_BASE_URL=${UNREACHABLE}`,
  `CLOUDFLARE_ACCOUNT_ID=from-dev-vars`, `CLOUDFLARE_API_TOKEN=from-dev-vars`, `WORKERS_AI_BASE_URL=${UNREACHABLE}`,
  `ADMIN_TOKEN=admin-token-from-dev-vars-0123456789`,
].join('\n')

const copy = mkdtempSync(join(tmpdir(), 'triage-dev-vars-'))
afterAll(() => rmSync(copy, { recursive: true, force: true }))

/** Runs the subset in the copy; returns each test's outcome by its full name. */
async function outcomes(label: string): Promise<Record<string, string>> {
  const out = join(copy, `${label}.json`)
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...SUBSET, '--reporter=json', `--outputFile=${out}`], {
    cwd: copy, timeout: 240_000, maxBuffer: 1 << 26, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  }).catch((e) => e) // failures are compared below, not thrown here
  const report = JSON.parse(readFileSync(out, 'utf8'))
  const byName: Record<string, string> = {}
  for (const file of report.testResults) for (const t of file.assertionResults) byName[`${file.name.slice(copy.length)} > ${t.fullName}`] = t.status
  return byName
}

describe('a .dev.vars in the checkout', () => {
  it('changes no test result', async () => {
    const skip = new Set(['node_modules', '.git', '.wrangler', 'test-results', 'dist', 'dist-admin', '.dev.vars'])
    for (const entry of readdirSync(ROOT)) if (!skip.has(entry)) cpSync(join(ROOT, entry), join(copy, entry), { recursive: true })
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'))

    const clean = await outcomes('clean')
    writeFileSync(join(copy, '.dev.vars'), `${DEV_VARS}\n`)
    const withDevVars = await outcomes('with-dev-vars')

    expect(Object.keys(clean).length).toBeGreaterThan(20)
    expect(Object.values(clean).every((s) => s === 'passed'), JSON.stringify(clean, null, 1)).toBe(true)
    expect(withDevVars).toEqual(clean)
  }, 300_000)
})
