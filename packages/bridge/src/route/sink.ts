import {
  type Address,
  type CloudEventsBinding,
  ConfigError,
  cloudEventsBindingFor,
  convertCloudEvent,
  describeAddress,
  type Message,
  type Transport,
} from '@polybus/core';
import { endpointAddress } from '../config/endpoint.js';
import type { DeadLetterConfig, SinkConfig } from '../config/schema.js';
import type { ExpressionLimits } from './expression-limits.js';
import { type CompiledExpression, compileExpression } from './expressions.js';
import { SinkBatcher } from './sink-batcher.js';

/** One place a route writes to: a `to` entry or the dead-letter target, resolved to its transport. */
export interface Sink {
  /** `<connection>/<address>`, as logs and the `sink` metric label show it. */
  readonly label: string;
  readonly connection: string;
  readonly transport: Transport;
  readonly address: Address;
  readonly batcher: SinkBatcher;
  /** The `when` predicate selecting the messages this sink gets (none: every message). */
  readonly when: CompiledExpression | undefined;
  /** Position in the route's `to` list (the dead-letter target has -1). */
  readonly index: number;
  /** The sink's `maxMessageBytes`, read once on first publish (parsing an address per message is costly). */
  maxMessageBytes: number | undefined;
  /**
   * Writes a CloudEvent in the sink's `cloudEvents` mode with the sink's binding (read with the
   * source's); a message that is not a CloudEvent is returned as it is. Throws DataError for a
   * malformed event. Absent when the sink's `cloudEvents` is `off` (messages untouched).
   */
  readonly encode: ((message: Message) => Message) | undefined;
}

/**
 * Resolves an endpoint to a {@link Sink}: its connection's transport, its address, compiled `when`
 * and CloudEvents encoding (events read with `sourceBinding`, the source connection's binding).
 * Throws `ConfigError` for a connection that is not in `connections`, and the expression's error for
 * a `when` that does not compile. No I/O.
 */
export function createSink(
  connections: ReadonlyMap<string, Transport>,
  endpoint: SinkConfig | DeadLetterConfig,
  index: number,
  sourceBinding?: CloudEventsBinding,
  limits?: ExpressionLimits,
): Sink {
  const transport = connections.get(endpoint.connection);
  if (!transport) throw new ConfigError(`unknown connection ${endpoint.connection}`);
  const address = endpointAddress(endpoint);
  const when =
    'when' in endpoint && typeof endpoint.when === 'string'
      ? compileExpression(endpoint.when, limits)
      : undefined;
  const mode = 'cloudEvents' in endpoint ? endpoint.cloudEvents : undefined;
  let encode: Sink['encode'];
  if (mode === 'binary' || mode === 'structured') {
    const from = sourceBinding ?? cloudEventsBindingFor(transport.scheme);
    const to = cloudEventsBindingFor(transport.scheme);
    encode = (message) => convertCloudEvent(message, from, to, mode) ?? message;
  }
  return {
    encode,
    label: `${endpoint.connection}/${describeAddress(address)}`,
    connection: endpoint.connection,
    transport,
    address,
    batcher: new SinkBatcher(transport, address),
    when,
    index,
    maxMessageBytes: undefined,
  };
}
