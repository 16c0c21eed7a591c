import { type Address, AddressError, formatIssues } from '@polybus/core';
import { z } from 'zod';

/** True when `s` holds whitespace or a control character (code point below 0x20, or 0x7f). Pure. */
export function hasSpaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return /\s/.test(s);
}

/** Longest address name accepted. */
export const MAX_ADDRESS_LENGTH = 1024;

const NAME = z
  .string()
  .min(1, 'address name must not be empty')
  .max(MAX_ADDRESS_LENGTH, `address name must be at most ${MAX_ADDRESS_LENGTH} characters`)
  .refine((s) => !hasSpaceOrControl(s), 'address name must not contain whitespace or control characters');

/**
 * Addresses of `amqp1://`:
 * - a string `name` or `{ topic: name }`: a multicast (topic) address. Every group gets its own
 *   durable shared subscription queue; a subscription without a group gets a temporary queue.
 * - `{ queue: name }`: an anycast (queue) address, one queue shared by all its consumers (a group is
 *   ignored). On Artemis `{ queue: 'address::queue' }` (a fully qualified queue name) consumes one
 *   named queue of an address.
 */
export const amqp1AddressSchema = z.union([
  NAME,
  z.strictObject({ topic: NAME }),
  z.strictObject({ queue: NAME }),
]);

/** A parsed AMQP 1.0 address: a multicast topic or an anycast queue. */
export interface Amqp1Address {
  readonly kind: 'topic' | 'queue';
  readonly name: string;
}

/** Parses an address or throws {@link AddressError} naming what is wrong. Pure. */
export function parseAmqp1Address(address: Address): Amqp1Address {
  const parsed = amqp1AddressSchema.safeParse(address);
  if (!parsed.success) {
    throw new AddressError(
      `invalid amqp1 address ${JSON.stringify(address)}: ${formatIssues(parsed.error.issues, 'address').join('; ')}`,
    );
  }
  const data = parsed.data;
  if (typeof data === 'string') return { kind: 'topic', name: data };
  if ('topic' in data) return { kind: 'topic', name: data.topic };
  return { kind: 'queue', name: data.queue };
}

/**
 * The terminus capability that tells the broker the routing type (Artemis: `topic` = multicast,
 * `queue` = anycast; also understood by Qpid brokers and routers). Pure.
 */
export function routingCapability(address: Amqp1Address): 'topic' | 'queue' {
  return address.kind;
}

/**
 * Name of the durable shared subscription (Artemis: its queue) that group `group` consumes on topic
 * `topic`: `<topic>.<group>`, so one group name used on two topics gives two subscriptions. Throws
 * {@link AddressError} for an empty group or a `|` in it (AMQP link names use `|` for a member
 * suffix). Pure.
 */
export function subscriptionName(topic: string, group: string): string {
  if (group === '') throw new AddressError('group must not be empty');
  if (group.includes('|') || hasSpaceOrControl(group)) {
    throw new AddressError(`group "${group}" must not contain '|', whitespace or control characters`);
  }
  return `${topic}.${group}`;
}

/**
 * The link name of the `member`-th (1-based) subscriber of one subscription on one connection: the
 * subscription name, then `|2`, `|3`... (AMQP link names must be unique per connection; Artemis and
 * Qpid JMS strip the `|n` suffix to find the shared subscription). Pure.
 */
export function memberLinkName(subscription: string, member: number): string {
  return member <= 1 ? subscription : `${subscription}|${member}`;
}
