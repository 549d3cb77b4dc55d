/**
 * The learned part of the scorer, in two stages.
 *
 * 1. A task-type classifier (softmax over TASK_TYPES): multiple-choice question, word problem, competition maths,
 *    olympiad maths, code completion, chat. It reads the standardised dense features and the hashed Latin words
 *    (`weight[type][bucket] / sqrt(tokens)` per token). Its target is the kind of task, which the training data
 *    labels cleanly, not the noisy difficulty label.
 * 2. Two logistic heads over the dense features, the task-type probabilities and their products with length
 *    (`headInputs`): `nt` = P(the request needs more than the trivial tier), `hard` = P(it needs premium).
 *    So "long" can mean harder for a word problem and mean nothing for a knowledge question.
 *
 * @example
 * const x = extract(req)
 * const types = taskTypes(x, WEIGHTS)          // [P(mcq), P(word_problem), ...]
 * const z = headInputs(x, WEIGHTS, types)      // standardised head inputs
 * const pNt = sigmoid(headLogit(z, WEIGHTS.nt))
 */
import { FEATURES, type Extracted } from './features'

/** Kinds of task the first stage recognises. Learned weights refer to them by position. */
export const TASK_TYPES = ['mcq', 'word_problem', 'competition_math', 'olympiad_math', 'code_completion', 'chat'] as const
export type TaskType = (typeof TASK_TYPES)[number]

/** Dense features whose effect may differ by task type (each gets one product per type). */
export const BY_TYPE = ['words', 'numbers', 'sentences'] as const

/** Names of the heads' inputs, in vector order: dense features, P(type) for all types but the first, products. */
export const HEAD_INPUTS: readonly string[] = [
  ...FEATURES,
  ...TASK_TYPES.slice(1).map((t) => `type_${t}`),
  ...TASK_TYPES.flatMap((t) => BY_TYPE.map((f) => `${t}*${f}`)),
]
const BY_TYPE_INDEX = BY_TYPE.map((f) => FEATURES.indexOf(f))
const N_TYPES = TASK_TYPES.length

/** For each head input, the task type it belongs to (its probability or a product with it), or -1. */
export const INPUT_TYPE: Int8Array = Int8Array.from(HEAD_INPUTS, (name) =>
  TASK_TYPES.findIndex((t) => name === `type_${t}` || name.startsWith(`${t}*`)))

export interface Head {
  bias: number
  /** One weight per head input, in HEAD_INPUTS order (applied to standardised values). */
  w: readonly number[]
}

export interface TypeModel {
  /** Per type. */
  bias: readonly number[]
  /** Type-major: dense[t * N_DENSE + i], applied to the standardised dense feature i. */
  dense: readonly number[]
  /** Bucket-major, so that one token reads adjacent numbers: hashed[b * TASK_TYPES.length + t]. */
  hashed: readonly number[]
}

