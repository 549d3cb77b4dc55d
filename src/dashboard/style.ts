/**
 * The dashboard's one stylesheet, served from /dashboard/assets/dashboard.css (the CSP allows `style-src 'self'`
 * only: no inline styles). Light and dark palettes follow `prefers-color-scheme`; chart colours are classes.
 */
export const CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --card: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --grid: #eaeef2;
  --accent: #0a7d45; --accent-bg: #e6f4ea; --warn: #9a6700; --warn-bg: #fff8c5; --bad: #c62828; --bad-bg: #ffebe9;
  --trivial: #2e9e5b; --medium: #3b6fd8; --premium: #d9822b; --actual: #0a7d45; --premium-eq: #9aa4b1;
  --p50: #3b6fd8; --p95: #a855f7; --focus: #0969da;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1217; --card: #171b22; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --grid: #232a33;
    --accent: #3fb950; --accent-bg: #12261a; --warn: #d29922; --warn-bg: #2b2111; --bad: #ff7b72; --bad-bg: #3a1618;
    --trivial: #3fb970; --medium: #6e9bff; --premium: #f0a24a; --actual: #3fb950; --premium-eq: #6e7681;
    --p50: #6e9bff; --p95: #c297ff; --focus: #58a6ff;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--focus); }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
header.top { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; justify-content: space-between; padding: 12px 16px; border-bottom: 1px solid var(--line); background: var(--card); }
header.top h1 { font-size: 18px; margin: 0; }
header.top .meta { color: var(--muted); font-size: 13px; }
nav.window { display: flex; gap: 4px; align-items: center; flex-wrap: wrap; }
nav.window a { padding: 4px 10px; border: 1px solid var(--line); border-radius: 999px; text-decoration: none; color: var(--fg); font-size: 13px; }
nav.window a[aria-current="page"] { background: var(--fg); color: var(--bg); border-color: var(--fg); }
form.inline { display: inline; margin: 0; }
button, input { font: inherit; }
button { padding: 6px 14px; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
main { max-width: 1240px; margin: 0 auto; padding: 16px; display: grid; gap: 16px; grid-template-columns: minmax(0, 1fr); }
@media (max-width: 480px) { main { padding: 10px; gap: 10px; } section.card { padding: 12px; } }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px; min-width: 0; }
section.card h2 { font-size: 16px; margin: 0 0 12px; }
.grid2 { display: grid; gap: 16px; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 900px) { .grid2 { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); } }
.headline { display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr); align-items: center; }
@media (min-width: 900px) { .headline { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); } }
.saved { font-size: clamp(32px, 9vw, 48px); font-weight: 700; color: var(--accent); line-height: 1.1; letter-spacing: -0.02em; overflow-wrap: anywhere; }
.saved-sub { font-size: 17px; margin-top: 4px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(110px, 1fr)); gap: 8px; margin-top: 12px; }
.kpi { background: var(--bg); border-radius: 8px; padding: 8px 10px; }
.kpi .k { color: var(--muted); font-size: 12px; }
.kpi .v { font-size: 16px; font-weight: 600; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.muted { color: var(--muted); font-size: 13px; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--grid); vertical-align: top; white-space: nowrap; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.st-ok { background: var(--accent-bg); color: var(--accent); }
.st-downgraded { background: var(--warn-bg); color: var(--warn); }
.st-refused, .st-disabled, .st-error, .st-unsettled { background: var(--bad-bg); color: var(--bad); }
.st-client_closed { background: var(--grid); color: var(--muted); }
.tenants { display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 700px) { .tenants { grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); } }
.tenant { border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.tenant h3 { margin: 0; font-size: 15px; display: flex; justify-content: space-between; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.tenant .id { color: var(--muted); font-size: 12px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.win { margin-top: 10px; }
.win .row { display: flex; justify-content: space-between; gap: 8px; font-size: 13px; flex-wrap: wrap; }
.win .row b { font-variant-numeric: tabular-nums; }
svg.meter { display: block; width: 100%; height: 12px; margin: 4px 0; }
.meter-bg { fill: var(--grid); }
.meter-fill.m-ok { fill: var(--accent); } .meter-fill.m-warn { fill: var(--warn); } .meter-fill.m-over { fill: var(--bad); }
.meter-mark { stroke: var(--fg); stroke-width: 1.5; opacity: 0.55; }
figure.figure { margin: 0; }
figure.figure figcaption { font-weight: 600; font-size: 14px; margin-bottom: 6px; }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart.wide { display: none; }
@media (min-width: 700px) { svg.chart.narrow { display: none; } svg.chart.wide { display: block; } }
svg.chart text { fill: var(--muted); font-size: 11px; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
svg.chart text.unit { fill: var(--fg); font-size: 11px; font-weight: 600; }
svg.chart text.empty { fill: var(--muted); font-size: 13px; }
svg.chart .axis { stroke: var(--muted); stroke-width: 1; }
svg.chart .grid { stroke: var(--grid); stroke-width: 1; }
.s-trivial { fill: var(--trivial); } .s-medium { fill: var(--medium); } .s-premium { fill: var(--premium); }
.s-actual { fill: var(--actual); } .s-premium-eq { fill: var(--premium-eq); } .s-p50 { fill: var(--p50); } .s-p95 { fill: var(--p95); }
ul.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); }
ul.legend li { display: flex; align-items: center; gap: 6px; }
svg.swatch { width: 10px; height: 10px; }
@media (max-width: 600px) {
  table.stack thead { display: none; }
  table.stack tr { display: block; padding: 6px 0; border-bottom: 1px solid var(--line); }
  table.stack td { display: flex; justify-content: space-between; gap: 12px; border: 0; padding: 2px 0; white-space: normal; text-align: right; }
  table.stack td::before { content: attr(data-label); color: var(--muted); text-align: left; }
}
.signin { max-width: 420px; margin: 12vh auto; padding: 0 16px; }
.signin form { display: grid; gap: 10px; }
.signin input { padding: 8px 10px; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); width: 100%; }
.error { background: var(--bad-bg); color: var(--bad); padding: 8px 10px; border-radius: 6px; }
.note { margin-top: 12px; }
`
