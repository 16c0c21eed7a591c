import { ConfigError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { parseRocketmqUrl } from './rocketmq-url.js';

describe('parseRocketmqUrl', () => {
  it('reads one endpoint with its port', () => {
    expect(parseRocketmqUrl('rocketmq://127.0.0.1:18081')).toEqual({
      endpoints: '127.0.0.1:18081',
      ssl: false,
      display: 'rocketmq://127.0.0.1:18081',
    });
  });

  it('defaults the port to the proxy gRPC port and joins several endpoints with ;', () => {
    const url = parseRocketmqUrl('rocketmqs://a.example,b.example:9000/');
    expect(url.endpoints).toBe('a.example:8081;b.example:9000');
    expect(url.ssl).toBe(true);
  });

  it('takes percent-decoded credentials from the userinfo and keeps them out of display', () => {
    const url = parseRocketmqUrl('rocketmq://ak:s%40cret@host:1');
    expect(url.accessKey).toBe('ak');
    expect(url.secretKey).toBe('s@cret');
    expect(url.display).toBe('rocketmq://***@host:1');
  });

  it.each(['kafka://h:1', 'rocketmq://', 'rocketmq://h:99999', 'rocketmq://h:1/path', 'rocketmq://bad host'])(
    'rejects %s with a ConfigError',
    (url) => {
      expect(() => parseRocketmqUrl(url)).toThrow(ConfigError);
    },
  );

  it('never puts the secret in the error', () => {
    try {
      parseRocketmqUrl('rocketmq://ak:topsecret@bad host');
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain('topsecret');
    }
  });
});
