import type { AmqpTarget } from './amqp-address.js';

/** Where one message goes on the wire. */
export interface PublishRoute {
  readonly exchange: string;
  readonly routingKey: string;
  readonly mandatory: boolean;
}

/** Routing keys are AMQP short strings: at most 255 bytes. */
function fitsRoutingKey(key: string | undefined): key is string {
  return key !== undefined && Buffer.byteLength(key, 'utf8') <= 255;
}

/**
 * The exchange, routing key and `mandatory` flag of a message with `key` published to `target`. Pure.
 * - topic: the topic exchange, routing key = message key (`''` without a key or when longer than 255
 *   bytes; the key still travels in `x-polybus-key`), mandatory only with `mandatoryTopicPublish`;
 * - queue: the default exchange with routing key = queue, mandatory (a missing queue is an error);
 * - exchange: that exchange, routing key = the address's `routingKey`, else the message key, else `''`;
 *   mandatory.
 */
export function routeOf(
  target: AmqpTarget,
  key: string | undefined,
  mandatoryTopicPublish: boolean,
): PublishRoute {
  switch (target.kind) {
    case 'topic':
      return {
        exchange: target.exchange,
        routingKey: fitsRoutingKey(key) ? key : '',
        mandatory: mandatoryTopicPublish,
      };
    case 'queue':
      return { exchange: '', routingKey: target.queue, mandatory: true };
    case 'exchange':
      return {
        exchange: target.exchange,
        routingKey: target.routingKey ?? (fitsRoutingKey(key) ? key : ''),
        mandatory: true,
      };
  }
}
