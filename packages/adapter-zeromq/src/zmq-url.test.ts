import { ConfigError } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { parseZmqUrl } from './zmq-url.js';

describe('parseZmqUrl', () => {
  it('reads tcp host and port', () => {
    expect(parseZmqUrl('zmq+tcp://127.0.0.1:25500')).toEqual({
      transport: 'tcp',
      endpoint: 'tcp://127.0.0.1:25500',
      ephemeral: false,
    });
    expect(parseZmqUrl('ZMQ+TCP://broker-1.local:5556/').endpoint).toBe('tcp://broker-1.local:5556');
    expect(parseZmqUrl('zmq+tcp://*:5556').endpoint).toBe('tcp://*:5556');
    expect(parseZmqUrl('zmq+tcp://[::1]:5556').endpoint).toBe('tcp://[::1]:5556');
  });

  it('marks port 0 and * as picked by the OS', () => {
    expect(parseZmqUrl('zmq+tcp://127.0.0.1:0')).toEqual({
      transport: 'tcp',
      endpoint: 'tcp://127.0.0.1:*',
      ephemeral: true,
    });
    expect(parseZmqUrl('zmq+tcp://127.0.0.1:*').ephemeral).toBe(true);
  });

  it('reads an absolute ipc path', () => {
    expect(parseZmqUrl('zmq+ipc:///tmp/pb/feed.sock')).toEqual({
      transport: 'ipc',
      endpoint: 'ipc:///tmp/pb/feed.sock',
      ephemeral: false,
    });
  });

  it('refuses what is not an endpoint, without echoing credentials', () => {
    for (const bad of [
      'tcp://127.0.0.1:1',
      'zmq+tcp://127.0.0.1',
      'zmq+tcp://127.0.0.1:70000',
      'zmq+tcp://h:1?x=y',
      'zmq+ipc://relative/path',
      'zmq+ipc://',
      'zmq+udp://h:1',
    ]) {
      expect(() => parseZmqUrl(bad), bad).toThrow(ConfigError);
    }
    expect(() => parseZmqUrl('zmq+tcp://user:s3cret@h:1')).toThrow(/^(?!.*s3cret)/);
  });
});
