import { expectCrlfHeaderRefused } from '@polybus/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Push } from 'zeromq';
import { ENVELOPE_MAGIC, type ZmqSubscriptionStats, zmqSubscriptionStats } from '../src/index.js';
import { collect, OpenTransports, RecordingLogger, text } from './zmq-test-env.js';

const transports = new OpenTransports();
afterEach(() => transports.closeAll());

const meta = (json: string): Buffer => Buffer.concat([ENVELOPE_MAGIC, Buffer.from(json, 'utf8')]);
const statsOf = (s: unknown): ZmqSubscriptionStats => zmqSubscriptionStats(s)!;

describe('hostile peers', () => {
  it('drops and counts malformed messages, keeps delivering the good ones, pollutes nothing', async () => {
    const logger = new RecordingLogger();
    const sink = await transports.open(
      'zmq+tcp://127.0.0.1:0',
      { pattern: 'pushpull', bind: 'receiver' },
      logger,
    );
    const { collector, subscription } = await collect(sink, '');
    const peer = new Push({ linger: 0 });
    try {
      peer.connect(sink.boundEndpoint!);
      const bad: Buffer[][] = [
        [meta('{not json'), Buffer.from('x')],
        [
          meta('{"__proto__":{"polluted":"yes"},"id":"a","ts":1,"h":{"__proto__":{"polluted":"yes"}}}'),
          Buffer.from('x'),
        ],
        [meta('{"id":"a","ts":"yesterday"}'), Buffer.from('x')],
        [Buffer.from('three'), Buffer.from('frames'), Buffer.from('here')],
        [Buffer.from([0, 0x70, 0x62, 0x39]), Buffer.from('future version')],
      ];
      for (const frames of bad) {
        await peer.send(frames);
        await peer.send('raw-between');
      }
      await peer.send([meta('{"id":"good-1","ts":5,"key":"k","h":{"x-a":"1"}}'), Buffer.from('enveloped')]);
      await collector.waitFor(bad.length + 1, 10_000);
      expect(collector.deliveries.map(text)).toEqual([...bad.map(() => 'raw-between'), 'enveloped']);
      const good = collector.deliveries.at(-1)!.message;
      expect([good.id, good.key, good.timestamp, good.headers['x-a']]).toEqual(['good-1', 'k', 5, '1']);
      expect(statsOf(subscription).malformed).toBe(bad.length);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(logger.lines.filter((l) => l.msg?.includes('malformed')).length).toBeGreaterThan(0);
    } finally {
      peer.close();
    }
  });

  it('disconnects a peer that sends a frame over maxMessageBytes and goes on with the others', async () => {
    const sink = await transports.open('zmq+tcp://127.0.0.1:0', {
      pattern: 'pushpull',
      bind: 'receiver',
      maxMessageBytes: 300_000,
    });
    const { collector, subscription } = await collect(sink, '');
    const huge = new Push({ linger: 0, reconnectInterval: -1 });
    const fine = new Push({ linger: 0 });
    try {
      huge.connect(sink.boundEndpoint!);
      await huge.send(Buffer.alloc(2_000_000, 1));
      fine.connect(sink.boundEndpoint!);
      await fine.send('still here');
      await collector.waitFor(1, 10_000);
      expect(collector.deliveries.map(text)).toEqual(['still here']);
      expect(statsOf(subscription).delivered).toBe(1);
    } finally {
      huge.close();
      fine.close();
    }
  });

  it('header policy: a CR/LF header is refused on publish, and read as base64 from a raw peer', async () => {
    const sink = await transports.open('zmq+tcp://127.0.0.1:0', { pattern: 'pushpull', bind: 'receiver' });
    const { collector } = await collect(sink, '');
    const url = `zmq+tcp://${sink.boundEndpoint!.replace('tcp://', '')}`;
    const pusher = await transports.open(url, { pattern: 'pushpull', bind: 'none' });
    await expectCrlfHeaderRefused(pusher, '');
    const peer = new Push({ linger: 0 });
    try {
      peer.connect(sink.boundEndpoint!);
      await peer.send([meta('{"id":"foreign","ts":1,"h":{"x-crlf":"a\\r\\nb","ok":"v"}}'), Buffer.from('b')]);
      await collector.waitFor(1, 10_000);
      // nothing of the refused batch arrived: the first delivery is the raw peer's
      expect(collector.deliveries.map((d) => d.message.id)).toEqual(['foreign']);
      expect({ ...collector.deliveries[0]!.message.headers }).toEqual({
        'x-crlf': `base64:${Buffer.from('a\r\nb').toString('base64')}`,
        ok: 'v',
      });
    } finally {
      peer.close();
    }
  });
});
