/** The seed article's models that have a public price are priced, each row with its source and date. */
import { describe, expect, it } from 'vitest'
import { PRICES, cost, isPriced } from '../../src/money'

const usage = (input: number, output: number) => ({ input, cachedInput: 0, cacheWrite: 0, output, reasoning: 0 })

describe('price rows for the seed article', () => {
  it('has a row, with source and date, for each model whose price is public', () => {
    for (const id of ['@cf/deepseek-ai/deepseek-r1-distill-qwen-32b', 'z-ai/glm-4.7-flash', 'ministral-3b-latest', 'nvidia/nemotron-nano-9b-v2', 'o3', 'o4-mini', 'o3-mini', 'o1']) {
      expect(isPriced(id), id).toBe(true)
      expect(PRICES[id].source, id).toMatch(/^https:\/\//)
      expect(PRICES[id].checked, id).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    }
  })

  it('charges the R1 distill on Workers AI in neurons: 45,170 per M input and 443,756 per M output at $0.011 per 1,000', () => {
    // 1M input + 1M output = 488,926 neurons = $5.378186
    expect(cost(usage(1_000_000, 1_000_000), '@cf/deepseek-ai/deepseek-r1-distill-qwen-32b')).toBe(5_378_186_000)
  })

  it('charges o4-mini its cached-input rate', () => {
    expect(cost({ input: 1_000_000, cachedInput: 1_000_000, cacheWrite: 0, output: 0, reasoning: 0 }, 'o4-mini')).toBe(275_000_000)
  })

  it('leaves models with no public price we could read unpriced (refused until configured)', () => {
    expect(isPriced('@cf/zai-org/glm-4.7-flash')).toBe(false)
    expect(isPriced('phi4-mini')).toBe(false)
  })
})
