/**
 * Server-rendered SVG charts: no script, no external resources, colours from CSS classes (so light and dark mode
 * follow `prefers-color-scheme`). Every chart is drawn twice, narrow (phones) and wide (desktops); CSS shows one,
 * so text stays legible at both widths without scaling tricks.
 *
 * @example <BarChart title="Cost per tier" unit="USD" categories={['04-29', '04-30']} mode="stacked"
 *            series={[{ key: 'trivial', label: 'trivial', values: [0.01, 0.02] }]} format={usdTick} />
 */
import type { FC } from 'hono/jsx'

/** Round numbers for an axis from 0 to at least `max`: 0, step, 2·step, … with step 1, 2, 2.5 or 5 × 10^k. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1]
  const raw = max / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw * 0.999)!
  const ticks: number[] = []
  for (let i = 0; ; i++) {
    const t = Number((i * step).toPrecision(12))
    ticks.push(t)
    if (t >= max * 0.999) break
  }
  return ticks
}

/** The fewest digits after the point that write every tick exactly. */
function decimalsFor(ticks: number[]): number {
  for (let d = 0; d < 9; d++) if (ticks.every((t) => Math.abs(Number(t.toFixed(d)) - t) < 1e-12)) return d
  return 9
}

export type TickFormat = (value: number, ticks: number[]) => string
export const usdTick: TickFormat = (v, ticks) => (v === 0 ? '$0' : `$${v.toFixed(decimalsFor(ticks))}`)
export const countTick: TickFormat = (v, ticks) => (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(decimalsFor(ticks)))
export const msTick: TickFormat = (v) => `${Math.round(v).toLocaleString('en-US')} ms`

export interface Series {
  /** CSS class suffix for the colour: `s-<key>` (e.g. trivial, medium, premium, actual, premium-eq, p50, p95). */
  key: string
  label: string
  values: number[]
}

export interface BarChartProps {
  title: string
  /** The y axis' unit, written on the axis (e.g. 'USD', 'requests', 'ms'). */
  unit: string
  /** The x axis' name (e.g. 'UTC day', 'provider'). */
  xLabel: string
  categories: string[]
  series: Series[]
  mode: 'stacked' | 'grouped'
  format: TickFormat
  /** Shown instead of bars when every value is 0. */
  empty?: string
}

interface Geometry {
  width: number
  height: number
  left: number
  right: number
  top: number
  bottom: number
  /** Most x labels drawn; the rest are skipped evenly. */
  maxLabels: number
}

const NARROW: Geometry = { width: 360, height: 230, left: 58, right: 8, top: 26, bottom: 42, maxLabels: 5 }
const WIDE: Geometry = { width: 560, height: 250, left: 66, right: 12, top: 26, bottom: 42, maxLabels: 10 }

const fmt = (n: number) => Number(n.toFixed(2))

/** A chart's plotted rectangles, computed apart from rendering (exported for tests). */
export function layoutBars(p: Pick<BarChartProps, 'categories' | 'series' | 'mode'>, g: Geometry = WIDE) {
  const plotW = g.width - g.left - g.right
  const plotH = g.height - g.top - g.bottom
  const totals = p.categories.map((_, i) =>
    p.mode === 'stacked' ? p.series.reduce((s, x) => s + Math.max(0, x.values[i] ?? 0), 0) : Math.max(0, ...p.series.map((x) => x.values[i] ?? 0)),
  )
  const ticks = niceTicks(Math.max(0, ...totals))
  const top = ticks[ticks.length - 1]
  const y = (v: number) => g.top + plotH - (v / top) * plotH
  const band = plotW / Math.max(1, p.categories.length)
  const barW = Math.max(1, Math.min(band * 0.7, 28 * Math.max(1, p.series.length)))
  const bars: Array<{ x: number; y: number; w: number; h: number; key: string; label: string; category: string; value: number }> = []
  p.categories.forEach((category, i) => {
    const x0 = g.left + i * band + (band - barW) / 2
    let base = 0
    p.series.forEach((s, j) => {
      const v = Math.max(0, s.values[i] ?? 0)
      if (v === 0) return
      if (p.mode === 'stacked') {
        bars.push({ x: fmt(x0), y: fmt(y(base + v)), w: fmt(barW), h: fmt(y(base) - y(base + v)), key: s.key, label: s.label, category, value: v })
        base += v
      } else {
        const w = barW / p.series.length
        bars.push({ x: fmt(x0 + j * w), y: fmt(y(v)), w: fmt(w), h: fmt(y(0) - y(v)), key: s.key, label: s.label, category, value: v })
      }
    })
  })
  return { ticks, y, band, bars, plotW, plotH, allZero: totals.every((t) => t === 0) }
}

