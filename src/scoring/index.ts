/**
 * Complexity scoring: what does this chat request demand, and which tier should serve it?
 *
 * Pure and synchronous, one linear pass over the text (no regex), a few microseconds per request.
 * Demand concepts aligned across seven languages (a proof, a design, an implementation, an expert analysis, a long
 * output, multi-step tool use, ...; and signs of an easy request) plus structure features feed two logistic heads,
 * P(needs more than trivial) and P(needs premium), trained by `npm run train:scorer` on routebench2 dev and the
 * calibration set in data/calibration. The whole request is read: system prompt, earlier turns, tools, attachments.
 * See docs/ROUTING.md.
 *
 * @example
 * const d = score({ model: 'auto', messages: [{ role: 'user', content: 'Prove that √2 is irrational.' }] })
 * d.tier            // 'medium'
 * compactReason(d)  // 'medium 0.33: proof; maths'
 */
import type { ChatRequest } from '../openai/request'
import { tierAt, type Tier } from './tiers'
import { extract, FEATURES, N_DENSE, type ContextStats, type Extracted } from './features'
import { combine, fingerprint, heads, inputs, N_INPUTS, type Weights } from './model'
import { OUTCOMES, TRAINED_THRESHOLDS, WEIGHTS } from './weights'

export { FEATURES } from './features'
export { combine } from './model'
export { expectedOutcome, thresholdsForQuality, type Outcome, type OutcomeTable, type QualityPlan } from './target'
export { OUTCOMES } from './weights'

/** The scorer's answer for one request. */
export interface Decision {
  /** 0..1, higher = harder. */
  score: number
  tier: Tier
  /** The named inputs to the decision (dense features, context stats, head outputs). */
  features: Record<string, number>
  /** Short, human-readable reasons, strongest first. */
  reasons: string[]
}

/** Score cut points: score ≥ medium → medium tier; score ≥ premium → premium tier. */
export interface Thresholds {
  medium: number
  premium: number
}

/**
 * Cut points chosen by `npm run train:scorer`, out of fold: the highest medium cut, up to the lowest band's top,
 * that sends at most 2.5% of the calibration set's hard requests to trivial (overall and in each of en, ja, zh) and
 * keeps ≥ 96% of premium quality on routebench2 dev, then the premium cut that best separates the calibration set's
 * premium labels from medium ones (see docs/ROUTING.md).
 */
export const DEFAULT_THRESHOLDS: Thresholds = { medium: TRAINED_THRESHOLDS.medium, premium: TRAINED_THRESHOLDS.premium }

if (WEIGHTS.features !== fingerprint() || WEIGHTS.mean.length !== N_INPUTS || WEIGHTS.nt.w.length !== N_DENSE ||
  WEIGHTS.prem.w.length !== N_DENSE || WEIGHTS.gain.w.length !== N_INPUTS) {
  throw new Error('scoring: weights.ts does not match the features (npm run train:scorer)')
}

/** What a reason says when a feature pushes the score up. */
const LABELS: Record<string, string> = {
  words: 'long prompt', lines: 'many lines', digits: 'digits', numbers: 'many numbers', bignum: 'large numbers',
  operators: 'equations', latex: 'LaTeX', dollars: 'maths notation', braces: 'formulas', code_fence: 'code block',
  code_tokens: 'code', indent: 'indentation', stack_trace: 'stack trace', mcq: 'options', questions: 'questions',
  sentences: 'sentences', single_letters: 'variables',
  d_proof: 'proof', d_math: 'maths', d_competition: 'competition maths', d_reasoning: 'reasoning',
  d_implement: 'implementation', d_build: 'software to build', d_code: 'code', d_debug: 'debugging', d_output: 'code output', d_systems: 'systems code',
  d_design: 'system design', d_legal: 'legal', d_medical: 'medical', d_finance: 'finance',
  d_analysis: 'analysis', d_long: 'long output', d_creative: 'creative', d_constraint: 'constraints',
  d_agentic: 'agentic task', d_research: 'research',
  e_greet: 'small talk', e_lookup: 'lookup', e_rewrite: 'rewrite', e_translate: 'translation',
  e_extract: 'extraction', e_short_creative: 'short creative', e_brief: 'brief answer',
  ctx_words: 'long context', ctx_turns: 'conversation', tool_defs: 'tool definitions', tool_turns: 'tool use',
}

/** What a reason says when a feature is below average and that pushes the score down. */
const BELOW: Record<string, string> = { words: 'short prompt' }

/** Hand-set logit bumps for signals no training row has (attachments, output budgets, structured output). */
interface ContextPrior {
  total: number
  /** Each bump with the reason it gives. */
  parts: [string, number][]
}

