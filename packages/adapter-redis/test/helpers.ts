import { type Logger, silentLogger } from '@polybus/core';
import { RedisTransport, type RedisTransportOptions, redisOptionsSchema } from '../src/index.js';

/** The Redis every test of this package talks to. */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** Logger for tests: silent unless POLYBUS_TEST_LOG=1. */
export const testLogger: Logger =
  process.env.POLYBUS_TEST_LOG === '1'
    ? {
        debug: (o, m) => console.debug(m, o),
        info: (o, m) => console.info(m, o),
        warn: (o, m) => console.warn(m, o),
        error: (o, m) => console.error(m, o),
      }
    : silentLogger;

/** A new unconnected transport with test-friendly defaults (claim idle 1 s) and `overrides`. */
export function createTestTransport(overrides: Partial<RedisTransportOptions> = {}): RedisTransport {
  const options = redisOptionsSchema.parse({ claimIdleMs: 1_000, blockMs: 2_000, ...overrides });
  return new RedisTransport(REDIS_URL, options, testLogger);
}
