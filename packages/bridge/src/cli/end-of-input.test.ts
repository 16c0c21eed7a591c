import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import type { RouteStatus } from '../route/route.js';
import { allSourcesFinite, isDone } from './end-of-input.js';

const config = (source: string) =>
  configSchema.parse({
    connections: { in: source, bus: 'memory://b', out: 'stdio://' },
    routes: [
      { name: 'a', from: { connection: 'in' }, to: [{ connection: 'bus', topic: 't' }] },
      { name: 'b', from: { connection: 'bus', topic: 't' }, to: [{ connection: 'out' }] },
    ],
  });
const status = (name: string, received: number, inFlight = 0, inputEnded = false): RouteStatus => ({
  name,
  state: 'running',
  inFlight,
  counters: { received, published: 0, filtered: 0, deadLettered: 0, nacked: 0, acked: 0, errors: 0 },
  ...(inputEnded ? { inputEnded: true as const } : {}),
});

describe('end of input', () => {
  it('is possible only when every source is stdio or in-process memory', () => {
    expect(allSourcesFinite(config('stdio://'))).toBe(true);
    expect(allSourcesFinite(config('nats://127.0.0.1:4222'))).toBe(false);
  });
  it('is reached once stdin ended, nothing is in flight and nothing arrived in the quiet period', () => {
    const c = config('stdio://');
    const done = [status('a', 3, 0, true), status('b', 3)];
    expect(isDone(c, done, done)).toBe(true);
    expect(isDone(c, done, [status('a', 3, 0, false), status('b', 3)])).toBe(false);
    expect(isDone(c, done, [status('a', 3, 0, true), status('b', 3, 1)])).toBe(false);
    expect(isDone(c, [status('a', 3, 0, true), status('b', 2)], done)).toBe(false);
  });
});
