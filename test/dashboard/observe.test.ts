/** observe(): one Analytics Engine data point per request, only when the binding exists; never throws. */
import { describe, expect, it, vi } from 'vitest'
import { observe, dataPoint, type RequestObservation } from '../../src/observability'

const line: RequestObservation = {
  tenant: 'ten_abc', tier: 'medium', model: 'deepseek-reasoner', provider: 'deepseek', status: 200,
  score: 0.41, input_tokens: 812, output_tokens: 96, cost_usd: '0.000268', latency_ms: 940,
}

describe('observe', () => {
  it('writes one data point in the documented column order', () => {
    const writeDataPoint = vi.fn()
    expect(observe({ ANALYTICS: { writeDataPoint } }, line)).toBe(true)
    expect(writeDataPoint).toHaveBeenCalledTimes(1)
    expect(writeDataPoint).toHaveBeenCalledWith({
      indexes: ['ten_abc'],
      blobs: ['ten_abc', 'medium', 'deepseek-reasoner', 'deepseek', '200'],
      doubles: [0.41, 812, 96, 0.000268, 940],
    })
  })

  it('is a no-op without the binding', () => {
    expect(observe({}, line)).toBe(false)
    expect(observe({ ANALYTICS: null }, line)).toBe(false)
  })

  it('fills unknowns with empty blobs and sentinel doubles', () => {
    const p = dataPoint({ ...line, tier: null, model: null, provider: null, status: 'unsettled', score: null, latency_ms: null, cost_usd: 'nonsense' })
    expect(p.blobs).toEqual(['ten_abc', '', '', '', 'unsettled'])
    expect(p.doubles).toEqual([-1, 812, 96, 0, 0])
  })

  it('swallows a failing binding (telemetry never fails a request)', () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {})
    const writeDataPoint = () => { throw new Error('dataset gone') }
    expect(observe({ ANALYTICS: { writeDataPoint } }, line)).toBe(false)
    expect(err).toHaveBeenCalledTimes(1)
    expect(String(err.mock.calls[0][0])).not.toContain('812') // no payload dumped
    err.mockRestore()
  })
})
