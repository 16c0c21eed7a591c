import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { DEFAULT_MAX_IN_FLIGHT, resolveSubscribeOptions } from './subscribe-options.js';

const amqp = { adapter: 'amqp', replay: false, maxInFlightLimit: 65_535, maxInFlightMeans: 'AMQP prefetch' };

describe('resolveSubscribeOptions', () => {
  it('applies the shared defaults', () => {
    expect(resolveSubscribeOptions({}, amqp)).toEqual({
      group: undefined,
      maxInFlight: DEFAULT_MAX_IN_FLIGHT,
      from: 'latest',
    });
  });

  it('refuses earliest on an adapter that cannot replay, allows it where it can', () => {
    expect(() => resolveSubscribeOptions({ from: 'earliest' }, amqp)).toThrow(
      /amqp subscriptions cannot replay/,
    );
    expect(
      resolveSubscribeOptions({ from: 'earliest', group: 'g' }, { adapter: 'kafka', replay: true }),
    ).toEqual({
      group: 'g',
      maxInFlight: 16,
      from: 'earliest',
    });
  });

  it.each([0, -1, 1.5, 65_536, Number.NaN])(
    'refuses maxInFlight %s with a ConfigError naming the range',
    (n) => {
      expect(() => resolveSubscribeOptions({ maxInFlight: n }, amqp)).toThrow(ConfigError);
      expect(() => resolveSubscribeOptions({ maxInFlight: n }, amqp)).toThrow(/1-65535 \(AMQP prefetch\)/);
    },
  );
});
