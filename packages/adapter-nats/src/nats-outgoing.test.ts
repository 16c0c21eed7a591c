import { createMessage } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { headerBytes, outgoingMessages, wireHeaders } from './nats-outgoing.js';

describe('outgoingMessages', () => {
  const message = createMessage({ id: 'm-1', body: new Uint8Array(100), headers: { 'x-a': 'é' } });

  it('counts body plus headers against max_payload and refuses the first message over it', () => {
    const [out] = outgoingMessages({ kind: 'jetstream' }, [message], 10_000);
    const size = 100 + headerBytes(out!);
    expect(outgoingMessages({ kind: 'jetstream' }, [message], size)).toHaveLength(1);
    expect(() => outgoingMessages({ kind: 'jetstream' }, [message], size - 1)).toThrowError(
      expect.objectContaining({
        code: 'MESSAGE_TOO_LARGE',
        message: expect.stringContaining('message m-1 needs'),
      }),
    );
  });

  it('counts header values in UTF-8 bytes and keeps their order on the wire', () => {
    const out = { headers: [['b', 'é'] as const, ['a', '1'] as const] };
    expect(headerBytes(out)).toBe(12 + (1 + 2 + 4) + (1 + 1 + 4));
    const wire = wireHeaders(out);
    expect([...wire.keys()]).toEqual(['b', 'a']);
    expect(wire.get('b')).toBe('é');
  });
});