export interface Weights {
  /** Fingerprint: FEATURES joined, '|', TASK_TYPES joined, '|', HEAD_INPUTS joined; checked at load. */
  features: string
  buckets: number
  /** score = mix · P(not trivial) + (1 − mix) · P(hard). */
  mix: number
  /** Standardisation of the dense features (type classifier). */
  mean: readonly number[]
  scale: readonly number[]
  types: TypeModel
  /** Standardisation of the head inputs. */
  inputMean: readonly number[]
  inputScale: readonly number[]
  nt: Head
  hard: Head
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * Reads weights packed by scripts/scoring/train.mjs: 2 base64url characters each, the zigzag code of w·1000
 * (so every weight has 3 decimals, as when written out in full).
 *
 * @example unpackMilli('AAAC') // [0, 0.001]
 */
export function unpackMilli(packed: string): number[] {
  const out: number[] = []
  for (let i = 0; i < packed.length; i += 2) {
    const v = (B64URL.indexOf(packed[i]) << 6) | B64URL.indexOf(packed[i + 1])
    out.push((v & 1 ? -(v + 1) / 2 : v / 2) / 1000)
  }
  return out
}

/** Bucket of a token hash. */
export const bucketOf = (h: number, buckets: number): number =>
  (buckets & (buckets - 1)) === 0 ? (h >>> 0) & (buckets - 1) : (h >>> 0) % buckets

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

/** Task-type probabilities (softmax), in TASK_TYPES order. Linear in the number of tokens. */
export function taskTypes(x: Extracted, w: Weights): Float64Array {
  const nd = w.mean.length
  const logits = new Float64Array(N_TYPES)
  for (let t = 0; t < N_TYPES; t++) logits[t] = w.types.bias[t]
  for (let i = 0; i < nd; i++) {
    const z = (x.dense[i] - w.mean[i]) / w.scale[i]
    for (let t = 0; t < N_TYPES; t++) logits[t] += w.types.dense[t * nd + i] * z
  }
  const hashes = x.hashes
  const n = hashes.length
  if (n > 0) {
    // count the tokens per bucket (one increment each), then read each used bucket's weights once
    const buckets = w.buckets
    if (scratch.counts.length !== buckets) scratch = { counts: new Int32Array(buckets), used: new Int32Array(buckets) }
    const { counts, used } = scratch
    let nUsed = 0
    for (let k = 0; k < n; k++) {
      const b = bucketOf(hashes[k], buckets)
      if (counts[b]++ === 0) used[nUsed++] = b
    }
    const norm = 1 / Math.sqrt(n)
    const hashed = w.types.hashed
    for (let u = 0; u < nUsed; u++) {
      const b = used[u]
      const m = counts[b] * norm
      counts[b] = 0
      const o = b * N_TYPES
      for (let t = 0; t < N_TYPES; t++) logits[t] += hashed[o + t] * m
    }
  }
  return softmax(logits)
}

/** Scratch space of `taskTypes` (tokens per bucket, and the buckets used), all counts zero between calls. */
let scratch = { counts: new Int32Array(0), used: new Int32Array(0) }

/** In place; returns its argument. */
export function softmax(v: Float64Array): Float64Array {
  let max = -Infinity
  for (let i = 0; i < v.length; i++) if (v[i] > max) max = v[i]
  let sum = 0
  for (let i = 0; i < v.length; i++) { v[i] = Math.exp(v[i] - max); sum += v[i] }
  for (let i = 0; i < v.length; i++) v[i] /= sum
  return v
}

/** The heads' raw inputs (HEAD_INPUTS order) from the dense features and the task-type probabilities. */
export function rawHeadInputs(dense: ArrayLike<number>, types: ArrayLike<number>): Float64Array {
  const nd = FEATURES.length
  const v = new Float64Array(HEAD_INPUTS.length)
  for (let i = 0; i < nd; i++) v[i] = dense[i]
  let k = nd
  for (let t = 1; t < N_TYPES; t++) v[k++] = types[t]
  for (let t = 0; t < N_TYPES; t++) for (const i of BY_TYPE_INDEX) v[k++] = types[t] * dense[i]
  return v
}

/** The heads' standardised inputs. */
export function headInputs(x: Extracted, w: Weights, types: ArrayLike<number>): Float64Array {
  const v = rawHeadInputs(x.dense, types)
  for (let i = 0; i < v.length; i++) v[i] = (v[i] - w.inputMean[i]) / w.inputScale[i]
  return v
}

/** Logit of one head over standardised inputs. */
export function headLogit(z: ArrayLike<number>, head: Head): number {
  let logit = head.bias
  for (let i = 0; i < head.w.length; i++) logit += head.w[i] * z[i]
  return logit
}

/** Combines the two heads into one 0..1 score. */
export const combine = (w: Weights, pNotTrivial: number, pHard: number): number => w.mix * pNotTrivial + (1 - w.mix) * pHard

/** The fingerprint a Weights object must carry to match this code. */
export const fingerprint = (): string => `${FEATURES.join(',')}|${TASK_TYPES.join(',')}|${HEAD_INPUTS.join(',')}`
