import { describe, expect, it } from 'vitest';
import { natsConnectOptions } from './nats-connect-options.js';
import { natsOptionsSchema } from './nats-options.js';
import { parseNatsUrl } from './nats-url.js';

describe('natsConnectOptions', () => {
  const options = natsOptionsSchema.parse({
    name: 'bridge-1',
    connectTimeoutMs: 1_234,
    maxReconnectAttempts: 7,
    reconnectTimeWaitMs: 250,
  });

  it('takes servers and user/password from the URL and the policy from the options', () => {
    expect(natsConnectOptions(parseNatsUrl('nats://u:p%40ss@a:4223,b'), options)).toEqual({
      servers: ['a:4223', 'b:4222'],
      user: 'u',
      pass: 'p@ss',
      name: 'bridge-1',
      timeout: 1_234,
      maxReconnectAttempts: 7,
      reconnectTimeWait: 250,
      noAsyncTraces: true,
    });
  });

  it('passes a token and no user when the URL has one', () => {
    const o = natsConnectOptions(parseNatsUrl('nats://s3cret@host'), options);
    expect(o.token).toBe('s3cret');
    expect('user' in o).toBe(false);
    expect('pass' in o).toBe(false);
  });

  it('turns nats.js async traces off (no Error objects built per request)', () => {
    expect(natsConnectOptions(parseNatsUrl('nats://host'), natsOptionsSchema.parse({})).noAsyncTraces).toBe(
      true,
    );
  });
});
