import { ClosedError, createMessage, isPolybusError } from '@polybus/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenTransports } from './zmq-test-env.js';

const transports = new OpenTransports();
afterEach(() => transports.closeAll());

describe('close while a PUSH publish waits for a puller', () => {
  it('rejects the waiting publish with a typed error at once, not after sendTimeoutMs', async () => {
    const t = await transports.open('zmq+tcp://127.0.0.1:0', { pattern: 'pushpull', sendTimeoutMs: 60_000 });
    const started = performance.now();
    const publishing = t.publish('', [createMessage({ body: 'nobody takes me' })]).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await t.close();
    const error = await publishing;
    expect(isPolybusError(error), `typed error, got ${String(error)}`).toBe(true);
    expect(error).toBeInstanceOf(ClosedError);
    expect(performance.now() - started).toBeLessThan(10_000);
    await expect(t.publish('', [createMessage({ body: 'x' })])).rejects.toBeInstanceOf(ClosedError);
  });
});
