// Child process of tls.test.ts: one RocketMQ transport in a process of its own, so the process-wide
// CA setting (NODE_EXTRA_CA_CERTS, read by Node at start) never reaches the test process. Reads its
// job from the environment variable POLYBUS_TLS_JOB (JSON: url, accessKey, secretKey, topic, group,
// roundTrip); prints one JSON line — the delivered message, or the error's public fields — and
// exits 0 on success, 2 on a PolybusError, 3 on anything else. Runs the built package (npm run build).

import { RocketmqTransport, rocketmqOptionsSchema } from '@polybus/adapter-rocketmq';
import { createMessage, isPolybusError, silentLogger } from '@polybus/core';

const job = JSON.parse(process.env.POLYBUS_TLS_JOB ?? '{}');
const options = rocketmqOptionsSchema.parse({
  accessKey: job.accessKey,
  secretKey: job.secretKey,
  connectTimeoutMs: 3_000,
  requestTimeoutMs: 5_000,
});
const transport = new RocketmqTransport(job.url, options, silentLogger);
const started = Date.now();
let exitCode = 0;
try {
  await transport.connect();
  const result = { connected: true, connectMs: Date.now() - started };
  if (job.roundTrip) {
    const delivered = new Promise((resolve) => {
      transport
        .subscribe(
          { topic: job.topic },
          async (d) => {
            await d.ack();
            resolve(d.message);
          },
          { group: job.group },
        )
        .then(() =>
          transport.publish({ topic: job.topic }, [createMessage({ id: job.id, body: 'over tls' })]),
        )
        .catch((error) => resolve({ error }));
    });
    const message = await delivered;
    if (message.error) throw message.error;
    result.id = message.id;
    result.body = new TextDecoder().decode(message.body);
  }
  console.log(JSON.stringify(result));
} catch (error) {
  exitCode = isPolybusError(error) ? 2 : 3;
  const cause = error?.cause instanceof Error ? `${error.cause.message}\n${error.cause.stack}` : '';
  console.log(
    JSON.stringify({
      connectMs: Date.now() - started,
      error: {
        name: error?.name,
        code: error?.code,
        retriable: error?.retriable,
        details: error?.details,
        message: error?.message,
        text: `${String(error)}\n${error?.stack}\n${cause}\n${JSON.stringify(error)}`,
        health: transport.health(),
      },
    }),
  );
} finally {
  await transport.close({ timeoutMs: 2_000 }).catch(() => undefined);
}
process.exit(exitCode);
