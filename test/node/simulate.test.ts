/**
 * `npm run simulate`, run as a user runs it (the CLI in a child process) on small logs whose costs are computed
 * here by hand from the price table's published rates.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { chromium } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { CHROMIUM_FLAGS } from './browser'

const run = promisify(execFile)
const FIX = 'test/fixtures/simulate'

async function simulate(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/simulate.mjs', ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 })
    return { code: 0, stdout, stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}
const json = async (args: string[]) => {
  const r = await simulate([...args, '--json'])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout)
}
const tmp = () => mkdtempSync(join(tmpdir(), 'triage-sim-'))

describe('simulate', () => {
  it('reproduces the article: 70/20/10 of 100M tokens at $0.01/$0.55/$15 is $161.70 against $3,000', async () => {
    const r = await json(['--assume-mix', '70/20/10', '--assume-tokens', '100M', '--assume-prices', '0.01,0.55,15', '--baseline-price', '30'])
    expect(r.total_nano).toBe(161_700_000_000)
    expect(r.baseline.cost_nano).toBe(3_000_000_000_000)
    expect(r.tiers.trivial.tokens + r.tiers.medium.tokens + r.tiers.premium.tokens).toBe(100_000_000)
    const text = await simulate(['--assume-mix', '70/20/10', '--assume-tokens', '100M', '--assume-prices', '0.01,0.55,15', '--baseline-price', '30'])
    expect(text.stdout).toContain('$161.70')
    expect(text.stdout).toContain('$3,000.00')
  })

  it('prices the same mix at the price table\'s real rates (gpt-4.1: $2 in, $8 out per M)', async () => {
    const r = await json(['--assume-mix', '0/0/100', '--assume-tokens', '1M', '--assume-output-share', '0.25'])
    // 750,000 input × $2/M + 250,000 output × $8/M = $1.50 + $2.00
    expect(r.tiers.premium.model).toBe('gpt-4.1')
    expect(r.total_nano).toBe(3_500_000_000)
  })

  it('detects and names each input format', async () => {
    for (const [file, format, n] of [['chat.jsonl', 'chat-requests', 4], ['batch.jsonl', 'openai-batch', 2], ['pairs.jsonl', 'request-response', 2]] as const) {
      const r = await json([`${FIX}/${file}`])
      expect(r.format).toBe(format)
      expect(r.requests).toBe(n)
      const text = await simulate([`${FIX}/${file}`])
      expect(text.stdout).toContain(r.format_name)
    }
  })

  it('matches a hand-computed log to the nano-dollar (everything on premium, gpt-4.1)', async () => {
    // Thresholds 0/0 send every request to premium. pairs.jsonl's usage: 8 in / 12 out, then 15 in / 900 out of
    // which 600 reasoning. gpt-4.1 is not a reasoning model, so the second answer's visible 300 tokens are billed.
    const r = await json([`${FIX}/pairs.jsonl`, '--medium', '0', '--premium', '0'])
    const perToken = { input: 2_000, output: 8_000 } // nano-USD per token: $2 and $8 per million
    const first = 8 * perToken.input + 12 * perToken.output
    const second = 15 * perToken.input + 300 * perToken.output
    expect(r.tiers.premium.requests).toBe(2)
    expect(r.total.cost_nano).toBe(first + second)
    expect(r.models['gpt-4.1'].cost_nano).toBe(first + second)
    // The baseline pays what the log says was produced, reasoning included (gpt-4.1 bills reasoning as output).
    expect(r.baseline.cost_nano).toBe(first + 15 * perToken.input + 900 * perToken.output)
    // The log spans one day (created 1793955600 → 1794042000): a month is 30 of them.
    expect(r.monthly.factor).toBe(30)
    expect(r.monthly.cost_nano).toBe((first + second) * 30)
  })

  it('bills the medium tier\'s hidden reasoning: logged where the log has it, else 3× the visible output', async () => {
    const r = await json([`${FIX}/pairs.jsonl`, '--medium', '0', '--premium', '1'])
    // deepseek-reasoner: $0.28 in, $0.42 out (reasoning billed as output), in nano-USD per token.
    const p = { input: 280, output: 420 }
    const ceil = (n: number) => Math.ceil(n)
    const first = ceil(8 * p.input + (12 + 36) * p.output) // 12 visible + 3 × 12 reasoning
    const second = ceil(15 * p.input + (300 + 600) * p.output) // 300 visible + 600 logged reasoning
    expect(r.tiers.medium.requests).toBe(2)
    expect(r.tiers.medium.reasoning_tokens).toBe(36 + 600)
    expect(r.total.cost_nano).toBe(first + second)
  })

  it('scales to a month with --period and --monthly-requests', async () => {
    const a = await json([`${FIX}/batch.jsonl`, '--period', '7d'])
    expect(a.monthly.factor).toBeCloseTo(30 / 7, 12)
    const b = await json([`${FIX}/batch.jsonl`, '--monthly-requests', '1000'])
    expect(b.monthly.factor).toBe(500)
    expect(b.monthly.cost_nano).toBe(Math.round(b.total.cost_nano * 500))
  })

  it('sweeps thresholds: the premium share never grows with the premium threshold, the trivial share never shrinks with the medium one', async () => {
    const r = await json([`${FIX}/chat.jsonl`, '--sweep'])
    const pts = r.sweep as Array<{ medium: number; premium: number; cost_nano: number; mix: Record<string, number> }>
    expect(pts.length).toBe(21 * 22 / 2)
    const at = (m: number, p: number) => pts.find((x) => Math.abs(x.medium - m) < 1e-9 && Math.abs(x.premium - p) < 1e-9)!
    for (let i = 0; i <= 20; i++) {
      for (let j = i; j < 20; j++) {
        expect(at(i / 20, (j + 1) / 20).mix.premium).toBeLessThanOrEqual(at(i / 20, j / 20).mix.premium)
      }
    }
    for (let j = 0; j <= 20; j++) {
      for (let i = 0; i < j; i++) {
        expect(at((i + 1) / 20, j / 20).mix.trivial).toBeGreaterThanOrEqual(at(i / 20, j / 20).mix.trivial)
      }
    }
    // Everything premium costs what the all-premium run costs.
    const all = await json([`${FIX}/chat.jsonl`, '--medium', '0', '--premium', '0'])
    expect(at(0, 0).cost_nano).toBe(all.total.cost_nano)
    expect(at(0, 0).mix.premium).toBe(1)
  })

  it('applies a tenant policy: allowed tiers cap every request', async () => {
    const r = await json([`${FIX}/chat.jsonl`, '--medium', '0', '--premium', '0', '--policy', '{"allowed_tiers":["trivial","medium"]}'])
    expect(r.tiers.premium.requests).toBe(0)
    expect(r.tiers.medium.requests).toBe(4)
    const bad = await simulate([`${FIX}/chat.jsonl`, '--policy', '{"allowed_tiers":["gold"]}'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^simulate: --policy: allowed_tiers/)
  })

  it('replays a budget in time order: refusals once a day runs out, counted per day', async () => {
    const dir = tmp()
    const lines: string[] = []
    for (let day = 1; day <= 2; day++) {
      for (let i = 0; i < 20; i++) {
        lines.push(JSON.stringify({
          request: { messages: [{ role: 'user', content: `question ${i}` }], max_tokens: 100 },
          response: { usage: { prompt_tokens: 10, completion_tokens: 100 } },
          timestamp: `2026-11-0${day}T10:${String(i).padStart(2, '0')}:00Z`,
        }))
      }
    }
    writeFileSync(join(dir, 'log.jsonl'), lines.join('\n'))
    // Every request scores premium (thresholds 0/0) and the policy never steps down by fraction, so only the budget
    // moves it, as in the Worker's decide(). On premium (gpt-4.1) each costs 10 × 2,000 + 100 × 8,000 = 820,000 nano
    // and reserves the worst case over the tier's models, fallback included: claude-sonnet-4-6's 100 × 15,000 output
    // plus its few input tokens at 3,000, between 1,500,000 and 1,640,000. After 11 on a $0.01 day, 980,000 is left:
    // premium no longer fits, so the rest of the day steps down to medium (deepseek-reasoner: 10 × 280 + 100 × 420 =
    // 44,800 nano, its 100 output tokens all reasoning), which fits. Nothing is refused.
    const policy = ['--policy', '{"downgrade_at_remaining_fraction":{"premium":0,"medium":0}}']
    const r = await json([join(dir, 'log.jsonl'), '--medium', '0', '--premium', '0', ...policy, '--budget', 'daily=0.01'])
    expect(r.budget.refused).toBe(0)
    expect(r.tiers.premium.requests).toBe(22)
    expect(r.tiers.medium.requests).toBe(18)
    expect(r.budget.downgraded).toBe(18)
    expect(r.budget.spent_nano).toBe(22 * 820_000 + 18 * 44_800)
    // $0.0001 a day: premium never fits; two medium answers do (44,800 each, reserving a little more); then not even
    // a trivial answer of the client's own 100 tokens fits, and the rest of the day is refused.
    const poor = await json([join(dir, 'log.jsonl'), '--medium', '0', '--premium', '0', ...policy, '--budget', 'daily=0.0001'])
    expect(poor.budget.refused).toBe(36)
    expect(poor.budget.exhausted.daily).toEqual(['2026-11-01', '2026-11-02'])
    expect(poor.budget.spent_nano).toBe(4 * 44_800)
    expect(poor.tiers.medium.requests).toBe(4)
    // With the default policy, premium steps down earlier: below 20% of the day left.
    const d = await json([join(dir, 'log.jsonl'), '--medium', '0', '--premium', '0', '--budget', 'daily=0.01'])
    expect(d.tiers.premium.requests).toBeLessThan(22)
  })

  it('stops at a bad line with FILE:LINE and exit 1; --skip-bad counts and skips it', async () => {
    const dir = tmp()
    const file = join(dir, 'bad.jsonl')
    writeFileSync(file, [readFileSync(`${FIX}/chat.jsonl`, 'utf8').split('\n')[0], '{"messages": "nope"}', '{oops', ''].join('\n'))
    const r = await simulate([file])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^simulate: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: `))
    const skipped = await json([file, '--skip-bad'])
    expect(skipped.requests).toBe(1)
    expect(skipped.skipped.map((s: { line: number }) => s.line)).toEqual([2, 3])
    const mixed = join(dir, 'mixed.jsonl')
    writeFileSync(mixed, [readFileSync(`${FIX}/chat.jsonl`, 'utf8').split('\n')[0], readFileSync(`${FIX}/batch.jsonl`, 'utf8').split('\n')[0]].join('\n'))
    const m = await simulate([mixed])
    expect(m.code).toBe(1)
    expect(m.stderr).toContain(':2: this line is a OpenAI Batch API input file line')
  })

  it('names an unpriced baseline, and a Batch line for another endpoint', async () => {
    const r = await simulate([`${FIX}/chat.jsonl`, '--baseline', 'gpt-9-imaginary'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("the baseline model 'gpt-9-imaginary' has no price")
    const dir = tmp()
    writeFileSync(join(dir, 'emb.jsonl'), JSON.stringify({ custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: { input: 'x' } }))
    const e = await simulate([join(dir, 'emb.jsonl')])
    expect(e.code).toBe(1)
    expect(e.stderr).toContain('only /v1/chat/completions lines can be routed')
  })

  it('writes a self-contained HTML report (no script, no external resource)', async () => {
    const dir = tmp()
    const out = join(dir, 'report.html')
    const r = await simulate([`${FIX}/chat.jsonl`, '--html', out])
    expect(r.code).toBe(0)
    const html = readFileSync(out, 'utf8')
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(/<script|<link|src=|@import|url\(/i.exec(html)?.[0] ?? null).toBeNull()
    expect(html.includes('<svg')).toBe(true)
    expect(html.includes('Threshold sweep: cost by premium threshold')).toBe(true)
  })

  it('its HTML report renders in Chromium: headline, charts, no request leaves the page, no sideways scroll on a phone', async () => {
    const dir = tmp()
    const out = join(dir, 'report.html')
    expect((await simulate([`${FIX}/chat.jsonl`, '--sweep', '--html', out])).code).toBe(0)
    const browser = await chromium.launch({
      executablePath: inject('chromiumPath'), headless: true, args: CHROMIUM_FLAGS,
    })
    try {
      for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 900 }]) {
        const page = await browser.newPage({ viewport })
        const requests: string[] = []
        const errors: string[] = []
        page.on('request', (r) => { if (!r.url().startsWith('file://')) requests.push(r.url()) })
        page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
        page.on('pageerror', (e) => errors.push(String(e)))
        await page.goto(`file://${out}`)
        expect(await page.locator('#saving').innerText()).toMatch(/saved \(\d+\.\d%\)/)
        const charts = await page.locator('svg.chart').evaluateAll((els) => els.filter((e) => (e as SVGElement).getBoundingClientRect().width > 100).length)
        expect(charts).toBeGreaterThanOrEqual(5) // one rendering of each chart is shown at this width
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
        await page.screenshot({ path: join('test-results', 'screenshots', `simulate-report-${viewport.width}.png`), fullPage: true })
        expect(requests).toEqual([])
        expect(errors).toEqual([])
        await page.close()
      }
    } finally {
      await browser.close()
    }
  })
})
