/**
 * The dashboard's HTML, server-rendered with hono/jsx: no client script at all. Every figure comes from
 * `collectMetrics` (the same object the metrics API returns), so the page and the JSON cannot disagree.
 * Never shows prompt text: spend records carry none.
 */
import type { FC, PropsWithChildren } from 'hono/jsx'
import { BarChart, Meter, countTick, msTick, usdTick } from './charts'
import type { Metrics, TenantMetrics } from './metrics'
import { NANO_PER_USD, parseUsd } from '../money'
import { DASHBOARD_PATH } from './path'

export const WINDOWS = [1, 7, 30] as const

/** A decimal USD string for reading (roundUsd): '$0.0281', not '$0.028122011'. The exact value goes in data-value. */
const dollars = (s: string | null | undefined) => {
  if (s == null) return '—'
  const nano = parseUsd(s.replace(/^-/, ''))
  return nano === undefined ? `$${s}` : roundUsd(s.startsWith('-') ? -nano : nano)
}
/** When a window resets, for a person: 'in 5 h 12 min (00:00 UTC)', 'in 3 days (May 1, 00:00 UTC)'. */
export function resetsIn(iso: string, now: number): string {
  const at = Date.parse(iso)
  const min = Math.max(0, Math.round((at - now) / 60_000))
  const when = min < 24 * 60 ? `${Math.floor(min / 60) ? `${Math.floor(min / 60)} h ` : ''}${min % 60} min` : `${Math.round(min / (24 * 60))} days`
  const d = new Date(at)
  const day = min < 24 * 60 ? '' : `${d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${d.getUTCDate()}, `
  return `in ${when} (${day}${iso.slice(11, 16)} UTC)`
}
/** Readable USD for headlines: cents from $1 up, else three significant digits ('$0.000418'). Exact values stay in data-value. */
export function roundUsd(nano: number): string {
  const v = Math.abs(nano) / NANO_PER_USD
  const sign = nano < 0 ? '−' : ''
  if (v === 0) return '$0'
  if (v >= 1) return `${sign}$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
  return `${sign}$${Number(v.toPrecision(3)).toFixed(Math.min(9, 2 - Math.floor(Math.log10(v))))}`
}
const usedPct = (f: number) => (f > 0 && f < 0.01 ? '<1%' : pct(f, 0))
/** A fraction as a percentage for reading: 0.1234 → '12.3%', null → '—'. */
export const pct = (f: number | null | undefined, digits = 1) => (f == null ? '—' : `${(f * 100).toFixed(digits)}%`)
const ms = (v: number | null | undefined) => (v == null ? '—' : `${Math.round(v).toLocaleString('en-US')} ms`)
/** '2026-04-30T12:03:04.123Z' → '2026-04-30 12:03:04' (UTC). */
export const utc = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')
const shortDay = (day: string) => day.slice(5)
/** Nano-USD as a (floating) USD figure, for charts only; totals stay integer nano-USD. */
export const toUsd = (nano: number) => nano / NANO_PER_USD

export const Layout: FC<PropsWithChildren<{ title: string }>> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <meta name="referrer" content="no-referrer" />
      <meta name="robots" content="noindex, nofollow" />
      <title>{title}</title>
      <link rel="stylesheet" href={`${DASHBOARD_PATH}/assets/dashboard.css`} />
    </head>
    <body>{children}</body>
  </html>
)

export const SignIn: FC<{ error?: string }> = ({ error }) => (
  <Layout title="Sign in · Triage">
    <main class="signin">
      <section class="card">
        <h2>Triage dashboard</h2>
        <p class="muted">Sign in with the operator's ADMIN_TOKEN. The session lasts 12 hours; the token itself is never stored in the browser.</p>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <form method="post" action={`${DASHBOARD_PATH}/sign-in`}>
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required minlength={32} maxlength={512} />
          <button class="primary" type="submit">Sign in</button>
        </form>
      </section>
    </main>
  </Layout>
)

const TIER_SERIES = [
  { key: 'trivial', label: 'trivial' },
  { key: 'medium', label: 'medium' },
  { key: 'premium', label: 'premium' },
] as const

const Savings: FC<{ m: Metrics }> = ({ m }) => {
  const s = m.savings
  const days = m.savings_by_day
  return (
    <section class="card" aria-labelledby="savings-h">
      <h2 id="savings-h">Savings against premium</h2>
      <div class="headline">
        <div>
          <div class="saved" data-testid="saved-usd" data-value={s.saved_usd} title={`$${s.saved_usd}`}>{roundUsd(s.saved_nano)} saved</div>
          <div class="saved-sub">
            <b data-testid="saved-pct">{pct(s.saved_fraction)}</b> less than sending the same traffic to{' '}
            <b>{m.reference_premium_model ?? 'premium'}</b>
          </div>
          <div class="kpis">
            <div class="kpi"><div class="k">Actual cost</div><div class="v" data-testid="actual-usd" data-value={s.actual_usd}>{dollars(s.actual_usd)}</div></div>
            <div class="kpi"><div class="k">On premium</div><div class="v" data-testid="premium-usd" data-value={s.premium_usd}>{dollars(s.premium_usd)}</div></div>
            <div class="kpi"><div class="k">Requests</div><div class="v" data-testid="requests" data-value={String(s.requests)}>{s.requests.toLocaleString('en-US')}</div></div>
            <div class="kpi"><div class="k">Saved by routing</div><div class="v" data-testid="routing-saved-usd" data-value={s.routing_saved_usd}>{dollars(s.routing_saved_usd)}</div></div>
            <div class="kpi"><div class="k">Saved by cache ({s.cache_hits.toLocaleString('en-US')} hits)</div><div class="v" data-testid="cache-saved-usd" data-value={s.cache_saved_usd}>{dollars(s.cache_saved_usd)}</div></div>
          </div>
          <p class="muted note">
            Priced by the ledger from each request's real token counts ({m.price_version} prices), every request in the
            window. Requests answered on premium, and failed ones, count at what they cost. A response-cache hit costs
            nothing and counts what its answer cost when it was stored.
          </p>
        </div>
        <BarChart
          title="Cost per day: actual vs premium"
          unit="USD"
          xLabel="UTC day"
          mode="grouped"
          categories={days.map((d) => shortDay(d.day))}
          series={[
            { key: 'actual', label: 'actual cost', values: days.map((d) => toUsd(d.actual_nano)) },
            { key: 'premium-eq', label: `same traffic on ${m.reference_premium_model ?? 'premium'}`, values: days.map((d) => toUsd(d.premium_nano)) },
          ]}
          format={usdTick}
          empty="No requests in this window"
        />
      </div>
    </section>
  )
}

/** How the reasons of 429s read on the page. */
const REFUSAL: Record<string, string> = { daily_budget: 'daily budget spent', monthly_budget: 'monthly budget spent', in_flight: 'held by requests in flight' }

const Window: FC<{ name: string; spent: string; w: TenantMetrics['today']['daily']; stepDown: number[]; testid: string; now: number }> = ({ name, spent, w, stepDown, testid, now }) => (
  <div class="win" data-testid={testid}>
    <div class="row">
      <span>{name}</span>
      <span>
        <b data-field="spent" data-value={spent}>{dollars(spent)}</b>
        {w ? <> of <b data-field="limit" data-value={w.limit_usd}>{dollars(w.limit_usd)}</b> ({usedPct(w.used_fraction)})</> : ' · no limit'}
      </span>
    </div>
    {w ? (
      <>
        <Meter used={w.used_fraction} stepDown={stepDown} label={`${name}: ${dollars(spent)} of ${dollars(w.limit_usd)} used`} />
        <div class="row muted"><span>{dollars(w.remaining_usd)} left</span><span title={`${utc(w.resets_at)} UTC`} data-field="resets" data-value={w.resets_at}>resets {resetsIn(w.resets_at, now)}</span></div>
      </>
    ) : null}
  </div>
)

const Tenants: FC<{ m: Metrics }> = ({ m }) => (
  <section class="card" aria-labelledby="tenants-h">
    <h2 id="tenants-h">Tenants: spend against budget</h2>
    {m.tenants.length === 0 ? <p class="muted">No tenants yet. Create one with POST /admin/tenants.</p> : null}
    <div class="tenants">
      {m.tenants.map((t) => {
        const d = t.downgrade_at_remaining_fraction
        const stepDown = [d.premium, d.medium]
        return (
          <article class="tenant" data-tenant={t.id}>
            <h3>
              <span>{t.name}</span>
              <span class={`badge st-${t.activity === 'refusing' ? 'refused' : t.state}`} data-field="state">{t.activity}</span>
            </h3>
            <div class="id">{t.id}</div>
            {t.reason ? <div class="muted">{t.reason}</div> : null}
            {t.refusals.today.total ? (
              <div class="muted" data-field="refused-today" data-value={String(t.refusals.today.total)}>
                {t.refusals.today.total} refused today ({Object.entries(t.refusals.today.by_reason).map(([r, n]) => `${REFUSAL[r] ?? r}: ${n}`).join(', ')})
              </div>
            ) : null}
            <Window name="Today" spent={t.today.spent_usd} w={t.today.daily} stepDown={stepDown} testid="daily" now={Date.parse(m.generated_at)} />
            <Window name="This month" spent={t.month.spent_usd} w={t.month.monthly} stepDown={stepDown} testid="monthly" now={Date.parse(m.generated_at)} />
            <div class="row muted win" data-field="routing">
              <span>
                Routing: {t.routing.quality_target !== null ? `quality target ${pct(t.routing.quality_target, 0)}, ` : ''}thresholds {t.routing.thresholds.medium.toFixed(2)} / {t.routing.thresholds.premium.toFixed(2)}: expected {pct(t.routing.expected.quality)} of premium quality at {pct(t.routing.expected.cost)} of its cost
              </span>
            </div>
            <div class="row muted win">
              <span>
                {m.window.days === 1 ? 'Today' : `Last ${m.window.days} days`}: <span data-field="window-cost" data-value={t.window.cost_usd}>{dollars(t.window.cost_usd)}</span>,{' '}
                <span data-field="window-calls" data-value={String(t.window.requests)}>{t.window.requests}</span> charged calls, saved{' '}
                <span data-field="saved" data-value={t.savings.saved_usd}>{dollars(t.savings.saved_usd)}</span>
              </span>
            </div>
          </article>
        )
      })}
    </div>
    <p class="muted note">Marks on the bars: where the policy steps down from premium, then from medium. Totals update about a second after each request.</p>
  </section>
)

const TierMix: FC<{ m: Metrics }> = ({ m }) => {
  const cats = m.tiers.map((d) => shortDay(d.day))
  return (
    <section class="card" aria-labelledby="tiers-h">
      <h2 id="tiers-h">Tier mix</h2>
      <div class="grid2">
        <BarChart title="Charged calls per tier" unit="calls" xLabel="UTC day" mode="stacked" categories={cats} format={countTick}
          series={TIER_SERIES.map((s) => ({ ...s, values: m.tiers.map((d) => d.by_tier[s.key].requests) }))} />
        <BarChart title="Cost per tier" unit="USD" xLabel="UTC day" mode="stacked" categories={cats} format={usdTick}
          series={TIER_SERIES.map((s) => ({ ...s, values: m.tiers.map((d) => toUsd(d.by_tier[s.key].cost_nano)) }))} />
      </div>
    </section>
  )
}

const Providers: FC<{ m: Metrics }> = ({ m }) => (
  <section class="card" aria-labelledby="providers-h">
    <h2 id="providers-h">Providers</h2>
    <div class="grid2">
      <div>
        <div class="scroll">
          <table data-testid="providers">
            <thead><tr><th>Provider</th><th class="num">Requests</th><th class="num">p50</th><th class="num">p95</th><th class="num">Errors</th><th class="num">Fallbacks</th></tr></thead>
            <tbody>
              {m.providers.map((p) => (
                <tr data-provider={p.provider}>
                  <td>{p.provider}</td>
                  <td class="num" data-field="requests">{p.requests}</td>
                  <td class="num">{ms(p.latency_p50_ms)}</td>
                  <td class="num">{ms(p.latency_p95_ms)}</td>
                  <td class="num">{pct(p.error_rate)}</td>
                  <td class="num">{pct(p.fallback_rate)}</td>
                </tr>
              ))}
              {m.providers.length === 0 ? <tr><td colspan={6} class="muted">No requests in this window.</td></tr> : null}
            </tbody>
          </table>
        </div>
        <div class="kpis">
          <div class="kpi"><div class="k">Cascade accepted</div><div class="v" data-testid="cascade-accept">{pct(m.cascade.accept_rate)}</div></div>
          <div class="kpi"><div class="k">Cascade escalated</div><div class="v">{pct(m.cascade.escalate_rate)}</div></div>
          <div class="kpi"><div class="k">Cascade runs</div><div class="v">{m.cascade.accepted + m.cascade.escalated}</div></div>
        </div>
        <p class="muted note">
          Latency: request start to settled spend (whole stream), successful requests only. Fallback: more than one upstream
          attempt.{m.sample.records_complete ? '' : ` From the newest ${m.sample.records} requests.`}
        </p>
      </div>
      <BarChart title="Latency per provider" unit="ms" xLabel="provider" mode="grouped" format={msTick} empty="No successful requests"
        categories={m.providers.map((p) => p.provider)}
        series={[
          { key: 'p50', label: 'p50', values: m.providers.map((p) => p.latency_p50_ms ?? 0) },
          { key: 'p95', label: 'p95', values: m.providers.map((p) => p.latency_p95_ms ?? 0) },
        ]} />
    </div>
  </section>
)

const outcomeText = (r: Metrics['recent'][number]) =>
  [
    r.outcome === 'ok' ? 'ok' : r.outcome === 'error' ? `error ${r.status}` : r.outcome === 'client_closed' ? 'client closed' : 'unsettled',
    r.cascade ? `cascade ${r.cascade}` : null,
    r.fallback ? 'fallback' : null,
    r.downgraded ? 'downgraded' : null,
  ].filter(Boolean).join(' · ')

const Recent: FC<{ m: Metrics }> = ({ m }) => (
  <section class="card" aria-labelledby="recent-h">
    <h2 id="recent-h">Latest requests</h2>
    <div class="scroll">
      <table class="stack" data-testid="recent">
        <thead>
          <tr><th>Time (UTC)</th><th>Tenant</th><th>Tier</th><th class="num">Score</th><th>Model</th><th class="num">Tokens in / out</th><th class="num">Cost</th><th class="num">Latency</th><th>Outcome</th></tr>
        </thead>
        <tbody>
          {m.recent.map((r) => (
            <tr data-request={r.request_id} data-tenant={r.tenant}>
              <td data-label="Time (UTC)">{utc(r.at)}</td>
              <td data-label="Tenant">{r.tenant_name}</td>
              <td data-label="Tier">{r.tier ?? '—'}</td>
              <td data-label="Score" class="num">{r.score === null ? '—' : r.score.toFixed(3)}</td>
              <td data-label="Model">{r.model ?? '—'}</td>
              <td data-label="Tokens in / out" class="num">{r.input_tokens.toLocaleString('en-US')} / {r.output_tokens.toLocaleString('en-US')}</td>
              <td data-label="Cost" class="num" data-field="cost" data-value={r.cost_usd}>{dollars(r.cost_usd)}</td>
              <td data-label="Latency" class="num">{ms(r.latency_ms)}</td>
              <td data-label="Outcome"><span class={`badge st-${r.outcome}`}>{outcomeText(r)}</span></td>
            </tr>
          ))}
          {m.recent.length === 0 ? <tr><td colspan={9} class="muted">No requests in this window.</td></tr> : null}
        </tbody>
      </table>
    </div>
  </section>
)

export const Dashboard: FC<{ m: Metrics }> = ({ m }) => (
  <Layout title="Triage · spend dashboard">
    <header class="top">
      <div>
        <h1>Triage · where the money goes</h1>
        <div class="meta">
          {m.window.from === m.window.to ? m.window.to : `${m.window.from} → ${m.window.to}`} (UTC) · generated {utc(m.generated_at)} UTC
        </div>
      </div>
      <nav class="window" aria-label="Time window">
        {WINDOWS.map((d) => (
          <a href={`${DASHBOARD_PATH}?days=${d}`} aria-current={m.window.days === d ? 'page' : undefined}>{d === 1 ? 'Today' : `${d} days`}</a>
        ))}
        <form class="inline" method="post" action={`${DASHBOARD_PATH}/sign-out`}>
          <button type="submit">Sign out</button>
        </form>
      </nav>
    </header>
    <main>
      <Savings m={m} />
      <Tenants m={m} />
      <TierMix m={m} />
      <Providers m={m} />
      <Recent m={m} />
    </main>
  </Layout>
)

/** The sign-in page as a complete HTML document. */
export const renderSignIn = (error?: string): string => `<!DOCTYPE html>${(<SignIn error={error} />).toString()}`

/** The dashboard as a complete HTML document. */
export const renderDashboard = (m: Metrics): string => `<!DOCTYPE html>${(<Dashboard m={m} />).toString()}`
