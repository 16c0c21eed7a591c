import type { Capabilities } from '@polybus/core';

/** Bytes of `max_payload` kept free for headers when stating `maxMessageBytes` (at most 1/8 of it). */
export const HEADER_ROOM_BYTES = 8 * 1024;

/** Largest body stated in the capabilities for a server `max_payload`: minus room for headers. Pure. */
export function maxBodyBytes(maxPayload: number): number {
  return maxPayload - Math.min(HEADER_ROOM_BYTES, Math.floor(maxPayload / 8));
}

/** The server's default `max_payload` (1 MiB), used until connected. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** Capabilities of JetStream addresses for a server whose `max_payload` is `maxPayload`. Pure. */
export function jetStreamCapabilities(maxPayload: number): Capabilities {
  return Object.freeze({
    persistent: true,
    consumerGroups: true,
    orderedPerKey: false,
    nackDelay: true,
    replay: true,
    headers: true,
    maxMessageBytes: maxBodyBytes(maxPayload),
  });
}

/**
 * Capabilities of core NATS addresses: at-most-once (nothing kept, ack/nack do nothing). Queue groups
 * give group semantics among live subscribers: every group receives every message, members of one
 * group share them; a group with no member online misses what is published meanwhile. Pure.
 */
export function coreCapabilities(maxPayload: number): Capabilities {
  return Object.freeze({
    persistent: false,
    consumerGroups: true,
    orderedPerKey: false,
    nackDelay: false,
    replay: false,
    headers: true,
    maxMessageBytes: maxBodyBytes(maxPayload),
  });
}
