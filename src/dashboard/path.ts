/**
 * Where the dashboard lives, and the headers every dashboard response gets: nothing but this origin's stylesheet
 * may load, no script at all, no framing. Kept apart from the pages so that src/app.ts can route to the dashboard
 * without loading it.
 *
 * @example app.use(`${DASHBOARD_PATH}/*`, dashboardHeaders)
 */
import { secureHeaders } from 'hono/secure-headers'

export const DASHBOARD_PATH = '/dashboard'

export const dashboardHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
  crossOriginResourcePolicy: 'same-origin',
  referrerPolicy: 'no-referrer',
  xFrameOptions: 'DENY',
})
