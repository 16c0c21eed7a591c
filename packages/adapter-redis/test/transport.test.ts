import { createMessage, createRegistry, isPolybusError, type PolybusError } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { RedisTransport, redisAdapter, redisOptionsSchema } from '../src/index.js';
import { createTestTransport, testLogger } from './helpers.js';

const up = await requireBroker('redis', '127.0.0.1', 6379);

async function rejection(promise: Promise<unknown>): Promise<PolybusError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPolybusError(error), `typed PolybusError, got ${String(error)}`).toBe(true);
  return error as PolybusError;
}

describe('redis adapter descriptor and options', () => {
  it('serves redis: and rediss: and validates options by path', () => {
    const registry = createRegistry(redisAdapter);
    expect(registry.schemes()).toEqual(['redis', 'rediss']);
    const t = registry.createTransport('rediss://user:secret@example.invalid:6380/2', { claimIdleMs: 5_000 });
    expect(t).toBeInstanceOf(RedisTransport);
    expect(t.scheme).toBe('rediss');
    expect(t.health().state).toBe('down');
    expect(() => registry.createTransport('redis://x', { claimIdleMs: -1 })).toThrow(/options.claimIdleMs/);
    expect(() => registry.createTransport('redis://x', { nope: 1 })).toThrow(/CONFIG|invalid options/);
  });

  it('declares stream and channel capabilities honestly', () => {
    const t = new RedisTransport('redis://127.0.0.1:6379', redisOptionsSchema.parse({}), testLogger);
    expect(t.capabilities).toMatchObject({
      persistent: true,
      consumerGroups: true,
      orderedPerKey: false,
      nackDelay: true,
      replay: true,
      headers: true,
      maxMessageBytes: 64 * 1024 * 1024,
    });
    expect(t.capabilitiesFor({ channel: 'c' })).toMatchObject({
      persistent: false,
      consumerGroups: false,
      nackDelay: false,
      replay: false,
      headers: true,
      maxMessageBytes: 4 * 1024 * 1024,
    });
    expect(t.capabilitiesFor({ stream: 's' })).toBe(t.capabilities);
    expect(() => t.capabilitiesFor({ queue: 'q' })).toThrow(/invalid redis address/);
  });

  it('connect() to a closed port rejects with a ConnectionError without credentials and without hanging', async () => {
    const t = new RedisTransport(
      'redis://user:hunter2@127.0.0.1:1',
      redisOptionsSchema.parse({ connectTimeoutMs: 2_000 }),
      testLogger,
    );
    const started = Date.now();
    const error = await rejection(t.connect());
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.message).not.toContain('hunter2');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await rejection(t.connect())).code, 'a second connect() tries again').toBe('CONNECTION_FAILED');
    expect((await rejection(t.subscribe('s', () => undefined))).code).toBe('CONNECTION_FAILED');
    expect(Date.now() - started).toBeLessThan(10_000);
    await t.close();
    expect(t.health().state).toBe('closed');
  });
});

describe.runIf(up)('redis transport on a live Redis', () => {
  it('reports health through its life and rejects use after close with ClosedError', async () => {
    const t = createTestTransport();
    expect(t.health().state).toBe('down');
    await t.connect();
    await t.connect();
    expect(t.health().state).toBe('up');
    await Promise.all([t.close(), t.close()]);
    expect(t.health().state).toBe('closed');
    expect((await rejection(t.publish('s', [createMessage({ body: 'x' })]))).code).toBe('CLOSED');
    expect((await rejection(t.subscribe('s', () => undefined))).code).toBe('CLOSED');
  });

  it('rejects what a channel cannot do and bodies over the limit, with typed errors and nothing sent', async () => {
    const t = createTestTransport({ maxMessageBytes: 1_000, maxChannelMessageBytes: 100 });
    try {
      await t.connect();
      const channel = uniqueName('ch');
      expect((await rejection(t.subscribe({ channel }, () => undefined, { group: 'g' }))).code).toBe(
        'UNSUPPORTED',
      );
      expect((await rejection(t.subscribe({ channel }, () => undefined, { from: 'earliest' }))).code).toBe(
        'UNSUPPORTED',
      );
      const stream = uniqueName('big');
      const big = createMessage({ body: new Uint8Array(1_001) });
      const ok = createMessage({ body: 'fine' });
      expect((await rejection(t.publish(stream, [ok, big]))).code).toBe('MESSAGE_TOO_LARGE');
      expect(
        (await rejection(t.publish({ channel }, [createMessage({ body: new Uint8Array(101) })]))).code,
      ).toBe('MESSAGE_TOO_LARGE');
      expect((await rejection(t.subscribe({ stream: '' }, () => undefined))).code).toBe('ADDRESS_INVALID');
      expect((await rejection(t.subscribe('s', () => undefined, { maxInFlight: 0 }))).code).toBe(
        'CONFIG_INVALID',
      );
    } finally {
      await t.close();
    }
  });

  it('a publish Redis refuses rejects with a PublishError (stream key holding another type)', async () => {
    const t = createTestTransport();
    try {
      await t.connect();
      const key = uniqueName('not-a-stream');
      await t.publish({ channel: key }, [createMessage({ body: 'x' })]);
      const { Redis } = await import('ioredis');
      const raw = new Redis('redis://127.0.0.1:6379');
      await raw.set(key, 'plain string');
      await raw.quit();
      const error = await rejection(t.publish(key, [createMessage({ body: 'x' })]));
      expect(error.code).toBe('PUBLISH_REJECTED');
      expect(error.message).toMatch(/WRONGTYPE/);
    } finally {
      await t.close();
    }
  });
});

describe.runIf(up)('close() leaves no open handles', () => {
  const resources = (): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
    return counts;
  };

  it('sockets and timers of the command, reader, tail and subscriber connections are all released', async () => {
    await new Promise((r) => setTimeout(r, 200)); // let sockets of earlier tests finish closing
    const before = resources();
    const t = createTestTransport();
    await t.connect();
    const stream = uniqueName('handles');
    await t.subscribe(stream, (d) => d.ack(), { group: uniqueName('g') });
    await t.subscribe(stream, () => undefined);
    await t.subscribe({ channel: uniqueName('handles-ch') }, () => undefined);
    await t.publish(stream, [createMessage({ body: 'x' })]);
    await t.subscribe(stream, (d) => d.nack({ delayMs: 60_000 }), {
      group: uniqueName('g2'),
      from: 'earliest',
    });
    expect((resources().TCPSocketWrap ?? 0) - (before.TCPSocketWrap ?? 0)).toBeGreaterThanOrEqual(5);
    await t.close({ timeoutMs: 500 });
    await new Promise((r) => setTimeout(r, 100));
    const after = resources();
    expect(after.TCPSocketWrap ?? 0).toBe(before.TCPSocketWrap ?? 0);
    expect(after.Timeout ?? 0).toBeLessThanOrEqual(before.Timeout ?? 0);
  });
});
