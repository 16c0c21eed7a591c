import { connect } from '@polybus/core';
import { Collector, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { amqp1Adapter } from '../src/index.js';
import { ARTEMIS_URL, requireArtemis } from './amqp1-test-env.js';
import { ArtemisJanitor } from './artemis-janitor.js';

const up = await requireArtemis();

describe.runIf(up)('through the core Bus (connect with the descriptor)', () => {
  const janitor = new ArtemisJanitor();
  afterAll(() => janitor.clean());

  it('publishes and consumes with a group, as the README shows', async () => {
    const bus = await connect(ARTEMIS_URL, {
      adapters: [amqp1Adapter],
      options: { publishTimeoutMs: 10_000 },
    });
    try {
      const topic = janitor.name(uniqueName('pb.bus'));
      const c = new Collector();
      await bus.subscribe(topic, (d) => c.push(d), { group: 'billing', maxInFlight: 4 });
      await bus.publish(topic, {
        body: '{"id":42}',
        key: 'customer-7',
        headers: { 'content-type': 'application/json' },
      });
      await c.waitFor(1, 30_000);
      const [d] = c.deliveries;
      expect(d!.message.key).toBe('customer-7');
      expect(d!.message.headers['content-type']).toBe('application/json');
      expect(d!.source.group).toBe('billing');
    } finally {
      await bus.close();
    }
  });
});
