import { existsSync } from 'node:fs';
import { silentLogger } from '@polybus/core';
import { uniqueName } from '@polybus/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClosePool,
  expectConnectRefused,
  type RocketmqAclServer,
  rejection,
  roundTrip,
  startRocketmqAcl,
} from '../../../test/tls/index.js';
import { RocketmqTransport, rocketmqOptionsSchema } from '../src/index.js';
import { rocketmqLibs } from './rocketmq-test-env.js';

/**
 * Ports of this file's own RocketMQ (the security test range is 16000-16099): name server, broker
 * (which also binds 16062 and 16065), proxy gRPC and proxy remoting. Never the shared 18081/19876.
 */
const PORTS = { namesrv: 16060, broker: 16064, proxy: 16066, proxyRemoting: 16067 };

const available = existsSync(rocketmqLibs());
if (!available && process.env.POLYBUS_REQUIRE_BROKERS === '1')
  throw new Error('POLYBUS_REQUIRE_BROKERS=1 but no RocketMQ jars are cached (scripts/brokers.sh)');

describe.runIf(available)('rocketmq with ACL 2.0 authentication (own name server, broker and proxy)', () => {
  let server: RocketmqAclServer;
  const pool = new ClosePool();
  const transport = (url: string, options: Record<string, unknown> = {}): RocketmqTransport =>
    pool.track(new RocketmqTransport(url, rocketmqOptionsSchema.parse(options), silentLogger));
  const base = `rocketmq://127.0.0.1:${PORTS.proxy}`;

  beforeAll(async () => {
    server = await startRocketmqAcl(rocketmqLibs(), PORTS);
  }, 240_000);
  afterAll(async () => {
    await pool.closeAll();
    await server?.stop();
  }, 60_000);

  it('the right access key and secret key (options, or URL userinfo) connect, publish and consume', async () => {
    const t = transport(base, { accessKey: server.accessKey, secretKey: server.secretKey });
    const d = await roundTrip(
      t,
      { topic: server.topic },
      { group: uniqueName('acl').replace(/[^\w-]/g, '_') },
    );
    expect(d.message.id).toBe('m1');
    expect(new TextDecoder().decode(d.message.body)).toBe('over tls');
    expect(d.message.headers.k).toBe('v');
    const url = `rocketmq://${server.accessKey}:${encodeURIComponent(server.secretKey)}@127.0.0.1:${PORTS.proxy}`;
    const fromUrl = transport(url);
    await fromUrl.connect();
    expect(fromUrl.health().state).toBe('up');
  }, 90_000);

  it('a wrong secret key is refused at connect(): typed, not retriable, no secret, health down', async () => {
    const wrong = 'wr0ng rmq/secret@x';
    const url = `rocketmq://${server.accessKey}:${encodeURIComponent(wrong)}@127.0.0.1:${PORTS.proxy}`;
    for (const t of [transport(url), transport(base, { accessKey: server.accessKey, secretKey: wrong })]) {
      const started = Date.now();
      const error = await rejection(t.connect());
      expect(Date.now() - started).toBeLessThan(10_000);
      expectConnectRefused(error, 'auth', [wrong, encodeURIComponent(wrong), url, 'wr0ng', server.secretKey]);
      expect(error.message).toContain('check signature failed');
      expect(t.health()).toEqual({
        state: 'down',
        detail: 'connect failed: the proxy refused the credentials',
      });
    }
  }, 60_000);

  it('an unknown access key and no credentials at all are refused the same way', async () => {
    const unknown = transport(base, { accessKey: 'nobody-here', secretKey: 'whatever-secret' });
    const error = await rejection(unknown.connect());
    expectConnectRefused(error, 'auth', ['whatever-secret']);
    const anonymous = transport(base);
    expectConnectRefused(await rejection(anonymous.connect()), 'auth');
  }, 60_000);
});
