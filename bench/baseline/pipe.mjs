/**
 * The raw-client baseline pipe, run as its own process:
 *
 *   node bench/baseline/pipe.mjs '{"source":"amqp","sink":"kafka","from":"q1","to":"t1","maxInFlight":256}'
 *
 * Consumes `from` on the source broker, publishes each body to `to` on the sink broker with the
 * sink's confirm (acks=-1, publisher confirm, PubAck, XADD reply), and only then acks / commits the
 * source message; at most `maxInFlight` messages in flight. No polybus code. Sends `{ ready: true }`
 * over IPC once consuming; SIGTERM stops intake, lets in-flight messages finish (5 s at most), exits 0.
 */
import { brokers } from '../brokers/index.mjs';
import { createWindow } from '../lib/window.mjs';

const spec = JSON.parse(process.argv[2]);
const window = createWindow(spec.maxInFlight);
const sink = await brokers[spec.sink].sink(spec.to);
const handle = async (body) => {
  await window.acquire();
  try {
    await sink.publish(body);
  } finally {
    window.release();
  }
};
const source = await brokers[spec.source].source(spec.from, spec.maxInFlight, handle);
process.send?.({ ready: true });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(1), 10_000);
  await Promise.race([window.idle(), new Promise((resolve) => setTimeout(resolve, 5000))]);
  await source.close().catch(() => undefined);
  await sink.close().catch(() => undefined);
  clearTimeout(timer);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
