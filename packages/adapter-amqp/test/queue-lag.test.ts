import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createMessage, type Delivery, isLagReporter, type LagReport } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import amqplib from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, transportTracker } from './helpers.js';

const up = await requireBroker('rabbitmq', '127.0.0.1', 5672);
const run = promisify(execFile);

/** `messages_ready` and `messages_unacknowledged` of `queue` as `rabbitmqctl list_queues` prints them. */
async function ctlQueue(queue: string): Promise<{ ready: number; unacked: number } | undefined> {
  const { stdout } = await run(
    'rabbitmqctl',
    ['list_queues', '-q', '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged'],
    { timeout: 60_000 },
  );
  for (const line of stdout.split('\n')) {
    const [name, ready, unacked] = line.trim().split(/\s+/);
    if (name === queue) return { ready: Number(ready), unacked: Number(unacked) };
  }
  return undefined;
}

const COUNT = 300;

describe.runIf(up)('amqp queue depth as lag', () => {
  const transports = transportTracker();
  afterEach(() => transports.closeAll());

  it('lag equals rabbitmqctl messages_ready while a backlog drains, and reaches 0', {
    timeout: 180_000,
  }, async () => {
    const exchange = uniqueName('lag');
    const group = 'billing';
    const t = await transports.open();
    expect(isLagReporter(t)).toBe(true);
    expect(await t.lag(exchange, group)).toMatchObject({ total: 0, groupExists: false });

    const held: Delivery[] = [];
    let full!: () => void;
    const saturated = new Promise<void>((resolve) => {
      full = resolve;
    });
    let ackAll = false;
    let acked = 0;
    let done!: () => void;
    const drained = new Promise<void>((resolve) => {
      done = resolve;
    });
    const sub = await t.subscribe(
      exchange,
      async (d) => {
        if (ackAll) {
          await d.ack();
          if (++acked === COUNT) done();
          return;
        }
        held.push(d);
        if (held.length === 20) full();
      },
      { group, maxInFlight: 20 },
    );
    await t.publish(
      exchange,
      Array.from({ length: COUNT }, (_, i) => createMessage({ id: `m${i}`, body: `b${i}` })),
    );
    await saturated;
    const queue = `${exchange}.${group}`;
    // Saturated (20 unacked = prefetch): the broker's numbers are stable while both are read.
    const mid = await t.lag(exchange, group);
    const ctl = await ctlQueue(queue);
    expect(ctl).toEqual({ ready: COUNT - 20, unacked: 20 });
    expect(mid).toMatchObject({ total: COUNT - 20, waiting: COUNT - 20, groupExists: true });
    expect(mid.inFlight).toBeUndefined();
    expect(mid.parts[0]?.name).toBe(queue);
    // The same queue named natively.
    expect((await t.lag({ queue })).total).toBe(COUNT - 20);

    ackAll = true;
    for (const d of held.splice(0)) {
      await d.ack();
      if (++acked === COUNT) done();
    }
    await drained;
    await sub.close();
    let end: LagReport = await t.lag(exchange, group);
    for (let i = 0; i < 100 && end.total > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      end = await t.lag(exchange, group);
    }
    expect(end.total).toBe(0);
    expect(await ctlQueue(queue)).toEqual({ ready: 0, unacked: 0 });
    const raw = await amqplib.connect(AMQP_URL);
    const channel = await raw.createChannel();
    await channel.deleteQueue(queue);
    await channel.deleteExchange(exchange);
    await raw.close();
  });

  it('rejects an exchange address without a group', async () => {
    const t = await transports.open();
    await expect(t.lag(uniqueName('x'))).rejects.toMatchObject({ code: 'ADDRESS_INVALID' });
  });
});
