import { AddressError, createMessage, type Delivery, MessageTooLargeError } from '@polybus/core';
import { Collector, deferred, requireBroker, uniqueName } from '@polybus/core/testing';
import { connect, type NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  durableNameFor,
  type NatsTransport,
  type NatsTransportOptions,
  streamNameFor,
} from '../src/index.js';
import { natsTransport, StreamJanitor } from './nats-test-env.js';

const up = await requireBroker('nats', '127.0.0.1', 4222);

describe.runIf(up)('JetStream behaviour', () => {
  const open: NatsTransport[] = [];
  let nc: NatsConnection;
  const janitor = new StreamJanitor();
  async function transport(overrides: Partial<NatsTransportOptions> = {}): Promise<NatsTransport> {
    const t = natsTransport(overrides);
    open.push(t);
    await t.connect();
    return t;
  }
  const ackAll = (collector: Collector) => async (d: Delivery) => {
    collector.push(d);
    await d.ack();
  };
  beforeAll(async () => {
    nc = await connect({ servers: '127.0.0.1:4222' });
  });
  afterAll(async () => {
    await nc.close();
    await janitor.clean();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close({ timeoutMs: 1_000 })));
  });

  it('without createStreams, a subject no stream captures fails with a non-retriable AddressError', async () => {
    const t = await transport({ createStreams: false });
    const subject = janitor.subject(`pbj.${uniqueName('nostream')}`);
    const error = await t.publish(subject, [createMessage({ body: 'x' })]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AddressError);
    expect((error as AddressError).retriable).toBe(false);
    await expect(t.subscribe(subject, () => undefined)).rejects.toBeInstanceOf(AddressError);
    await expect(
      t.subscribe({ subject, stream: 'PB_MISSING_STREAM' }, () => undefined),
    ).rejects.toBeInstanceOf(AddressError);
  });

  it('without createStreams, an existing stream is used as it is', async () => {
    const subject = janitor.subject(`pbj.${uniqueName('existing')}`);
    const jsm = await nc.jetstreamManager();
    const stream = janitor.stream(uniqueName('EXISTING').replace(/[^A-Za-z0-9_-]/g, '_'));
    await jsm.streams.add({ name: stream, subjects: [`${subject}.>`] });
    const t = await transport({ createStreams: false });
    const collector = new Collector();
    await t.subscribe(`${subject}.*`, ackAll(collector), { group: 'g' });
    await t.publish(`${subject}.a`, [createMessage({ body: '1' })]);
    await t.publish({ subject: `${subject}.b`, stream }, [createMessage({ body: '2' })]);
    await collector.waitFor(2, 10_000);
    expect(collector.deliveries.map((d) => d.source.subject).sort()).toEqual([
      `${subject}.a`,
      `${subject}.b`,
    ]);
    expect((await jsm.streams.info(stream)).state.messages).toBe(2);
  });

  it('creates a named stream with the configured storage and duplicate window', async () => {
    const subject = janitor.subject(`pbj.${uniqueName('named')}`);
    const stream = janitor.stream(uniqueName('NAMED').replace(/[^A-Za-z0-9_-]/g, '_'));
    const t = await transport({
      stream: {
        storage: 'memory',
        duplicateWindowMs: 5_000,
        maxAgeMs: 60_000,
        maxMsgs: -1,
        maxBytes: -1,
        replicas: 1,
      },
    });
    await t.publish({ subject, stream }, [createMessage({ body: 'x' })]);
    const info = await (await nc.jetstreamManager()).streams.info(stream);
    expect(info.config.subjects).toEqual([subject]);
    expect(info.config.storage).toBe('memory');
    expect(info.config.duplicate_window).toBe(5_000 * 1e6);
    expect(info.config.max_age).toBe(60_000 * 1e6);
    expect(info.state.messages).toBe(1);
  });

  it("from: 'earliest' replays what a new group never saw", async () => {
    const t = await transport();
    const subject = janitor.subject(`pbj.${uniqueName('replay')}`);
    const old = [createMessage({ body: 'old-1' }), createMessage({ body: 'old-2' })];
    await t.publish(subject, old);
    const latest = new Collector();
    const earliest = new Collector();
    await t.subscribe(subject, ackAll(latest), { group: uniqueName('late') });
    await t.subscribe(subject, ackAll(earliest), { group: uniqueName('early'), from: 'earliest' });
    const fresh = createMessage({ body: 'new' });
    await t.publish(subject, [fresh]);
    await earliest.waitFor(3, 10_000);
    await latest.waitFor(1, 10_000);
    expect(earliest.ids()).toEqual([...old.map((m) => m.id), fresh.id]);
    expect(latest.ids()).toEqual([fresh.id]);
  });

  it('nack without requeue terminates the message: it is not redelivered', async () => {
    const t = await transport();
    const subject = janitor.subject(`pbj.${uniqueName('term')}`);
    const collector = new Collector();
    await t.subscribe(
      subject,
      async (d) => {
        collector.push(d);
        if (Buffer.from(d.message.body).toString() === 'poison') await d.nack({ requeue: false });
        else await d.ack();
      },
      { group: 'g' },
    );
    await t.publish(subject, [createMessage({ body: 'poison' })]);
    await collector.waitFor(1, 10_000);
    await t.publish(subject, [createMessage({ body: 'next' })]);
    await collector.waitFor(2, 10_000);
    expect(collector.deliveries.map((d) => Buffer.from(d.message.body).toString())).toEqual([
      'poison',
      'next',
    ]);
  });

  it('maxDeliver stops redelivery after that many attempts', async () => {
    const t = await transport({ maxDeliver: 2 });
    const subject = janitor.subject(`pbj.${uniqueName('maxdeliver')}`);
    const collector = new Collector();
    await t.subscribe(
      subject,
      async (d) => {
        collector.push(d);
        if (Buffer.from(d.message.body).toString() === 'fail') await d.nack();
        else await d.ack();
      },
      { group: 'g' },
    );
    await t.publish(subject, [createMessage({ body: 'fail' })]);
    await collector.waitFor(2, 10_000);
    await t.publish(subject, [createMessage({ body: 'marker' })]);
    await collector.waitFor(3, 10_000);
    expect(collector.deliveries.map((d) => [Buffer.from(d.message.body).toString(), d.attempt])).toEqual([
      ['fail', 1],
      ['fail', 2],
      ['marker', 1],
    ]);
  });

  it('a long handler keeps its message: working() stops redelivery after ackWait', async () => {
    const t = await transport({ ackWaitMs: 1_000, workingIntervalMs: 300 });
    const subject = janitor.subject(`pbj.${uniqueName('working')}`);
    const collector = new Collector();
    const release = deferred();
    await t.subscribe(
      subject,
      async (d) => {
        collector.push(d);
        await release.promise;
        await d.ack();
      },
      { group: 'g', maxInFlight: 4 },
    );
    await t.publish(subject, [createMessage({ body: 'slow' })]);
    await collector.waitFor(1, 10_000);
    await new Promise((r) => setTimeout(r, 3_500)); // 3.5 ack waits: without +WPI it would come back
    release.resolve();
    await t.publish(subject, [createMessage({ body: 'marker' })]);
    await collector.waitFor(2, 10_000);
    expect(collector.deliveries.map((d) => [Buffer.from(d.message.body).toString(), d.attempt])).toEqual([
      ['slow', 1],
      ['marker', 1],
    ]);
  });

  it('an unsettled message comes back after ackWait when nothing keeps it (consumer config from options)', async () => {
    const t = await transport({ ackWaitMs: 1_000, workingIntervalMs: 60_000 });
    const subject = janitor.subject(`pbj.${uniqueName('ackwait')}`);
    const jsm = await nc.jetstreamManager();
    const collector = new Collector();
    await t.subscribe(
      subject,
      async (d) => {
        collector.push(d);
        if (d.attempt > 1) await d.ack(); // attempt 1 is never settled
      },
      { group: 'g' },
    );
    const info = await jsm.consumers.info(streamNameFor(subject), durableNameFor('g', subject));
    expect(info.config.ack_wait).toBe(1_000 * 1e6);
    expect(info.config.ack_policy).toBe('explicit');
    expect(info.config.deliver_policy).toBe('new');
    expect(info.config.filter_subject).toBe(subject);
    const m = createMessage({ body: 'abandoned' });
    const sentAt = Date.now();
    await t.publish(subject, [m]);
    await collector.waitFor(2, 10_000);
    expect(collector.deliveries.map((d) => [d.message.id, d.attempt])).toEqual([
      [m.id, 1],
      [m.id, 2],
    ]);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(900);
  });

  it('re-creates a consumer deleted under it and keeps consuming', async () => {
    const t = await transport();
    const subject = janitor.subject(`pbj.${uniqueName('lost')}`);
    const collector = new Collector();
    await t.subscribe(subject, ackAll(collector), { group: 'survivor' });
    await t.publish(subject, [createMessage({ body: 'before' })]);
    await collector.waitFor(1, 10_000);
    const jsm = await nc.jetstreamManager();
    // nats-server 2.9 may answer a delete racing an ack write with "unlinkat ...: directory not empty": retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await jsm.consumers.delete(streamNameFor(subject), durableNameFor('survivor', subject));
        break;
      } catch (error) {
        if (/consumer not found/i.test(String(error)) || attempt >= 10) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const after = Array.from({ length: 5 }, (_, i) => createMessage({ body: `after-${i}` }));
    await t.publish(subject, after);
    await collector.waitFor(6, 20_000);
    expect(new Set(collector.ids().slice(1))).toEqual(new Set(after.map((m) => m.id)));
    const info = await jsm.consumers.info(streamNameFor(subject), durableNameFor('survivor', subject));
    expect(info.config.durable_name).toBe(durableNameFor('survivor', subject));
  });

  it('removes the ephemeral consumer of a subscription without a group on close', async () => {
    const t = await transport();
    const subject = janitor.subject(`pbj.${uniqueName('eph')}`);
    const sub = await t.subscribe(subject, () => undefined);
    const jsm = await nc.jetstreamManager();
    const stream = streamNameFor(subject);
    expect((await jsm.streams.info(stream)).state.consumer_count).toBe(1);
    await sub.close();
    expect((await jsm.streams.info(stream)).state.consumer_count).toBe(0);
  });

  it('rejects a message larger than max_payload with MessageTooLargeError', async () => {
    const t = await transport();
    expect(t.capabilities.maxMessageBytes).toBe((nc.info?.max_payload ?? 0) - 8 * 1024);
    const error = await t
      .publish(janitor.subject(`pbj.${uniqueName('big')}`), [
        createMessage({ body: new Uint8Array((nc.info?.max_payload ?? 0) + 1) }),
      ])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(MessageTooLargeError);
  });

  it('health is up when connected and closed after close', async () => {
    const t = await transport();
    expect(t.health().state).toBe('up');
    await t.close();
    expect(t.health().state).toBe('closed');
    await expect(t.publish('pbj.x', [createMessage({ body: 'x' })])).rejects.toMatchObject({
      code: 'CLOSED',
    });
  });
});
