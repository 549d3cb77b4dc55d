/**
 * test/node/browser.ts: where the browser cannot be provisioned, the run fails with one line saying what to
 * install, instead of skipping the browser tests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { MISSING_BROWSER, chromiumCandidates, ensureChromium } from './browser'

describe('ensureChromium', () => {
  it('fails with one line naming what to install when not root', () => {
    const log: string[] = []
    expect(() => ensureChromium({ candidates: ['/nonexistent/chromium'], isRoot: false, aptGet: '/usr/bin/apt-get', log: (l) => log.push(l) }))
      .toThrow(MISSING_BROWSER)
    expect(MISSING_BROWSER).not.toContain('\n')
    expect(MISSING_BROWSER).toMatch(/apt-get install chromium/)
    expect(log).toEqual([]) // nothing was attempted
  })

  it('fails the same way as root on a machine without apt-get', () => {
    expect(() => ensureChromium({ candidates: ['/nonexistent/chromium'], isRoot: true, aptGet: undefined })).toThrow(MISSING_BROWSER)
  })

  it('uses a browser that is there, CHROMIUM_PATH first, without installing anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'triage-browser-'))
    try {
      const bin = join(dir, 'chrome')
      writeFileSync(bin, '')
      const candidates = chromiumCandidates({ CHROMIUM_PATH: bin })
      expect(candidates[0]).toBe(bin)
      expect(ensureChromium({ candidates, isRoot: false, aptGet: undefined })).toBe(bin)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
