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
 * const z = standardise(x.dense, WEIGHTS)
 * const pNt = sigmoid(headLogit(z, WEIGHTS.nt))
 */
import { FEATURES } from './features'

export interface Head {
  bias: number
  /** One weight per dense feature, in FEATURES order (applied to standardised values). */
  w: readonly number[]
}

export interface Weights {
  /** Fingerprint of FEATURES (count and hash of the names); checked at load. */
  features: string
  /** Standardisation of the dense features. */
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
 * stand-ins answer 39% against 65% for medium. Applied identically in training (scripts/scoring/train.mjs).
 */
export const MCQ_NT_PRIOR = 1

/** Standardised features (z-scores) under the weights' mean and scale. */
export function standardise(dense: ArrayLike<number>, w: Weights): Float64Array {
  const z = new Float64Array(w.mean.length)
  for (let i = 0; i < z.length; i++) z[i] = (dense[i] - w.mean[i]) / w.scale[i]
  return z
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
  let h = 0x811c9dc5
  const s = FEATURES.join(',')
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return `${FEATURES.length}:${(h >>> 0).toString(16)}`
}
