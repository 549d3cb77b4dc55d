// What `npm run dev` and `npm run dev:offline` share: the port to serve on (`-- --port P`, else wrangler.toml's
// [dev] port), a busy-port message that names the command to run instead, and wrangler started in a process group of
// its own, so that stopping the script (Ctrl-C, SIGTERM) stops wrangler and the workerd it started too.
//
//   const { host, port } = devAddress(process.argv.slice(2))
//   await assertPortFree(host, port, 'npm run dev')   // exits with "… npm run dev -- --port 8788" when busy
//   const wrangler = startWrangler(['dev', '--port', String(port)])
//   stopOnSignals(wrangler)
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** wrangler.toml's [dev] ip and port (what `wrangler dev` uses when no flag says otherwise). */
function configured() {
  const toml = fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')
  const dev = /^\[dev\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(toml)?.[1] ?? ''
  return {
    host: /^ip\s*=\s*"([^"]+)"/m.exec(dev)?.[1] ?? '127.0.0.1',
    port: Number(/^port\s*=\s*(\d+)/m.exec(dev)?.[1] ?? 8787),
  }
}

/**
 * The address to serve on: `--port P` / `--port=P` and `--ip A` from the arguments, else wrangler.toml's [dev].
 * @param {string[]} argv
 */
export function devAddress(argv) {
  const out = configured()
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2)
    const value = () => inline ?? argv[++i]
    if (flag === '--port') out.port = Number(value())
    else if (flag === '--ip') out.host = value()
  }
  if (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535) throw new Error(`--port must be a port number, got ${out.port}`)
  return out
}

/** True when host:port can be listened on now. */
export function portFree(host, port) {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, host, () => s.close(() => resolve(true)))
  })
}

/**
 * Exits with one message when host:port is taken, naming the command to run instead with a port that is free.
 * @param {string} host @param {number} port @param {string} command e.g. "npm run dev"
 * @param {string} [flag] the option that sets this port
 */
export async function assertPortFree(host, port, command, flag = '--port') {
  if (port === 0 || (await portFree(host, port))) return
  let other = port + 1
  while (other < port + 50 && !(await portFree(host, other))) other++
  console.error(`${host}:${port} is already in use (another \`${command}\`, or wrangler dev, still running?). Stop it, or serve on another port: ${command} -- ${flag} ${other}`)
  process.exit(1)
}

/**
 * Starts the project's wrangler with `args`, in a process group of its own (stdin is not shared: a background
 * group must not read the terminal). Pass `stdout: 'pipe'` to read what it prints.
 * @param {string[]} args
 * @param {{ stdout?: 'inherit' | 'pipe', env?: NodeJS.ProcessEnv }} [opts]
 */
export function startWrangler(args, opts = {}) {
  const bin = path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js')
  return spawn(process.execPath, [bin, ...args], {
    cwd: ROOT, detached: true, stdio: ['ignore', opts.stdout ?? 'inherit', 'inherit'],
    env: { WRANGLER_SEND_METRICS: 'false', ...process.env, ...opts.env },
  })
}

/**
 * Stops a process group started by startWrangler: SIGTERM to the whole group (wrangler and workerd), SIGKILL to
 * whatever is left after `graceMs`. Resolves once the group leader has exited.
 * @param {import('node:child_process').ChildProcess} child
 */
export async function stopGroup(child, graceMs = 5000) {
  const kill = (sig) => { try { process.kill(-child.pid, sig) } catch {} }
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r))
  kill('SIGTERM')
  const timer = setTimeout(() => kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
  // workerd may outlive its parent by a moment: the group is gone only when nothing in it answers.
  for (let i = 0; i < graceMs / 50; i++) {
    try { process.kill(-child.pid, 0) } catch { return }
    await new Promise((r) => setTimeout(r, 50))
  }
  kill('SIGKILL')
}

/**
 * On SIGINT or SIGTERM, or when our parent is gone: stop the wrangler group, run `cleanup`, exit 0 (a requested stop is a clean one). When
 * wrangler exits by itself, exit with its code.
 * @param {import('node:child_process').ChildProcess} child @param {() => Promise<void> | void} [cleanup]
 */
export function stopOnSignals(child, cleanup = () => {}) {
  let stopping = false
  const stop = async (code) => {
    if (stopping) return
    stopping = true
    await stopGroup(child)
    await cleanup()
    process.exit(code)
  }
  process.on('SIGINT', () => stop(0))
  process.on('SIGTERM', () => stop(0))
  child.once('exit', (code) => stop(code ?? 1))
  // `npm run` starts us through a shell that does not pass SIGTERM on: when the process that started us is gone
  // (npm was stopped), stop too, rather than leave wrangler holding the port.
  const parent = process.ppid
  setInterval(() => { if (process.ppid !== parent) stop(0) }, 250).unref()
}
