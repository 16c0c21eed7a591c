import { createMessage, isPolybusError } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ARTEMIS_HOST, ARTEMIS_PORT, artemisTransport, requireArtemis } from './amqp1-test-env.js';
import { ArtemisJanitor } from './artemis-janitor.js';

const up = await requireArtemis();

describe.runIf(up)('connecting to Artemis', () => {
  const janitor = new ArtemisJanitor();
  afterAll(() => janitor.clean());

  it('SASL ANONYMOUS (no user in the URL) connects and publishes', async () => {
    const t = artemisTransport({}, `amqp1://${ARTEMIS_HOST}:${ARTEMIS_PORT}`);
    try {
      await t.connect();
      expect(t.health().state).toBe('up');
      await t.publish({ queue: janitor.name(uniqueName('pbq.anon')) }, [createMessage({ body: 'anon' })]);
    } finally {
      await t.close();
    }
    expect(t.health().state).toBe('closed');
  });

  it('a wrong password fails with a non-retriable ConnectionError that does not contain it', async () => {
    const t = artemisTransport(
      { connectTimeoutMs: 10_000 },
      `amqp1://artemis:s3cret-wrong@${ARTEMIS_HOST}:${ARTEMIS_PORT}`,
    );
    const error = await t.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await t.close();
    expect(isPolybusError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED', retriable: false });
    expect(String((error as Error).message)).not.toContain('s3cret-wrong');
  });

  it('an unreachable broker fails with a retriable ConnectionError after connectTimeoutMs', async () => {
    const t = artemisTransport({ connectTimeoutMs: 1_500 }, 'amqp1://artemis:artemis@127.0.0.1:15679');
    const started = Date.now();
    const error = await t.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await t.close();
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED', retriable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(String((error as Error).message)).not.toContain('artemis:artemis');
  });

  it('publishing after close rejects with ClosedError', async () => {
    const t = artemisTransport();
    await t.connect();
    await t.close();
    await expect(t.publish('pb.closed', [createMessage({ body: 'x' })])).rejects.toMatchObject({
      code: 'CLOSED',
    });
  });

  it('a message above maxMessageBytes fails before anything is sent', async () => {
    const t = artemisTransport({ maxMessageBytes: 1024 });
    try {
      await t.connect();
      await expect(
        t.publish({ queue: janitor.name(uniqueName('pbq.big')) }, [
          createMessage({ body: new Uint8Array(1025) }),
        ]),
      ).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE', retriable: false });
    } finally {
      await t.close();
    }
  });
});
