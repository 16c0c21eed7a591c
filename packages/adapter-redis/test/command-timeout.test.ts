import { createMessage, PolybusError } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { TcpProxy } from '../../../test/faults/tcp-proxy.js';
import { RedisTransport, redisOptionsSchema } from '../src/index.js';
import { REDIS_URL, testLogger } from './helpers.js';

const up = await requireBroker('redis', '127.0.0.1', 6379);

/**
 * `commandTimeoutMs`: a reply that does not come (here: a proxy that stopped forwarding, as a lost
 * pipeline would look) fails the publish retriably once the bound is over, instead of holding the
 * caller for ever; the connection is usable again once replies flow.
 */
describe.runIf(up)('redis command timeout', () => {
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  afterAll(async () => {
    await admin.quit().catch(() => undefined);
  });

  it('a publish whose reply never comes rejects retriably after commandTimeoutMs; later publishes work', async () => {
    const proxy = await TcpProxy.start('127.0.0.1', 6379);
    const options = redisOptionsSchema.parse({ commandTimeoutMs: 300 });
    const transport = new RedisTransport(`redis://127.0.0.1:${proxy.port}`, options, testLogger);
    const stream = uniqueName('cmd-timeout');
    try {
      await transport.connect();
      await transport.publish({ stream }, [createMessage({ body: 'before', id: 'm1' })]);
      proxy.freeze();
      const frozenAt = Date.now();
      const failure = await transport.publish({ stream }, [createMessage({ body: 'frozen', id: 'm2' })]).then(
        () => undefined,
        (error: unknown) => error,
      );
      const waitedMs = Date.now() - frozenAt;
      expect(failure).toBeInstanceOf(PolybusError);
      expect((failure as PolybusError).code).toBe('PUBLISH_REJECTED');
      expect((failure as PolybusError).retriable).toBe(true);
      expect(String((failure as Error).message)).toContain('no reply within 300 ms');
      expect(waitedMs).toBeGreaterThanOrEqual(290);
      proxy.thaw();
      await transport.publish({ stream }, [createMessage({ body: 'after', id: 'm3' })]);
      // The timed-out XADD was not cancelled: it ran once the proxy forwarded it (a retry would duplicate).
      const ids = (await admin.xrange(stream, '-', '+')).map(([, fields]) => {
        const at = fields.indexOf('id');
        return at >= 0 ? fields[at + 1] : undefined;
      });
      expect(ids).toEqual(['m1', 'm2', 'm3']);
    } finally {
      proxy.thaw();
      await transport.close();
      await proxy.close();
      await admin.del(stream).catch(() => undefined);
    }
  });
});
