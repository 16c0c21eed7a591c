import { type Address, AddressError, formatIssues } from '@polybus/core';
import { z } from 'zod';

/** AMQP short strings (exchange, queue and routing key names) are at most 255 bytes. */
const shortString = (what: string) =>
  z.string().refine((s) => Buffer.byteLength(s, 'utf8') <= 255, `${what} must be at most 255 bytes`);

const NAME = shortString('name')
  .pipe(z.string().min(1, 'name must not be empty'))
  .pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9._\-:~/]+$/, 'name may contain only letters, digits and . _ - : ~ /')
      .refine((s) => !s.startsWith('amq.'), 'names starting with "amq." are reserved by RabbitMQ'),
  );

/**
 * Addresses of the AMQP adapter:
 * - a string `name`: a durable topic exchange `name` the adapter declares (groups consume queue `name.<group>`);
 * - `{ queue }`: an existing queue (published through the default exchange, consumed directly);
 * - `{ exchange, routingKey? }`: an existing exchange; `routingKey` is the publish routing key and the
 *   binding pattern of the queues subscriptions declare (default: the message key on publish, `#` on bind).
 */
export const amqpAddressSchema = z.union([
  NAME,
  z.strictObject({ queue: shortString('queue').pipe(z.string().min(1, 'queue must not be empty')) }),
  z.strictObject({
    exchange: shortString('exchange').pipe(z.string().min(1, 'exchange must not be empty (use { queue })')),
    routingKey: shortString('routingKey').optional(),
  }),
]);

/** What an address means on the broker (see {@link amqpAddressSchema}). */
export type AmqpTarget =
  | { readonly kind: 'topic'; readonly exchange: string }
  | { readonly kind: 'queue'; readonly queue: string }
  | { readonly kind: 'exchange'; readonly exchange: string; readonly routingKey: string | undefined };

/** Parses an AMQP address; throws {@link AddressError} naming every problem. Pure. */
export function parseAmqpAddress(address: Address): AmqpTarget {
  const parsed = amqpAddressSchema.safeParse(address);
  if (!parsed.success) {
    throw new AddressError(
      `invalid amqp address ${JSON.stringify(address)}: ${formatIssues(parsed.error.issues, 'address').join('; ')}`,
    );
  }
  const value = parsed.data;
  if (typeof value === 'string') return { kind: 'topic', exchange: value };
  if ('queue' in value) return { kind: 'queue', queue: value.queue };
  return { kind: 'exchange', exchange: value.exchange, routingKey: value.routingKey };
}

/** Name of the durable queue group `group` consumes on an exchange: `<exchange>.<group>`. Pure. */
export function groupQueueName(exchange: string, group: string): string {
  const name = `${exchange}.${group}`;
  if (Buffer.byteLength(name, 'utf8') > 255) {
    throw new AddressError(`group queue name "${name}" is longer than 255 bytes: use a shorter group name`);
  }
  return name;
}

/** The binding pattern of queues declared for `target` (`#` = every routing key). Pure. */
export function bindingPattern(target: AmqpTarget): string {
  return target.kind === 'exchange' && target.routingKey !== undefined ? target.routingKey : '#';
}

/**
 * {@link parseAmqpAddress} with a memory of the last address parsed: a publisher sending to one sink
 * passes the same address on every call, and validating it costs more than a small publish. A string
 * is matched by value, an object by identity and by its fields (an object changed since is parsed
 * again). Throws as `parseAmqpAddress` does. One per transport; not shared.
 */
export class AddressMemo {
  #address: Address | undefined;
  #target: AmqpTarget | undefined;

  /** The target of `address`, parsed at most once while the same address keeps coming. */
  parse(address: Address): AmqpTarget {
    if (this.#target !== undefined && this.#matches(address, this.#target)) return this.#target;
    const target = parseAmqpAddress(address);
    this.#address = address;
    this.#target = target;
    return target;
  }

  #matches(address: Address, target: AmqpTarget): boolean {
    if (address !== this.#address) return false;
    if (typeof address === 'string') return true;
    const fields = address as { queue?: unknown; exchange?: unknown; routingKey?: unknown };
    if (target.kind === 'queue') return fields.queue === target.queue && fields.exchange === undefined;
    return (
      target.kind === 'exchange' &&
      fields.exchange === target.exchange &&
      fields.routingKey === target.routingKey &&
      fields.queue === undefined
    );
  }
}
