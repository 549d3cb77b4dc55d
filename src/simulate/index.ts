/**
 * `npm run simulate`: what would Triage cost on this traffic? Replays a log through the very code the Worker
 * runs — `score()`, `plan()`, `worstCase()`, `cost()`, the budget cap — calling no model, and prices each request on
 * the model Triage would have chosen and on a baseline model.
 *
 * Pure: the CLI (`scripts/simulate.mjs`) reads files and prints; everything that decides is here.
 *
 * @example
 * const log = parseLog(text, { file: 'traffic.jsonl' })
 * const r = simulate(log.entries, { config: loadConfig({}), baseline: 'gpt-4.1' })
 * r.total.cost_nano, r.baseline.cost_nano, r.saving.fraction
 */
import type { Config, Tier } from '../config'
import { TIERS, minTier } from '../scoring/tiers'
import type { ChatRequest } from '../openai/request'
import { outputCap } from '../openai/request'
import type { Usage } from '../openai/types'
import { score, tierOf, DEFAULT_THRESHOLDS, type Thresholds } from '../scoring'
import { capFor, decide, plan, type Plan } from '../routing'
import { cost, isPriced, priceOf } from '../money'
import { resolvePolicy, type PolicyInput } from '../tenants/policy'
import type { Tenant } from '../tenants'
import { headroomOf, type Headroom } from '../ledger/headroom'
import { dayOf, monthOf } from '../ledger/periods'
import type { LoggedRequest } from './log'

export { parseLog, LogError, FORMAT_NAMES, type LogFormat, type LoggedRequest, type ParsedLog } from './log'

/** How many output tokens a request is assumed to produce when its log line has no response. */
export interface Assumptions {
  /** Visible output tokens per tier (harder requests get longer answers). */
  outputTokens: Record<Tier, number>
  /**
   * Hidden reasoning tokens per visible output token, per tier. They are billed as output. The medium tier's
   * DeepSeek R1 thinks before it answers; the others do not.
   */
  reasoningPerOutput: Record<Tier, number>
}

/** The defaults, documented in README.md#will-triage-save-me-money. */
export const DEFAULT_ASSUMPTIONS: Assumptions = Object.freeze({
  outputTokens: { trivial: 200, medium: 500, premium: 700 },
  reasoningPerOutput: { trivial: 0, medium: 3, premium: 0 },
})

export interface SimulateOptions {
  config: Config
  /** The model every request is priced on for comparison (default `gpt-4.1`). */
  baseline?: string
  /** A tenant policy (thresholds, allowed tiers, downgrade fractions), as the admin API takes it. */
  policy?: PolicyInput
  assumptions?: Assumptions
  /** Budget replay: USD limits per window, in nano-USD. */
  budget?: { daily_nano?: number; monthly_nano?: number }
}

/** One request's fate. */
export interface Routed {
  line: number
  tier: Tier
  requestedTier: Tier
  model: string
  score: number
  usage: Usage
  cost_nano: number
  baseline_nano: number
  /** The cascade's escalation, when the plan tries a trivial model first: its model and cost. */
  cascade?: { model: string; cost_nano: number }
  downgraded: string | null
  /** Budget replay only: refused with 429. */
  refused?: boolean
}

export interface Row {
  requests: number
  input_tokens: number
  output_tokens: number
  reasoning_tokens: number
  cost_nano: number
}

export interface Simulation {
  requests: number
  /** Per tier: requests, tokens, cost. */
  tiers: Record<Tier, Row>
  /** Per model id that served (cascade escalations included). */
  models: Record<string, Row & { tier: Tier }>
  total: Row
  baseline: { model: string; cost_nano: number }
  saving: { nano: number; fraction: number }
  /** Requests that the plan cascades (trivial first): their cost is counted as if every one escalated. */
  cascade: { requests: number; cost_if_all_accepted_nano: number }
  /** With a budget: what the replay refused, downgraded and when each window first ran out. */
  budget?: BudgetReplay
  routed: Routed[]
}

