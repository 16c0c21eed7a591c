import { backoffDelay, ConnectionError, redactText, redactUrl } from '@polybus/core';
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
 * backoff (`retryStrategy`). Blocking readers get `maxRetriesPerRequest: 1` and no resend of
 * unfulfilled commands, so a read interrupted by a disconnect rejects and the read loop decides what
 * to do; the command connection keeps the configured retries. (No auto-pipelining: ioredis 5 mangles
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
    autoResendUnfulfilledCommands: !blocking,
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
    if (redis.status === 'wait') await redis.connect();
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
