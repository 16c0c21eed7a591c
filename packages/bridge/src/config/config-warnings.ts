import type { Capabilities } from '@polybus/core';
import { replayWarning } from '../route/start-position.js';
import type { EndpointLike } from './endpoint.js';
import type { BridgeConfig } from './schema.js';

/**
 * What a {@link ConfigWarning} is about, stable across releases (scripts and log queries may match it):
 * - `AT_MOST_ONCE_SOURCE`: a route reads from a source that loses what is sent while it is not read;
 * - `AT_MOST_ONCE_SINK`: a route sends to a sink that counts a message delivered once handed to the client;
 * - `SOURCE_CANNOT_REPLAY`: a route's new group cannot start at the earliest message and no `startFrom`
 *   says where it starts.
 */
export type ConfigWarningCode = 'AT_MOST_ONCE_SOURCE' | 'AT_MOST_ONCE_SINK' | 'SOURCE_CANNOT_REPLAY';

/** One warning about a valid config: `polybus validate` prints `text`, `polybus run` logs it with `code` and `path`. */
export interface ConfigWarning {
  readonly code: ConfigWarningCode;
  /** The config path of the endpoint warned about, e.g. `routes[1].to[0]`. */
  readonly path: string;
  /** The sentence shown to the operator (it names the route and connection, never a URL). */
  readonly text: string;
}

/** What {@link configWarnings} needs to know about one endpoint: its connection's scheme and what it guarantees at that address. */
export interface EndpointFacts {
  readonly scheme: string;
  readonly capabilities: Pick<Capabilities, 'persistent' | 'replay'>;
}

/** The facts about an endpoint, or `undefined` when they cannot be known (then nothing is warned about it). */
export type DescribeEndpoint = (endpoint: EndpointLike) => EndpointFacts | undefined;

/**
 * Every warning about a valid config, the one list both `polybus validate` and `polybus run` show, in
 * this order: first the at-most-once hops (route by route, `from` then each `to`), then the sources
 * that cannot replay. A hop is at-most-once when its capabilities say `persistent: false` (ZeroMQ,
 * core NATS, Redis Pub/Sub); `stdio://` is never warned about (it is the operator's own pipe, not a
 * broker that can be down). A source that cannot replay is warned about only when it has a group and
 * no `startFrom` (see {@link replayWarning}). Pure: `describe` is asked once or more per endpoint and
 * must not throw.
 */
export function configWarnings(config: BridgeConfig, describe: DescribeEndpoint): ConfigWarning[] {
  const atMostOnce = (endpoint: EndpointLike): boolean => {
    const facts = describe(endpoint);
    return facts !== undefined && facts.scheme !== 'stdio' && facts.capabilities.persistent === false;
  };
  const warnings: ConfigWarning[] = [];
  config.routes.forEach((route, r) => {
    if (atMostOnce(route.from as EndpointLike)) {
      warnings.push({
        code: 'AT_MOST_ONCE_SOURCE',
        path: `routes[${r}].from`,
        text:
          `routes[${r}].from: route "${route.name}" reads from an at-most-once source (connection "${route.from.connection}"): ` +
          'what is published while the bridge is down or reconnecting is lost, and a failed sink cannot be retried from the source; ' +
          '`startFrom: earliest` is refused for it (it cannot replay), a new route starts at the newest message',
      });
    }
    route.to.forEach((sink, s) => {
      if (atMostOnce(sink as EndpointLike)) {
        warnings.push({
          code: 'AT_MOST_ONCE_SINK',
          path: `routes[${r}].to[${s}]`,
          text:
            `routes[${r}].to[${s}]: route "${route.name}" sends to an at-most-once sink (connection "${sink.connection}"): ` +
            'a message counts as delivered once handed to the client, and is lost if no receiver takes it',
        });
      }
    });
  });
  config.routes.forEach((route, r) => {
    const facts = describe(route.from as EndpointLike);
    if (!facts) return;
    const text = replayWarning(
      route.name,
      facts.scheme,
      route.from.startFrom,
      route.from.group,
      facts.capabilities,
    );
    if (text) warnings.push({ code: 'SOURCE_CANNOT_REPLAY', path: `routes[${r}].from`, text });
  });
  return warnings;
}
