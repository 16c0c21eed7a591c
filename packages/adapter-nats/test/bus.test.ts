import { connect } from '@polybus/core';
import { Collector, requireBroker, uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { natsAdapter } from '../src/index.js';
import { StreamJanitor } from './nats-test-env.js';

const up = await requireBroker('nats', '127.0.0.1', 4222);

describe.runIf(up)('the README example through connect()', () => {
  it('publishes, consumes with auto-ack and requests through the Bus facade', async () => {
    const bus = await connect('nats://127.0.0.1:4222', {
      adapters: [natsAdapter],
      options: { createStreams: true },
    });
    const janitor = new StreamJanitor();
    try {
      const subject = janitor.subject(`pbbus.${uniqueName('orders')}`);
      const collector = new Collector();
      const sub = await bus.subscribe(subject, (d) => collector.push(d), {
        group: 'billing',
        maxInFlight: 32,
      });
      const [sent] = await bus.publish(subject, {
        body: '{"id":42}',
        key: 'customer-7',
        headers: { 'content-type': 'application/json' },
      });
      await collector.waitFor(1, 10_000);
      const got = collector.deliveries[0]!;
      expect(got.message.id).toBe(sent!.id);
      expect(got.message.key).toBe('customer-7');
      expect(got.message.headers).toEqual({ 'content-type': 'application/json' });

      const echo = `pbbus.${uniqueName('echo')}`;
      await bus.subscribe({ subject: echo, core: true }, async (d) => {
        await bus.publish({ subject: d.message.headers['reply-to']!, core: true }, { body: d.message.body });
      });
      const reply = await bus.request({ subject: echo, core: true }, { body: 'ping' }, { timeoutMs: 2_000 });
      expect(Buffer.from(reply.body).toString()).toBe('ping');
      await sub.close();
      expect(bus.health().state).toBe('up');
    } finally {
      await bus.close();
      await janitor.clean();
    }
  });
});
