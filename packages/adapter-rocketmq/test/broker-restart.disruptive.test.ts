import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMessage } from '@polybus/core';
import { requireBroker, restartUnderLoad, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ROCKETMQ_HOST, ROCKETMQ_PROXY_PORT, rocketmqTransport, TopicPool } from './rocketmq-test-env.js';

const up = await requireBroker('rocketmq', ROCKETMQ_HOST, ROCKETMQ_PROXY_PORT);
const brokersScript = fileURLToPath(new URL('../../../scripts/brokers.sh', import.meta.url));
const run = promisify(execFile);

// Restarts the RocketMQ broker (and the proxy it runs in) of scripts/brokers.sh: nobody else uses it.
describe.runIf(up)('rocketmq: broker restart under load', () => {
  afterAll(async () => {
    // Whatever happened, leave the broker running.
    await run('bash', [brokersScript, 'up', 'rocketmq']).catch(() => undefined);
  });

  it('loses no message whose publish resolved and resumes consuming after the broker comes back', async () => {
    const publisher = rocketmqTransport({ requestTimeoutMs: 3_000 });
    const consumer = rocketmqTransport({ requestTimeoutMs: 3_000 });
    await publisher.connect();
    await consumer.connect();
    const result = await restartUnderLoad({
      publisher,
      consumer,
      address: await new TopicPool(1).topic(),
      group: uniqueName('g'),
      restart: () => run('bash', [brokersScript, 'restart', 'rocketmq']),
      timeoutMs: 90_000,
    });
    console.info(
      `[rocketmq restart] confirmed=${result.confirmed.size} received=${result.received} duplicates=${result.duplicates} ` +
        `failedPublishes=${result.failedPublishes} resumedAfterMs=${result.resumedAfterMs} states=${[...result.states].join(',')}`,
    );
    expect(result.lost).toEqual([]);
    expect(result.failedPublishes).toBeGreaterThan(0); // the restart really happened under the publisher
    expect(result.states.has('connecting')).toBe(true);
    expect(consumer.health().state).toBe('up');
    await Promise.all([publisher.close({ timeoutMs: 2_000 }), consumer.close({ timeoutMs: 2_000 })]);
  }, 400_000);

  it('a transport that only publishes reports up again by itself once the broker is back (no publish needed)', async () => {
    const publisher = rocketmqTransport({ requestTimeoutMs: 3_000 });
    await publisher.connect();
    const topic = await new TopicPool(1).topic();
    await publisher.publish(topic, [createMessage({ body: 'before' })]);
    try {
      await run('bash', [brokersScript, 'stop', 'rocketmq'], { timeout: 120_000 });
      const failure = await publisher.publish(topic, [createMessage({ body: 'while down' })]).then(
        () => undefined,
        (error: unknown) => error as { retriable?: boolean },
      );
      expect(failure?.retriable).toBe(true);
      expect(publisher.health().state).toBe('connecting');
    } finally {
      await run('bash', [brokersScript, 'up', 'rocketmq'], { timeout: 300_000 });
    }
    // The bridge waits for `up` before it publishes to a `connecting` sink: health must come back
    // without a publish (before the recovery probe, it stayed `connecting` for ever).
    await expect.poll(() => publisher.health().state, { timeout: 120_000, interval: 250 }).toBe('up');
    await publisher.publish(topic, [createMessage({ body: 'after' })]);
    await publisher.close({ timeoutMs: 2_000 });
  }, 400_000);
});
