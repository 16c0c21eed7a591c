import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { requireBroker, restartUnderLoad, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { natsTransport, StreamJanitor } from './nats-test-env.js';

const up = await requireBroker('nats', '127.0.0.1', 4222);
const brokersScript = fileURLToPath(new URL('../../../scripts/brokers.sh', import.meta.url));
const run = promisify(execFile);

describe.runIf(up)('nats: server restart under load (JetStream, file storage)', () => {
  const janitor = new StreamJanitor();
  afterAll(async () => {
    // Whatever happened, leave the server running for everyone else.
    await run('bash', [brokersScript, 'up', 'nats']).catch(() => undefined);
    await janitor.clean();
  });

  it('loses no message whose publish resolved and resumes consuming within 10 s of the server coming back', async () => {
    const options = { requestTimeoutMs: 3_000, reconnectTimeWaitMs: 250, fetchExpiresMs: 2_000 };
    const publisher = natsTransport(options);
    const consumer = natsTransport(options);
    await publisher.connect();
    await consumer.connect();
    const result = await restartUnderLoad({
      publisher,
      consumer,
      address: janitor.subject(`pbr.${uniqueName('restart')}`),
      group: uniqueName('g'),
      restart: () => run('bash', [brokersScript, 'restart', 'nats']),
      failureBackoffMs: 50,
      timeoutMs: 30_000,
    });
    console.info(
      `[nats restart] confirmed=${result.confirmed.size} received=${result.received} failedPublishes=${result.failedPublishes} ` +
        `resumedAfterMs=${result.resumedAfterMs} states=${[...result.states].join(',')}`,
    );
    expect(result.lost).toEqual([]);
    expect(result.resumedAfterMs).toBeLessThan(10_000);
    expect(result.states.has('connecting')).toBe(true);
    expect(consumer.health().state).toBe('up');
    await Promise.all([publisher.close({ timeoutMs: 2_000 }), consumer.close({ timeoutMs: 2_000 })]);
  });
});