function contextPrior(c: ContextStats): ContextPrior {
  const parts: [string, number][] = []
  if (c.images > 0) parts.push(['image input', 0.4])
  if (c.audio > 0) parts.push(['audio input', 0.4])
  if (c.files > 0) parts.push(['file input', 0.6])
  if (c.maxTokens > 2000) parts.push(['long output budget', 0.25 * Math.log1p(c.maxTokens / 2000)])
  if (c.jsonSchema) parts.push(['structured output', 0.3])
  let total = 0
  for (const [, v] of parts) total += v
  return { total, parts }
}

/** Whether each dense feature is a sign of an easy request (`e_*`). */
const EASY = FEATURES.map((f) => f.startsWith('e_'))

/** Tier for a score under the given thresholds (the default ones unless given). */
export function tierOf(s: number, t: Thresholds = DEFAULT_THRESHOLDS): Tier {
  return tierAt(s, t)
}

/** Scores already-extracted features with the given weights. */
export function scoreExtracted(x: Extracted, w: Weights = WEIGHTS): { score: number; nt: number; gain: number; prem: number; prior: ContextPrior; z: Float64Array } {
  const prior = contextPrior(x.context)
  const { nt, gain, prem, z } = heads(inputs(x.dense), w, prior.total)
  return { score: combine(w, nt, gain, prem), nt, gain, prem, prior, z }
}

/**
 * Scores a chat request. Pure, synchronous, never throws on a valid ChatRequest.
 * @param thresholds tenant or config cut points; defaults to DEFAULT_THRESHOLDS
 */
export function score(req: ChatRequest, thresholds: Thresholds = DEFAULT_THRESHOLDS): Decision {
  const x = extract(req)
  const w = WEIGHTS
  const { nt, gain, prem, score: s, z, prior: ctx } = scoreExtracted(x, w)
  const safe = Number.isFinite(s) ? Math.min(1, Math.max(0, s)) : 1
  const tier = tierOf(safe, thresholds)

  const features: Record<string, number> = {}
  for (let i = 0; i < N_DENSE; i++) features[FEATURES[i]] = round(x.dense[i])
  const c = x.context
  features.cjk_share = round(x.cjkShare)
  features.context_words = Math.round(c.contextWords)
  features.messages = c.messages
  features.tools = c.tools
  features.images = c.images
  features.audio = c.audio
  features.files = c.files
  features.p_not_trivial = round(nt)
  features.gain = round(gain)
  features.p_premium = round(prem)
  features.prior = round(ctx.total)

  // reasons: the largest logit contributions, in the direction of the decision, of the head that decides it (nt for
  // trivial or not, prem for premium)
  const up = tier !== 'trivial'
  const head = tier === 'premium' && prem >= w.mix.pgate ? w.prem : w.nt
  const contrib: [string, number][] = []
  for (let i = 0; i < N_DENSE; i++) {
    // a reason names a signal that is there (up), or a sign of an easy request that is there or a short, plain text (down)
    const named = z[i] > 0 ? up || EASY[i] : !up && FEATURES[i] in BELOW
    if (!named) continue
    const v = head.w[i] * z[i]
    if (up ? v > 0.15 : v < -0.15) contrib.push([labelFor(i, z[i]), v])
  }
  for (const [name, v] of ctx.parts) if (up && v > 0.1) contrib.push([name, v])
  contrib.sort((a, b) => (up ? b[1] - a[1] : a[1] - b[1]))
  const reasons: string[] = []
  for (const [r] of contrib) {
    if (!reasons.includes(r)) reasons.push(r)
    if (reasons.length === 3) break
  }
  if (reasons.length === 0) reasons.push(up ? 'no single dominant signal' : 'short, plain request')
  return { score: round(safe), tier, features, reasons }
}

/** A feature's reason, phrased by the direction it pushed (z < 0: the feature is below average). */
function labelFor(i: number, z: number): string {
  const name = FEATURES[i]
  if (z >= 0) return LABELS[name] ?? name
  return BELOW[name] ?? `no ${LABELS[name] ?? name}`
}

const round = (v: number): number => Math.round(v * 10000) / 10000

/**
 * One-line reason for the `x-triage-reason` header: printable ASCII only, at most 120 chars.
 * @example compactReason(d) // 'medium 0.33: proof; maths'
 */
export function compactReason(d: Decision): string {
  const head = `${d.tier} ${d.score.toFixed(2)}`
  let out = head
  for (let i = 0; i < d.reasons.length; i++) {
    const r = asciiSafe(d.reasons[i])
    if (!r) continue
    const next = out + (out === head ? ': ' : '; ') + r
    if (next.length > 120) break
    out = next
  }
  return out.slice(0, 120)
}

function asciiSafe(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 32 && c < 127) out += s[i]
  }
  return out.trim()
}
