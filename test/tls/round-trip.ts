import { createMessage, type Delivery, type SubscribeOptions, type Transport } from '@polybus/core';

/**
 * Connects `transport`, subscribes to `address` (acking), publishes one message (`id` m1, body
 * `over tls`, header `k: v`) and resolves with its delivery: the proof that a secured connection
 * moves messages both ways.
 */
export async function roundTrip(
  transport: Transport,
  address: Parameters<Transport['publish']>[0],
  options: SubscribeOptions = {},
): Promise<Delivery> {
  await transport.connect();
  let arrived: (d: Delivery) => void = () => undefined;
  const got = new Promise<Delivery>((resolve) => {
    arrived = resolve;
  });
  await transport.subscribe(
    address,
    async (d) => {
      await d.ack();
      arrived(d);
    },
    options,
  );
  await transport.publish(address, [createMessage({ id: 'm1', body: 'over tls', headers: { k: 'v' } })]);
  return got;
}
