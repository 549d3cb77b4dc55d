/**
 * The input bound (src/money/estimate.ts) against real tokenisers: OpenAI's cl100k_base and o200k_base (js-tiktoken,
 * a devDependency whose ranks ship in the package). No input, adversarial or random, is counted above it.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Tiktoken } from 'js-tiktoken/lite'
import cl100k from 'js-tiktoken/ranks/cl100k_base'
import o200k from 'js-tiktoken/ranks/o200k_base'
import { embeddingInputTokens, textTokens } from '../../src/money/estimate'
import { ADVERSARIAL } from '../support/adversarial'

const encoders = [new Tiktoken(cl100k), new Tiktoken(o200k)]

describe('the input bound against cl100k and o200k', () => {
  it('is never below the real count of the adversarial inputs of issue 14', () => {
    for (const [name, whole] of Object.entries(ADVERSARIAL)) {
      const text = Array.from(whole).slice(0, 600).join('') // js-tiktoken is slow on long runs without spaces
      for (const enc of encoders) expect(enc.encode(text).length, name).toBeLessThanOrEqual(textTokens(text))
    }
  })

  it('is never below the real count of random text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => encoders.every((enc) => enc.encode(s).length <= textTokens(s))), { numRuns: 300 })
  })

  it('bounds an embeddings request (/v1/embeddings reserves it): every text counted, token arrays by their length', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }), { minLength: 1, maxLength: 5 }), (texts) =>
      encoders.every((enc) => texts.reduce((n, s) => n + enc.encode(s).length, 0) <= embeddingInputTokens(texts))), { numRuns: 200 })
    expect(embeddingInputTokens([[1, 2, 3], [4]])).toBe(4)
  })
})
