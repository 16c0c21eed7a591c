import { createHash } from 'node:crypto';
import { createMessage, type Delivery } from '@polybus/core';
import { Collector, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { artemisTransport, requireArtemis } from './amqp1-test-env.js';
import { ArtemisJanitor } from './artemis-janitor.js';

const up = await requireArtemis();

describe.runIf(up)('large messages (Artemis stores them as large-message files)', () => {
  const janitor = new ArtemisJanitor();
  afterAll(() => janitor.clean());

  it('a body just under maxMessageBytes (16 MiB) arrives byte-exact, with its headers', async () => {
    const t = artemisTransport();
    try {
      await t.connect();
      const queue = janitor.name(uniqueName('pbq.large'));
      const size = 16 * 1024 * 1024 - 1024;
      const body = new Uint8Array(size);
      for (let i = 0; i < size; i++) body[i] = (i * 31 + (i >>> 13)) & 0xff;
      const sent = createMessage({ body, key: 'big', headers: { 'x-size': String(size) } });
      const c = new Collector();
      await t.subscribe({ queue }, async (d: Delivery) => {
        c.push(d);
        await d.ack();
      });
      await t.publish({ queue }, [sent, createMessage({ body: 'small after big' })]);
      await c.waitFor(2, 60_000);
      const got = c.deliveries.find((d) => d.message.id === sent.id)!;
      expect(got.message.body.byteLength).toBe(size);
      const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      expect(digest(got.message.body)).toBe(digest(body));
      expect(got.message.headers['x-size']).toBe(String(size));
      expect(got.message.key).toBe('big');
    } finally {
      await t.close();
    }
  }, 120_000);
});
