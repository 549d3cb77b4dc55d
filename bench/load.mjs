#!/usr/bin/env node
// Closed-loop HTTP load generator for OpenAI-style chat completions (JSON and SSE).
//
// Each of C workers sends a request, waits for the complete response, validates it, records timings,
// and sends the next one, until --requests are done or --duration seconds pass (whichever first).
// Per request it records: total latency, time to response headers (TTFB) and, for streams, time to
// the first SSE event that carries content/reasoning_content (TTFT). A response counts as OK only if
// status is 2xx and, for JSON, it parses with choices[0].message; for SSE, it ends with `data: [DONE]`
// and (when include_usage was asked) a usage chunk was seen.
//
// Adapted from ../shared/bench/load.mjs (same timing and validation, so numbers compare with the Portkey
// reference); one change: `bodies` (an array) rotates request bodies, so a run covers many realistic prompts.
//
// CLI:
//   node load.mjs --url http://127.0.0.1:18080/v1/chat/completions [--stream] [-c 16]
//                 [--requests 5000] [--duration 10] [--warmup 100] [--timeout 30000]
//                 [--headers '{"x-a":"b"}'] [--body '{"model":...}' | --body @file.json] [--json]
// Library: import { runLoad, promptBodies } from './load.mjs'   (promptBodies: bench/prompts.jsonl as request bodies)

import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEFAULT_BODY = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Write one sentence about foxes.' },
  ],
  max_tokens: 64,
  temperature: 0,
};

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * The benchmark's request bodies: one Chat Completions body (model "auto", a system and a user turn) per line of
 * bench/prompts.jsonl (`{"prompt": "..."}`), for runLoad's `bodies`.
 * @param {number} maxTokens each body's max_tokens
 */
export function promptBodies(maxTokens) {
  const rows = fs.readFileSync(new URL('./prompts.jsonl', import.meta.url), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  return rows.map((r) => ({
    model: 'auto',
    messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: r.prompt }],
    max_tokens: maxTokens,
    temperature: 0,
  }));
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  // nearest-rank
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

function summarize(arr, n) {
  if (n === 0) return null;
  const s = Float64Array.from(arr.subarray(0, n)).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i];
  const r = (x) => (x == null ? null : Math.round(x * 1000) / 1000);
  return { min: r(s[0]), p50: r(percentile(s, 50)), p90: r(percentile(s, 90)), p99: r(percentile(s, 99)),
    max: r(s[n - 1]), mean: r(sum / n) };
}

/**
 * @param {object} o
 * @param {string} o.url full URL of the chat-completions endpoint
 * @param {boolean} [o.stream]
 * @param {number} [o.concurrency]
 * @param {number} [o.requests] max measured requests (default 1e6, hard cap 2e6)
 * @param {number} [o.duration] max measured seconds (default 10, hard cap 600)
 * @param {number} [o.warmup] unmeasured requests before measuring (default 0)
 * @param {number} [o.timeout] per-request timeout ms
 * @param {object} [o.headers]
 * @param {object} [o.body]
 * @param {object[]} [o.bodies] request bodies used in turn (overrides body)
 */
