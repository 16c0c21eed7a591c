import type { Capabilities } from '@polybus/core';
import type { MqttTransportOptions } from './mqtt-options.js';

/**
 * What an MQTT transport guarantees (pure): persistent only with QoS >= 1 (group sessions are
 * persistent; unacked messages are resent on session resume); consumer groups through shared
 * subscriptions; no per-key order (a shared subscription spreads messages over members, and a nack
 * resends out of order); no nack delay; no replay (retained messages are one per topic, not a log);
 * headers only on MQTT 5.
 */
export function mqttCapabilities(
  options: Pick<MqttTransportOptions, 'qos' | 'protocolVersion'>,
  maxMessageBytes: number,
): Capabilities {
  return Object.freeze({
    persistent: options.qos >= 1,
    consumerGroups: true,
    orderedPerKey: false,
    nackDelay: false,
    replay: false,
    headers: options.protocolVersion === 5,
    maxMessageBytes,
  });
}
