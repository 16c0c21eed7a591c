import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessage, isPolybusError } from '@polybus/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { curveKeyPair } from 'zeromq';
import { collect, OpenTransports, text, zmqTransport } from './zmq-test-env.js';

const transports = new OpenTransports();
afterEach(() => transports.closeAll());

const dir = mkdtempSync(join(tmpdir(), 'polybus-curve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A key pair whose secret key is in a file (with a trailing newline, as an editor writes it). */
function keyFile(name: string): { publicKey: string; secretKey: string; file: string } {
  const pair = curveKeyPair();
  const file = join(dir, name);
  writeFileSync(file, `${pair.secretKey}\n`);
  return { ...pair, file };
}

describe('zeromq CURVE (encryption, server authenticated by its public key)', () => {
  const server = keyFile('server.key');

  /** A CURVE server pusher bound on a free port, and the URL a puller connects to. */
  async function curvePusher(sendTimeoutMs = 30_000) {
    const pusher = await transports.open('zmq+tcp://127.0.0.1:0', {
      pattern: 'pushpull',
      sendTimeoutMs,
      curve: { secretKeyFile: server.file },
    });
    return { pusher, url: `zmq+tcp://${pusher.boundEndpoint!.slice('tcp://'.length)}` };
  }

  it('moves messages between a CURVE server and a client that knows its public key', async () => {
    const { pusher, url } = await curvePusher();
    const client = keyFile('client.key');
    const puller = await transports.open(url, {
      pattern: 'pushpull',
      bind: 'none',
      curve: { serverPublicKey: server.publicKey, publicKey: client.publicKey, secretKeyFile: client.file },
    });
    const { collector } = await collect(puller, '');
    await pusher.publish('', [createMessage({ body: 'sealed-1' }), createMessage({ body: 'sealed-2' })]);
    await collector.waitFor(2, 20_000);
    expect(collector.deliveries.map(text)).toEqual(['sealed-1', 'sealed-2']);
  });

  it('pub/sub with an ephemeral client key pair', async () => {
    const publisher = await transports.open('zmq+tcp://127.0.0.1:0', {
      curve: { secretKeyFile: server.file },
    });
    const url = `zmq+tcp://${publisher.boundEndpoint!.slice('tcp://'.length)}`;
    const subscriber = await transports.open(url, {
      bind: 'none',
      curve: { serverPublicKey: server.publicKey },
    });
    const { collector } = await collect(subscriber, 'sealed.');
    await publisher.publish('sealed.a', [createMessage({ body: 'pub-1' })]);
    await collector.waitFor(1, 20_000);
    expect(text(collector.deliveries[0]!)).toBe('pub-1');
  });

  it('a client with the wrong server key, or without CURVE, gets nothing: the push times out', async () => {
    const { pusher, url } = await curvePusher(1_500);
    const impostor = curveKeyPair();
    const wrongKey = await transports.open(url, {
      pattern: 'pushpull',
      bind: 'none',
      curve: { serverPublicKey: impostor.publicKey },
    });
    const plain = await transports.open(url, { pattern: 'pushpull', bind: 'none' });
    const a = await collect(wrongKey, '');
    const b = await collect(plain, '');
    const error = await pusher.publish('', [createMessage({ body: 'never' })]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'TIMEOUT', retriable: true });
    expect(a.collector.count + b.collector.count).toBe(0);
  });

  it('refuses unusable key settings with a ConfigError that names the option, never the key', async () => {
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, 'not-a-z85-key-but-a-secret-SECRETVALUE\n');
    const cases: [Record<string, unknown>, string][] = [
      [
        { secretKeyFile: join(dir, 'absent.key') },
        `curve.secretKeyFile: cannot read ${join(dir, 'absent.key')} (ENOENT)`,
      ],
      [{ secretKeyFile: bad }, `curve.secretKeyFile: ${bad} does not hold a Z85 key`],
      [{}, 'curve: a CURVE server needs secretKeyFile'],
      [
        { serverPublicKey: server.publicKey, secretKeyFile: server.file },
        'curve: a client with secretKeyFile needs its publicKey',
      ],
    ];
    for (const [curve, message] of cases) {
      const t = zmqTransport('zmq+tcp://127.0.0.1:0', { curve } as never);
      const error = await t.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      await t.close();
      expect(isPolybusError(error) && error.code, message).toBe('CONFIG_INVALID');
      expect((error as Error).message).toContain(message);
      expect(JSON.stringify(error)).not.toContain('SECRETVALUE');
      expect(JSON.stringify(error)).not.toContain(server.secretKey);
    }
  });
});
