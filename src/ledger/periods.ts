/**
 * UTC calendar windows. A day is `YYYY-MM-DD`, a month `YYYY-MM`; each resets at 00:00 UTC.
 *
 * @example dayOf(Date.UTC(2026, 3, 30, 23, 59)) // '2026-04-30'; dayResetsAt(...) // '2026-05-01T00:00:00.000Z'
 */
export type Window = 'daily' | 'monthly'

export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
export const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7)

export function dayResetsAt(ms: number): string {
  const d = new Date(ms)
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).toISOString()
}

export function monthResetsAt(ms: number): string {
  const d = new Date(ms)
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString()
}

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
