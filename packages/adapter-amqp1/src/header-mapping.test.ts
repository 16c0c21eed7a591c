import { createMessage } from '@polybus/core';
import rhea from 'rhea';
import { describe, expect, it } from 'vitest';
import {
  type Amqp1IncomingFields,
  amqpValueToString,
  bodyBytes,
  fromAmqp1Fields,
  messageIdToString,
  toAmqp1Fields,
} from './header-mapping.js';

describe('toAmqp1Fields', () => {
  it('maps id, key, timestamp and canonical headers to properties; the rest to application-properties', () => {
    const m = createMessage({
      id: 'id-1',
      body: 'x',
      key: 'k1',
      timestamp: 1_700_000_000_123,
      headers: {
        'message-id': 'ignored',
        timestamp: '1',
        'correlation-id': 'c1',
        'reply-to': 'replies',
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        subject: 'sub',
        expiration: '60000',
        priority: '7',
        'x-user': 'u',
        Mixed: 'Case',
      },
    });
    expect(toAmqp1Fields(m)).toEqual({
      message_id: 'id-1',
      creation_time: new Date(1_700_000_000_123),
      durable: true,
      group_id: 'k1',
      correlation_id: 'c1',
      reply_to: 'replies',
      content_type: 'application/json',
      content_encoding: 'gzip',
      subject: 'sub',
      ttl: 60_000,
      priority: 7,
      application_properties: { 'x-user': 'u', Mixed: 'Case' },
    });
  });

  it('leaves out what is absent', () => {
    expect(toAmqp1Fields(createMessage({ id: 'a', body: '', timestamp: 5 }))).toEqual({
      message_id: 'a',
      creation_time: new Date(5),
      durable: true,
    });
  });

  it('refuses an expiration or priority that AMQP cannot carry (DataError)', () => {
    const bad: Record<string, string>[] = [
      { expiration: '1.5' },
      { expiration: '-1' },
      { priority: '256' },
      { priority: 'high' },
    ];
    for (const headers of bad) {
      expect(() => toAmqp1Fields(createMessage({ body: '', headers }))).toThrow(
        expect.objectContaining({ code: 'DATA_INVALID' }),
      );
    }
  });
});

describe('fromAmqp1Fields', () => {
  it('keeps headers named __proto__ and constructor as real keys both ways', () => {
    const fields = toAmqp1Fields(
      createMessage({ body: 'b', headers: JSON.parse('{"__proto__":"p","constructor":"c"}') }),
    );
    const back = fromAmqp1Fields(fields, Buffer.from('b'));
    expect(Object.getOwnPropertyDescriptor(back.headers, '__proto__')?.value).toBe('p');
    expect(Object.getOwnPropertyDescriptor(back.headers, 'constructor')?.value).toBe('c');
  });

  it('is the reverse of toAmqp1Fields, plus the canonical message-id and timestamp headers', () => {
    const m = createMessage({
      id: 'id-2',
      body: 'hello',
      key: 'k2',
      timestamp: 1_700_000_000_999,
      headers: {
        'correlation-id': 'c',
        'content-type': 'text/plain',
        subject: 's',
        priority: '9',
        'x-a': 'b',
      },
    });
    const got = fromAmqp1Fields(toAmqp1Fields(m), m.body, 0, () => 'unused');
    expect(got.id).toBe('id-2');
    expect(got.key).toBe('k2');
    expect(got.timestamp).toBe(1_700_000_000_999);
    expect(got.headers).toEqual({
      'message-id': 'id-2',
      timestamp: '1700000000999',
      'correlation-id': 'c',
      'content-type': 'text/plain',
      subject: 's',
      priority: '9',
      'x-a': 'b',
    });
  });

  it('survives rhea encoding and decoding byte-exact', () => {
    const body = Buffer.from([0, 255, 1, 2]);
    const m = createMessage({ id: 'enc', body, key: 'k', headers: { 'x-note': 'ünï ✓', 'reply-to': 'r' } });
    const wire = rhea.message.encode({ ...toAmqp1Fields(m), body: rhea.message.data_section(body) });
    const decoded = rhea.message.decode(wire) as unknown as Amqp1IncomingFields & { body: unknown };
    const got = fromAmqp1Fields(decoded, bodyBytes(decoded.body));
    expect(Buffer.from(got.body).equals(body)).toBe(true);
    expect(got.id).toBe('enc');
    expect(got.key).toBe('k');
    expect(got.timestamp).toBe(m.timestamp);
    expect(got.headers['x-note']).toBe('ünï ✓');
    expect(got.headers['reply-to']).toBe('r');
  });

  it('generates an id and uses now for a message without message-id and creation-time', () => {
    const got = fromAmqp1Fields({}, new Uint8Array(0), 42, () => 'gen');
    expect(got).toEqual({ id: 'gen', body: new Uint8Array(0), headers: {}, timestamp: 42 });
  });

  it('converts foreign property types to strings', () => {
    const got = fromAmqp1Fields(
      {
        message_id: 12345,
        correlation_id: Buffer.from('00112233445566778899aabbccddeeff', 'hex'),
        application_properties: { n: 7, b: true, nil: null, d: new Date(10), bin: Buffer.from('hi') },
        priority: 4,
        ttl: 0,
      },
      new Uint8Array(0),
    );
    expect(got.id).toBe('12345');
    expect(got.headers).toEqual({
      'message-id': '12345',
      'correlation-id': '00112233-4455-6677-8899-aabbccddeeff',
      n: '7',
      b: 'true',
      nil: '',
      d: '10',
      bin: 'hi',
    });
  });
});

