/**
 * The simulator's HTML report: one self-contained page (inline CSS, inline SVG, no script, no external resource),
 * drawn with the dashboard's own charts and style, so it reads like the dashboard and works offline.
 *
 * @example writeFileSync('report.html', renderReport({ sim, sweep: points, title: 'traffic.jsonl' }))
 */
import type { FC } from 'hono/jsx'
import { BarChart, countTick, usdTick } from '../dashboard/charts'
import { pct, roundUsd, toUsd } from '../dashboard/page'
import { CSS } from '../dashboard/style'
import { TIERS } from '../scoring/tiers'
import type { Simulation, SweepPoint } from './index'

export interface ReportInput {
  sim: Simulation
  sweep?: SweepPoint[]
  /** What was simulated (the log's name, the format read). */
  title: string
  /** Lines such as "format: JSONL of Chat Completions request bodies", "period: 7 days". */
  notes: string[]
  /** Scale from the log to a month, when known. */
  monthly?: number
  /** The thresholds in force, to pick the sweep's row to chart. */
  thresholds: { medium: number; premium: number }
}

const Report: FC<{ r: ReportInput }> = ({ r }) => {
  const { sim } = r
  const costs = TIERS.map((t) => toUsd(sim.tiers[t].cost_nano))
  // The sweep's row nearest the medium threshold in force: cost as the premium threshold moves.
  const nearest = r.sweep?.reduce((best, p) => (Math.abs(p.medium - r.thresholds.medium) < Math.abs(best - r.thresholds.medium) ? p.medium : best), Infinity)
  const row = r.sweep?.filter((p) => p.medium === nearest) ?? []
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`Triage simulation: ${r.title}`}</title>
        <style>{CSS}</style>
      </head>
      <body>
        <header class="top"><h1>{`What Triage would cost: ${r.title}`}</h1><span class="meta">{r.notes.join(' · ')}</span></header>
        <main>
          <section class="card headline">
            <div>
              <div class="saved" id="saving">{`${roundUsd(sim.saving.nano)} saved (${pct(sim.saving.fraction)})`}</div>
              <div class="saved-sub">{`Triage ${roundUsd(sim.total.cost_nano)} against ${roundUsd(sim.baseline.cost_nano)} all on ${sim.baseline.model}`}</div>
            </div>
            <div class="kpis">
              <div class="kpi"><div class="k">requests</div><div class="v">{sim.requests.toLocaleString('en-US')}</div></div>
              {TIERS.map((t) => (
                <div class="kpi"><div class="k">{t}</div><div class="v">{`${pct(sim.requests ? sim.tiers[t].requests / sim.requests : 0)}`}</div></div>
              ))}
              {r.monthly ? (
                <div class="kpi" id="monthly"><div class="k">per month</div><div class="v">{`${roundUsd(Math.round(sim.total.cost_nano * r.monthly))} vs ${roundUsd(Math.round(sim.baseline.cost_nano * r.monthly))}`}</div></div>
              ) : null}
            </div>
          </section>
          <div class="grid2">
            <section class="card">
              <BarChart title="Tier mix" unit="requests" xLabel="tier" categories={[...TIERS]} mode="grouped" format={countTick}
                series={[{ key: 'actual', label: 'requests', values: TIERS.map((t) => sim.tiers[t].requests) }]} />
            </section>
            <section class="card">
              <BarChart title="Tokens per tier" unit="tokens" xLabel="tier" categories={[...TIERS]} mode="stacked" format={countTick}
                series={[
                  { key: 'trivial', label: 'input', values: TIERS.map((t) => sim.tiers[t].input_tokens) },
                  { key: 'medium', label: 'visible output', values: TIERS.map((t) => sim.tiers[t].output_tokens - sim.tiers[t].reasoning_tokens) },
                  { key: 'premium', label: 'reasoning (billed as output)', values: TIERS.map((t) => sim.tiers[t].reasoning_tokens) },
                ]} />
            </section>
            <section class="card">
              <BarChart title={`Cost: Triage per tier against all on ${sim.baseline.model}`} unit="USD" xLabel="" categories={['Triage', sim.baseline.model]} mode="stacked" format={usdTick}
                series={[
                  ...TIERS.map((t, i) => ({ key: t, label: `Triage ${t}`, values: [costs[i], 0] })),
                  { key: 'premium-eq', label: `all on ${sim.baseline.model}`, values: [0, toUsd(sim.baseline.cost_nano)] },
                ]} />
            </section>
            {row.length ? (
              <section class="card">
                <BarChart title={`Threshold sweep: cost by premium threshold (medium threshold ${row[0]?.medium.toFixed(2)})`} unit="USD" xLabel="TRIAGE_THRESHOLD_PREMIUM"
                  categories={row.map((p) => p.premium.toFixed(2))} mode="grouped" format={usdTick}
                  series={[{ key: 'actual', label: 'cost', values: row.map((p) => toUsd(p.cost_nano)) }]} />
                <BarChart title="Threshold sweep: premium share by premium threshold" unit="% of requests" xLabel="TRIAGE_THRESHOLD_PREMIUM"
                  categories={row.map((p) => p.premium.toFixed(2))} mode="grouped" format={countTick}
                  series={[{ key: 'premium', label: 'premium share', values: row.map((p) => Math.round(p.mix.premium * 1000) / 10) }]} />
              </section>
            ) : null}
          </div>
          <section class="card">
            <h2>Per model</h2>
            <div class="scroll">
              <table>
                <thead><tr><th>tier</th><th>model</th><th class="num">requests</th><th class="num">input tokens</th><th class="num">output tokens</th><th class="num">cost</th></tr></thead>
                <tbody>
                  {Object.entries(sim.models).map(([id, m]) => (
                    <tr><td>{m.tier}</td><td>{id}</td><td class="num">{m.requests.toLocaleString('en-US')}</td><td class="num">{m.input_tokens.toLocaleString('en-US')}</td><td class="num">{m.output_tokens.toLocaleString('en-US')}</td><td class="num">{roundUsd(m.cost_nano)}</td></tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          {r.sweep ? (
            <section class="card">
              <details>
                <summary>Every threshold pair of the sweep</summary>
                <div class="scroll">
                  <table>
                    <thead><tr><th class="num">medium</th><th class="num">premium</th><th>trivial / medium / premium</th><th class="num">cost</th></tr></thead>
                    <tbody>
                      {r.sweep.map((p) => (
                        <tr><td class="num">{p.medium.toFixed(2)}</td><td class="num">{p.premium.toFixed(2)}</td><td>{`${pct(p.mix.trivial)} / ${pct(p.mix.medium)} / ${pct(p.mix.premium)}`}</td><td class="num">{roundUsd(p.cost_nano)}</td></tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </details>
            </section>
          ) : null}
        </main>
      </body>
    </html>
  )
}

export const renderReport = (r: ReportInput): string => `<!DOCTYPE html>${(<Report r={r} />).toString()}`
