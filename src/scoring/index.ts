/**
 * Complexity scoring: how hard is this chat request, and which tier should serve it?
 *
 * Pure and synchronous, one linear pass over the text (no regex), a few microseconds per request.
 * A learned model (a task-type classifier feeding two logistic heads, trained by `npm run train:scorer` on
 * routebench dev.jsonl) scores the last user turn; hand-set priors add what the training data cannot show
 * (long context, tools, attachments).
 * See docs/ROUTING.md.
 *
 * @example
 * const d = score({ model: 'auto', messages: [{ role: 'user', content: 'Find all primes $p$ such that $p^2+2$ is prime.' }] })
 * d.tier            // 'premium'
 * compactReason(d)  // 'premium 0.69: competition maths; maths notation; maths topic'
 */
import type { ChatRequest } from '../openai/request'
import type { Tier } from '../config/tiers'
import { extract, FEATURES, N_DENSE, type ContextStats, type Extracted } from './features'
import { combine, fingerprint, HEAD_INPUTS, headInputs, headLogit, INPUT_TYPE, sigmoid, TASK_TYPES, taskTypes, type Weights } from './model'
import { TRAINED_THRESHOLDS, WEIGHTS } from './weights'

export { FEATURES } from './features'
export { combine, TASK_TYPES } from './model'

