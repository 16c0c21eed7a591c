import { describe, expect, it } from 'vitest';
import { checkTopicFilter, checkTopicName, parseMqttAddress, subscriptionTarget } from './mqtt-address.js';

const invalid = expect.objectContaining({ code: 'ADDRESS_INVALID' });

describe('MQTT addresses', () => {
  it('accepts a topic string or { topic, qos, retain }', () => {
    expect(parseMqttAddress('a/b')).toEqual({ topic: 'a/b' });
    expect(parseMqttAddress({ topic: 'a/b', qos: 2, retain: true })).toEqual({
      topic: 'a/b',
      qos: 2,
      retain: true,
    });
    expect(() => parseMqttAddress({ topic: 'a', queue: 'x' })).toThrow(invalid);
    expect(() => parseMqttAddress({ topic: 'a', qos: 3 })).toThrow(invalid);
  });

  it('publishes only to topic names without wildcards or a leading $', () => {
    expect(() => checkTopicName('a/b/c')).not.toThrow();
    expect(() => checkTopicName('a/+/c')).toThrow(invalid);
    expect(() => checkTopicName('a/#')).toThrow(invalid);
    expect(() => checkTopicName('$SYS/x')).toThrow(invalid);
  });

  it('checks topic filters: + a whole level, # a whole last level', () => {
    for (const ok of ['a/+/c', '#', 'a/#', '+', 'a/b']) expect(() => checkTopicFilter(ok)).not.toThrow();
    for (const bad of ['a/b#', 'a/#/c', 'a+/b', '']) expect(() => checkTopicFilter(bad)).toThrow(invalid);
  });

  it('reads the group of a $share address and refuses a conflicting one', () => {
    expect(subscriptionTarget('a/+', undefined)).toEqual({ filter: 'a/+' });
    expect(subscriptionTarget('a/+', 'g')).toEqual({ filter: 'a/+', group: 'g' });
    expect(subscriptionTarget('$share/g/a/#', undefined)).toEqual({ filter: 'a/#', group: 'g' });
    expect(subscriptionTarget('$share/g/a/#', 'g')).toEqual({ filter: 'a/#', group: 'g' });
    expect(() => subscriptionTarget('$share/g/a', 'h')).toThrow(invalid);
    expect(() => subscriptionTarget('$share//a', undefined)).toThrow(invalid);
    expect(() => subscriptionTarget('a', 'bad/group')).toThrow(invalid);
  });
});
