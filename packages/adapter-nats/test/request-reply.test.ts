import { createMessage, isRequester, TimeoutError, UnroutableError } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { NatsTransport } from '../src/index.js';
import { natsTransport } from './nats-test-env.js';

const up = await requireBroker('nats', '127.0.0.1', 4222);

describe.runIf(up)('core NATS request/reply', () => {
  const open: NatsTransport[] = [];
  async function transport(): Promise<NatsTransport> {
    const t = natsTransport();
    open.push(t);
    await t.connect();
    return t;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((t) => t.close({ timeoutMs: 1_000 })));
  });

  it('a polybus responder answers a polybus request through the reply-to header', async () => {
    const subject = `pbrr.${uniqueName('echo')}`;
    const server = await transport();
    const client = await transport();
    expect(isRequester(client)).toBe(true);
    let served = 0;
    await server.subscribe(
      { subject, core: true },
      async (d) => {
        served++;
        const replyTo = d.message.headers['reply-to'];
        expect(replyTo, 'the request carries its reply subject').toBeTruthy();
        await server.publish({ subject: replyTo!, core: true }, [
          createMessage({
            body: `echo:${Buffer.from(d.message.body).toString()}`,
            headers: { 'correlation-id': d.message.id, 'x-served-by': 'server' },
          }),
        ]);
        await d.ack();
      },
      { group: 'echo-workers' },
    );
    const request = createMessage({ body: 'hi', headers: { 'x-ask': '1' } });
    const reply = await client.request({ subject, core: true }, request, { timeoutMs: 5_000 });
    expect(Buffer.from(reply.body).toString()).toBe('echo:hi');
    expect(reply.headers['correlation-id']).toBe(request.id);
    expect(reply.headers['x-served-by']).toBe('server');
    expect(served).toBe(1);
  });

  it('rejects with TimeoutError when the responder stays silent', async () => {
    const subject = `pbrr.${uniqueName('silent')}`;
    const server = await transport();
    await server.subscribe({ subject, core: true }, () => undefined);
    const client = await transport();
    const started = Date.now();
    const error = await client
      .request({ subject, core: true }, createMessage({ body: 'x' }), { timeoutMs: 300 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('rejects with UnroutableError when nobody listens', async () => {
    const client = await transport();
    const error = await client
      .request({ subject: `pbrr.${uniqueName('nobody')}`, core: true }, createMessage({ body: 'x' }), {
        timeoutMs: 5_000,
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(UnroutableError);
  });
});
