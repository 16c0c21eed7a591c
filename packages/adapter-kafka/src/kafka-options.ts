import { ConfigError, redactUrl } from '@polybus/core';
import { z } from 'zod';

/** TLS to the brokers: file paths (PEM) are read when the transport is created. */
export const kafkaTlsSchema = z
  .strictObject({
    /** PEM file of the CA(s) that signed the brokers' certificates (default: the system CAs). */
    ca: z.string().min(1).optional(),
    /** PEM file of this client's certificate, for mutual TLS (with `key`). */
    cert: z.string().min(1).optional(),
    /** PEM file of this client's private key, for mutual TLS (with `cert`). */
    key: z.string().min(1).optional(),
    /** Name the brokers' certificates must carry (default: the host of each broker address). */
    servername: z.string().min(1).optional(),
    /** Refuse brokers whose certificate does not verify. Turn off only for a throwaway test setup. */
    rejectUnauthorized: z.boolean().default(true),
  })
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), {
    message: 'tls.cert and tls.key go together (mutual TLS needs both)',
  });

/** SASL authentication (over TLS unless the network is trusted: PLAIN sends the password as is). */
export const kafkaSaslSchema = z.strictObject({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string().min(1),
  /** Never logged nor put in errors. */
  password: z.string(),
});

/** Options schema of `kafka://` connections; the single source for validation and docs. */
export const kafkaOptionsSchema = z.strictObject({
  /** kafkajs client id (shows in broker logs and quotas). */
  clientId: z.string().min(1).default('polybus'),
  /** Create a missing topic on first publish/subscribe (admin client). When false, a missing topic is an AddressError. */
  autoCreateTopics: z.boolean().default(true),
  /** Partitions of auto-created topics. */
  topicPartitions: z.number().int().positive().default(3),
  /** Replication factor of auto-created topics (-1: the broker's `default.replication.factor`). */
  replicationFactor: z.number().int().min(-1).default(-1),
  /** Largest body accepted; the broker's `message.max.bytes` (1048588 by default) bounds a whole record batch. */
  maxMessageBytes: z.number().int().positive().default(1_000_000),
  /** Consumer session timeout: a member silent this long is removed from its group. */
  sessionTimeoutMs: z.number().int().positive().default(30_000),
  /** How long the group waits for members to rejoin during a rebalance. */
  rebalanceTimeoutMs: z.number().int().positive().default(60_000),
  /** Heartbeat interval (also while a handler runs long). */
  heartbeatIntervalMs: z.number().int().positive().default(3_000),
  /** How often acked offsets are committed (also on rebalance and close). */
  commitIntervalMs: z.number().int().positive().default(1_000),
  /** How long a nacked message (and its key) waits before it is delivered again when the nack gives no `delayMs`. */
  nackBackoffMs: z.number().int().min(0).default(50),
  /**
   * Longest a fetch waits on the broker for new records. Also the longest a batch waits for room in
   * its partition's full buffer (at most `heartbeatIntervalMs`) before that partition is paused.
   */
  fetchMaxWaitMs: z.number().int().positive().default(500),
  /** TCP connect timeout. */
  connectionTimeoutMs: z.number().int().positive().default(3_000),
  /** Timeout of one broker request. */
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** kafkajs retries of one operation before it fails (producer send, admin calls). */
  retries: z.number().int().min(0).default(5),
  /** Longest wait between two kafkajs retries, also before a failed consumer restarts. */
  retryMaxDelayMs: z.number().int().positive().default(5_000),
  /** How long `subscribe()` waits for the group join before failing with a TimeoutError. */
  joinTimeoutMs: z.number().int().positive().default(60_000),
  /** TLS to the brokers (also on with a `kafkas://` URL or `ssl: true`). */
  tls: kafkaTlsSchema.optional(),
  /** Older spelling kept for compatibility: `ssl: true` is `tls: {}` (system CAs). */
  ssl: z.boolean().default(false),
  /** SASL authentication (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). */
  sasl: kafkaSaslSchema.optional(),
});

/** Options of a `kafka://` connection (see {@link kafkaOptionsSchema} for defaults). */
export type KafkaTransportOptions = z.infer<typeof kafkaOptionsSchema>;

/** True for a `kafkas://` URL (TLS on, like `tls: {}`). */
export function isKafkaTlsUrl(url: string): boolean {
  return /^kafkas:\/\//i.test(url.trim());
}

/**
 * Parses `kafka://host:port[,host:port...]` (or `kafkas://`, the same with TLS) into kafkajs broker
 * addresses (port 9092 when absent). Throws {@link ConfigError} for anything else; credentials in the
 * URL are refused (give them in the `sasl` option, where they are never logged).
 */
export function parseKafkaUrl(url: string): string[] {
  const match = /^kafkas?:\/\/([^/?#]*)\/?$/i.exec(url.trim());
  if (!match)
    throw new ConfigError(`invalid kafka URL "${redactUrl(url)}": expected kafka://host:port[,host:port]`);
  const hosts = match[1]!;
  if (hosts.includes('@'))
    throw new ConfigError(
      `kafka URL "${redactUrl(url)}": credentials do not go in the URL; give them in the sasl option (SASL mechanism, username, password)`,
    );
  const brokers = hosts
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  if (brokers.length === 0) throw new ConfigError(`kafka URL "${redactUrl(url)}" names no broker`);
  return brokers.map((b) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(b);
    if (!m) throw new ConfigError(`kafka URL "${redactUrl(url)}": invalid broker "${b}"`);
    return `${m[1]}:${m[2] ?? '9092'}`;
  });
}
