/** The three tiers, cheapest first. `hard` is accepted as an alias of `premium` wherever a tier is parsed. */
export const TIERS = ['trivial', 'medium', 'premium'] as const
export type Tier = (typeof TIERS)[number]

/** Index in TIERS: trivial 0, medium 1, premium 2. */
export const tierRank = (t: Tier): number => TIERS.indexOf(t)
/** The lower of two tiers. */
export const minTier = (a: Tier, b: Tier): Tier => (tierRank(a) <= tierRank(b) ? a : b)


/**
 * The tier of a score under a pair of cut points: score ≥ premium → premium, ≥ medium → medium, else trivial.
 * @example tierAt(0.33, { medium: 0.2, premium: 0.57 }) // 'medium'
 */
export const tierAt = (s: number, t: { medium: number; premium: number }): Tier =>
  s >= t.premium ? 'premium' : s >= t.medium ? 'medium' : 'trivial'
