import type { ConnectionOptions } from 'nats';
import type { NatsTransportOptions } from './nats-options.js';
import { natsSecurityOptions } from './nats-security.js';
import type { NatsUrl } from './nats-url.js';

/**
 * The nats.js `connect()` options of a transport: servers, credentials and TLS from the URL and the
 * options (see {@link natsSecurityOptions}, which reads the configured files), the name, the first-connect timeout and the reconnect policy from the options.
 *
 * `noAsyncTraces` is on. Otherwise nats.js builds two Error objects for every request it sends
 * (a JetStream publish waiting for its PubAck, a pull), only to keep the caller's stack in case the
 * request fails later: in the benchmark that was ~19% of a Redis -> NATS bridge's busy time. Nothing
 * else changes: timeouts and failures still reject with the same NatsError codes, which the adapter
 * maps to PolybusErrors carrying its own context (subject, stream, sequence).
 */
export function natsConnectOptions(url: NatsUrl, options: NatsTransportOptions): ConnectionOptions {
  return {
    servers: [...url.servers],
    ...natsSecurityOptions(url, options),
    name: options.name,
    timeout: options.connectTimeoutMs,
    maxReconnectAttempts: options.maxReconnectAttempts,
    reconnectTimeWait: options.reconnectTimeWaitMs,
    noAsyncTraces: true,
  };
}
