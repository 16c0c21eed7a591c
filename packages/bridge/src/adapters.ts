import * as amqp from '@polybus/adapter-amqp';
import * as kafka from '@polybus/adapter-kafka';
import * as nats from '@polybus/adapter-nats';
import * as redis from '@polybus/adapter-redis';
import { type AdapterDescriptor, type AdapterRegistry, createRegistry, memoryAdapter } from '@polybus/core';
import { stdioAdapter } from './stdio/stdio-adapter.js';

/** Reads an adapter descriptor from a package namespace, if that package exports it yet. */
function exported(namespace: object, name: string): AdapterDescriptor[] {
  const value = (namespace as Record<string, unknown>)[name];
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as AdapterDescriptor).scheme === 'string' &&
    typeof (value as AdapterDescriptor).create === 'function'
  ) {
    return [value as AdapterDescriptor];
  }
  return [];
}

/**
 * The broker adapters this build of the bridge can use (each adapter package's exported
 * descriptor, when it exports one).
 */
export function brokerAdapters(): AdapterDescriptor[] {
  return [
    ...exported(amqp, 'amqpAdapter'),
    ...exported(kafka, 'kafkaAdapter'),
    ...exported(redis, 'redisAdapter'),
    ...exported(nats, 'natsAdapter'),
  ];
}

/**
 * The registry the bridge and CLI use: `memory://`, `stdio://` and every broker adapter available.
 * A new registry per call.
 */
export function createBridgeRegistry(extra: readonly AdapterDescriptor[] = []): AdapterRegistry {
  return createRegistry(memoryAdapter, stdioAdapter as AdapterDescriptor, ...brokerAdapters(), ...extra);
}
