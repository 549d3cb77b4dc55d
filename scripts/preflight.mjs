#!/usr/bin/env node
// Run by `npm run build` and `npm run deploy` before wrangler: refuses a wrangler.toml whose TRIAGE_KV namespace id
// is still the placeholder, with the command that creates the namespace (README.md#deploying).
//
//   node scripts/preflight.mjs            # exit 0, or 1 with the message on stderr
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const PLACEHOLDER_KV_ID = '00000000000000000000000000000000'

/** What is wrong with wrangler.toml's TRIAGE_KV id, or null when it names a real namespace. */
export function kvIdProblem(toml) {
  const id = /\[\[kv_namespaces\]\][^[]*?binding\s*=\s*"TRIAGE_KV"[^[]*?\bid\s*=\s*"([^"]*)"/.exec(toml)?.[1]
  if (id === undefined) return 'wrangler.toml has no [[kv_namespaces]] entry with binding = "TRIAGE_KV" and an id.'
  if (id === PLACEHOLDER_KV_ID || !/^[0-9a-f]{32}$/i.test(id)) {
    return [
      `wrangler.toml: the TRIAGE_KV namespace id is ${id === PLACEHOLDER_KV_ID ? 'still the placeholder' : `not a namespace id ("${id}")`}.`,
      'Create the namespace once and put the id it prints in wrangler.toml ([[kv_namespaces]] binding = "TRIAGE_KV"):',
      '  npx wrangler login',
      '  npx wrangler kv namespace create TRIAGE_KV',
      'See README.md#deploying.',
    ].join('\n')
  }
  return null
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problem = kvIdProblem(fs.readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8'))
  if (problem) {
    console.error(problem)
    process.exitCode = 1
  }
}
