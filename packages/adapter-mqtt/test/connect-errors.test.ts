import { isPolybusError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { mqttTransport } from './mqtt-test-env.js';

describe('connection errors', () => {
  it('a broker that is not there: retriable ConnectionError without the password', async () => {
    // Port 18839 is in this package's range and nothing listens there.
    const t = mqttTransport({ connectTimeoutMs: 2_000 }, 'mqtt://alice:s3cr3t-pw@127.0.0.1:18839');
    const error: unknown = await t.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPolybusError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED', retriable: true });
    expect(String((error as Error).message)).not.toContain('s3cr3t-pw');
    expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toContain('s3cr3t-pw');
    await t.close();
  });
});
