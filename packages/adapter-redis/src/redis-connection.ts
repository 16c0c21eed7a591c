import { backoffDelay, ConnectionError, redactText, redactUrl, TimeoutError } from '@polybus/core';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTransportOptions } from './redis-options.js';

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
  try {
    if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
    else await waitReady(redis);
  } catch (error) {
    redis.disconnect();
    const text = error instanceof Error ? error.message : String(error);
    throw new ConnectionError(`cannot connect to ${redactUrl(url)}: ${redactText(text)}`, { cause: error });
  }
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

/**
 * Resolves or rejects as `promise` does, or rejects with a {@link TimeoutError} after `ms`: a read
 * loop never waits forever on a reply that will not come (frozen server, lost command). The late
 * outcome of `promise` is ignored; entries a late XREADGROUP reply carried stay pending and are
 * reclaimed.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no reply within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
