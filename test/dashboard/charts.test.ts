/** Server-rendered SVG: axis ticks, bar geometry, and markup that needs no script or outside resource. */
import { describe, expect, it } from 'vitest'
import { niceTicks, layoutBars, usdTick, countTick, msTick, BarChart, Meter } from '../../src/dashboard/charts'

const render = (node: unknown) => String(node)

describe('axis ticks', () => {
  it('covers the maximum with round steps from zero', () => {
    expect(niceTicks(0)).toEqual([0, 1])
    expect(niceTicks(10)).toEqual([0, 2.5, 5, 7.5, 10])
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8])
    expect(niceTicks(0.00037)).toEqual([0, 0.0001, 0.0002, 0.0003, 0.0004])
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500])
    for (const max of [0.3, 3, 17, 99, 101, 12345, 0.0000042]) {
      const t = niceTicks(max)
      expect(t[0]).toBe(0)
      expect(t[t.length - 1]).toBeGreaterThanOrEqual(max * 0.999)
      expect(t.length).toBeLessThanOrEqual(6)
    }
  })

  it('writes ticks with units and just enough digits', () => {
    expect(niceTicks(0.00037).map((v, _, all) => usdTick(v, all))).toEqual(['$0', '$0.0001', '$0.0002', '$0.0003', '$0.0004'])
    expect(niceTicks(10).map((v, _, all) => usdTick(v, all))).toEqual(['$0', '$2.5', '$5.0', '$7.5', '$10.0'])
    expect(niceTicks(1234).map((v, _, all) => countTick(v, all))).toEqual(['0', '500', '1,000', '1,500'])
    expect(msTick(1234.4, [])).toBe('1,234 ms')
  })
})

describe('bar layout', () => {
  const g = { width: 400, height: 200, left: 50, right: 10, top: 10, bottom: 40, maxLabels: 5 }

  it('stacks series in proportion, on a shared baseline', () => {
    const l = layoutBars({ categories: ['a', 'b'], mode: 'stacked', series: [
      { key: 'trivial', label: 'trivial', values: [3, 0] },
      { key: 'premium', label: 'premium', values: [1, 8] },
    ] }, g)
    expect(l.ticks).toEqual([0, 2, 4, 6, 8])
    const plotH = 200 - 10 - 40
    const [a1, a2, b2] = l.bars
    expect(l.bars).toHaveLength(3) // zero values draw nothing
    expect(a1.h).toBeCloseTo((3 / 8) * plotH, 1)
    expect(a2.h).toBeCloseTo((1 / 8) * plotH, 1)
    expect(a2.y + a2.h).toBeCloseTo(a1.y, 1) // stacked on top
    expect(b2.h).toBeCloseTo(plotH, 1)
    expect(b2.y + b2.h).toBeCloseTo(a1.y + a1.h, 1) // same baseline
    expect(b2.x).toBeGreaterThan(a1.x)
  })

  it('puts grouped series side by side, scaled to the largest', () => {
    const l = layoutBars({ categories: ['x'], mode: 'grouped', series: [
      { key: 'p50', label: 'p50', values: [100] },
      { key: 'p95', label: 'p95', values: [400] },
    ] }, g)
    expect(l.ticks.at(-1)).toBe(400)
    const [p50, p95] = l.bars
    expect(p50.x + p50.w).toBeCloseTo(p95.x, 1)
    expect(p95.h / p50.h).toBeCloseTo(4, 2)
  })
})

describe('rendered charts', () => {
  const chart = render(BarChart({
    title: 'Cost per tier', unit: 'USD', xLabel: 'UTC day', mode: 'stacked', format: usdTick,
    categories: ['04-29', '04-30'],
    series: [{ key: 'trivial', label: 'trivial', values: [0.001, 0.002] }, { key: 'premium', label: 'premium <b>', values: [0, 0.004] }],
  }))

  it('has axes, unit labels, a legend and a narrow and a wide rendering', () => {
    expect(chart.match(/<svg class="chart narrow"/g)).toHaveLength(1)
    expect(chart.match(/<svg class="chart wide"/g)).toHaveLength(1)
    expect(chart.match(/class="axis"/g)).toHaveLength(4)
    expect(chart).toContain('>USD</text>')
    expect(chart).toContain('>UTC day</text>')
    expect(chart).toContain('>$0.006</text>')
    expect(chart).toContain('>04-30</text>')
    expect(chart).toContain('<title>04-30 · trivial: $0.002</title>')
    expect(chart).toContain('<ul class="legend">')
    expect(chart).toContain('role="img"')
  })

  it('escapes text and uses no script, inline style or outside resource', () => {
    expect(chart).toContain('premium &lt;b&gt;')
    expect(chart).not.toMatch(/<script|style=|href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
  })

  it('says so when there is nothing to draw', () => {
    const empty = render(BarChart({ title: 'Latency', unit: 'ms', xLabel: 'provider', mode: 'grouped', format: msTick, categories: [], series: [], empty: 'No successful requests' }))
    expect(empty).toContain('No successful requests')
    expect(empty).not.toContain('class="bar')
  })

  it('draws a budget meter with its step-down marks, and colours it by level', () => {
    const ok = render(Meter({ used: 0.5, stepDown: [0.2, 0.05], label: 'Today' }))
    expect(ok).toContain('m-ok')
    expect(ok.match(/class="meter-mark"/g)).toHaveLength(2)
    expect(ok).toContain('x1="160"') // 20% left = 80% used
    expect(render(Meter({ used: 0.85, stepDown: [0.2, 0.05], label: 'x' }))).toContain('m-warn')
    const over = render(Meter({ used: 1.2, stepDown: [0.2, 0.05], label: 'x' }))
    expect(over).toContain('m-over')
    expect(over).toContain('width="200"') // clamped
  })
})
