import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
const CLK_TCK = 100;

/**
 * CPU time (user + system, in seconds) and resident set size (bytes) of a process, read from /proc.
 * Returns undefined once the process is gone. Synchronous and cheap (two small file reads).
 */
export function readProc(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 2 (comm) may contain spaces; everything after the last ')' is space-separated.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    return {
      cpuSeconds: (utime + stime) / CLK_TCK,
      rssBytes: rss ? Number(rss[1]) * 1024 : 0,
      peakRssBytes: hwm ? Number(hwm[1]) * 1024 : 0,
    };
  } catch {
    return undefined;
  }
}

/**
 * Samples a process (and its descendants, see {@link readProcTree}) every `intervalMs` and keeps the
 * peak RSS of any one of them. `stop()` ends sampling and
 * returns `{ peakRssBytes }` (the larger of the sampled peak and the kernel's VmHWM).
 */
export function sampleProcess(pid, intervalMs = 100) {
  let peak = 0;
  // Descendants (workers) are looked up once a second, not on every sample.
  let descendants = [];
  let lookedUp = 0;
  const take = () => {
    if (Date.now() - lookedUp >= 1000) {
      descendants = descendantsOf(pid);
      lookedUp = Date.now();
    }
    const s = readProcTree(pid, descendants);
    if (s) peak = Math.max(peak, s.rssBytes, s.peakRssBytes);
    return s;
  };
  take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return {
    /** Samples now and returns the current figures. */
    now: take,
    stop() {
      take();
      clearInterval(timer);
      return { peakRssBytes: peak };
    },
  };
}

/**
 * Pids of every descendant of `pid` (children, their children...), found by scanning /proc for
 * parent pids (no /proc/<pid>/task/<tid>/children on every kernel). About one small read per
 * process on the machine: call it at the measurement points, not in a tight loop.
 */
export function descendantsOf(pid) {
  const parentOf = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/**
 * {@link readProc} of `pid` and its descendants (`polybus run --workers N`: the supervisor and its
 * workers): CPU summed over them; RSS and peak RSS of the largest single process, since each worker
 * is a process of its own with its own memory bound. Undefined once `pid` is gone.
 */
export function readProcTree(pid, descendants = descendantsOf(pid)) {
  const own = readProc(pid);
  if (!own) return undefined;
  const all = [own, ...descendants.map(readProc).filter(Boolean)];
  return {
    cpuSeconds: all.reduce((sum, p) => sum + p.cpuSeconds, 0),
    rssBytes: Math.max(...all.map((p) => p.rssBytes)),
    peakRssBytes: Math.max(...all.map((p) => p.peakRssBytes)),
    processes: all.length,
  };
}
