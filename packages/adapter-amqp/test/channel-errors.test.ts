import { createMessage, type Delivery, isPolybusError, silentLogger } from '@polybus/core';
import { Collector, deferred, requireBroker, uniqueName } from '@polybus/core/testing';
import amqplib from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { AmqpTransport, amqpAdapter } from '../src/index.js';
import { AMQP_URL, createTestTransport, transportTracker } from './helpers.js';

const up = await requireBroker('rabbitmq', '127.0.0.1', 5672);

const transports = transportTracker();
const transport = transports.open;

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe.runIf(up)('amqp channel errors stay contained', () => {
  afterEach(() => transports.closeAll());

  it('a publish to a missing exchange rejects with AddressError and leaves subscriptions and later publishes working', async () => {
    const t = await transport();
    const address = uniqueName('iso');
    const collector = new Collector();
    await t.subscribe(
      address,
      (d) => {
        collector.push(d);
        return d.ack();
      },
      { group: uniqueName('g') },
    );
    await t.publish(address, [createMessage({ body: 'before' })]);
    await collector.waitFor(1, 10_000);

    const error = await errorOf(
      t.publish({ exchange: uniqueName('missing') }, [createMessage({ body: 'x' })]),
    );
    expect(isPolybusError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('ADDRESS_INVALID');

    // A concurrent publish sharing the confirm channel is not hit by the other one's missing exchange.
    const [bad, good] = await Promise.allSettled([
      t.publish({ exchange: uniqueName('missing') }, [createMessage({ body: 'y' })]),
      t.publish(address, [createMessage({ body: 'concurrent' })]),
    ]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'ADDRESS_INVALID' } });
    expect(good.status).toBe('fulfilled');

    await t.publish(address, [createMessage({ body: 'after' })]);
    await collector.waitFor(3, 10_000);
    expect(collector.deliveries.map((d) => Buffer.from(d.message.body).toString())).toEqual([
      'before',
      'concurrent',
      'after',
    ]);
    expect(t.health().state).toBe('up');
  });

  it('a publish to a missing queue rejects with UnroutableError (mandatory return)', async () => {
    const t = await transport();
    const error = await errorOf(t.publish({ queue: uniqueName('nope') }, [createMessage({ body: 'x' })]));
    expect((error as { code: string }).code).toBe('UNROUTABLE');
    expect((error as { retriable: boolean }).retriable).toBe(false);
  });

  it('mandatoryTopicPublish turns a publish no group listens to into an UnroutableError', async () => {
    const strict = await transport({ mandatoryTopicPublish: true });
    const lax = await transport();
    const address = uniqueName('nobody');
    await lax.publish(address, [createMessage({ body: 'dropped' })]);
    const error = await errorOf(strict.publish(address, [createMessage({ body: 'x' })]));
    expect((error as { code: string }).code).toBe('UNROUTABLE');
  });

  it('a message larger than maxMessageBytes is refused before it is sent', async () => {
    const t = await transport({ maxMessageBytes: 1024 });
    const error = await errorOf(
      t.publish(uniqueName('big'), [createMessage({ body: new Uint8Array(1025) })]),
    );
    expect((error as { code: string }).code).toBe('MESSAGE_TOO_LARGE');
  });

  it('an invalid address is an AddressError for publish and subscribe', async () => {
    const t = await transport();
    expect((await errorOf(t.publish('no spaces allowed', []))) as { code: string }).toMatchObject({
      code: 'ADDRESS_INVALID',
    });
    expect(
      (await errorOf(t.subscribe({ queue: uniqueName('absent') }, () => undefined))) as { code: string },
    ).toMatchObject({
      code: 'ADDRESS_INVALID',
    });
    expect(t.health().state).toBe('up');
  });

  it('a deleted group queue is re-declared and consumption continues; settles from the dead channel are no-ops', async () => {
    const t = await transport();
    const address = uniqueName('cancel');
    const group = uniqueName('g');
    const collector = new Collector();
    const held = deferred<Delivery>();
    const sub = await t.subscribe(
      address,
      (d) => {
        collector.push(d);
        if (Buffer.from(d.message.body).toString() === 'held') held.resolve(d);
        else return d.ack();
      },
      { group, maxInFlight: 4 },
    );
    await t.publish(address, [createMessage({ body: 'held' })]);
    const stale = await held.promise;

    const raw = await amqplib.connect(AMQP_URL);
    const ch = await raw.createChannel();
    await ch.deleteQueue(`${address}.${group}`);

    // Publish until the re-declared queue delivers again (messages sent before it exists are dropped).
    const deadline = Date.now() + 15_000;
    while (collector.count < 2 && Date.now() < deadline) {
      await t.publish(address, [createMessage({ body: 'again' })]);
      await collector.waitFor(2, 200).catch(() => undefined);
    }
    expect(collector.count).toBeGreaterThanOrEqual(2);
    await expect(stale.ack()).resolves.toBeUndefined();
    await expect(stale.nack()).resolves.toBeUndefined();
    const before = collector.count;
    await t.publish(address, [createMessage({ body: 'last' })]);
    await collector.waitFor(before + 1, 10_000);
    expect(t.health().state).toBe('up');
    await sub.close();
    await ch.deleteQueue(`${address}.${group}`);
    await raw.close();
  });

  it('a deleted native { queue } ends the subscription: closed resolves with an AddressError', async () => {
    const raw = await amqplib.connect(AMQP_URL);
    const ch = await raw.createChannel();
    const queue = uniqueName('native');
    await ch.assertQueue(queue, { durable: false });
    const t = await transport();
    const sub = await t.subscribe({ queue }, (d) => d.ack());
    await ch.deleteQueue(queue);
    const ended = await sub.closed;
    expect(ended).toMatchObject({ code: 'ADDRESS_INVALID' });
    await sub.close();
    await raw.close();
  });

  it('nack without requeue dead-letters through the queue arguments', async () => {
    const raw = await amqplib.connect(AMQP_URL);
    const ch = await raw.createChannel();
    const dlx = uniqueName('dlx');
    await ch.assertExchange(dlx, 'fanout', { durable: false, autoDelete: false });
    const { queue: dead } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(dead, dlx, '');
    const t = await transport({ queueArguments: { 'x-dead-letter-exchange': dlx } });
    const address = uniqueName('drop');
    const collector = new Collector();
    await t.subscribe(
      address,
      (d) => {
        collector.push(d);
        return d.nack({ requeue: false });
      },
      { group: uniqueName('g') },
    );
    const [m] = [createMessage({ body: 'poison' })];
    await t.publish(address, [m!]);
    const got = await new Promise<string | undefined>((resolve) => {
      void ch.consume(dead, (msg) => {
        if (msg) resolve(msg.properties.messageId as string | undefined);
      });
    });
    expect(got).toBe(m!.id);
    expect(collector.count).toBe(1);
    await ch.deleteExchange(dlx);
    await raw.close();
  });

  it('health, connect and close follow the contract', async () => {
    const t = createTestTransport();
    expect(t.health().state).toBe('down');
    await t.connect();
    await t.connect();
    expect(t.health().state).toBe('up');
    const first = t.close();
    expect(t.close()).toBe(first);
    await first;
    expect(t.health().state).toBe('closed');
    expect((await errorOf(t.publish('x', [createMessage({ body: 'x' })]))) as { code: string }).toMatchObject(
      {
        code: 'CLOSED',
      },
    );
    const bad = new AmqpTransport(
      'amqp://guest:secret@127.0.0.1:1',
      amqpAdapter.optionsSchema.parse({ connectAttempts: 1 }),
      silentLogger,
    );
    const error = await errorOf(bad.connect());
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(String((error as Error).message)).not.toContain('secret');
    expect(bad.health().state).toBe('down');
    await bad.close();
  });
});
