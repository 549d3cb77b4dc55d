#!/usr/bin/env bash
# What a newcomer does, on this machine, in a temp folder with no shared/ beside it: `git clone`, then the README's
# quick start as written — `npm ci`, `npm test`, `npm run dev -- --port P` — and checks that every test file ran
# (none skipped) and that /healthz answers on P. Too slow to run inside `npm test` (a clean install and the whole
# suite): run it before a release, or after changing how the project installs, tests or starts.
#
#   bash scripts/newcomer.sh              # clones this checkout's committed HEAD (uncommitted changes are not in it)
#   bash scripts/newcomer.sh URL|PATH     # clones that repository instead
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
SRC="${1:-$HERE}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/triage-newcomer.XXXXXX")"
DEV_PID=""
cleanup() {
  if [ -n "$DEV_PID" ]; then kill -TERM -- "-$DEV_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
seconds() { echo $(( $(date +%s) - $1 )); }

step "git clone $SRC"
git clone -q "$SRC" "$WORK/triage"
cd "$WORK/triage"
echo "commit $(git rev-parse --short HEAD) ($(git log -1 --format=%s | cut -c1-80))"
if [ -e "$WORK/shared" ]; then echo "newcomer: $WORK/shared exists; the point is that it does not" >&2; exit 1; fi
echo "no shared/ beside it: $(ls -A "$WORK")"

# The commands below are the README's quick start: fail if the README says something else.
for cmd in 'npm ci' 'npm test' 'npm run dev -- --port 8787'; do
  grep -qxF -- "$cmd" <(sed -n '/^## Quick start/,/^## /p' README.md | sed -n '/^```sh$/,/^```$/p' | sed 's/ *#.*$//') \
    || { echo "newcomer: the README's quick start has no line \`$cmd\`" >&2; exit 1; }
done

step "npm ci"
t=$(date +%s)
npm ci 2>&1 | tee "$WORK/npm-ci.log"
if grep -qi 'EBADENGINE\|install-scripts' "$WORK/npm-ci.log"; then echo "newcomer: npm ci warned (above)" >&2; exit 1; fi
echo "npm ci: $(seconds "$t") s, no engine or install-script warning"

step "npm test"
t=$(date +%s)
npm test 2>&1 | tee "$WORK/npm-test.log"
echo "npm test: $(seconds "$t") s"
# Every test file in the clone ran, and no test was skipped (vitest's summary, colours taken out).
files=$(find src test -name '*.test.ts' | wc -l)
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/npm-test.log" | grep -E '^ *(Test Files|Tests) ')
echo "$summary"
if ! grep -qE "^ *Test Files +$files passed \($files\)$" <<<"$summary"; then echo "newcomer: expected all $files test files to pass" >&2; exit 1; fi
if grep -qiE 'skipped|todo|failed' <<<"$summary"; then echo "newcomer: some tests were skipped or failed" >&2; exit 1; fi

step "npm run dev -- --port P"
P=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
setsid npm run dev -- --port "$P" >"$WORK/dev.log" 2>&1 &
DEV_PID=$!
for _ in $(seq 1 120); do
  if body=$(curl -fsS "http://127.0.0.1:$P/healthz" 2>/dev/null); then break; fi
  sleep 0.5
done
if [ "${body:-}" != '{"status":"ok"}' ]; then cat "$WORK/dev.log"; echo "newcomer: /healthz did not answer on $P" >&2; exit 1; fi
echo "GET http://127.0.0.1:$P/healthz -> $body"

step "newcomer: ok"
