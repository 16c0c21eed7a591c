import { describe, expect, it } from 'vitest';
import { type BridgeConfig, configSchema } from '../config/schema.js';
import { canonicalJson, diffConfigs } from './config-diff.js';

const base = {
  connections: { a: 'memory://a', b: 'memory://b', c: { url: 'memory://c', options: { x: 1, y: 2 } } },
  routes: [
    { name: 'one', from: { connection: 'a', topic: 'in' }, to: [{ connection: 'b', topic: 'out' }] },
    { name: 'two', from: { connection: 'a', topic: 'in2' }, to: [{ connection: 'c', topic: 'out' }] },
    { name: 'three', from: { connection: 'b', topic: 'x' }, to: [{ connection: 'a', topic: 'y' }] },
  ],
};
const parse = (value: unknown): BridgeConfig => configSchema.parse(value);
const clone = (): typeof base => structuredClone(base);

describe('diffConfigs', () => {
  it('finds nothing changed in the same config, whatever the key order', () => {
    const reordered = clone();
    reordered.connections.c = { options: { y: 2, x: 1 }, url: 'memory://c' } as typeof base.connections.c;
    const diff = diffConfigs(parse(base), parse(reordered));
    expect(diff.routes).toEqual({ unchanged: ['one', 'two', 'three'], changed: [], added: [], removed: [] });
    expect(diff.connections.changed).toEqual([]);
    expect(diff.needsRestart).toEqual([]);
  });

  it('sorts routes into changed, added and removed', () => {
    const next = clone();
    next.routes[0] = { ...base.routes[0], filter: 'body.x > 1' } as (typeof base.routes)[0];
    next.routes.splice(2, 1);
    next.routes.push({
      name: 'four',
      from: { connection: 'b', topic: 'z' },
      to: [{ connection: 'a', topic: 'q' }],
    });
    const diff = diffConfigs(parse(base), parse(next));
    expect(diff.routes).toEqual({
      unchanged: ['two'],
      changed: ['one'],
      added: ['four'],
      removed: ['three'],
    });
  });

  it('restarts every route using a connection whose URL or options changed, and only those', () => {
    const next = clone();
    next.connections.c = { url: 'memory://c', options: { x: 1, y: 3 } };
    const diff = diffConfigs(parse(base), parse(next));
    expect(diff.connections).toEqual({ unchanged: ['a', 'b'], changed: ['c'], added: [], removed: [] });
    expect(diff.routes.changed).toEqual(['two']);
    expect(diff.routes.unchanged).toEqual(['one', 'three']);
  });

  it('treats a default written out as no change (compares parsed configs)', () => {
    const next = clone();
    next.routes[1] = { ...base.routes[1], maxInFlight: 256 } as (typeof base.routes)[1];
    expect(diffConfigs(parse(base), parse(next)).routes.changed).toEqual([]);
  });

  it('lists added and removed connections and an http change as needing a restart', () => {
    const next = { ...clone(), http: { port: 1234 } } as Record<string, unknown>;
    (next.connections as Record<string, unknown>).d = 'memory://d';
    const diff = diffConfigs(parse(base), parse(next));
    expect(diff.connections.added).toEqual(['d']);
    expect(diff.needsRestart).toEqual(['http']);
    const fewer = clone() as Record<string, unknown>;
    (fewer.connections as Record<string, unknown>).d = 'memory://d';
    expect(diffConfigs(parse(fewer), parse(base)).connections.removed).toEqual(['d']);
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });
});
