import { join } from 'node:path';
import { startNode } from './child.mjs';
import { readProc } from './proc-stats.mjs';

/**
 * Starts the benchmark's OTLP receiver (lib/otlp-sink.mjs) in its own process, so decoding the
 * exports costs the bridge nothing but what a real collector on the same machine would. Resolves once
 * it listens. Returns `{ endpoint, pid, stats(), stop() }`: `endpoint` is the OTLP/HTTP traces URL
 * for the bridge's `tracing.endpoint`; `stats()` resolves with the counts so far
 * (`{ requests, bytes, spans, rejected, cpuSeconds }`, cumulative: a run takes the difference);
 * `stop()` ends the process (second call safe).
 */
export async function startTraceSink({ benchDir, logDir }) {
  const child = startNode([join(benchDir, 'lib/otlp-sink.mjs')], {
    logFile: join(logDir, 'otlp-sink.log'),
    ipc: true,
  });
  const { port } = await child.ready;
  const base = `http://127.0.0.1:${port}`;
  return {
    endpoint: `${base}/v1/traces`,
    pid: child.pid,
    async stats() {
      const response = await fetch(`${base}/stats`);
      const counts = await response.json();
      return { ...counts, cpuSeconds: readProc(child.pid)?.cpuSeconds };
    },
    stop: () => child.stop(2000),
  };
}

/** `after - before` for each count of two `stats()` results (what one run exported). Pure. */
export function exportedBetween(before, after) {
  if (!before || !after) return undefined;
  const diff = (k) => (after[k] ?? 0) - (before[k] ?? 0);
  return {
    spans: diff('spans'),
    requests: diff('requests'),
    bytes: diff('bytes'),
    rejected: diff('rejected'),
    receiverCpuSeconds: Math.round(diff('cpuSeconds') * 100) / 100,
  };
}
