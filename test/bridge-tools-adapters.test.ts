import { spawn } from 'node:child_process';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { describe, expect, it } from 'vitest';
import { createTopics } from '../packages/adapter-rocketmq/test/rocketmq-test-env.js';
import { CLI, ROOT, runCli } from './helpers/bridge-process.js';

/**
 * `polybus send` and `polybus tail` on the adapters added after the first five: AMQP 1.0 (Artemis),
 * RocketMQ (gRPC proxy) and ZeroMQ (push/pull: tail's PULL binds, send's PUSH connects and waits for
 * it, so nothing sent is dropped by a slow joiner).
 */
const artemis = await requireBroker('artemis', '127.0.0.1', 5673);
const rocketmq = await requireBroker('rocketmq', '127.0.0.1', 18081);

interface Case {
  readonly url: string;
  readonly address: unknown;
  readonly group?: string;
  readonly tailOptions?: object;
  readonly sendOptions?: object;
  /** Order is not kept (RocketMQ spreads a topic over 4 queues): compare the bodies as a set. */
  readonly unordered?: boolean;
}

/** Starts `polybus tail`, waits until it subscribed, sends 3 lines with `polybus send`, checks what tail printed. */
async function sendAndTail(c: Case): Promise<void> {
  const args = [CLI, 'tail', c.url, JSON.stringify(c.address), '--format', 'json'];
  if (c.group !== undefined) args.push('--group', c.group);
  if (c.tailOptions) args.push('--options', JSON.stringify(c.tailOptions));
  const tail = spawn(process.execPath, args, { cwd: ROOT });
  let out = '';
  let err = '';
  tail.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  tail.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  try {
    await expect.poll(() => err, { timeout: 60_000 }).toContain('polybus: subscribed');
    const sendArgs = ['send', c.url, JSON.stringify(c.address), '--header', 'x-a=1', '--key', 'k1'];
    if (c.sendOptions) sendArgs.push('--options', JSON.stringify(c.sendOptions));
    const sent = await runCli(sendArgs, { input: 'one\ntwo\nthree\n' });
    expect(sent.stderr).toContain('sent 3 message(s)');
    expect(sent.code).toBe(0);
    await expect.poll(() => out.trim().split('\n').filter(Boolean).length, { timeout: 60_000 }).toBe(3);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { body: string; key: string; headers: Record<string, string> });
    const bodies = lines.map((l) => l.body);
    expect(c.unordered ? bodies.sort() : bodies).toEqual(
      c.unordered ? ['one', 'three', 'two'] : ['one', 'two', 'three'],
    );
    for (const line of lines) {
      expect(line.key).toBe('k1');
      expect(line.headers).toMatchObject({ 'x-a': '1' });
    }
    expect(`${err}${sent.stderr}`).not.toContain('artemis:artemis');
  } finally {
    tail.kill('SIGTERM');
  }
}

describe('polybus send / tail on amqp1, rocketmq and zmq', () => {
  it.runIf(artemis)('amqp1 (Artemis topic, durable shared subscription)', { timeout: 120_000 }, async () => {
    await sendAndTail({
      url: 'amqp1://artemis:artemis@127.0.0.1:5673',
      address: { topic: uniqueName('tools-amqp1') },
      group: 'g',
    });
  });

  it.runIf(rocketmq)('rocketmq (topic created first, consumer group)', { timeout: 180_000 }, async () => {
    const topic = uniqueName('tools-rocketmq');
    await createTopics([topic]);
    await sendAndTail({
      url: 'rocketmq://127.0.0.1:18081',
      address: { topic },
      group: uniqueName('tools-g'),
      unordered: true,
    });
  });

  it('zmq+tcp (push/pull: tail binds, send connects)', { timeout: 60_000 }, async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    await sendAndTail({
      url: `zmq+tcp://127.0.0.1:${port}`,
      address: {},
      tailOptions: { pattern: 'pushpull', bind: 'receiver' },
      sendOptions: { pattern: 'pushpull', bind: 'none' },
    });
  });
});