export interface BudgetReplay {
  refused: number
  /** Served on a lower tier than scored, because of the budget or the policy. */
  downgraded: number
  /** Served with `max_tokens` shrunk to what the budget affords. */
  capped: number
  /** The UTC day a window first refused a request, per window. */
  exhausted: { daily: string[]; monthly: string[] }
  spent_nano: number
}

const emptyRow = (): Row => ({ requests: 0, input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, cost_nano: 0 })

/**
 * Replays the entries in order (time order when a budget is given) and prices them.
 * Throws an Error naming the model when a chosen or baseline model has no price.
 */
export function simulate(entries: LoggedRequest[], opts: SimulateOptions): Simulation {
  const { config } = opts
  const baselineModel = opts.baseline ?? 'gpt-4.1'
  if (!isPriced(baselineModel, config)) throw new Error(`the baseline model '${baselineModel}' has no price: name a model of the price table or TRIAGE_PRICES`)
  const assumptions = opts.assumptions ?? DEFAULT_ASSUMPTIONS
  const tenant = tenantOf(opts.policy)
  const order = opts.budget ? [...entries].sort((a, b) => (a.at ?? 0) - (b.at ?? 0)) : entries
  const ledger = opts.budget ? new ReplayLedger(opts.budget) : undefined

  const sim: Simulation = {
    requests: 0, tiers: { trivial: emptyRow(), medium: emptyRow(), premium: emptyRow() }, models: {}, total: emptyRow(),
    baseline: { model: baselineModel, cost_nano: 0 }, saving: { nano: 0, fraction: 0 }, cascade: { requests: 0, cost_if_all_accepted_nano: 0 },
    routed: [],
  }
  if (ledger) sim.budget = { refused: 0, downgraded: 0, capped: 0, exhausted: { daily: [], monthly: [] }, spent_nano: 0 }

  for (const e of order) {
    const now = e.at ?? 0
    // The Worker's own decision: score, tier cap, one output cap, plan, reservation, fitting the budget.
    const d = decide({ req: e.request, config, tenant, headroom: ledger?.headroom(now), available: () => true })
    const r = price(e, d.request, d.plan, d.decision.score, config, assumptions, baselineModel)
    sim.requests++
    if (ledger) {
      const refusedBy = ledger.refuses(d.reservation, now)
      if (refusedBy) {
        r.refused = true
        sim.budget!.refused++
        const day = dayOf(now)
        if (!sim.budget!.exhausted[refusedBy].includes(day)) sim.budget!.exhausted[refusedBy].push(day)
        sim.routed.push(r)
        continue
      }
      if (d.plan.tier !== d.plan.requestedTier) sim.budget!.downgraded++
      if (d.plan.downgraded?.includes('max_tokens')) sim.budget!.capped++
      ledger.charge(r.cost_nano + (r.cascade?.cost_nano ?? 0), now)
    }
    add(sim, r)
    sim.routed.push(r)
  }
  sim.saving.nano = sim.baseline.cost_nano - sim.total.cost_nano
  sim.saving.fraction = sim.baseline.cost_nano > 0 ? sim.saving.nano / sim.baseline.cost_nano : 0
  if (sim.budget && ledger) sim.budget.spent_nano = ledger.total
  return sim
}

const UNLIMITED: Headroom = { remaining_nano: null, resets_at: null }

/** The tenant the replay runs as: only its policy matters here (the replay ledger holds the budget). */
const tenantOf = (policy: PolicyInput | undefined): Tenant => ({ id: 'simulated', name: 'simulated', budget: {}, policy: resolvePolicy(policy), disabled: false })

