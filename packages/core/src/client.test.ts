import { describe, expect, it } from 'vitest';
import { connect } from './client.js';
import { UnknownSchemeError, UnsupportedError } from './errors.js';
import type { Delivery } from './transport.js';

describe('connect / Bus', () => {
  it('publishes and auto-acks on memory:// with the default registry', async () => {
    const bus = await connect('memory://client-test');
    const got: Delivery[] = [];
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => {
      resolveDone = r;
    });
    const sub = await bus.subscribe(
      'orders',
      (d) => {
        got.push(d);
        if (got.length === 2) resolveDone();
      },
      { group: 'g' },
    );
    const sent = await bus.publish('orders', [
      { body: 'a', key: 'k' },
      { body: 'b', headers: { h: '1' } },
    ]);
    await done;
    expect(got.map((d) => d.message.id)).toEqual(sent.map((m) => m.id));
    expect(got.every((d) => d.settled)).toBe(true);
    expect(sub.inFlight).toBe(0);
    await bus.close();
  });

  it('nacks when an auto-ack handler throws, then redelivers', async () => {
    const bus = await connect('memory://client-test-2');
    const attempts: number[] = [];
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => {
      resolveDone = r;
    });
    await bus.subscribe(
      't',
      (d) => {
        attempts.push(d.attempt);
        if (d.attempt === 1) throw new Error('expected failure');
        resolveDone();
      },
      { group: 'g' },
    );
    await bus.publish('t', { body: 'x' });
    await done;
    expect(attempts).toEqual([1, 2]);
    await bus.close();
  });

  it('rejects an unknown scheme and request on a transport without it', async () => {
    await expect(connect('mqtt://127.0.0.1:1883')).rejects.toBeInstanceOf(UnknownSchemeError);
    const bus = await connect('memory://');
    await expect(bus.request('t', { body: 'x' })).rejects.toBeInstanceOf(UnsupportedError);
    await bus.close();
  });
});
