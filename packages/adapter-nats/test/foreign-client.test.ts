import { createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { AckPolicy, connect, DeliverPolicy, headers, type JsMsg, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamNameFor } from '../src/index.js';
import { natsTransport, StreamJanitor } from './nats-test-env.js';

const up = await requireBroker('nats', '127.0.0.1', 4222);

describe.runIf(up)('foreign nats.js clients and the README header table', () => {
  let nc: NatsConnection;
  const transport = natsTransport();
  const janitor = new StreamJanitor();

  beforeAll(async () => {
    nc = await connect({ servers: '127.0.0.1:4222' });
    await transport.connect();
  });

  afterAll(async () => {
    await transport.close({ timeoutMs: 1_000 });
    await nc.close();
    await janitor.clean();
  });

  async function rawStream(subject: string): Promise<string> {
    const name = janitor.stream(streamNameFor(subject));
    await (await nc.jetstreamManager()).streams.add({ name, subjects: [subject] });
    return name;
  }

  async function rawFetch(stream: string, subject: string, count: number): Promise<JsMsg[]> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.consumers.add(stream, {
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: subject,
    });
    const consumer = await nc.jetstream().consumers.get(stream, info.name);
    const got: JsMsg[] = [];
    for await (const m of await consumer.fetch({ max_messages: count, expires: 5_000 })) {
      got.push(m);
      m.ack();
    }
    await jsm.consumers.delete(stream, info.name);
    return got;
  }

  it('maps a foreign JetStream message with polybus headers to id, key, timestamp and canonical headers', async () => {
    const subject = `pbf.${uniqueName('in')}`;
    await rawStream(subject);
    const collector = new Collector();
    await transport.subscribe(
      subject,
      async (d) => {
        collector.push(d);
        await d.ack();
      },
      { group: uniqueName('g') },
    );
    const h = headers();
    h.set('Nats-Msg-Id', 'foreign-id-1');
    h.set('x-polybus-key', 'order-7');
    h.set('x-polybus-timestamp', '1700000000123');
    h.set('content-type', 'application/json');
    h.set('content-encoding', 'identity');
    h.set('correlation-id', 'corr-1');
    h.set('reply-to', 'replies.here');
    h.set('X-User-Header', 'Mixed Case ✓');
    h.set('x-empty', '');
    const pa = await nc.jetstream().publish(subject, new TextEncoder().encode('{"a":1}'), { headers: h });
    expect(pa.duplicate).toBe(false);
    await collector.waitFor(1, 10_000);
    const m = collector.deliveries[0]!.message;
    expect(m.id).toBe('foreign-id-1');
    expect(m.key).toBe('order-7');
    expect(m.timestamp).toBe(1700000000123);
    expect(Buffer.from(m.body).toString()).toBe('{"a":1}');
    expect(m.headers).toEqual({
      'content-type': 'application/json',
      'content-encoding': 'identity',
      'correlation-id': 'corr-1',
      'reply-to': 'replies.here',
      'X-User-Header': 'Mixed Case ✓',
      'x-empty': '',
    });
  });

  it('gives a foreign message without headers the id <stream>:<sequence> and the stored time', async () => {
    const subject = `pbf.${uniqueName('bare')}`;
    const stream = await rawStream(subject);
    const collector = new Collector();
    await transport.subscribe(subject, async (d) => {
      collector.push(d);
      await d.ack();
    });
    const before = Date.now();
    const pa = await nc.jetstream().publish(subject, new Uint8Array([0, 1, 2]));
    await collector.waitFor(1, 10_000);
    const d: Delivery = collector.deliveries[0]!;
    expect(d.message.id).toBe(`${stream}:${pa.seq}`);
    expect(d.message.key).toBeUndefined();
    expect(d.message.headers).toEqual({});
    expect(Math.abs(d.message.timestamp - before)).toBeLessThan(2_000);
    expect(d.attempt).toBe(1);
    expect(d.source.streamId).toBe(stream);
    expect(d.source.offset).toBe(String(pa.seq));
  });

  it('writes the README header table for a foreign JetStream consumer', async () => {
    const subject = `pbf.${uniqueName('out')}`;
    const stream = await rawStream(subject);
    const sent = createMessage({
      body: 'hello',
      key: 'k-1',
      timestamp: 1700000000456,
      headers: {
        'content-type': 'text/plain',
        'content-encoding': 'gzip',
        'correlation-id': 'c-9',
        'reply-to': 'answers',
        'x-user': 'ünï ✓',
        'x-blank': '',
      },
    });
    await transport.publish(subject, [sent]);
    const [m] = await rawFetch(stream, subject, 1);
    expect(m).toBeDefined();
    expect(new TextDecoder().decode(m!.data)).toBe('hello');
    const h = m!.headers!;
    expect(h.get('Nats-Msg-Id')).toBe(sent.id);
    expect(h.get('x-polybus-key')).toBe('k-1');
    expect(h.get('x-polybus-timestamp')).toBe('1700000000456');
    expect(h.get('content-type')).toBe('text/plain');
    expect(h.get('content-encoding')).toBe('gzip');
    expect(h.get('correlation-id')).toBe('c-9');
    expect(h.get('reply-to')).toBe('answers');
    expect(h.get('x-user')).toBe('ünï ✓');
    expect(h.has('x-blank')).toBe(true);
    expect(h.get('x-blank')).toBe('');
    expect(h.keys().sort()).toEqual(
      [
        'Nats-Msg-Id',
        'x-polybus-key',
        'x-polybus-timestamp',
        'content-type',
        'content-encoding',
        'correlation-id',
        'reply-to',
        'x-user',
        'x-blank',
      ].sort(),
    );
  });

  it('stores a message id published twice within the duplicate window once', async () => {
    const subject = `pbf.${uniqueName('dup')}`;
    const stream = await rawStream(subject);
    const m = createMessage({ body: 'once' });
    await transport.publish(subject, [m]);
    await transport.publish(subject, [m]); // a resend after, say, a lost PubAck: resolves, not an error
    const h = headers();
    h.set('Nats-Msg-Id', m.id);
    const foreign = await nc.jetstream().publish(subject, new TextEncoder().encode('once'), { headers: h });
    expect(foreign.duplicate).toBe(true);
    const other = createMessage({ body: 'other' });
    await transport.publish(subject, [other, other]); // same id twice inside one batch
    const info = await (await nc.jetstreamManager()).streams.info(stream);
    expect(info.state.messages).toBe(2);
    const stored = await rawFetch(stream, subject, 2);
    expect(stored.map((s) => s.headers?.get('Nats-Msg-Id'))).toEqual([m.id, other.id]);
  });

  it('maps core NATS reply subjects to and from the reply-to header', async () => {
    const subject = `pbfc.${uniqueName('core')}`;
    const collector = new Collector();
    await transport.subscribe({ subject, core: true }, (d) => {
      collector.push(d);
    });
    const h = headers();
    h.set('Nats-Msg-Id', 'core-id');
    h.set('x-polybus-key', 'ck');
    h.set('correlation-id', 'cc');
    nc.publish(subject, new TextEncoder().encode('ping'), { reply: 'my.inbox', headers: h });
    await collector.waitFor(1, 10_000);
    const got = collector.deliveries[0]!.message;
    expect(got.id).toBe('core-id');
    expect(got.key).toBe('ck');
    expect(got.headers).toEqual({ 'reply-to': 'my.inbox', 'correlation-id': 'cc' });

    const raw = nc.subscribe(`${subject}.out`, { max: 1 });
    await nc.flush();
    const out = createMessage({ body: 'pong', headers: { 'reply-to': 'back.here', 'x-a': 'b' } });
    await transport.publish({ subject: `${subject}.out`, core: true }, [out]);
    for await (const msg of raw) {
      expect(msg.reply).toBe('back.here');
      expect(msg.headers?.get('Nats-Msg-Id')).toBe(out.id);
      expect(msg.headers?.get('x-a')).toBe('b');
      expect(msg.headers?.has('reply-to')).toBe(false);
    }
  });
});
