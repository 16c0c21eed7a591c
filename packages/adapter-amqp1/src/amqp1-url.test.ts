import { describe, expect, it } from 'vitest';
import { parseAmqp1Url } from './amqp1-url.js';

describe('parseAmqp1Url', () => {
  it('reads host, port, credentials and virtual host', () => {
    expect(parseAmqp1Url('amqp1://us%40er:p%3Ass@broker:5673/vh')).toEqual({
      host: 'broker',
      port: 5673,
      tls: false,
      username: 'us@er',
      password: 'p:ss',
      virtualHost: 'vh',
    });
  });

  it('defaults the port by scheme and leaves credentials out for SASL ANONYMOUS', () => {
    expect(parseAmqp1Url('amqp1://h')).toMatchObject({ port: 5672, tls: false, username: undefined });
    expect(parseAmqp1Url('amqps1://h')).toMatchObject({ port: 5671, tls: true });
  });

  it('refuses other schemes and bad URLs without showing the password', () => {
    for (const url of ['amqp://u:secret@h', 'not a url', 'amqp1://u:secret@']) {
      let error: unknown;
      try {
        parseAmqp1Url(url);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      expect(String((error as Error).message)).not.toContain('secret');
    }
  });
});
