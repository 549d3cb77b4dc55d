/**
 * UTC calendar windows. A day is `YYYY-MM-DD`, a month `YYYY-MM`; each resets at 00:00 UTC.
 *
 * @example dayOf(Date.UTC(2026, 3, 30, 23, 59)) // '2026-04-30'; dayResetsAt(...) // '2026-05-01T00:00:00.000Z'
 */
export type Window = 'daily' | 'monthly'

const DAY_MS = 86_400_000

/** The four strings of one UTC day, made once per day: headroom and the ledger ask for them on every request and op. */
interface Periods { day: string; month: string; dayEnd: string; monthEnd: string }
let memoDay = NaN
let memo: Periods | undefined

function periodsOf(ms: number): Periods {
  const n = Math.floor(ms / DAY_MS)
  if (n === memoDay && memo) return memo
  const d = new Date(ms) // throws a RangeError for an invalid time, as toISOString does
  const iso = d.toISOString()
  const p: Periods = {
    day: iso.slice(0, 10),
    month: iso.slice(0, 7),
    dayEnd: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).toISOString(),
    monthEnd: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString(),
  }
  memoDay = n
  memo = p
  return p
}

export const dayOf = (ms: number) => periodsOf(ms).day
export const monthOf = (ms: number) => periodsOf(ms).month
export const dayResetsAt = (ms: number): string => periodsOf(ms).dayEnd
export const monthResetsAt = (ms: number): string => periodsOf(ms).monthEnd

/** The last `n` UTC days ending at `ms`, newest first. */
export function lastDays(ms: number, n: number): string[] {
  const out: string[] = []
  const d = new Date(ms)
  for (let i = 0; i < n; i++) out.push(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - i)).toISOString().slice(0, 10))
  return out
}

/** The last `n` UTC months ending at `ms`, newest first. */
export function lastMonths(ms: number, n: number): string[] {
  const out: string[] = []
  const d = new Date(ms)
  for (let i = 0; i < n; i++) out.push(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - i, 1)).toISOString().slice(0, 7))
  return out
}