/** The usage a request would have on a tier's model, and its cost there and on the baseline. */
function price(e: LoggedRequest, req: ChatRequest, p: Plan, s: number, config: Config, a: Assumptions, baselineModel: string): Routed {
  const first = p.cascade ? p.cascade.first[0] : p.candidates[0]
  const firstTier = p.cascade ? 'trivial' : p.tier
  const usage = usageOn(e, req, firstTier, first.id, config, a)
  const r: Routed = {
    line: e.line, tier: firstTier, requestedTier: p.requestedTier, model: first.id, score: s,
    usage, cost_nano: cost(usage, first.id, config), baseline_nano: 0, downgraded: p.downgraded,
  }
  if (p.cascade) {
    const up = p.candidates[0]
    const upUsage = usageOn(e, req, p.tier, up.id, config, a)
    r.cascade = { model: up.id, cost_nano: cost(upUsage, up.id, config) }
  }
  const visible = e.usage ? e.usage.output - e.usage.reasoning : a.outputTokens[p.tier]
  const baseUsage: Usage = {
    input: usage.input, cachedInput: usage.cachedInput, cacheWrite: 0,
    output: cappedOutput(req, baselineModel, config, visible + (e.usage?.reasoning ?? 0)), reasoning: 0,
  }
  baseUsage.reasoning = Math.min(e.usage?.reasoning ?? 0, baseUsage.output)
  r.baseline_nano = cost(baseUsage, baselineModel, config)
  return r
}

function usageOn(e: LoggedRequest, req: ChatRequest, tier: Tier, model: string, config: Config, a: Assumptions): Usage {
  const input = e.usage?.input ?? typicalInputTokens(e.request)
  const visible = e.usage ? e.usage.output - e.usage.reasoning : a.outputTokens[tier]
  const x = a.reasoningPerOutput[tier]
  const reasoning = x > 0 ? (e.usage && e.usage.reasoning > 0 ? e.usage.reasoning : Math.round(visible * x)) : 0
  const output = cappedOutput(req, model, config, visible + reasoning)
  return { input, cachedInput: Math.min(e.usage?.cachedInput ?? 0, input), cacheWrite: 0, output, reasoning: Math.min(reasoning, output) }
}

/** Output never exceeds the cap the Worker would send upstream. */
const cappedOutput = (req: ChatRequest, model: string, config: Config, n: number): number =>
  Math.min(n, outputCap(req, config.models[model]?.maxOutputTokens, config.limits.defaultMaxOutputTokens))

function add(sim: Simulation, r: Routed): void {
  const rows: Array<[Row, Usage, number]> = []
  const tierRow = sim.tiers[r.tier]
  const modelRow = (sim.models[r.model] ??= { ...emptyRow(), tier: r.tier })
  rows.push([tierRow, r.usage, r.cost_nano], [modelRow, r.usage, r.cost_nano], [sim.total, r.usage, r.cost_nano])
  if (r.cascade) {
    sim.cascade.requests++
    sim.cascade.cost_if_all_accepted_nano += r.cost_nano
    const up = sim.models[r.cascade.model] ??= { ...emptyRow(), tier: r.requestedTier }
    // The escalated call: counted in cost and tokens of its own model and tier, not as a second request.
    const upTier = sim.tiers[up.tier]
    for (const row of [up, upTier, sim.total]) row.cost_nano += r.cascade.cost_nano
  } else {
    sim.cascade.cost_if_all_accepted_nano += r.cost_nano
  }
  for (const [row, u, c] of rows) {
    row.requests++
    row.input_tokens += u.input
    row.output_tokens += u.output
    row.reasoning_tokens += u.reasoning
    row.cost_nano += c
  }
  sim.baseline.cost_nano += r.baseline_nano
}

/**
 * A typical (not worst-case) count of a request's input tokens, for projections when the log has no usage:
 * 4 ASCII characters per token, one token per other character (CJK is about one token per character),
 * 4 tokens of framing per message, 765 per image (OpenAI's 1024×1024 high-detail count). The reservation uses
 * money/'s conservative estimate instead; a projection wants the expected figure.
 */
