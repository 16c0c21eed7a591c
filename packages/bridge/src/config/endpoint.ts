import type { Address } from '@polybus/core';

/** Keys of an endpoint that belong to polybus, not to the adapter's native address. */
const BRIDGE_KEYS = new Set(['connection', 'group', 'when', 'startFrom', 'address', 'cloudEvents']);

/** The parts of a `from` / `to` / `deadLetter` entry the address is built from. */
export type EndpointLike = { readonly connection: string; readonly address?: string | undefined } & Readonly<
  Record<string, unknown>
>;

/**
 * The adapter address an endpoint names: its `address` string when given, else an object of its
 * native keys (everything but `connection`, `group`, `when`, `startFrom`, `cloudEvents`). Pure.
 */
export function endpointAddress(endpoint: EndpointLike): Address {
  if (typeof endpoint.address === 'string') return endpoint.address;
  const native: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(endpoint)) {
    if (BRIDGE_KEYS.has(key) || value === undefined) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      native[key] = value;
  }
  return native;
}

/** The keys of an endpoint that are native address keys (everything but the bridge's own keys). Pure. */
export function nativeKeys(endpoint: EndpointLike): string[] {
  return Object.keys(endpoint).filter((key) => !BRIDGE_KEYS.has(key) && endpoint[key] !== undefined);
}

/** True when two endpoints name the same connection and address (key order ignored). */
export function sameEndpoint(a: EndpointLike, b: EndpointLike): boolean {
  if (a.connection !== b.connection) return false;
  return canonical(endpointAddress(a)) === canonical(endpointAddress(b));
}

function canonical(address: Address): string {
  if (typeof address === 'string') return JSON.stringify(address);
  return JSON.stringify(Object.entries(address).sort(([x], [y]) => x.localeCompare(y)));
}
