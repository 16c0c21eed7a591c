import { bodyText, createMessage, type Delivery } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RedisTransport } from '../src/index.js';
import { createTestTransport, REDIS_URL } from './helpers.js';

const up = await requireBroker('redis', '127.0.0.1', 6379);

/** Field/value pairs of a raw entry reply as a name -> Buffer map. */
function fieldMap(fields: Buffer[]): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!.toString(), fields[i + 1]!);
  return map;
}

describe.runIf(up)('foreign clients: the documented entry format and header mapping', () => {
  const raw = new Redis(REDIS_URL, { lazyConnect: true });
  let t: RedisTransport | undefined;
  afterEach(async () => {
    await t?.close({ timeoutMs: 1_000 });
    t = undefined;
  });
  afterAll(async () => {
    await raw.quit().catch(() => undefined);
  });

  async function groupCollector(stream: string): Promise<Collector> {
    t = createTestTransport();
    await t.connect();
    const collector = new Collector();
    await t.subscribe(
      stream,
      async (d: Delivery) => {
        collector.push(d);
        await d.ack();
      },
      { group: uniqueName('g') },
    );
    return collector;
  }

  it('a foreign entry with arbitrary fields arrives as a JSON body; the entry id is its message id', async () => {
    const stream = uniqueName('foreign-plain');
    const collector = await groupCollector(stream);
    const entryId = await raw.xadd(stream, '*', 'temp', '21', 'city', 'Oslo');
    await collector.waitFor(1, 10_000);
    const d = collector.deliveries[0]!;
    expect(d.message.id).toBe(entryId);
    expect(d.source.streamId).toBe(entryId);
    expect(JSON.parse(bodyText(d.message))).toEqual({ temp: '21', city: 'Oslo' });
    expect(d.message.headers).toEqual({ 'content-type': 'application/json' });
    expect(d.message.timestamp).toBe(Number(entryId!.split('-')[0]));
    expect(d.attempt).toBe(1);
  });

  it('fields named __proto__ and constructor arrive as real keys, in a JSON body and as headers (issue 14)', async () => {
    const stream = uniqueName('foreign-proto');
    const collector = await groupCollector(stream);
    await raw.xadd(stream, '*', '__proto__', 'p', 'constructor', 'c', 'city', 'Oslo');
    await raw.xadd(stream, '*', 'body', 'b', 'h:__proto__', 'hp', 'constructor', 'hc');
    await collector.waitFor(2, 10_000);
    const [plain, envelope] = collector.deliveries;
    expect(bodyText(plain!.message)).toBe('{"__proto__":"p","constructor":"c","city":"Oslo"}');
    expect(Object.keys(envelope!.message.headers).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(envelope!.message.headers, '__proto__')?.value).toBe('hp');
    expect(envelope!.message.headers.constructor).toBe('hc');
  });

  it('a foreign entry in the envelope format keeps body bytes, id, key, ts and every header', async () => {
    const stream = uniqueName('foreign-env');
    const collector = await groupCollector(stream);
    const body = Buffer.from([0, 255, 10, 13, 1, 2, 3]);
    await raw.xadd(
      stream,
      '*',
      'body',
      body,
      'id',
      'ext-42',
      'key',
      'customer-7',
      'ts',
      '1700000000123',
      'h:content-type',
      'application/octet-stream',
      'h:content-encoding',
      'gzip',
      'h:correlation-id',
      'corr-1',
      'h:reply-to',
      'replies',
      'h:x-tenant',
      'acme ✓',
    );
    await collector.waitFor(1, 10_000);
    const m = collector.deliveries[0]!.message;
    expect(m.id).toBe('ext-42');
    expect(m.key).toBe('customer-7');
    expect(m.timestamp).toBe(1_700_000_000_123);
    expect(Buffer.from(m.body).equals(body)).toBe(true);
    expect(m.headers).toEqual({
      'content-type': 'application/octet-stream',
      'content-encoding': 'gzip',
      'correlation-id': 'corr-1',
      'reply-to': 'replies',
      'x-tenant': 'acme ✓',
    });
  });

  it('a foreign consumer reads what polybus wrote: body, id, key, ts and h:<name> fields', async () => {
    const stream = uniqueName('foreign-read');
    t = createTestTransport();
    const body = new Uint8Array(300).map((_, i) => (i * 31) & 0xff);
    const sent = createMessage({
      body,
      key: 'k-1',
      timestamp: 1_700_000_000_999,
      headers: { 'content-type': 'application/x-bin', 'correlation-id': 'c-1', 'x-user': 'ü' },
    });
    await t.publish(stream, [sent]);
    const entries = (await raw.xrangeBuffer(stream, '-', '+')) as Array<[Buffer, Buffer[]]>;
    expect(entries).toHaveLength(1);
    const fields = fieldMap(entries[0]![1]);
    expect([...fields.keys()]).toEqual([
      'body',
      'id',
      'key',
      'ts',
      'h:content-type',
      'h:correlation-id',
      'h:x-user',
    ]);
    expect(fields.get('body')!.equals(Buffer.from(body))).toBe(true);
    expect(fields.get('id')!.toString()).toBe(sent.id);
    expect(fields.get('key')!.toString()).toBe('k-1');
    expect(fields.get('ts')!.toString()).toBe('1700000000999');
    expect(fields.get('h:content-type')!.toString()).toBe('application/x-bin');
    expect(fields.get('h:correlation-id')!.toString()).toBe('c-1');
    expect(fields.get('h:x-user')!.toString()).toBe('ü');
  });

  it('a foreign Pub/Sub publisher: the raw payload is the body; a foreign subscriber sees the PB1 envelope', async () => {
    const channel = uniqueName('foreign-ch');
    t = createTestTransport();
    await t.connect();
    const collector = new Collector();
    await t.subscribe({ channel }, (d) => collector.push(d));
    expect(await raw.publish(channel, 'hello from redis-cli')).toBe(1);
    await collector.waitFor(1, 10_000);
    const got = collector.deliveries[0]!.message;
    expect(bodyText(got)).toBe('hello from redis-cli');
    expect(got.headers).toEqual({});
    expect(got.id.length).toBeGreaterThan(0);

    const listener = raw.duplicate();
    try {
      const payload = new Promise<Buffer>((resolve) =>
        listener.on('messageBuffer', (_c: Buffer, p: Buffer) => resolve(p)),
      );
      await listener.subscribe(channel);
      const sent = createMessage({
        body: 'payload\nbytes',
        key: 'k',
        headers: { 'content-type': 'text/plain' },
      });
      await t.publish({ channel }, [sent]);
      const bytes = await payload;
      expect(bytes.subarray(0, 4).toString()).toBe('PB1\n');
      const end = bytes.indexOf(0x0a, 4);
      expect(JSON.parse(bytes.subarray(4, end).toString())).toEqual({
        id: sent.id,
        ts: sent.timestamp,
        key: 'k',
        headers: { 'content-type': 'text/plain' },
      });
      expect(bytes.subarray(end + 1).toString()).toBe('payload\nbytes');
    } finally {
      listener.disconnect();
    }
  });

  it('header policy: hostile header fields arrive as base64: or not at all; polybus refuses to write them', async () => {
    const stream = uniqueName('foreign-hostile');
    const collector = await groupCollector(stream);
    await raw.xadd(
      stream,
      '*',
      'body',
      'x',
      'h:crlf',
      'a\r\nInjected: 1',
      'h:bin',
      Buffer.from([0xff, 0xfe]),
      Buffer.from([0x68, 0x3a, 0xc3]),
      'bad-name-bytes',
      'h:ok',
      'ünï',
    );
    await collector.waitFor(1, 10_000);
    expect(collector.deliveries[0]!.message.headers).toEqual({
      crlf: `base64:${Buffer.from('a\r\nInjected: 1').toString('base64')}`,
      bin: 'base64://4=',
      ok: 'ünï',
    });
    const error = await t!
      .publish(stream, [createMessage({ body: 'y', headers: { 'x-evil': 'a\nb' } })])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ code: 'DATA_INVALID', retriable: false });
    expect(await raw.xlen(stream)).toBe(1);
  });
});
