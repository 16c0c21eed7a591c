import { createMessage, isStreamingPublisher } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import amqplib from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, transportTracker } from './helpers.js';

const up = await requireBroker('rabbitmq', '127.0.0.1', 5672);
const transports = transportTracker();

/** Reads every message of `queue` with a raw amqplib client (bodies, in queue order). */
async function drain(queue: string, expected: number): Promise<string[]> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const bodies: string[] = [];
    for (let empty = 0; bodies.length < expected && empty < 200; ) {
      const msg = await channel.get(queue, { noAck: true });
      if (msg !== false) bodies.push(msg.content.toString());
      else {
        empty++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await channel.deleteQueue(queue);
    return bodies;
  } finally {
    await connection.close();
  }
}

async function declare(queue: string): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: true });
  await connection.close();
}

describe.runIf(up)('amqp publishEach (per-message confirms)', () => {
  afterEach(() => transports.closeAll());

  it('settles every message once, and successive calls reach the queue in call order', async () => {
    const t = await transports.open();
    expect(isStreamingPublisher(t)).toBe(true);
    const queue = uniqueName('each');
    await declare(queue);
    const settled: Array<[number, number, unknown]> = [];
    const calls = 20;
    const perCall = 50;
    const all = new Promise<void>((resolve) => {
      for (let c = 0; c < calls; c++) {
        const messages = Array.from({ length: perCall }, (_, i) =>
          createMessage({ body: `${c * perCall + i}` }),
        );
        t.publishEach({ queue }, messages, (i, error) => {
          settled.push([c, i, error]);
          if (settled.length === calls * perCall) resolve();
        });
      }
    });
    await all;
    expect(settled.filter(([, , e]) => e !== undefined)).toEqual([]);
    expect(new Set(settled.map(([c, i]) => `${c}/${i}`)).size).toBe(calls * perCall);
    const bodies = await drain(queue, calls * perCall);
    expect(bodies).toEqual(Array.from({ length: calls * perCall }, (_, i) => `${i}`));
  });

  it('fails a too large message alone; the others of the call are confirmed and delivered', async () => {
    const t = await transports.open({ maxMessageBytes: 100 });
    const queue = uniqueName('each-big');
    await declare(queue);
    const outcomes: string[] = [];
    await new Promise<void>((resolve) => {
      const messages = ['a', 'x'.repeat(200), 'c'].map((body) => createMessage({ body }));
      t.publishEach({ queue }, messages, (i, error) => {
        outcomes[i] = error === undefined ? 'ok' : (error as Error).constructor.name;
        if (outcomes.filter(Boolean).length === 3) resolve();
      });
    });
    expect(outcomes).toEqual(['ok', 'MessageTooLargeError', 'ok']);
    expect(await drain(queue, 2)).toEqual(['a', 'c']);
  });

  it('settles an unroutable message (queue missing) with UnroutableError and the rest of a later call normally', async () => {
    const t = await transports.open();
    const queue = uniqueName('each-ok');
    await declare(queue);
    const results = await Promise.all(
      [{ queue: uniqueName('missing') }, { queue }].map(
        (address) =>
          new Promise<string>((resolve) => {
            t.publishEach(address, [createMessage({ body: 'm' })], (_i, error) =>
              resolve(error === undefined ? 'ok' : (error as Error).constructor.name),
            );
          }),
      ),
    );
    expect(results).toEqual(['UnroutableError', 'ok']);
    expect(await drain(queue, 1)).toEqual(['m']);
  });

  it('settles every message with ClosedError after close()', async () => {
    const t = await transports.open();
    await t.close();
    const errors: string[] = [];
    t.publishEach(
      { queue: uniqueName('closed') },
      [createMessage({ body: 'a' }), createMessage({ body: 'b' })],
      (_i, e) => errors.push((e as Error).constructor.name),
    );
    expect(errors).toEqual(['ClosedError', 'ClosedError']);
  });
});
