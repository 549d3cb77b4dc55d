/**
 * The learned part of the scorer: three logistic heads over the standardised dense features.
 *
 * - `nt`   = P(the request needs more than the trivial tier), learned from the calibration set's labels;
 * - `gain` = the expected quality gained by a stronger tier over trivial, learned from routebench2's measured
 *            tier quality (it orders requests by what upgrading them buys);
 * - `prem` = P(it needs the premium tier, i.e. premium adds quality over medium).
 *
 * The score is made of three bands (see `combine`): `nt` decides whether a request leaves the trivial band,
 * `prem` whether it reaches the premium band, and `gain` orders the requests within the two upper bands. Demand concepts may only raise a head's logit and signs of an easy request
 * may only lower it (sign constraints in training), so a concept's weight always reads the way its name says.
 *
 * @example
 * const x = extract(req)
 * const z = standardise(inputs(x.dense), WEIGHTS)
 * const pNt = sigmoid(headLogit(z, WEIGHTS.nt))
 */
import { FEATURES, FNV0, fnv } from './features'

export interface Head {
  bias: number
  /**
   * Weights on the standardised inputs, in `inputs()` order: the dense features (FEATURES order), then, for the
   * gain head only, the length curve's ramps. A head with fewer weights reads only the first inputs.
   */
  w: readonly number[]
}

export interface Weights {
  /** Fingerprint of FEATURES (count and hash of the names); checked at load. */
  features: string
  /** Standardisation of the inputs (dense features, then length ramps). */
  mean: readonly number[]
  scale: readonly number[]
  nt: Head
  gain: Head
  prem: Head
  /**
   * The bands of the score (`combine`): nt < gate → [0, floor), ordered by nt; else prem < pgate →
   * [floor, pfloor), ordered by gain; else [pfloor, 1], ordered by gain.
   */
  mix: { gate: number; floor: number; pgate: number; pfloor: number }
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

/**
 * Hand-set bump of the nt logit for an exam-style question with lettered options. The calibration set (which
 * trains nt) has almost none, and routebench2 measures that small models fail them: on MMLU-Pro the trivial
 * stand-ins answer 39% against 65% for medium. Not fitted: the nt head is trained without it, and scripts/scoring/train.mjs adds it, as here, to the
 * out-of-fold scores that choose the thresholds.
 */
export const MCQ_NT_PRIOR = 1

/**
 * Knots of the gain head's length curve, in `words` units (log1p of the word count: about 6, 11, 19, 32, 54, 89,
 * 147 and 244 words), each the start of a ramp `WORD_STEP` wide. What an upgrade buys is not monotone in length
 * (a long grade-school word problem gains less than a short olympiad one), so the gain head reads length as a
 * piecewise-linear curve. Beyond the last ramp (403 words) the curve is flat: few training prompts are longer, so
 * a long document does not extrapolate it.
 */
export const WORD_KNOTS = [2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5] as const
export const WORD_STEP = 0.5
const WORDS = FEATURES.indexOf('words')

/** Number of model inputs: the dense features and the length ramps. */
export const N_INPUTS = FEATURES.length + WORD_KNOTS.length

/**
 * The model's inputs: the dense features, then one ramp per length knot, min(WORD_STEP, max(0, words − knot)).
 * @example inputs(extract(req).dense).length === N_INPUTS
 */
export function inputs(dense: ArrayLike<number>): Float64Array {
  const x = new Float64Array(N_INPUTS)
  for (let i = 0; i < dense.length; i++) x[i] = dense[i]
  for (let k = 0; k < WORD_KNOTS.length; k++) x[dense.length + k] = Math.min(WORD_STEP, Math.max(0, dense[WORDS] - WORD_KNOTS[k]))
  return x
}

/** Standardised inputs (z-scores) under the weights' mean and scale. */
export function standardise(x: ArrayLike<number>, w: Weights): Float64Array {
  const z = new Float64Array(w.mean.length)
  for (let i = 0; i < z.length; i++) z[i] = (x[i] - w.mean[i]) / w.scale[i]
  return z
}

const MCQ = FEATURES.indexOf('mcq')

/**
 * The three heads' outputs on a request's inputs (`inputs()`), with `prior` added to every logit and the exam-style
 * bump (MCQ_NT_PRIOR) to nt's; `z` is the standardised inputs. The Worker's scorer and the training script both
 * read the heads through this.
 * @example const { nt, gain, prem } = heads(inputs(extract(req).dense), WEIGHTS)
 */
export function heads(x: ArrayLike<number>, w: Weights, prior = 0): { nt: number; gain: number; prem: number; z: Float64Array } {
  const z = standardise(x, w)
  return {
    nt: sigmoid(headLogit(z, w.nt) + prior + MCQ_NT_PRIOR * x[MCQ]),
    gain: sigmoid(headLogit(z, w.gain) + prior),
    prem: sigmoid(headLogit(z, w.prem) + prior),
    z,
  }
}

/** Logit of one head over standardised inputs. */
export function headLogit(z: ArrayLike<number>, head: Head): number {
  let logit = head.bias
  for (let i = 0; i < head.w.length; i++) logit += head.w[i] * z[i]
  return logit
}

/**
 * Combines the three heads into one 0..1 score, in three bands. Whether a 3B model does the request well is
 * `nt`'s question alone (the calibration set's rubric); whether premium adds quality over medium is `prem`'s; within
 * the upper bands, what an upgrade buys (`gain`, measured on routebench2) orders the requests. Non-decreasing in
 * each head, so raising any head never lowers the tier.
 * @example combine(WEIGHTS, 0.1, 0.9, 0.9) // < mix.floor: nt says a 3B model does it, whatever the other heads say
 */
export const combine = (w: Weights, nt: number, gain: number, prem: number): number => {
  const m = w.mix
  if (nt < m.gate) return (m.floor * nt) / m.gate
  return prem < m.pgate ? m.floor + (m.pfloor - m.floor) * gain : m.pfloor + (1 - m.pfloor) * gain
}

/** The fingerprint a Weights object must carry to match this code: FNV-1a of the feature names, in hex. */
export const fingerprint = (): string => {
  let h = FNV0
  const s = FEATURES.join(',')
  for (let i = 0; i < s.length; i++) h = fnv(h, s.charCodeAt(i))
  return `${FEATURES.length}:${(h >>> 0).toString(16)}`
}
