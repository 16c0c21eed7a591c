import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeProcess, writeConfig } from './helpers/bridge-process.js';
import { RABBIT_URL, readyCount, withRabbit } from './helpers/rabbit.js';

const up = await requireBroker('rabbitmq', '127.0.0.1', 5672);

let bridges: BridgeProcess[] = [];
afterEach(() => {
  for (const b of bridges) b.kill();
  bridges = [];
});

async function start(config: string): Promise<BridgeProcess> {
  const bridge = await BridgeProcess.start(writeConfig(config));
  bridges.push(bridge);
  return bridge;
}

interface Line {
  id: string;
  headers: Record<string, string>;
  body: string;
}

describe.runIf(up)('bridge delivery guarantees (real polybus process, RabbitMQ)', () => {
  it('retries a sink that refuses (transport error) with backoff, then dead-letters with the attempts made', async () => {
    const full = uniqueName('bridge-full');
    // A queue that holds one message and makes the broker nack every further publish.
    await withRabbit(async (ch) => {
      await ch.assertQueue(full, {
        durable: false,
        autoDelete: false,
        arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
      });
    });
    const bridge = await start(`connections:
  in: { url: stdio://, options: { format: json } }
  out: { url: stdio://, options: { format: json } }
  rabbit: ${RABBIT_URL}
http: { port: 0 }
routes:
  - name: to-full-queue
    from: { connection: in }
    to: [{ connection: rabbit, queue: ${full} }]
    retry: { maxAttempts: 3, initialDelay: 100ms, maxDelay: 400ms }
    deadLetter: { connection: out }
`);
    bridge.send([JSON.stringify({ id: 'first', body: 'fits' })]);
    await bridge.until(
      () => bridge.stderr.includes('"route":"to-full-queue"') && bridge.lines.length === 0,
      5000,
      'start',
    );
    await expect.poll(() => readyCount(full), { timeout: 10_000 }).toBe(1);
    const started = Date.now();
    bridge.send(
      ['a', 'b', 'c'].map((id) => JSON.stringify({ id, headers: { 'x-user': id }, body: `refused-${id}` })),
    );
    await bridge.waitForLines(3, 20_000);
    const elapsed = Date.now() - started;
    const letters = bridge.json<Line>();
    expect(letters.map((l) => l.id).sort()).toEqual(['a', 'b', 'c']);
    for (const letter of letters) {
      expect(letter.body).toBe(`refused-${letter.id}`);
      expect(letter.headers).toMatchObject({
        'x-user': letter.id,
        'x-polybus-route': 'to-full-queue',
        'x-polybus-source': 'in/',
        'x-polybus-attempts': '3',
      });
      expect(letter.headers['x-polybus-error']).toMatch(/nack/i);
    }
    // Two backoff waits of at least 50 ms (100 ms with 50 % jitter) and 100 ms before giving up.
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(await readyCount(full)).toBe(1);
    expect(await bridge.metric('polybus_messages_dead_lettered_total', { route: 'to-full-queue' })).toBe(3);
    expect(await bridge.metric('polybus_messages_published_total', { route: 'to-full-queue' })).toBe(1);
    expect(
      await bridge.metric('polybus_route_errors_total', { route: 'to-full-queue', stage: 'publish' }),
    ).toBe(3);
    expect(await bridge.stop()).toBe(0);
    await withRabbit((ch) => ch.deleteQueue(full));
  });

  it('without a dead-letter target, nacks an undeliverable message back to its source and delivers it once the sink recovers', async () => {
    const full = uniqueName('bridge-full');
    await withRabbit(async (ch) => {
      await ch.assertQueue(full, {
        durable: false,
        arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
      });
      ch.sendToQueue(full, Buffer.from('occupant'));
    });
    await expect.poll(() => readyCount(full), { timeout: 10_000 }).toBe(1);
    const bridge = await start(`connections:
  in: { url: stdio://, options: { format: json } }
  rabbit: ${RABBIT_URL}
http: { port: 0 }
routes:
  - name: no-dlq
    from: { connection: in }
    to: [{ connection: rabbit, queue: ${full} }]
    retry: { maxAttempts: 2, initialDelay: 50ms, maxDelay: 100ms }
`);
    bridge.send([JSON.stringify({ id: 'kept', body: 'must-not-be-dropped' })]);
    await expect
      .poll(async () => JSON.parse((await bridge.get('/routes')).text).routes[0].counters.nacked as number, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(1);
    // Make room: the nacked message comes back from the source and now gets through.
    const got = await withRabbit(async (ch) => {
      const occupant = await ch.get(full, { noAck: true });
      expect(occupant ? occupant.content.toString() : undefined).toBe('occupant');
      for (let i = 0; i < 100; i++) {
        const message = await ch.get(full, { noAck: true });
        if (message) return message.content.toString();
        await new Promise((r) => setTimeout(r, 100));
      }
      return undefined;
    });
    expect(got).toBe('must-not-be-dropped');
    expect(await bridge.metric('polybus_messages_dead_lettered_total', { route: 'no-dlq' })).toBe(0);
    expect(await bridge.stop()).toBe(0);
    await withRabbit((ch) => ch.deleteQueue(full));
  });

  it('SIGTERM drains: in-flight messages are acked, the process exits 0, and a restart redelivers nothing already moved', async () => {
    const source = uniqueName('bridge-drain');
    const total = 3000;
    await withRabbit(async (ch) => {
      await ch.assertQueue(source, { durable: true });
      for (let i = 0; i < total; i++)
        ch.sendToQueue(source, Buffer.from(`body-${i}`), { messageId: `m-${i}`, persistent: true });
    });
    await expect.poll(() => readyCount(source), { timeout: 10_000 }).toBe(total);
    const config = `connections:
  rabbit: ${RABBIT_URL}
  out: { url: stdio://, options: { format: json } }
http: { port: 0 }
shutdownTimeout: 10s
routes:
  - name: drain
    from: { connection: rabbit, queue: ${source} }
    to: [{ connection: out }]
    maxInFlight: 4
`;
    const first = await start(config);
    await first.waitForLines(200, 20_000);
    expect(await first.stop('SIGTERM')).toBe(0);
    const moved = first.json<Line>().map((l) => l.id);
    expect(new Set(moved).size).toBe(moved.length);
    expect(moved.length).toBeLessThan(total);
    // Every message printed was acked, and only those: the queue holds exactly the rest.
    expect(await readyCount(source)).toBe(total - moved.length);
    expect(first.stderr).toContain('"msg":"stopped"');

    const second = await start(config);
    await second.waitForLines(total - moved.length, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const rest = second.json<Line>().map((l) => l.id);
    expect(rest.filter((id) => moved.includes(id))).toEqual([]);
    expect([...moved, ...rest].sort()).toEqual(Array.from({ length: total }, (_, i) => `m-${i}`).sort());
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(await readyCount(source)).toBe(0);
    await withRabbit((ch) => ch.deleteQueue(source));
  });
});