export async function runLoad(o) {
  const url = new URL(o.url);
  const stream = !!o.stream;
  const concurrency = Math.max(1, Math.min(1024, o.concurrency ?? 1));
  const maxRequests = Math.min(2_000_000, o.requests ?? 1_000_000);
  const durationMs = Math.min(600, o.duration ?? 10) * 1000;
  const warmup = o.warmup ?? 0;
  const timeout = o.timeout ?? 30_000;
  const payloads = (o.bodies ?? [o.body ?? DEFAULT_BODY]).map((b) => {
    const bodyObj = { ...b };
    if (stream) { bodyObj.stream = true; bodyObj.stream_options = { include_usage: true }; }
    else { delete bodyObj.stream; delete bodyObj.stream_options; }
    return Buffer.from(JSON.stringify(bodyObj));
  });
  let nextBody = 0;
  const lib = url.protocol === 'https:' ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency, scheduling: 'fifo' });
  const headers = { 'content-type': 'application/json', authorization: 'Bearer sk-fake-bench',
    accept: stream ? 'text/event-stream' : 'application/json', ...(o.headers ?? {}) };

  const cap = Math.min(maxRequests, 2_000_000);
  const lat = new Float64Array(cap), ttfb = new Float64Array(cap), ttft = new Float64Array(cap);
  let nLat = 0, nTtft = 0;
  const errors = {};
  let errCount = 0, okCount = 0, bytes = 0, chunks = 0, sampleError = null;
  const addErr = (k, detail) => { errors[k] = (errors[k] ?? 0) + 1; errCount++; if (!sampleError) sampleError = `${k}: ${detail ?? ''}`.slice(0, 400); };

  function one() {
    const payload = payloads[nextBody++ % payloads.length];
    return new Promise((resolve) => {
      const t0 = nowMs();
      let tHead = null, tTok = null, done = false;
      const finish = (ok, errKey, detail) => {
        if (done) return; done = true;
        clearTimeout(timer);
        resolve({ ok, errKey, detail, t0, tHead, tTok, tEnd: nowMs() });
      };
      const req = lib.request({ hostname: url.hostname, port: url.port, path: url.pathname + url.search,
        method: 'POST', agent, headers: { ...headers, 'content-length': payload.length } }, (res) => {
        tHead = nowMs();
        const status = res.statusCode;
        let buf = '';
        let sawDone = false, sawUsage = false, sawMessage = false;
        // For SSE we scan events incrementally; JSON.parse each event until the first token is seen,
        // afterwards only cheap string checks.
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          bytes += d.length;
          if (!stream || status < 200 || status >= 300) { buf += d; return; }
          pending += d;
          let i;
          while ((i = pending.indexOf('\n\n')) !== -1) {
            const ev = pending.slice(0, i); pending = pending.slice(i + 2);
            chunks++;
            for (const line of ev.split('\n')) {
              if (!line.startsWith('data:')) continue;
              const data = line.slice(5).trim();
              if (data === '[DONE]') { sawDone = true; continue; }
              if (tTok === null) {
                try {
                  const j = JSON.parse(data);
                  const dl = j.choices?.[0]?.delta;
                  if (dl && ((typeof dl.content === 'string' && dl.content.length) ||
                    (typeof dl.reasoning_content === 'string' && dl.reasoning_content.length))) tTok = nowMs();
                  if (j.usage) sawUsage = true;
                } catch { /* counted below via missing DONE */ }
              } else if (!sawUsage && data.includes('"usage":{')) sawUsage = true;
            }
          }
        });
        res.on('end', () => {
          if (status < 200 || status >= 300) return finish(false, `http_${status}`, buf.slice(0, 300));
          if (stream) {
            if (pending.trim()) { // tolerate a final event without trailing blank line
              if (pending.includes('[DONE]')) sawDone = true;
            }
            if (!sawDone) return finish(false, 'stream_no_done', 'stream ended without data: [DONE]');
            if (tTok === null) return finish(false, 'stream_no_token', 'no content delta in stream');
            if (!sawUsage) return finish(false, 'stream_no_usage', 'include_usage requested but no usage chunk');
            return finish(true);
          }
          try {
            const j = JSON.parse(buf);
            sawMessage = !!j.choices?.[0]?.message;
            if (!sawMessage) return finish(false, 'json_no_message', buf.slice(0, 300));
            return finish(true);
          } catch (e) { return finish(false, 'json_parse', buf.slice(0, 300)); }
        });
        res.on('error', (e) => finish(false, 'res_' + (e.code ?? 'error'), e.message));
        res.on('aborted', () => finish(false, 'res_aborted', 'response aborted'));
      });
      const timer = setTimeout(() => { req.destroy(new Error('timeout')); finish(false, 'timeout', `> ${timeout} ms`); }, timeout);
      req.on('error', (e) => finish(false, 'req_' + (e.code ?? (e.message === 'timeout' ? 'timeout' : 'error')), e.message));
      req.end(payload);
    });
  }

  // Warmup (unmeasured): open connections, JIT, lazy init in the target.
  let warmErrors = 0;
  if (warmup > 0) {
    let left = warmup;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (left > 0) { left--; const r = await one(); if (!r.ok) warmErrors++; }
    }));
  }

  const cpu0 = process.cpuUsage();
  const start = nowMs();
  const deadline = start + durationMs;
  let issued = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (issued < maxRequests && nowMs() < deadline) {
      issued++;
      const r = await one();
      if (r.ok) {
        okCount++;
        lat[nLat] = r.tEnd - r.t0; ttfb[nLat] = r.tHead - r.t0; nLat++;
        if (stream && r.tTok !== null) ttft[nTtft++] = r.tTok - r.t0;
      } else addErr(r.errKey, r.detail);
    }
  }));
  const elapsed = (nowMs() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return {
    url: o.url, stream, concurrency, warmup, warmupErrors: warmErrors,
    requests: issued, ok: okCount, errors: errCount, errorsByKind: errors, sampleError,
    elapsedS: Math.round(elapsed * 1000) / 1000,
    rps: Math.round((okCount / elapsed) * 10) / 10,
    latencyMs: summarize(lat, nLat),
    ttfbMs: summarize(ttfb, nLat),
    ttftMs: stream ? summarize(ttft, nTtft) : null,
    sseEventsPerReq: stream && okCount ? Math.round((chunks / issued) * 10) / 10 : null,
    bytesPerReq: issued ? Math.round(bytes / issued) : 0,
    clientCpuMsPerReq: issued ? Math.round(((cpu.user + cpu.system) / 1000 / issued) * 1000) / 1000 : null,
  };
}

