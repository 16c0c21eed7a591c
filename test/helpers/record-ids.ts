import { type Address, isMessageReader, type Transport } from '@polybus/core';

/**
 * How many records `address` holds and how many distinct message ids among them, read from the
 * start without consuming anything (Kafka, Redis Streams, JetStream). Throws for a transport that
 * cannot read. The transport must be connected; it stays open.
 */
export async function recordIds(
  transport: Transport,
  address: Address,
): Promise<{ records: number; distinct: number }> {
  if (!isMessageReader(transport)) throw new Error(`${transport.scheme} cannot read without consuming`);
  const ids = new Set<string>();
  let records = 0;
  for await (const record of transport.read(address)) {
    records++;
    ids.add(record.message.id);
  }
  return { records, distinct: ids.size };
}
