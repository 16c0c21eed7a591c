import { type JsMsg, headers as natsHeaders } from 'nats';
import { describe, expect, it } from 'vitest';
import { jetStreamMessageOf } from './jetstream-message.js';

/** The parts of a nats.js JsMsg that jetStreamMessageOf reads. */
function jsMsg(seq: number, h?: Record<string, string>): JsMsg {
  let hdrs: ReturnType<typeof natsHeaders> | undefined;
  if (h !== undefined) {
    hdrs = natsHeaders();
    for (const [name, value] of Object.entries(h)) hdrs.append(name, value);
  }
  return {
    data: new Uint8Array([seq]),
    headers: hdrs,
    info: { stream: 'ORDERS', streamSequence: seq, timestampNanos: 1_000_000_123_456_789 },
  } as unknown as JsMsg;
}

describe('jetStreamMessageOf', () => {
  it('a message without headers: id <stream>:<sequence>, stored time, empty frozen headers, body not copied', () => {
    const m = jsMsg(7);
    const message = jetStreamMessageOf(m);
    expect(message).toEqual({ id: 'ORDERS:7', body: m.data, headers: {}, timestamp: 1_000_000_123 });
    expect(message.body).toBe(m.data);
    expect('key' in message).toBe(false);
    expect(Object.isFrozen(message)).toBe(true);
    expect(Object.isFrozen(message.headers)).toBe(true);
    expect(jetStreamMessageOf(jsMsg(8)).id).toBe('ORDERS:8');
  });

  it('envelope headers become id, key and timestamp; user headers stay, reserved ones go', () => {
    const message = jetStreamMessageOf(
      jsMsg(3, {
        'Nats-Msg-Id': 'order-1',
        'x-polybus-key': 'customer-9',
        'x-polybus-timestamp': '1700000000000',
        'content-type': 'application/json',
        'X-Trace': 'abc',
      }),
    );
    expect(message).toEqual({
      id: 'order-1',
      body: new Uint8Array([3]),
      headers: { 'content-type': 'application/json', 'X-Trace': 'abc' },
      key: 'customer-9',
      timestamp: 1_700_000_000_000,
    });
    expect(Object.isFrozen(message)).toBe(true);
    expect(Object.isFrozen(message.headers)).toBe(true);
  });

  it('headers without Nats-Msg-Id or a valid timestamp fall back to the stream position and stored time', () => {
    const message = jetStreamMessageOf(jsMsg(12, { 'x-polybus-timestamp': 'soon', a: '1' }));
    expect(message.id).toBe('ORDERS:12');
    expect(message.timestamp).toBe(1_000_000_123);
    expect(message.headers).toEqual({ a: '1' });
  });
});
