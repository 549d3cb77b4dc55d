/**
 * Money at the edges: nano-USD integers in, exact decimal strings out (and back). Never a float in between.
 *
 * @example formatUsd(39_000)        // '0.000039'
 * @example formatUsd(5_000_000_000) // '5.00'
 * @example parseUsd('0.25')          // 250_000_000
 */

/** 1 USD = 1e9 nano-USD. */
export const NANO_PER_USD = 1_000_000_000

/**
 * Full-precision decimal string of a nano-USD amount: trailing zeros trimmed, at least two decimals.
 * `formatUsd(1)` is '0.000000001' — a request is never shown as free when it was not.
 */
export function formatUsd(nano: number | bigint): string {
  let n = BigInt(nano)
  const sign = n < 0n ? '-' : ''
  if (n < 0n) n = -n
  const whole = n / 1_000_000_000n
  let frac = (n % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '')
  if (frac.length < 2) frac = frac.padEnd(2, '0')
  return `${sign}${whole}.${frac}`
}

/**
 * Exact USD → nano-USD. Accepts a JSON number or a decimal string with at most 9 decimals; refuses negatives,
 * exponents and anything that is not a finite amount. Returns undefined when the input is not valid.
 */
export function parseUsd(value: number | string): number | undefined {
  let s: string
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined
    // The shortest round-trip string of a JSON number is what the client wrote (e.g. 0.1 → '0.1').
    s = String(value)
    if (/e/i.test(s)) s = value.toFixed(9)
  } else s = value.trim()
  const m = /^(\d{1,9})(?:\.(\d{1,9}))?$/.exec(s)
  if (!m) return undefined
  const nano = Number(m[1]) * NANO_PER_USD + Number((m[2] ?? '').padEnd(9, '0') || '0')
  return Number.isSafeInteger(nano) ? nano : undefined
}
