/**
 * `node bench/verify-1m.mjs` (after `npx tsc -b`): verifies N synthetic messages (default 1,000,000;
 * VERIFY_N) over VERIFY_KEYS keys (default 10,000; use 1000000 for a key per message) with four
 * planted faults (one deleted, one duplicated, two swapped, one body altered) and prints the report
 * counts, the time and the peak RSS (getrusage maxRSS). A benchmark of memory, not a timed test:
 * nothing here fails on speed; it exits 1 when a planted fault is not found.
 *
 * Measured on the shared 2-core machine (Node 20), 1,000,000 messages:
 *   10,000 keys:                    peak RSS 273-287 MB (about 58 MB is Node with the modules loaded,
 *                                   57 MB the digest table, the rest garbage not yet collected)
 *   1,000,000 keys:                 peak RSS ~390 MB
 *   with --max-semi-space-size=1:   235 MB (10,000 keys), 292 MB (1,000,000 keys), and faster
 * The young generation holds the per-message garbage (hash results, read buffers): a small
 * semi-space frees it sooner, so `polybus verify` should run with that flag.
 */
import { createMessage } from '@polybus/core';
import { verifyStreams } from '../packages/bridge/dist/verify/index.js';

const N = Number(process.env.VERIFY_N ?? 1_000_000);
const KEYS = Number(process.env.VERIFY_KEYS ?? 10_000);
const body = (i) =>
  `{"order":${i},"amount":${(i * 7919) % 100_000},"note":"synthetic message body for verify"}`;
// Bodies as pooled Buffers (Buffer.from shares 8 KiB slabs), so the generator's own garbage stays small
// and the RSS measured is the verifier's.
const message = (i, text = body(i)) =>
  createMessage({
    id: `order-${i}`,
    key: `customer-${i % KEYS}`,
    body: Buffer.from(text), // pooled (8 KiB slabs): the generator's garbage stays small, the RSS is the verifier's
    headers: { 'content-type': 'application/json' },
  });

const DELETED = Math.floor(N * 0.1);
const DUPLICATED = Math.floor(N * 0.3);
const SWAP_A = Math.floor(N * 0.5);
// the next message of the same key; with a key per message there is none, and no swap is planted
const SWAP_B = SWAP_A + KEYS < N ? SWAP_A + KEYS : -1;
const ALTERED = Math.floor(N * 0.9);

function* source() {
  for (let i = 0; i < N; i++) yield message(i);
}

function* sink() {
  for (let i = 0; i < N; i++) {
    if (i === DELETED) continue;
    if (SWAP_B >= 0 && i === SWAP_A) yield message(SWAP_B);
    else if (SWAP_B >= 0 && i === SWAP_B) yield message(SWAP_A);
    else if (i === ALTERED) yield message(i, `${body(i)} `);
    else yield message(i);
    if (i === DUPLICATED) yield message(i);
  }
}

const started = process.hrtime.bigint();
const report = await verifyStreams(source, sink(), { expected: N });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
if (globalThis.gc) globalThis.gc();
const atEnd = process.memoryUsage();
const maxRssKb = process.resourceUsage().maxRSS;

console.log(
  JSON.stringify(
    {
      messages: N,
      keys: KEYS,
      ok: report.ok,
      counts: report.counts,
      samples: {
        missing: report.samples.missing,
        duplicated: report.samples.duplicated,
        reordered: report.samples.reordered,
        altered: report.samples.altered,
      },
      seconds: Number(seconds.toFixed(1)),
      peakRssMB: Math.round((maxRssKb * 1024) / 2 ** 20),
      atEndMB: Object.fromEntries(Object.entries(atEnd).map(([k, v]) => [k, Math.round(v / 2 ** 20)])),
    },
    null,
    2,
  ),
);
const expected = { missing: 1, duplicated: 1, reordered: SWAP_B >= 0 ? 1 : 0, altered: 1, extra: 0 };
for (const [kind, count] of Object.entries(expected)) {
  if (report.counts[kind] !== count) {
    console.error(`unexpected ${kind}: ${report.counts[kind]} (planted ${count})`);
    process.exitCode = 1;
  }
}
