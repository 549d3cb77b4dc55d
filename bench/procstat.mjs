// Linux /proc helpers: process-tree RSS and CPU time, and "which pid listens on this port".
// Started as a copy of ../shared/bench/procstat.mjs (the Portkey reference harness). One change: CPU time is read
// per thread from /proc/<pid>/task/<tid>/sched (`se.sum_exec_runtime`, nanosecond resolution) where the kernel
// provides it, and from /proc/<pid>/stat ticks (10 ms resolution) otherwise. The kernel derives utime + stime from
// that same runtime, so both give the same totals; ticks just cannot resolve a short window (150 requests at
// 0.05 ms each are 0 or 1 tick).
import fs from 'node:fs';

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux/x86 and arm64

function readStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // rest[0]=state, rest[1]=ppid, rest[11]=utime, rest[12]=stime (fields 3,4,14,15 of stat)
    return { ppid: Number(rest[1]), utime: Number(rest[11]), stime: Number(rest[12]) };
  } catch { return null; }
}

function readRssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/** pid plus all descendants */
export function processTree(root) {
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = readStat(d);
    if (!st) continue;
    if (!kids.has(st.ppid)) kids.set(st.ppid, []);
    kids.get(st.ppid).push(Number(d));
  }
  const out = [];
  const stack = [Number(root)];
  while (stack.length) {
    const p = stack.pop();
    if (!fs.existsSync(`/proc/${p}`)) continue;
    out.push(p);
    for (const k of kids.get(p) ?? []) stack.push(k);
  }
  return out;
}

/** Runtime in ms of each live thread of pid ("pid/tid" → ms), from /proc/<pid>/task/<tid>/sched; null if unreadable. */
function threadRuntimesMs(pid) {
  let tids;
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return null; }
  const out = new Map();
  for (const tid of tids) {
    let txt;
    try { txt = fs.readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8'); } catch { continue; } // thread just exited
    const m = /se\.sum_exec_runtime\s*:\s*([\d.]+)/.exec(txt);
    if (!m) return null; // kernel without CONFIG_SCHED_DEBUG fields
    out.set(`${pid}/${tid}`, Number(m[1]));
  }
  return out;
}

/**
 * CPU clock of a process tree: `{ threads }` (per-thread runtimes, precise) when every process has them, else
 * `{ ticksMs }`. Compare two readings with cpuDeltaMs().
 */
function cpuReading(pids) {
  const threads = new Map();
  for (const p of pids) {
    const t = threadRuntimesMs(p);
    if (t === null) {
      let ticks = 0;
      for (const q of pids) { const st = readStat(q); if (st) ticks += st.utime + st.stime; }
      return { ticksMs: (ticks * 1000) / CLK_TCK };
    }
    for (const [k, v] of t) threads.set(k, v);
  }
  return { threads };
}

/**
 * CPU ms spent between two readings. Per thread: a thread born in between counts from 0; a thread that exited in
 * between is not counted (workerd's and Node's threads live as long as the process).
 */
export function cpuDeltaMs(a, b) {
  if (a.threads && b.threads) {
    let ms = 0;
    for (const [k, v] of b.threads) ms += v - (a.threads.get(k) ?? 0);
    return ms;
  }
  return (b.ticksMs ?? 0) - (a.ticksMs ?? 0);
}

/** { rssKb, cpu, pids } over the process tree rooted at pid (tree re-read unless given); cpu only when asked. */
export function sampleTree(pid, pidsCached, withCpu = true) {
  let rssKb = 0;
  const pids = pidsCached ?? processTree(pid);
  for (const p of pids) rssKb += readRssKb(p);
  return { rssKb, cpu: withCpu ? cpuReading(pids) : null, pids };
}

/** Find the pid that owns a LISTEN socket on the given TCP port (IPv4 or IPv6). */
export function pidListeningOn(port) {
  const inodes = new Set();
  const hex = Number(port).toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let txt = '';
    try { txt = fs.readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of txt.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length < 10) continue;
      const local = c[1];
      if (local.endsWith(':' + hex) && c[3] === '0A') inodes.add(c[9]);
    }
  }
  if (!inodes.size) return null;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds;
    try { fds = fs.readdirSync(`/proc/${d}/fd`); } catch { continue; }
    for (const fd of fds) {
      let l;
      try { l = fs.readlinkSync(`/proc/${d}/fd/${fd}`); } catch { continue; }
      const m = /^socket:\[(\d+)\]$/.exec(l);
      if (m && inodes.has(m[1])) return Number(d);
    }
  }
  return null;
}

export function cmdline(pid) {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '); } catch { return null; }
}

/** Periodic sampler: call stop() to get { peakRssKb, lastRssKb, cpuMs } over the window. */
export function startSampler(pid, everyMs = 200) {
  if (!pid) return { stop: () => null };
  const first = sampleTree(pid);
  let peak = first.rssKb, last = first.rssKb, pids = first.pids, n = 0;
  // Re-read the process tree only every 10th sample, to keep the sampler cheap (it shares the CPU with the load).
  const t = setInterval(() => {
    if (++n % 10 === 0) pids = processTree(pid);
    const s = sampleTree(pid, pids, false); last = s.rssKb; if (s.rssKb > peak) peak = s.rssKb;
  }, everyMs);
  t.unref();
  return {
    stop() {
      clearInterval(t);
      const end = sampleTree(pid);
      if (end.rssKb > peak) peak = end.rssKb;
      return { startRssKb: first.rssKb, peakRssKb: peak, endRssKb: end.rssKb || last, cpuMs: cpuDeltaMs(first.cpu, end.cpu), pids: end.pids.length };
    },
  };
}

/** Machine-wide busy CPU in ms (all cores), from the first line of /proc/stat. */
export function machineBusyMs() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice  (guest is already in user).
    // irq/softirq are left out: loopback TCP work lands there and is not charged to any process.
    const busy = f[0] + f[1] + f[2] + (f[7] || 0);
    return (busy * 1000) / CLK_TCK;
  } catch { return null; }
}
