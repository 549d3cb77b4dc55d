// Starts bench/emulator.mjs (the benchmark upstream) as a child process and waits for the address line it prints
// once it listens. The caller stops the child.
//
//   const emu = await startBenchEmulator({ TOKENS: '16' })   // { url: 'http://127.0.0.1:…', pid, child }
//   …
//   emu.child.kill('SIGTERM')
import { spawn as nodeSpawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const EMULATOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'emulator.mjs')

/**
 * @param {Record<string, string>} [env] the emulator's settings: FIRST_TOKEN_DELAY_MS, TOKEN_DELAY_MS, TOKENS (PORT is 0, a free port)
 * @param {(cmd: string, args: string[], opts: import('node:child_process').SpawnOptions) => import('node:child_process').ChildProcess} [spawn]
 *   how to start it, e.g. one that registers the child for cleanup; its stdout must be a pipe
 */
export async function startBenchEmulator(env = {}, spawn = (cmd, args, o) => nodeSpawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...o })) {
  const child = spawn(process.execPath, [EMULATOR], { env: { ...process.env, PORT: '0', ...env } })
  const line = await new Promise((resolve, reject) => {
    let buf = ''
    child.stdout.on('data', (d) => { buf += d; const i = buf.indexOf('\n'); if (i >= 0) resolve(buf.slice(0, i)) })
    child.once('exit', (c) => reject(new Error(`emulator exited with ${c}`)))
  })
  return { url: JSON.parse(line).url, pid: child.pid, child }
}
