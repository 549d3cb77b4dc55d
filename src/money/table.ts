/**
 * The schema of a price row as configuration writes it (TRIAGE_PRICES, and a TRIAGE_MODELS entry's `price`):
 * USD per 1M tokens as decimal strings or numbers, or Workers AI neurons per 1M tokens. money/ turns rows into
 * integer nano-USD; here they are only validated, so a bad row is a named configuration error at start-up.
 *
 * @example PriceRow.parse({ input: '0.28', output: 0.42, source: 'https://api-docs.deepseek.com/quick_start/pricing' })
 */
import * as z from 'zod/mini'

const usdAmount = z.union([
  z.string().check(z.regex(/^\d{1,6}(\.\d{1,9})?$/, 'must be a USD amount per 1M tokens, e.g. "0.28"')),
  z.pipe(z.number().check(z.gte(0), z.lte(999_999)), z.transform((n: number) => trimFixed(n.toFixed(9)))),
])

function trimFixed(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s
}

export const PriceRow = z.strictObject({
  input: z.optional(usdAmount),
  output: z.optional(usdAmount),
  cached_input: z.optional(usdAmount),
  cache_write: z.optional(usdAmount),
  cache_write_1h: z.optional(usdAmount),
  reasoning: z.optional(usdAmount),
  /** OpenAI priority processing (`service_tier: "priority"`): its own input, cached input and output rates. */
  priority: z.optional(z.strictObject({ input: usdAmount, cached_input: usdAmount, output: usdAmount })),
  neurons: z.optional(z.strictObject({
    input: z.int().check(z.gte(0)), output: z.int().check(z.gte(0)), cached_input: z.optional(z.int().check(z.gte(0))),
  })),
  source: z.optional(z.string()),
  checked: z.optional(z.string()),
})
export type PriceRow = z.infer<typeof PriceRow>

/** What a parsed row still lacks to price anything, or undefined. */
export const rowProblem = (r: PriceRow): string | undefined =>
  r.neurons || (r.input !== undefined && r.output !== undefined) ? undefined : 'needs "input" and "output" (USD per 1M tokens) or "neurons"'

/**
 * TRIAGE_PRICES: JSON `{ "<model id>" | "*": row }`. Returns the rows, or the problems, each named
 * `TRIAGE_PRICES.<model>.<field>: …`.
 */
export function parsePriceTable(json: string, name = 'TRIAGE_PRICES'): { rows: Record<string, PriceRow>; problems: string[] } {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return { rows: {}, problems: [`${name}: must be JSON`] }
  }
  const parsed = z.record(z.string().check(z.minLength(1)), PriceRow).safeParse(value)
  if (!parsed.success) return { rows: {}, problems: parsed.error.issues.map((i) => `${[name, ...i.path].join('.')}: ${i.message}`) }
  const problems = Object.entries(parsed.data).flatMap(([id, r]) => {
    const p = rowProblem(r)
    return p ? [`${name}.${id}: ${p}`] : []
  })
  return { rows: problems.length ? {} : parsed.data, problems }
}
