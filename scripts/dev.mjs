#!/usr/bin/env node
// `npm run dev`: Triage under `wrangler dev --local` on http://127.0.0.1:8787 (wrangler.toml's [dev]). Every argument
// goes to wrangler dev (package.json passes the configs), so `npm run dev -- --port 8899` serves on :8899. A busy port
// is reported with the command to run instead; Ctrl-C or SIGTERM stops wrangler and workerd (scripts/dev-server.mjs).
import { assertPortFree, devAddress, startWrangler, stopOnSignals } from './dev-server.mjs'

const argv = process.argv.slice(2)
const { host, port } = devAddress(argv)
await assertPortFree(host, port, 'npm run dev')
stopOnSignals(startWrangler(['dev', '--local', ...argv]))
