import { ConnectionError, redactText, redactUrl } from '@polybus/core';
import { backoffDelay, isTlsVerificationError } from '@polybus/core/adapter-kit';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTransportOptions } from './redis-options.js';
import { redisSecurityOptions } from './redis-security.js';

/** What a connection is used for; part of its `CLIENT SETNAME`. */
export type ConnectionRole = 'cmd' | 'reader' | 'tail' | 'sub';

let connectionCounter = 0;

/** A short id unique within this process run, for connection and consumer names. */
export function uniqueSuffix(): string {
  connectionCounter++;
  return `${process.pid.toString(36)}-${Date.now().toString(36)}-${connectionCounter.toString(36)}`;
}

/**
 * Creates an unconnected ioredis client named `<prefix>:<role>:<id>` that reconnects forever with
 * backoff (`retryStrategy`). Blocking readers get `maxRetriesPerRequest: 1`, so reads issued while
 * disconnected fail fast and the read loop backs off; a read in flight when the connection dropped is
 * re-sent after the reconnect (ioredis `autoResendUnfulfilledCommands`, which must stay on: turned off,
 * ioredis silently drops such a command and its promise never settles). The command connection keeps
 * the configured retries. (No auto-pipelining: ioredis 5 mangles
 * `callBuffer` commands under it.)
 */
export function createRedis(
  url: string,
  options: RedisTransportOptions,
  role: ConnectionRole,
  id: string,
): Redis {
  const blocking = role === 'reader' || role === 'tail';
  const redisOptions: RedisOptions = {
    ...redisSecurityOptions(url, options),
    lazyConnect: true,
    connectionName: `${options.connectionNamePrefix}:${role}:${id}`,
    connectTimeout: options.connectTimeoutMs,
    maxRetriesPerRequest: blocking ? 1 : options.maxRetriesPerRequest,
    retryStrategy: (times) => backoffDelay(times, { initialDelayMs: 50, maxDelayMs: 1_000 }),
  };
  return new Redis(url, redisOptions);
}

/**
 * Connects `redis` and waits until it is ready. Rejects with a {@link ConnectionError} (credentials
 * redacted) when the first attempt fails; the client is then disconnected (no reconnect keeps running).
 */
export async function connectRedis(redis: Redis, url: string): Promise<void> {
  if (redis.status === 'ready') return;
  // ioredis rejects connect() with a bare "Connection is closed."; the reason (TLS, WRONGPASS) comes as
  // an 'error' event just before it.
  let reason: unknown;
  const onError = (error: unknown): void => {
    reason = error;
  };
  redis.on('error', onError);
  try {
    if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
    else await waitReady(redis);
  } catch (error) {
    redis.disconnect();
    throw connectFailure(url, reason ?? error);
  } finally {
    redis.off('error', onError);
  }
}

/**
 * The {@link ConnectionError} of a failed first connect: an authentication failure (WRONGPASS, NOAUTH,
 * NOPERM) or a server certificate that failed verification is not retriable and says so
 * (`details.reason`: `auth` / `tls`); anything else is retriable. The URL is redacted and the message
 * never contains a credential. Pure.
 */
export function connectFailure(url: string, error: unknown): ConnectionError {
  const text = redactText(error instanceof Error ? error.message : String(error));
  const target = redactUrl(url);
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(text))
    // The driver's reply error carries the AUTH command and its arguments: never keep it as the cause.
    return new ConnectionError(`cannot connect to ${target}: authentication failed (${text.split(' ')[0]})`, {
      cause: new Error(text),
      retriable: false,
      details: { reason: 'auth' },
    });
  if (isTlsVerificationError(error))
    return new ConnectionError(`cannot connect to ${target}: TLS server certificate not trusted (${text})`, {
      cause: error,
      retriable: false,
      details: { reason: 'tls' },
    });
  return new ConnectionError(`cannot connect to ${target}: ${text}`, { cause: error });
}

function waitReady(redis: Redis): Promise<void> {
  return new Promise((resolve, reject) => {
    const ready = (): void => {
      redis.off('end', end);
      resolve();
    };
    const end = (): void => {
      redis.off('ready', ready);
      reject(new ConnectionError('connection ended'));
    };
    redis.once('ready', ready);
    redis.once('end', end);
  });
}

/** Closes `redis` politely (QUIT), falling back to a hard disconnect. Never rejects. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await Promise.race([redis.quit(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  } catch {
    // fall through to disconnect
  }
  redis.disconnect();
}

/** The text of a thrown Redis error (for matching NOGROUP, BUSYGROUP...). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
