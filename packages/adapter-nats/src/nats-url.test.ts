import { ConfigError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { parseNatsUrl } from './nats-url.js';

describe('parseNatsUrl', () => {
  it('reads host and port, defaulting the port to 4222', () => {
    expect(parseNatsUrl('nats://127.0.0.1:4222')).toEqual({ servers: ['127.0.0.1:4222'] });
    expect(parseNatsUrl('nats://broker')).toEqual({ servers: ['broker:4222'] });
    expect(parseNatsUrl('nats://')).toEqual({ servers: ['127.0.0.1:4222'] });
    expect(parseNatsUrl('NATS://a:1,b,c:3/')).toEqual({ servers: ['a:1', 'b:4222', 'c:3'] });
  });

  it('reads user and password, or a token', () => {
    expect(parseNatsUrl('nats://alice:p%40ss@h:1')).toEqual({
      servers: ['h:1'],
      user: 'alice',
      pass: 'p@ss',
    });
    expect(parseNatsUrl('nats://s3cret@h')).toEqual({ servers: ['h:4222'], token: 's3cret' });
  });

  it('rejects other URLs without leaking credentials', () => {
    for (const url of ['amqp://h', 'nats://alice:secret@bad host', 'nats://h/path', 'nats://alice:%zz@h']) {
      let error: unknown;
      try {
        parseNatsUrl(url);
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message)).not.toContain('secret');
    }
  });
});