// ---------------------------------------------------------------- CLI
function parseArgs(argv) {
  const a = { };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === '--url') a.url = v();
    else if (k === '--stream') a.stream = true;
    else if (k === '-c' || k === '--concurrency') a.concurrency = Number(v());
    else if (k === '-n' || k === '--requests') a.requests = Number(v());
    else if (k === '-d' || k === '--duration') a.duration = Number(v());
    else if (k === '--warmup') a.warmup = Number(v());
    else if (k === '--timeout') a.timeout = Number(v());
    else if (k === '--headers') a.headers = JSON.parse(v());
    else if (k === '--body') { const s = v(); a.body = JSON.parse(s.startsWith('@') ? fs.readFileSync(s.slice(1), 'utf8') : s); }
    else if (k === '--json') a.json = true;
    else if (k === '-h' || k === '--help') a.help = true;
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  const a = parseArgs(process.argv.slice(2));
  if (a.help || !a.url) {
    console.log('usage: node load.mjs --url URL [--stream] [-c N] [-n REQUESTS] [-d SECONDS] [--warmup N] [--timeout MS] [--headers JSON] [--body JSON|@file] [--json]');
    process.exit(a.help ? 0 : 2);
  }
  const r = await runLoad(a);
  if (a.json) console.log(JSON.stringify(r, null, 2));
  else {
    const L = r.latencyMs ?? {}, T = r.ttfbMs ?? {}, F = r.ttftMs ?? {};
    console.log(`${r.stream ? 'stream' : 'json  '} c=${r.concurrency} n=${r.requests} ok=${r.ok} err=${r.errors} ${r.elapsedS}s  ${r.rps} req/s`);
    console.log(`  latency ms  p50=${L.p50} p90=${L.p90} p99=${L.p99} max=${L.max}`);
    console.log(`  ttfb    ms  p50=${T.p50} p90=${T.p90} p99=${T.p99}`);
    if (r.stream) console.log(`  ttft    ms  p50=${F.p50} p90=${F.p90} p99=${F.p99}`);
    if (r.errors) console.log('  errors', JSON.stringify(r.errorsByKind), r.sampleError);
  }
}
