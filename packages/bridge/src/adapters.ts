/**
 * The synchronous view of the adapter table, for library users and tests that want every adapter at
 * hand: importing this module loads every broker adapter of {@link ADAPTER_TABLE} once (top-level
 * await). The CLI never imports it; it loads only what a config names (`loadBridgeRegistry`).
 */
import { type AdapterDescriptor, type AdapterRegistry, createRegistry } from '@polybus/core';
import { builtInAdapters, loadBrokerAdapters } from './adapter-loader.js';

const ALL_BROKER_ADAPTERS: readonly AdapterDescriptor[] = await loadBrokerAdapters();

/** The broker adapters this build of the bridge can use (every row of the adapter table, loaded). */
export function brokerAdapters(): AdapterDescriptor[] {
  return [...ALL_BROKER_ADAPTERS];
}

/**
 * The registry the bridge and CLI use: `memory://`, `stdio://` and every broker adapter available,
 * plus `extra`. A new registry per call.
 */
export function createBridgeRegistry(extra: readonly AdapterDescriptor[] = []): AdapterRegistry {
  return createRegistry(...builtInAdapters(), ...ALL_BROKER_ADAPTERS, ...extra);
}
