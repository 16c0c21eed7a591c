import { readFileSync } from 'node:fs';

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
 * Samples a process every `intervalMs` and keeps the peak RSS seen. `stop()` ends sampling and
 * returns `{ peakRssBytes }` (the larger of the sampled peak and the kernel's VmHWM).
 */
export function sampleProcess(pid, intervalMs = 100) {
  let peak = 0;
  const take = () => {
    const s = readProc(pid);
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
