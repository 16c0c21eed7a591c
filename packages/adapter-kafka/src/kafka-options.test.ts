import { ConfigError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { isKafkaTlsUrl, kafkaOptionsSchema, parseKafkaUrl } from './kafka-options.js';

describe('kafka options', () => {
  it('parses one or several brokers, defaulting the port', () => {
    expect(parseKafkaUrl('kafka://127.0.0.1:9092')).toEqual(['127.0.0.1:9092']);
    expect(parseKafkaUrl('kafka://a:1,b, c:3/')).toEqual(['a:1', 'b:9092', 'c:3']);
  });

  it('accepts kafkas:// (TLS) the same way', () => {
    expect(parseKafkaUrl('kafkas://a:1,b')).toEqual(['a:1', 'b:9092']);
    expect(isKafkaTlsUrl('KAFKAS://a:1')).toBe(true);
    expect(isKafkaTlsUrl('kafka://a:1')).toBe(false);
  });

  it('rejects other URLs with ConfigError and never echoes a password', () => {
    expect(() => parseKafkaUrl('amqp://x')).toThrow(ConfigError);
    expect(() => parseKafkaUrl('kafka://')).toThrow(ConfigError);
    let message = '';
    try {
      parseKafkaUrl('kafka://user:hunter2@host:9092');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('SASL');
    expect(message).not.toContain('hunter2');
  });

  it('fills defaults and refuses unknown options', () => {
    const o = kafkaOptionsSchema.parse({});
    expect(o.autoCreateTopics).toBe(true);
    expect(o.maxMessageBytes).toBe(1_000_000);
    expect(kafkaOptionsSchema.safeParse({ nope: 1 }).success).toBe(false);
  });
});
