import { describe, expect, it } from 'vitest';
import {
  coreCapabilities,
  DEFAULT_MAX_PAYLOAD,
  jetStreamCapabilities,
  maxBodyBytes,
} from './nats-capabilities.js';

describe('nats capabilities', () => {
  it('keeps 8 KiB of max_payload for headers, or an eighth of a small one', () => {
    expect(maxBodyBytes(DEFAULT_MAX_PAYLOAD)).toBe(1024 * 1024 - 8 * 1024);
    expect(maxBodyBytes(8_000)).toBe(7_000);
  });

  it('says core NATS is at-most-once without replay and JetStream is persistent with replay', () => {
    expect(coreCapabilities(DEFAULT_MAX_PAYLOAD)).toMatchObject({
      persistent: false,
      replay: false,
      nackDelay: false,
    });
    expect(jetStreamCapabilities(DEFAULT_MAX_PAYLOAD)).toMatchObject({
      persistent: true,
      replay: true,
      nackDelay: true,
    });
  });
});
