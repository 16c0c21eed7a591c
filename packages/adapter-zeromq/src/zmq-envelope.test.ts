import { randomBytes } from 'node:crypto';
import { createMessage } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { decodeFrames, ENVELOPE_MAGIC, encodeFrames, MAX_METADATA_BYTES } from './zmq-envelope.js';

const meta = (json: string): Buffer => Buffer.concat([ENVELOPE_MAGIC, Buffer.from(json, 'utf8')]);

describe('encodeFrames / decodeFrames', () => {
  const message = createMessage({
    id: 'm-1',
    body: new Uint8Array([0, 1, 2, 255]),
    key: 'k ✓',
    headers: { 'content-type': 'application/octet-stream', 'x-note': 'ünï' },
    timestamp: 1_733_000_000_123,
  });

  it('round-trips id, key, headers, timestamp and body bytes on pub/sub', () => {
    const frames = encodeFrames(message, 'prices.eur');
    expect(frames).toHaveLength(3);
    expect(frames[0]!.toString()).toBe('prices.eur');
    expect(frames[1]!.subarray(0, 4)).toEqual(ENVELOPE_MAGIC);
    const decoded = decodeFrames(frames, 'pubsub');
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.raw).toBe(false);
    expect(decoded.topic).toBe('prices.eur');
    expect(decoded.message.id).toBe('m-1');
    expect(decoded.message.key).toBe('k ✓');
    expect(decoded.message.timestamp).toBe(1_733_000_000_123);
    expect({ ...decoded.message.headers }).toEqual({ ...message.headers });
    expect(Buffer.from(decoded.message.body)).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('round-trips on push/pull (no topic frame) and carries a sequence stamp', () => {
    const frames = encodeFrames(createMessage({ id: 'x', body: '', timestamp: 1 }), undefined, {
      src: 'pub-1',
      seq: 7,
    });
    expect(frames).toHaveLength(2);
    const decoded = decodeFrames(frames, 'pushpull');
    expect(decoded.ok && decoded.message.id).toBe('x');
    expect(decoded.ok && decoded.message.key).toBeUndefined();
    expect(decoded.ok && decoded.message.body.byteLength).toBe(0);
    expect(decoded.ok && decoded.stamp).toEqual({ src: 'pub-1', seq: 7 });
  });

  it('writes the documented JSON after the magic', () => {
    const [, metaFrame] = encodeFrames(message, 't');
    expect(JSON.parse(metaFrame!.subarray(4).toString('utf8'))).toEqual({
      id: 'm-1',
      ts: 1_733_000_000_123,
      key: 'k ✓',
      h: { 'content-type': 'application/octet-stream', 'x-note': 'ünï' },
    });
  });

  it('accepts raw peers: body only, generated id, no headers', () => {
    const before = Date.now();
    const single = decodeFrames([Buffer.from('topic payload')], 'pubsub');
    expect(single.ok && single.raw).toBe(true);
    expect(single.ok && Buffer.from(single.message.body).toString()).toBe('topic payload');
    expect(single.ok && single.topic).toBeUndefined();
    const two = decodeFrames([Buffer.from('t'), Buffer.from('body')], 'pubsub');
    expect(two.ok && two.topic).toBe('t');
    expect(two.ok && Buffer.from(two.message.body).toString()).toBe('body');
    expect(two.ok && two.message.timestamp).toBeGreaterThanOrEqual(before);
    const pulled = decodeFrames([Buffer.from('job')], 'pushpull');
    expect(pulled.ok && pulled.raw).toBe(true);
    expect(pulled.ok && pulled.message.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(pulled.ok && Object.keys(pulled.message.headers)).toEqual([]);
  });

  it('reports wrong frame counts as malformed', () => {
    expect(decodeFrames([], 'pubsub').ok).toBe(false);
    expect(decodeFrames([], 'pushpull').ok).toBe(false);
    expect(decodeFrames([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')], 'pubsub').ok).toBe(false);
    expect(decodeFrames([Buffer.from('a'), Buffer.from('b')], 'pushpull').ok).toBe(false);
    expect(
      decodeFrames(
        Array.from({ length: 4 }, () => Buffer.from('x')),
        'pubsub',
      ).ok,
    ).toBe(false);
  });

  it('reports hostile or broken metadata as malformed, never throwing', () => {
    const body = Buffer.from('b');
    const cases: Array<[string, Buffer]> = [
      ['not json', meta('{nope')],
      ['array', meta('[]')],
      ['null', meta('null')],
      ['string', meta('"x"')],
      ['no id', meta('{"ts":1}')],
      ['empty id', meta('{"id":"","ts":1}')],
      ['long id', meta(JSON.stringify({ id: 'x'.repeat(1025), ts: 1 }))],
      ['id number', meta('{"id":1,"ts":1}')],
      ['ts string', meta('{"id":"a","ts":"1"}')],
      ['key number', meta('{"id":"a","ts":1,"key":5}')],
      ['h array', meta('{"id":"a","ts":1,"h":["x"]}')],
      ['h value number', meta('{"id":"a","ts":1,"h":{"x":1}}')],
      ['h __proto__', meta('{"id":"a","ts":1,"h":{"__proto__":"x"}}')],
      ['h __proto__ object', meta('{"id":"a","ts":1,"h":{"__proto__":{"polluted":"yes"}}}')],
      ['seq without src', meta('{"id":"a","ts":1,"seq":1}')],
      ['seq zero', meta('{"id":"a","ts":1,"src":"s","seq":0}')],
      ['invalid utf8', Buffer.concat([ENVELOPE_MAGIC, Buffer.from([0xff, 0xfe, 0x7b])])],
      ['too big', meta(JSON.stringify({ id: 'a', ts: 1, h: { x: 'y'.repeat(MAX_METADATA_BYTES) } }))],
      ['version 2', Buffer.concat([Buffer.from([0, 0x70, 0x62, 0x32]), Buffer.from('{"id":"a","ts":1}')])],
    ];
    for (const [name, frame] of cases) {
      const decoded = decodeFrames([Buffer.from('t'), frame, body], 'pubsub');
      expect(decoded.ok, name).toBe(false);
      const pulled = decodeFrames([frame, body], 'pushpull');
      expect(pulled.ok, name).toBe(false);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a top-level __proto__ key neither pollutes nor changes the message', () => {
    const decoded = decodeFrames(
      [
        Buffer.from('t'),
        meta('{"__proto__":{"polluted":"yes","id":"evil"},"id":"a","ts":1}'),
        Buffer.from('b'),
      ],
      'pubsub',
    );
    expect(decoded.ok && decoded.message.id).toBe('a');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // core's createMessage builds headers without a prototype: a header named __proto__ is a plain key
    const headers = decoded.ok ? decoded.message.headers : {};
    expect(Object.getPrototypeOf(headers)).toBeNull();
    expect((headers as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('headers named like Object.prototype members stay plain data', () => {
    const decoded = decodeFrames(
      [
        meta('{"id":"a","ts":1,"h":{"constructor":"c","toString":"s","hasOwnProperty":"h"}}'),
        Buffer.from(''),
      ],
      'pushpull',
    );
    expect(decoded.ok && { ...decoded.message.headers }).toEqual({
      constructor: 'c',
      toString: 's',
      hasOwnProperty: 'h',
    });
  });

  it('random frames never throw', () => {
    for (let i = 0; i < 2_000; i++) {
      const count = i % 5;
      const frames = Array.from({ length: count }, (_, j) =>
        j === 1 || (count === 2 && j === 0)
          ? Buffer.concat([ENVELOPE_MAGIC, randomBytes(i % 40)])
          : randomBytes(i % 17),
      );
      expect(() => decodeFrames(frames, 'pubsub')).not.toThrow();
      expect(() => decodeFrames(frames, 'pushpull')).not.toThrow();
    }
  });

  it('header policy on receive: CR/LF/NUL and lone surrogates as base64, invalid names dropped', () => {
    const decoded = decodeFrames(
      [
        meta(
          '{"id":"a","ts":1,"h":{"crlf":"a\\r\\nb","nul":"a\\u0000b","lone":"x\\ud800","ok":"grüße","":"e","bad\\u0007name":"v"}}',
        ),
        Buffer.from(''),
      ],
      'pushpull',
    );
    expect(decoded.ok && { ...decoded.message.headers }).toEqual({
      crlf: `base64:${Buffer.from('a\r\nb').toString('base64')}`,
      nul: `base64:${Buffer.from('a\u0000b').toString('base64')}`,
      lone: `base64:${Buffer.from('x\ufffd').toString('base64')}`,
      ok: 'grüße',
    });
  });
});
