import { describe, expect, it } from 'vitest'
import { dayOf, dayResetsAt, monthOf, monthResetsAt } from '../../src/ledger/periods'

// The period strings are made once per UTC day (src/ledger/periods.ts); every call must still answer for its own time.
describe('UTC periods', () => {
  it('answer for each time, across day, month and year boundaries, in any order', () => {
    const times = [
      Date.UTC(2026, 3, 30, 23, 59, 59, 999), Date.UTC(2026, 4, 1), Date.UTC(2026, 3, 30, 0, 0), Date.UTC(2026, 11, 31, 12),
      Date.UTC(2027, 0, 1), Date.UTC(2026, 3, 30, 23, 59, 59, 999), Date.UTC(2024, 1, 29, 5), -1, 0,
    ]
    for (const ms of [...times, ...times.reverse()]) {
      const iso = new Date(ms).toISOString()
      const d = new Date(ms)
      expect(dayOf(ms)).toBe(iso.slice(0, 10))
      expect(monthOf(ms)).toBe(iso.slice(0, 7))
      expect(dayResetsAt(ms)).toBe(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)).toISOString())
      expect(monthResetsAt(ms)).toBe(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString())
    }
    expect(dayResetsAt(Date.UTC(2026, 3, 30, 23, 59))).toBe('2026-05-01T00:00:00.000Z')
    expect(monthResetsAt(Date.UTC(2026, 11, 31, 23, 59))).toBe('2027-01-01T00:00:00.000Z')
  })

  it('an invalid time throws, as Date.prototype.toISOString does', () => {
    dayOf(Date.UTC(2026, 0, 1))
    expect(() => dayOf(Number.NaN)).toThrow(RangeError)
    expect(() => monthResetsAt(8.64e15 + 1)).toThrow(RangeError)
  })
})
