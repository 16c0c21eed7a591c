import { createMessage, isPolybusError } from '@polybus/core';
import { isMessageFault } from '@polybus/core/adapter-kit';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { artemisTransport, requireArtemis } from './amqp1-test-env.js';
import { ArtemisJanitor } from './artemis-janitor.js';

const up = await requireArtemis();

/**
 * scripts/brokers.sh gives addresses under `pbfull.` a 64 KiB limit with address-full-policy FAIL,
 * so Artemis answers a publish beyond it with a `rejected` disposition.
 */
describe.runIf(up)('publish is rejected by the broker', () => {
  const janitor = new ArtemisJanitor();
  afterAll(() => janitor.clean());

  it('a full address rejects: publish fails with a retriable PublishError naming the condition', async () => {
    const t = artemisTransport();
    try {
      await t.connect();
      const queue = janitor.name(uniqueName('pbfull.q'));
      const chunk = () => createMessage({ body: new Uint8Array(16 * 1024) });
      let accepted = 0;
      let error: unknown;
      for (let i = 0; i < 20 && error === undefined; i++) {
        await t.publish({ queue }, [chunk()]).then(
          () => accepted++,
          (e: unknown) => {
            error = e;
          },
        );
      }
      console.info(`[amqp1 rejected] after ${accepted} accepted: ${String((error as Error)?.message)}`);
      expect(accepted, 'some messages fit before the limit').toBeGreaterThan(0);
      expect(accepted).toBeLessThan(20);
      expect(isPolybusError(error), String(error)).toBe(true);
      expect(error).toMatchObject({ code: 'PUBLISH_REJECTED', retriable: true });
      expect(isMessageFault(error), 'a full address is the transport, not the message').toBe(false);
      expect(String((error as Error).message)).toContain('amqp:resource-limit-exceeded');
      // the transport still works for other addresses
      await t.publish({ queue: janitor.name(uniqueName('pbq.after')) }, [createMessage({ body: 'ok' })]);
    } finally {
      await t.close();
    }
  });
});
