/**
 * One failure classification: the same error gets the same treatment in the route (dead-letter at
 * once, or retry), in the sink batcher (split the batch, or fail it whole), in an adapter that
 * coalesces publishes on the kit (`sendIsolatingMessageFaults`), and from core's `failureKind`. Each
 * row states the expected treatment once; every component is asked, so the test fails as soon as one
 * of them classifies differently (e.g. by `retriable` instead of by code).
 */
import {
  AddressError,
  BrokerError,
  ClosedError,
  ConnectionError,
  createMessage,
  DataError,
  MemoryTransport,
  MessageTooLargeError,
  NotConnectedError,
  PublishError,
  silentLogger,
  TimeoutError,
  type Transport,
  UnroutableError,
} from '@polybus/core';
import { failureKind, sendIsolatingMessageFaults } from '@polybus/core/adapter-kit';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { routeSchema } from './config/schema.js';
import { createMetrics } from './metrics.js';
import { createRoute, type Route } from './route/route.js';
import { SinkBatcher } from './route/sink-batcher.js';
import { FakeSink } from './route/test/fake-sink.js';

type Treatment = 'message' | 'transport';

const rows: ReadonlyArray<{
  readonly name: string;
  readonly error: () => unknown;
  readonly expected: Treatment;
}> = [
  {
    name: 'ClosedError (not retriable, yet the message is fine)',
    error: () => new ClosedError('closed'),
    expected: 'transport',
  },
  { name: 'MessageTooLargeError', error: () => new MessageTooLargeError('too big'), expected: 'message' },
  { name: 'ConnectionError', error: () => new ConnectionError('down'), expected: 'transport' },
  { name: 'NotConnectedError', error: () => new NotConnectedError('not yet'), expected: 'transport' },
  { name: 'TimeoutError', error: () => new TimeoutError('slow'), expected: 'transport' },
  { name: 'PublishError', error: () => new PublishError('nacked'), expected: 'transport' },
  {
    name: 'BrokerError, retriable: false',
    error: () => new BrokerError('no', { retriable: false }),
    expected: 'transport',
  },
  { name: 'DataError', error: () => new DataError('bad json'), expected: 'message' },
  { name: 'UnroutableError', error: () => new UnroutableError('no queue'), expected: 'message' },
  { name: 'AddressError', error: () => new AddressError('bad address'), expected: 'message' },
  { name: 'plain Error (unknown means try again)', error: () => new Error('??'), expected: 'transport' },
];

const MAX_ATTEMPTS = 3;
const routes: Route[] = [];
const sources: MemoryTransport[] = [];
afterAll(async () => {
  await Promise.all(routes.map((r) => r.stop(1000)));
  await Promise.all(sources.map((s) => s.close({ timeoutMs: 1000 })));
});

/** The route's treatment: dead-lettered after one attempt (`message`) or after every retry (`transport`). */
async function routeTreatment(error: () => unknown): Promise<Treatment> {
  const failing = new FakeSink();
  failing.behaviour = async () => {
    throw error();
  };
  const dlq = new FakeSink();
  const source = new MemoryTransport(
    uniqueName('classify'),
    { maxQueuedPerGroup: 100, maxMessageBytes: 1 << 20, publishTimeoutMs: 5000 },
    silentLogger,
  );
  sources.push(source);
  const route = createRoute({
    config: routeSchema.parse({
      name: 'r',
      from: { connection: 'src', topic: 'in', group: 'g' },
      to: [{ connection: 'failing', address: 'x' }],
      retry: { maxAttempts: MAX_ATTEMPTS, initialDelay: 1, maxDelay: 2 },
      deadLetter: { connection: 'dlq', address: 'dead' },
    }),
    connections: new Map<string, Transport>([
      ['src', source],
      ['failing', failing],
      ['dlq', dlq],
    ]),
    metrics: createMetrics({ processMetrics: false }),
    logger: silentLogger,
  });
  routes.push(route);
  await route.start();
  await source.publish('in', [createMessage({ id: 'one', body: 'x' })]);
  await expect.poll(() => dlq.published.length).toBe(1);
  const attempts = dlq.published[0]?.headers['x-polybus-attempts'];
  expect(failing.calls).toBe(Number(attempts));
  if (attempts === '1') return 'message';
  if (attempts === String(MAX_ATTEMPTS)) return 'transport';
  throw new Error(`unexpected attempts ${attempts}`);
}

/** How a batch of `good, bad` fails when `bad` makes the send fail: split (`message`) or whole (`transport`). */
function splitTreatment(calls: number, outcomes: readonly string[]): Treatment {
  if (calls === 3 && outcomes.join() === 'ok,failed') return 'message';
  if (calls === 1 && outcomes.join() === 'failed,failed') return 'transport';
  throw new Error(`neither split nor whole: ${calls} calls, outcomes ${outcomes.join()}`);
}

async function batcherTreatment(error: () => unknown): Promise<Treatment> {
  const sink = new FakeSink();
  sink.behaviour = async (messages) => {
    if (messages.some((m) => m.id === 'bad')) throw error();
  };
  const batcher = new SinkBatcher(sink, 'x');
  const outcomes = await Promise.all(
    ['good', 'bad'].map((id) =>
      batcher.publish(createMessage({ id, body: id })).then(
        () => 'ok',
        () => 'failed',
      ),
    ),
  );
  return splitTreatment(sink.calls, outcomes);
}

/** An adapter's produce coalescer, built on the kit as adapters are. */
async function adapterTreatment(error: () => unknown): Promise<Treatment> {
  let calls = 0;
  const outcomes = await sendIsolatingMessageFaults(['good', 'bad'], async (batch) => {
    calls++;
    if (batch.includes('bad')) throw error();
  });
  return splitTreatment(
    calls,
    outcomes.map((o) => (o.ok ? 'ok' : 'failed')),
  );
}

describe('one failure classification across the bridge and the adapters', () => {
  it.each(rows)('$name: the route, the sink batcher, an adapter and failureKind agree', async (row) => {
    const treatments = {
      failureKind: failureKind(row.error()),
      route: await routeTreatment(row.error),
      batcher: await batcherTreatment(row.error),
      adapter: await adapterTreatment(row.error),
    };
    expect(treatments).toEqual({
      failureKind: row.expected,
      route: row.expected,
      batcher: row.expected,
      adapter: row.expected,
    });
  });
});
