/**
 * `npm run dev:offline` as a developer runs it (issue 15): on the port given with `-- --port P`, `npm run
 * tenant:create` works right after it with no extra variables, SIGTERM or SIGINT stops wrangler and workerd too
 * (nothing keeps the port), and a second run over the same state reuses its dev tenant. A busy port is reported
 * with the command to run instead, for `npm run dev` too (`npm run dev -- --port P` serving is scripts/newcomer.sh's).
 *
 * The state goes to a temp folder (TRIAGE_OFFLINE_STATE), never the checkout's .wrangler/offline.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../..')
const state = mkdtempSync(join(tmpdir(), 'triage-dev-offline-'))
// No ADMIN_TOKEN or TRIAGE_URL: tenant:create must find the running dev:offline by itself.
const { ADMIN_TOKEN: _token, TRIAGE_URL: _url, ...inherited } = process.env
const env = { ...inherited, TRIAGE_OFFLINE_STATE: state, WRANGLER_SEND_METRICS: 'false' }
/** Every process the tests started (npm and what it ran, read once dev:offline is up), for cleanup after a failure. */
const started: number[] = []

afterAll(() => {
  // Only after a failed test is anything left: end every process it started (wrangler runs in a group of its own).
  for (const pid of started) if (alive(pid)) try { process.kill(pid, 'SIGKILL') } catch {}
  rmSync(state, { recursive: true, force: true })
})

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo
      s.close(() => res(port))
    })
  })
}

function listening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = net.connect(port, '127.0.0.1')
    sock.once('connect', () => { sock.destroy(); res(true) })
    sock.once('error', () => res(false))
  })
}

/** Every process below `pid` (from /proc), so we can check afterwards that none survived. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)])
    } catch {}
  }
  const out: number[] = []
  const walk = (p: number) => { for (const c of children.get(p) ?? []) { out.push(c); walk(c) } }
  walk(pid)
  return out
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true } catch { return false } }

/** Starts `npm run dev:offline -- --port P` and resolves with its output once the dev tenant is announced. */
async function start(port: number): Promise<{ child: ChildProcess; out: () => string }> {
  // detached: its own process group, so the test can clean up after a failure without touching itself.
  const child = spawn('npm', ['run', 'dev:offline', '--', '--port', String(port)], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (b) => { out += b })
  child.stderr!.on('data', (b) => { out += b })
  await new Promise<void>((res, rej) => {
    const t = setInterval(() => {
      if (/dev tenant \S+.*API key: trg_/.test(out)) { clearInterval(t); res() }
      else if (child.exitCode !== null) { clearInterval(t); rej(new Error(`dev:offline exited ${child.exitCode}:\n${out}`)) }
    }, 100)
  })
  started.push(child.pid!, ...descendants(child.pid!))
  return { child, out: () => out }
}

/** Sends `signal` to `pid`, waits for the npm process to exit, and returns the processes that outlived it. */
async function stop(child: ChildProcess, pid: number, signal: NodeJS.Signals): Promise<number[]> {
  const tree = descendants(child.pid!)
  expect(tree.length).toBeGreaterThan(2) // sh, node dev-offline, wrangler, workerd…
  const exited = new Promise((r) => child.once('exit', r))
  process.kill(pid, signal)
  await exited
  for (let i = 0; i < 100 && tree.some(alive); i++) await new Promise((r) => setTimeout(r, 100))
  return tree.filter(alive)
}

describe('npm run dev:offline', () => {
  let tenantId = ''

  it('serves on --port, lets tenant:create run with no extra variables, and SIGTERM stops wrangler and workerd', async () => {
    const port = await freePort()
    const { child, out } = await start(port)
    expect(out()).toContain(`Ready on http://127.0.0.1:${port}`)
    tenantId = /dev tenant (ten_\w+)/.exec(out())![1]

    const created = await promisify(execFile)('npm', ['run', '--silent', 'tenant:create', '--', '--name', 'acme', '--json'], { cwd: ROOT, env })
    const tenant = JSON.parse(created.stdout)
    expect(tenant.name).toBe('acme')
    expect(tenant.api_key).toMatch(/^trg_/)

    // SIGTERM to npm, as a process manager or `kill` would: its shell passes nothing on; dev:offline still stops.
    expect(await stop(child, child.pid!, 'SIGTERM')).toEqual([])
    expect(await listening(port)).toBe(false)
  }, 120_000)

  it('on the next run reuses its dev tenant, and SIGINT to the script stops everything too', async () => {
    const port = await freePort()
    const { child, out } = await start(port)
    expect(out()).toContain(`dev tenant ${tenantId} (the one from the last run)`)
    const script = descendants(child.pid!).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('scripts/dev-offline.mjs') && readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('node'))!
    expect(script).toBeGreaterThan(0)
    expect(await stop(child, script, 'SIGINT')).toEqual([])
    expect(await listening(port)).toBe(false)
  }, 120_000)

  for (const script of ['dev:offline', 'dev']) {
    it(`npm run ${script}: says which command to run when the port is taken`, async () => {
      const busy = net.createServer()
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r))
      const port = (busy.address() as net.AddressInfo).port
      try {
        const r = await promisify(execFile)('npm', ['run', '--silent', script, '--', '--port', String(port)], { cwd: ROOT, env }).catch((e) => e)
        expect(r.code).toBe(1)
        expect(r.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} is already in use.*npm run ${script} -- --port \\d+`))
      } finally {
        busy.close()
      }
    })
  }
})
