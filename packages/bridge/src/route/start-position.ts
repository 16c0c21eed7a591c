import type { Capabilities } from '@polybus/core';

/** Where a route's source starts when its consumer group does not exist yet, as written in the config. */
export type StartFrom = 'latest' | 'earliest';

/**
 * The `from` a route passes to `subscribe`. The bridge's default differs from the library's: a NEW
 * group starts at the earliest retained message (the backlog is moved too) unless the config says
 * `startFrom: latest`. Where the broker cannot replay (`capabilities.replay === false`) nothing is
 * passed and the route starts where the broker gives (see {@link replayWarning}); without a group
 * (a private, ephemeral subscription) nothing is passed either. Pure.
 */
export function startPosition(
  written: StartFrom | undefined,
  group: string | undefined,
  capabilities: Pick<Capabilities, 'replay'>,
): StartFrom | undefined {
  if (written !== undefined) return written;
  if (group === undefined || !capabilities.replay) return undefined;
  return 'earliest';
}

const WHERE_IT_STARTS: Readonly<Record<string, string>> = {
  amqp: 'a RabbitMQ queue keeps what was published to it since it was declared (and not yet consumed); an exchange binding sees only what is published after the route starts',
  amqps:
    'a RabbitMQ queue keeps what was published to it since it was declared (and not yet consumed); an exchange binding sees only what is published after the route starts',
  amqp1: 'an AMQP 1.0 queue keeps what was published to it since it was created (and not yet consumed)',
  mqtt: 'a persistent MQTT session keeps what was published since it was first created; the first start sees only new messages (plus retained ones)',
  mqtts:
    'a persistent MQTT session keeps what was published since it was first created; the first start sees only new messages (plus retained ones)',
  rocketmq: 'a new RocketMQ consumer group starts where the broker places it',
  zeromq: 'ZeroMQ keeps nothing: only messages sent while the route is connected are moved',
  nats: 'core NATS keeps nothing: only messages published while the route is subscribed are moved',
  redis: 'Redis Pub/Sub keeps nothing: only messages published while the route is subscribed are moved',
};

/**
 * The warning `polybus validate` prints for a source that cannot start at the earliest message and
 * has no `startFrom`: what the route will see instead. `undefined` when the source can replay, has
 * no group, or `startFrom` is written. Pure.
 */
export function replayWarning(
  route: string,
  scheme: string,
  written: StartFrom | undefined,
  group: string | undefined,
  capabilities: Pick<Capabilities, 'replay'>,
): string | undefined {
  if (written !== undefined || group === undefined || capabilities.replay) return undefined;
  const where = WHERE_IT_STARTS[scheme];
  if (where === undefined) return undefined;
  const subject = `a new group ${group} cannot start at the earliest message`;
  return `route ${route}: ${subject} (${scheme} cannot replay): ${where}`;
}

/** `{ from }` to spread into `SubscribeOptions`, or `{}` when nothing is to be passed. Pure. */
export function startOption(from: StartFrom | undefined): { from?: StartFrom } {
  return from === undefined ? {} : { from };
}
