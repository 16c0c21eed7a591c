import { type Address, AddressError } from '@polybus/core';
import { z } from 'zod';

/** A native MQTT address: a topic (publish) or topic filter (subscribe), with publish options. */
export interface MqttAddress {
  /** Topic name (publish) or topic filter with `+` / `#` (subscribe); `$share/<group>/<filter>` too. */
  readonly topic: string;
  /** Publish QoS for this address (overrides the transport's `qos`). */
  readonly qos?: 0 | 1 | 2;
  /** Publish as a retained message (the broker keeps the last one per topic for new subscribers). */
  readonly retain?: boolean;
}

/** Address schema of the MQTT adapter: a topic string or `{ topic, qos?, retain? }`. */
export const mqttAddressSchema: z.ZodType<Address> = z.union([
  z.string().min(1),
  z.strictObject({
    topic: z.string().min(1),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
    retain: z.boolean().optional(),
  }),
]);

const MAX_TOPIC_BYTES = 65_535;

/** Parses an address into an {@link MqttAddress}; throws {@link AddressError}. Pure. */
export function parseMqttAddress(address: Address): MqttAddress {
  const parsed = mqttAddressSchema.safeParse(address);
  if (!parsed.success) throw new AddressError(`invalid MQTT address: ${JSON.stringify(address)}`);
  const value = parsed.data;
  return typeof value === 'string' ? { topic: value } : (value as unknown as MqttAddress);
}

function checkCommon(topic: string): void {
  if (topic.length === 0) throw new AddressError('MQTT topic must not be empty');
  if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES)
    throw new AddressError('MQTT topic longer than 65535 bytes');
  if (topic.includes('\u0000')) throw new AddressError('MQTT topic must not contain U+0000');
}

/** Throws {@link AddressError} unless `topic` is a topic name one can publish to (no wildcards). */
export function checkTopicName(topic: string): void {
  checkCommon(topic);
  if (topic.includes('+') || topic.includes('#')) {
    throw new AddressError(`cannot publish to "${topic}": wildcards "+" and "#" are for subscriptions only`);
  }
  if (topic.startsWith('$'))
    throw new AddressError(`cannot publish to "${topic}": topics starting with "$" are the broker's`);
}

/** Throws {@link AddressError} unless `filter` is a valid topic filter (`+` a whole level, `#` last). */
export function checkTopicFilter(filter: string): void {
  checkCommon(filter);
  const levels = filter.split('/');
  levels.forEach((level, i) => {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      throw new AddressError(`invalid topic filter "${filter}": "#" must be a whole last level`);
    }
    if (level.includes('+') && level !== '+') {
      throw new AddressError(`invalid topic filter "${filter}": "+" must be a whole level`);
    }
  });
}

/** A subscription target: the plain filter and the group, from a `$share/<group>/<filter>` or the option. */
export interface SubscriptionTarget {
  readonly filter: string;
  readonly group?: string;
}

/**
 * Resolves what to subscribe to: a `$share/<group>/<filter>` address names its group itself (and must
 * agree with `group` if both are given). Throws {@link AddressError}. Pure.
 */
export function subscriptionTarget(topic: string, group: string | undefined): SubscriptionTarget {
  let filter = topic;
  let target = group;
  if (topic.startsWith('$share/')) {
    const rest = topic.slice('$share/'.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) throw new AddressError(`invalid shared subscription "${topic}": $share/<group>/<filter>`);
    const named = rest.slice(0, slash);
    if (group !== undefined && group !== named) {
      throw new AddressError(`address names group "${named}" but the subscription asks for "${group}"`);
    }
    target = named;
    filter = rest.slice(slash + 1);
  }
  checkTopicFilter(filter);
  if (target !== undefined) checkGroupName(target);
  return target === undefined ? { filter } : { filter, group: target };
}

/** Throws {@link AddressError} unless `group` can be a shared-subscription name (no `/`, `+`, `#`). */
export function checkGroupName(group: string): void {
  if (group.length === 0 || /[/+#]/.test(group) || group.includes('\u0000')) {
    throw new AddressError(
      `invalid group "${group}": MQTT share names must be non-empty without "/", "+", "#"`,
    );
  }
}

/** The MQTT 5 shared-subscription filter of `group` on `filter`. */
export function sharedFilter(group: string, filter: string): string {
  return `$share/${group}/${filter}`;
}