describe('bodyBytes', () => {
  it('reads data sections, binary and string values, and nothing', () => {
    const one = rhea.message.decode(
      rhea.message.encode({ body: rhea.message.data_section(Buffer.from('ab')) }),
    );
    expect(Buffer.from(bodyBytes(one.body)).toString()).toBe('ab');
    const many = rhea.message.decode(
      rhea.message.encode({ body: rhea.message.data_sections([Buffer.from('ab'), Buffer.from('cd')]) }),
    );
    expect(Buffer.from(bodyBytes(many.body)).toString()).toBe('abcd');
    expect(Buffer.from(bodyBytes(Buffer.from('bin'))).toString()).toBe('bin');
    expect(Buffer.from(bodyBytes('grüße')).toString()).toBe('grüße');
    expect(bodyBytes(undefined).byteLength).toBe(0);
    expect(Buffer.from(bodyBytes({ a: 1 })).toString()).toBe('{"a":1}');
  });
});

describe('amqpValueToString / messageIdToString', () => {
  it('stringifies scalars, dates, binary and structures', () => {
    expect(amqpValueToString(10n)).toBe('10');
    expect(amqpValueToString([1, 'a'])).toBe('[1,"a"]');
    expect(messageIdToString(undefined)).toBeUndefined();
    expect(messageIdToString('ID:abc')).toBe('ID:abc');
  });
});

describe('header policy (core rule)', () => {
  it('refuses CR/LF in a value and control characters in a name: DataError naming the header, not the value', () => {
    const crlf = createMessage({ id: 'p1', body: 'x', headers: { 'x-evil': 'se\r\ncret-value' } });
    let thrown: unknown;
    try {
      toAmqp1Fields(crlf);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as { code?: string }).code).toBe('DATA_INVALID');
    expect((thrown as { retriable?: boolean }).retriable).toBe(false);
    expect(String((thrown as Error).message)).toContain('"x-evil"');
    expect(String((thrown as Error).message)).not.toContain('cret-value');
    // a canonical header mapped to a property is checked too
    const inSubject = createMessage({ id: 'p2', body: 'x', headers: { subject: 'a\nb' } });
    expect(() => toAmqp1Fields(inSubject)).toThrow(/"subject"/);
    const badName = createMessage({ id: 'p3', body: 'x', headers: { 'a\u0007b': 'v' } });
    expect(() => toAmqp1Fields(badName)).toThrow(/header name "a\\u0007b"/);
  });

  it('receives binary that is not clean UTF-8 text, and CR/LF strings, as base64; drops invalid names', () => {
    const invalidUtf8 = Buffer.from([0xff, 0xfe, 0x41]);
    const decoded = rhea.message.decode(
      rhea.message.encode({
        body: 'b',
        subject: 'line1\r\nline2',
        application_properties: {
          bin: invalidUtf8,
          text: Buffer.from('grüße'),
          crlf: 'a\r\nb',
          nul: 'a\u0000b',
          plain: 'ok',
          'bad\nname': 'v',
        },
      }),
    );
    const m = fromAmqp1Fields(decoded as Amqp1IncomingFields, new Uint8Array(0), 1, () => 'gen');
    expect({ ...m.headers }).toEqual({
      bin: `base64:${invalidUtf8.toString('base64')}`,
      text: 'grüße',
      crlf: `base64:${Buffer.from('a\r\nb').toString('base64')}`,
      nul: `base64:${Buffer.from('a\u0000b').toString('base64')}`,
      plain: 'ok',
      subject: `base64:${Buffer.from('line1\r\nline2').toString('base64')}`,
    });
    expect(messageIdToString(Buffer.from([0xc3, 0x28]))).toBe('base64:wyg=');
  });
});
