import type { Delivery, Message, NackOptions } from '@polybus/core';

/** A delivery that records how it was settled (for unit tests of the route's parts). */
export function fakeDelivery(message: Message, attempt = 1): Delivery & { readonly settles: string[] } {
  const settles: string[] = [];
  return {
    message,
    attempt,
    source: { address: 'in' },
    settles,
    get settled() {
      return settles.length > 0;
    },
    async ack() {
      settles.push('ack');
    },
    async nack(options?: NackOptions) {
      settles.push(`nack ${JSON.stringify(options ?? {})}`);
    },
  };
}