/** The scorer's answer for one request. */
export interface Decision {
  /** 0..1, higher = harder. */
  score: number
  tier: Tier
  /** The named inputs to the decision (dense features of the last user turn, context stats, head outputs). */
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
 * Cut points chosen by `npm run train:scorer` on routebench dev.jsonl, out of fold: the best 3-tier accuracy
 * with at most 5% of hard prompts sent to the trivial tier (see docs/ROUTING.md).
 */
export const DEFAULT_THRESHOLDS: Thresholds = { medium: TRAINED_THRESHOLDS.medium, premium: TRAINED_THRESHOLDS.premium }

if (WEIGHTS.features !== fingerprint() || WEIGHTS.mean.length !== N_DENSE || WEIGHTS.nt.w.length !== HEAD_INPUTS.length) {
  throw new Error('src/scoring/weights.ts does not match the feature set: run `npm run train:scorer`')
}

const STACK = FEATURES.indexOf('stack_trace')

/** What a reason says when a feature pushes the score up (index = FEATURES position). */
const LABELS: Record<string, string> = {
  words: 'long prompt', lines: 'many lines', digits: 'numeric content', numbers: 'many numbers',
  bignum: 'large numbers', operators: 'equations', latex: 'LaTeX maths', dollars: 'maths notation',
  braces: 'formula structure', code_fence: 'code block', code_tokens: 'code', indent: 'indented code',
  stack_trace: 'stack trace', mcq: 'multiple choice', questions: 'several questions', sentences: 'many sentences',
  avg_word: 'technical vocabulary', upper: 'identifiers/acronyms', single_letters: 'variables',
  cue_proof: 'proof', cue_competition: 'competition maths', cue_math: 'maths topic',
  cue_reasoning: 'reasoning asked', cue_constraint: 'constraints', cue_creative: 'creative writing',
  cue_code: 'coding task', cue_simple: 'simple request', cue_analysis: 'analysis asked', cue_long: 'long output asked',
}

/** What a reason says about a task type (its probability and its products with length push the score). */
const TYPE_LABELS: Record<string, string> = {
  mcq: 'knowledge question', word_problem: 'word problem', competition_math: 'competition maths',
  olympiad_math: 'olympiad-style maths', code_completion: 'code completion', chat: 'open-ended chat',
}

/** Names of the task-type probabilities in Decision.features. */
const TYPE_FEATURES = TASK_TYPES.map((t) => `type_${t}`)

/** What a reason says when a feature is below average. */
const BELOW: Record<string, string> = {
  words: 'short prompt', lines: 'few lines', sentences: 'few sentences', numbers: 'few numbers', digits: 'few digits',
  questions: 'no question', avg_word: 'plain vocabulary', upper: 'few capitals', indent: 'no indentation',
}

/** Hand-set logit bumps for signals the training set has none of (stack traces, multi-turn, tools, media). */
function contextPrior(c: ContextStats, stackTrace: number): { total: number; parts: [string, number][] } {
  const parts: [string, number][] = []
  if (stackTrace > 0) parts.push(['stack trace', 0.8])
  if (c.contextWords > 0) parts.push(['long context', 0.35 * Math.log1p(c.contextWords / 1000)])
  if (c.contextCode > 0) parts.push(['code in context', 0.4])
  if (c.contextMath > 0) parts.push(['maths in context', 0.4])
  if (c.tools > 0) parts.push(['tool definitions', 0.3 + 0.1 * Math.log1p(c.tools) + 0.2 * Math.log1p(c.toolSchemaChars / 2000)])
  if (c.images > 0) parts.push(['image input', 0.4])
  if (c.audio > 0) parts.push(['audio input', 0.4])
  if (c.files > 0) parts.push(['file input', 0.4])
  if (c.maxTokens > 2000) parts.push(['long output asked', 0.25 * Math.log1p(c.maxTokens / 2000)])
  if (c.jsonSchema) parts.push(['structured output', 0.3])
  let total = 0
  for (const [, v] of parts) total += v
  return { total, parts }
}

/** Tier for a score under the given thresholds. */
export function tierOf(s: number, t: Thresholds = DEFAULT_THRESHOLDS): Tier {
  return s >= t.premium ? 'premium' : s >= t.medium ? 'medium' : 'trivial'
}

/** Scores already-extracted features with the given weights (the training script uses this too). */
export function scoreExtracted(x: Extracted, w: Weights = WEIGHTS): { score: number; nt: number; hard: number; prior: number; types: Float64Array; inputs: Float64Array } {
  const prior = contextPrior(x.context, x.dense[STACK]).total
  const types = taskTypes(x, w)
  const inputs = headInputs(x, w, types)
  const nt = sigmoid(headLogit(inputs, w.nt) + prior)
  const hard = sigmoid(headLogit(inputs, w.hard) + prior)
  return { score: combine(w, nt, hard), nt, hard, prior, types, inputs }
}

/**
 * Scores a chat request. Pure, synchronous, never throws on a valid ChatRequest.
 * @param thresholds tenant or config cut points; defaults to DEFAULT_THRESHOLDS
 */
export function score(req: ChatRequest, thresholds: Thresholds = DEFAULT_THRESHOLDS): Decision {
  const x = extract(req)
  const w = WEIGHTS
  const ctx = contextPrior(x.context, x.dense[STACK])
  const { nt: pNt, hard: pHard, score: s, types, inputs: z } = scoreExtracted(x, w)
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
  for (let t = 0; t < TASK_TYPES.length; t++) features[TYPE_FEATURES[t]] = round(types[t])
  features.p_not_trivial = round(pNt)
  features.p_hard = round(pHard)
  features.prior = round(ctx.total)

  // reasons: the largest contributions (both heads) in the direction of the decision; a task type's
  // probability and its products with length are summed into one reason
  const up = tier !== 'trivial'
  const contrib: [string, number][] = []
  const byType = new Float64Array(TASK_TYPES.length)
  for (let i = 0; i < HEAD_INPUTS.length; i++) {
    const v = (w.nt.w[i] + w.hard.w[i]) * z[i]
    if (i < N_DENSE) {
      if (up ? v > 0.15 : v < -0.15) contrib.push([labelFor(i, z[i]), v])
      continue
    }
    if (INPUT_TYPE[i] >= 0) byType[INPUT_TYPE[i]] += v
  }
  // the most likely type is the one a reader can check; report it when it pushed in the decision's direction
  let top = 0
  for (let t = 1; t < TASK_TYPES.length; t++) if (types[t] > types[top]) top = t
  if (up ? byType[top] > 0.15 : byType[top] < -0.15) contrib.push([TYPE_LABELS[TASK_TYPES[top]], byType[top]])
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
  if (z >= 0) return LABELS[name]
  return BELOW[name] ?? `no ${LABELS[name]}`
}

const round = (v: number): number => Math.round(v * 10000) / 10000

/**
 * One-line reason for the `x-triage-reason` header: printable ASCII only, at most 120 chars.
 * @example compactReason(d) // 'premium 0.69: maths notation; competition maths; maths topic'
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
