import { ConfigError, silentLogger } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { zeromqAdapter } from './zmq-adapter.js';

describe('zeromqAdapter', () => {
  it('serves zmq+tcp and zmq+ipc and declares at-most-once capabilities', () => {
    expect(zeromqAdapter.scheme).toBe('zmq+tcp');
    expect(zeromqAdapter.aliases).toEqual(['zmq+ipc']);
    expect(zeromqAdapter.capabilities).toEqual({
      persistent: false,
      consumerGroups: false,
      orderedPerKey: false,
      nackDelay: false,
      replay: false,
      headers: true,
      maxMessageBytes: 16 * 1024 * 1024,
    });
  });

  it('defaults every option and refuses unknown ones', () => {
    expect(zeromqAdapter.optionsSchema.parse({})).toEqual({
      pattern: 'pubsub',
      bind: 'sender',
      sendHighWaterMark: 1_000,
      receiveHighWaterMark: 1_000,
      sendTimeoutMs: 30_000,
      lingerMs: 1_000,
      maxMessageBytes: 16 * 1024 * 1024,
      maxPending: 65_536,
      joinTimeoutMs: 1_000,
      reconnectIntervalMs: 100,
      reconnectMaxIntervalMs: 5_000,
      heartbeatIntervalMs: 0,
    });
    expect(zeromqAdapter.optionsSchema.safeParse({ hwm: 1 }).success).toBe(false);
    expect(zeromqAdapter.optionsSchema.safeParse({ bind: 'both' }).success).toBe(false);
  });

  it('creates a transport without I/O, reflecting maxMessageBytes; a bad URL is a ConfigError', () => {
    const options = zeromqAdapter.optionsSchema.parse({ maxMessageBytes: 1234 });
    const t = zeromqAdapter.create('zmq+ipc:///nowhere/x.sock', options, { logger: silentLogger });
    expect(t.scheme).toBe('zmq+ipc');
    expect(t.capabilities.maxMessageBytes).toBe(1234);
    expect(t.health().state).toBe('down');
    expect(() => zeromqAdapter.create('zmq+tcp://nohost', options, { logger: silentLogger })).toThrow(
      ConfigError,
    );
  });
});
