/**
 * The learned part of the scorer: two logistic heads over the same features.
 * - `nt`:   P(the request needs more than the trivial tier)
 * - `hard`: P(the request needs the premium tier)
 * Dense features are standardised with the training set's mean/scale; hashed tokens add
 * `weight[bucket] / sqrt(tokens)` per occurrence, so a long prompt's vocabulary cannot swamp its structure.
 *
 * @example
 * const x = extract(req)
 * const { logit } = headLogit(x, WEIGHTS, WEIGHTS.nt)
 */
import type { Extracted } from './features'

export interface Head {
  bias: number
  /** One weight per dense feature, in FEATURES order (applied to standardised values). */
  dense: readonly number[]
  /** One weight per hash bucket; empty when the model uses no hashed tokens. */
  hashed: readonly number[]
}

export interface Weights {
  /** Feature-set fingerprint: the FEATURES names joined, checked at load. */
  features: string
  buckets: number
  /** score = mix · P(not trivial) + (1 − mix) · P(hard). */
  mix: number
  mean: readonly number[]
  scale: readonly number[]
  nt: Head
  hard: Head
}

export interface HeadOutput {
  logit: number
  /** The hashed-vocabulary share of the logit. */
  vocab: number
}

/** Bucket of a token hash. */
export const bucketOf = (h: number, buckets: number): number => (h >>> 0) % buckets

/** Standardised dense feature i. */
export const standardise = (w: Weights, x: Extracted, i: number): number => (x.dense[i] - w.mean[i]) / w.scale[i]

/** Logit of one head. Linear in the number of tokens. */
export function headLogit(x: Extracted, w: Weights, head: Head): HeadOutput {
  let logit = head.bias
  for (let i = 0; i < head.dense.length; i++) logit += head.dense[i] * standardise(w, x, i)
  let vocab = 0
  const n = x.hashes.length
  if (n > 0 && head.hashed.length > 0) {
    for (let i = 0; i < n; i++) vocab += head.hashed[bucketOf(x.hashes[i], w.buckets)]
    vocab /= Math.sqrt(n)
  }
  return { logit: logit + vocab, vocab }
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

/** Combines the two heads into one 0..1 score. */
export const combine = (w: Weights, pNotTrivial: number, pHard: number): number => w.mix * pNotTrivial + (1 - w.mix) * pHard
