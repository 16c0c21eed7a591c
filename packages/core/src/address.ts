/**
 * Where messages go or come from. A string is the adapter's default kind of address (an AMQP
 * topic exchange, a Kafka topic, a Redis stream, a NATS subject, a memory topic); an object names a
 * native address with the adapter's own keys (`{ queue }`, `{ exchange, routingKey }`,
 * `{ stream }`, `{ channel }`, `{ subject, stream }`), so migrations can start from what already
 * exists. Each adapter validates addresses with its descriptor's `addressSchema` and rejects
 * anything else with an {@link AddressError}.
 */
export type Address = string | AddressObject;

/** A native address: adapter-specific keys with scalar values. */
export type AddressObject = Readonly<Record<string, string | number | boolean | undefined>>;

/** A short human-readable form of an address, for logs and errors. */
export function describeAddress(address: Address): string {
  if (typeof address === 'string') return address;
  return Object.entries(address)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}