export function typicalInputTokens(req: ChatRequest): number {
  let ascii = 0
  let other = 0
  let fixed = 3
  const text = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c < 128) ascii++
      else if (c < 0xdc00 || c > 0xdfff) other++ // a surrogate pair counts once
    }
  }
  for (const m of req.messages) {
    fixed += 4
    const content = (m as { content?: unknown }).content
    if (typeof content === 'string') text(content)
    else if (Array.isArray(content)) {
      for (const part of content as Array<Record<string, unknown>>) {
        if (part.type === 'text') text(String(part.text ?? ''))
        else if (part.type === 'image_url') fixed += 765
        else text(JSON.stringify(part))
      }
    }
    const calls = (m as { tool_calls?: unknown }).tool_calls
    if (calls) text(JSON.stringify(calls))
  }
  if (req.tools) text(JSON.stringify(req.tools))
  return fixed + Math.ceil(ascii / 4) + other
}

/**
 * The budget as the Worker's ledger keeps it, replayed in one process: spend per UTC day and month, a request
 * refused when its reservation (the worst case over every model it may run) exceeds what a window has left.
 */
class ReplayLedger {
  private days = new Map<string, number>()
  private months = new Map<string, number>()
  total = 0
  constructor(private limits: NonNullable<SimulateOptions['budget']>) {}

  /** What the tenant has left at `now`: the ledger's own headroom function over this replay's spend. */
  headroom(now: number): Headroom {
    return headroomOf(
      { daily: this.limits.daily_nano ?? null, monthly: this.limits.monthly_nano ?? null },
      { daily: this.spent('daily', now), monthly: this.spent('monthly', now) },
      now,
    )
  }

  /** The window that refuses a reservation of `nano`, or undefined when it fits. */
  refuses(nano: number, now: number): 'daily' | 'monthly' | undefined {
    const h = this.headroom(now)
    if (h.daily && nano > h.daily.remaining_nano) return 'daily'
    if (h.monthly && nano > h.monthly.remaining_nano) return 'monthly'
    return undefined
  }

  charge(nano: number, now: number): void {
    this.days.set(dayOf(now), this.spent('daily', now) + nano)
    this.months.set(monthOf(now), this.spent('monthly', now) + nano)
    this.total += nano
  }

  private spent(w: 'daily' | 'monthly', now: number): number {
    return (w === 'daily' ? this.days.get(dayOf(now)) : this.months.get(monthOf(now))) ?? 0
  }
}

/** One point of the threshold sweep. */
export interface SweepPoint {
  medium: number
  premium: number
  cost_nano: number
  /** Shares of requests per tier. */
  mix: Record<Tier, number>
}

/**
 * Cost against tier mix over a grid of threshold pairs (medium ≤ premium), each request scored once.
 *
 * @example sweep(entries, { config }, 0.1) // 66 points from (0,0) to (1,1)
 */
export function sweep(entries: LoggedRequest[], opts: SimulateOptions, step = 0.05): SweepPoint[] {
  const n = Math.round(1 / step)
  const scored = entries.map((e) => ({ e, d: score(e.request, DEFAULT_THRESHOLDS) }))
  const tenant = tenantOf(opts.policy)
  const cap = capFor(tenant, UNLIMITED)
  const a = opts.assumptions ?? DEFAULT_ASSUMPTIONS
  const baseline = opts.baseline ?? 'gpt-4.1'
  // A request's cost on each tier does not depend on the thresholds: price each once per tier.
  const byTier = scored.map(({ e, d }) => Object.fromEntries(TIERS.map((tier) => {
    const p = plan({ requested: `triage/${tier}`, decision: d, config: opts.config, cap: cap.cap, capReason: cap.reason, available: () => true, priced: (id) => isPriced(id, opts.config), stream: false })
    return [tier, price(e, e.request, p, d.score, opts.config, a, baseline)]
  })) as Record<Tier, Routed>)
  const out: SweepPoint[] = []
  for (let i = 0; i <= n; i++) {
    for (let j = i; j <= n; j++) {
      const t: Thresholds = { medium: round(i * step), premium: round(j * step) }
      const mix = { trivial: 0, medium: 0, premium: 0 }
      let c = 0
      scored.forEach(({ d }, k) => {
        const tier = tierOf(d.score, t)
        const allowed = minTier(tier, cap.cap)
        mix[allowed]++
        c += byTier[k][allowed].cost_nano
      })
      for (const k of TIERS) mix[k] = entries.length ? mix[k] / entries.length : 0
      out.push({ ...t, cost_nano: c, mix })
    }
  }
  return out
}

