import { ClosedError, ConnectionError, createMessage, DataError, silentLogger } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { MessageFailure } from './message-failure.js';
import { createSink } from './sink.js';
import { SinkPublisher } from './sink-publisher.js';
import { FakeSink } from './test/fake-sink.js';

function setup(maxAttempts = 3) {
  const fake = new FakeSink();
  const sink = createSink(new Map([['s', fake]]), { connection: 's', address: 'x' }, 0);
  const abort = new AbortController();
  const publisher = new SinkPublisher({
    route: 'r',
    retry: { maxAttempts, initialDelay: 1, maxDelay: 2 },
    signal: abort.signal,
    logger: silentLogger,
    reconnectPollMs: 5,
  });
  return { fake, sink, abort, publisher };
}

async function failureOf(promise: Promise<unknown>): Promise<MessageFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MessageFailure)) throw new Error(`expected a MessageFailure, got ${String(error)}`);
  return error;
}

describe('SinkPublisher', () => {
  it('resolves with 1 attempt when the sink confirms at once', async () => {
    const { fake, sink, publisher } = setup();
    expect(await publisher.publish(sink, createMessage({ body: 'a' }), 'publish')).toBe(1);
    expect(fake.published).toHaveLength(1);
  });

  it('rejects a message larger than the sink accepts before sending it, as a message fault', async () => {
    const { fake, sink, publisher } = setup();
    const failure = await failureOf(
      publisher.publish(sink, createMessage({ id: 'big', body: 'x'.repeat(1001) }), 'dead-letter'),
    );
    expect(failure).toMatchObject({ kind: 'message', stage: 'dead-letter', attempts: 1 });
    expect((failure.error as Error).message).toContain('1001 bytes');
    expect(fake.calls).toBe(0);
  });

  it('retries a transport failure up to maxAttempts, then rejects with the attempts made', async () => {
    const { fake, sink, publisher } = setup(3);
    fake.behaviour = async () => {
      throw new ClosedError('closed');
    };
    const failure = await failureOf(publisher.publish(sink, createMessage({ body: 'a' }), 'publish'));
    expect(failure).toMatchObject({ kind: 'transport', stage: 'publish', attempts: 3 });
    expect(fake.calls).toBe(3);
  });

  it('succeeds on a later attempt and says which', async () => {
    const { fake, sink, publisher } = setup(5);
    fake.behaviour = async () => {
      if (fake.calls < 3) throw new ConnectionError('down');
    };
    expect(await publisher.publish(sink, createMessage({ body: 'a' }), 'publish')).toBe(3);
  });

  it('never retries a message fault', async () => {
    const { fake, sink, publisher } = setup(5);
    fake.behaviour = async () => {
      throw new DataError('bad');
    };
    const failure = await failureOf(publisher.publish(sink, createMessage({ body: 'a' }), 'publish'));
    expect(failure).toMatchObject({ kind: 'message', attempts: 1 });
    expect(fake.calls).toBe(1);
  });

  it('waits while the sink reconnects without spending attempts', async () => {
    const { fake, sink, publisher } = setup(1);
    fake.state = 'connecting';
    const done = publisher.publish(sink, createMessage({ body: 'a' }), 'publish');
    await new Promise((r) => setTimeout(r, 30));
    expect(fake.calls).toBe(0);
    fake.state = 'up';
    expect(await done).toBe(1);
  });

  it('stops retrying once the signal aborts', async () => {
    const { fake, sink, abort, publisher } = setup(1_000_000);
    fake.behaviour = async () => {
      if (fake.calls === 2) abort.abort();
      throw new ConnectionError('down');
    };
    const failure = await failureOf(publisher.publish(sink, createMessage({ body: 'a' }), 'publish'));
    expect(failure).toMatchObject({ kind: 'transport', attempts: 2 });
  });
});