const Chart: FC<BarChartProps & { g: Geometry; variant: string }> = (p) => {
  const { g } = p
  const l = layoutBars(p, g)
  const every = Math.max(1, Math.ceil(p.categories.length / g.maxLabels))
  const baseY = g.top + l.plotH
  return (
    <svg class={`chart ${p.variant}`} viewBox={`0 0 ${g.width} ${g.height}`} role="img" aria-label={`${p.title} (${p.unit})`} xmlns="http://www.w3.org/2000/svg">
      <title>{`${p.title} (${p.unit})`}</title>
      {l.ticks.map((t) => (
        <g>
          <line class="grid" x1={g.left} x2={g.width - g.right} y1={fmt(l.y(t))} y2={fmt(l.y(t))} />
          <text class="tick" x={g.left - 6} y={fmt(l.y(t) + 4)} text-anchor="end">{p.format(t, l.ticks)}</text>
        </g>
      ))}
      <line class="axis" x1={g.left} x2={g.left} y1={g.top} y2={baseY} />
      <line class="axis" x1={g.left} x2={g.width - g.right} y1={baseY} y2={baseY} />
      <text class="unit" x={g.left - 6} y={12} text-anchor="end">{p.unit}</text>
      {p.categories.map((c, i) =>
        i % every === 0 ? (
          <text class="tick" x={fmt(g.left + i * l.band + l.band / 2)} y={baseY + 15} text-anchor="middle">{c}</text>
        ) : null,
      )}
      <text class="unit" x={fmt(g.left + l.plotW / 2)} y={g.height - 6} text-anchor="middle">{p.xLabel}</text>
      {l.bars.map((b) => (
        <rect class={`bar s-${b.key}`} x={b.x} y={b.y} width={b.w} height={Math.max(0.5, b.h)}>
          <title>{`${b.category} · ${b.label}: ${p.format(b.value, l.ticks)}`}</title>
        </rect>
      ))}
      {l.allZero ? (
        <text class="empty" x={fmt(g.left + l.plotW / 2)} y={fmt(g.top + l.plotH / 2)} text-anchor="middle">{p.empty ?? 'No data in this window'}</text>
      ) : null}
    </svg>
  )
}

/** A bar chart (stacked or grouped) with axes, units, a legend, and a narrow and a wide rendering. */
export const BarChart: FC<BarChartProps> = (p) => (
  <figure class="figure">
    <figcaption>{p.title}</figcaption>
    <Chart {...p} g={NARROW} variant="narrow" />
    <Chart {...p} g={WIDE} variant="wide" />
    <Legend series={p.series} />
  </figure>
)

export const Legend: FC<{ series: Array<Pick<Series, 'key' | 'label'>> }> = ({ series }) => (
  <ul class="legend">
    {series.map((s) => (
      <li>
        <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect class={`s-${s.key}`} width="10" height="10" rx="2" /></svg>
        {s.label}
      </li>
    ))}
  </ul>
)

/**
 * How much of a budget window is used, with marks where the policy steps down (premium → medium → trivial).
 * `used` is spent / limit; `stepDown` are the remaining fractions at which tiers are dropped.
 */
export const Meter: FC<{ used: number; stepDown: number[]; label: string }> = ({ used, stepDown, label }) => {
  const w = 200
  const clamped = Math.min(1, Math.max(0, used))
  const level = used >= 1 ? 'over' : stepDown.some((f) => f > 0 && 1 - used < f) ? 'warn' : 'ok'
  return (
    <svg class="meter" viewBox={`0 0 ${w} 12`} preserveAspectRatio="none" role="img" aria-label={label} xmlns="http://www.w3.org/2000/svg">
      <title>{label}</title>
      <rect class="meter-bg" width={w} height="12" rx="3" />
      <rect class={`meter-fill m-${level}`} width={fmt(clamped * w)} height="12" rx="3" />
      {stepDown.filter((f) => f > 0 && f < 1).map((f) => (
        <line class="meter-mark" x1={fmt((1 - f) * w)} x2={fmt((1 - f) * w)} y1="0" y2="12" vector-effect="non-scaling-stroke" />
      ))}
    </svg>
  )
}