const round = (x: number) => Math.round(x * 1e6) / 1e6

/** The article's back-of-the-envelope form: a tier mix of a token volume, at given or real prices. */
export interface MixAssumption {
  /** Shares of tokens per tier (trivial, medium, premium), summing to 1. */
  mix: Record<Tier, number>
  /** Tokens a month. */
  tokens: number
  /** USD per million tokens per tier, as nano-USD per million; absent = each tier's first model's real prices. */
  prices?: Record<Tier, number>
  /** Baseline nano-USD per million tokens; absent = the baseline model's real prices. */
  baselinePrice?: number
  /** With real prices: the share of tokens that are output (default 0.25), the rest input. */
  outputShare?: number
}

export interface MixProjection {
  tiers: Record<Tier, { tokens: number; model: string | null; cost_nano: number }>
  total_nano: number
  baseline: { model: string | null; cost_nano: number }
  saving: { nano: number; fraction: number }
}

/** `tokens × nano-per-million / 1e6`, rounded up, exact for any size (BigInt). */
const perMillion = (tokens: number, nanoPerMillion: number): number =>
  Number((BigInt(tokens) * BigInt(nanoPerMillion) + 999_999n) / 1_000_000n)

/**
 * Prices a token volume split by tier. With `prices`, a flat rate per tier (the article's figures); without, each
 * tier's first configured model at its input and output rates, split by `outputShare`.
 *
 * @example projectMix({ mix: { trivial: 0.7, medium: 0.2, premium: 0.1 }, tokens: 100e6,
 *   prices: { trivial: 10e6, medium: 550e6, premium: 15e9 }, baselinePrice: 30e9 }, config, 'gpt-4.1')
 * // total_nano 161_700_000_000 ($161.70), baseline 3_000_000_000_000 ($3,000)
 */
export function projectMix(a: MixAssumption, config: Config, baselineModel: string): MixProjection {
  const outShare = a.outputShare ?? 0.25
  const realCost = (model: string, tokens: number) => {
    const p = priceOf(model, config)
    const out = Math.round(tokens * outShare)
    return perMillion(tokens - out, p.input) + perMillion(out, p.output)
  }
  const tiers = {} as MixProjection['tiers']
  let total = 0
  let allocated = 0
  TIERS.forEach((t, i) => {
    // The last tier takes the remainder, so the tiers' tokens add up to the total exactly.
    const tokens = i === TIERS.length - 1 ? a.tokens - allocated : Math.round(a.tokens * a.mix[t])
    allocated += tokens
    const model = a.prices ? null : config.tiers[t].find((id) => isPriced(id, config)) ?? null
    if (!a.prices && !model) throw new Error(`no model of the ${t} tier has a price: ${config.tiers[t].join(', ')}`)
    const c = a.prices ? perMillion(tokens, a.prices[t]) : realCost(model!, tokens)
    tiers[t] = { tokens, model, cost_nano: c }
    total += c
  })
  if (a.baselinePrice === undefined && !isPriced(baselineModel, config)) throw new Error(`the baseline model '${baselineModel}' has no price`)
  const base = a.baselinePrice !== undefined ? perMillion(a.tokens, a.baselinePrice) : realCost(baselineModel, a.tokens)
  return {
    tiers, total_nano: total,
    baseline: { model: a.baselinePrice !== undefined ? null : baselineModel, cost_nano: base },
    saving: { nano: base - total, fraction: base > 0 ? (base - total) / base : 0 },
  }
}
