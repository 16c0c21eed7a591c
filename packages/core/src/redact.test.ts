import { describe, expect, it } from 'vitest';
import { isSecretParam, redactText, redactUrl } from './redact.js';

/** Asserts none of `secrets` survives in `out`. */
function expectNone(out: string, ...secrets: string[]): void {
  for (const s of secrets) expect(out, `"${s}" leaked in ${out}`).not.toContain(s);
}

describe('redactUrl', () => {
  it('replaces userinfo with ***:***@ and keeps host, port and path', () => {
    expect(redactUrl('amqp://guest:s3cret@10.0.0.1:5672/vhost')).toBe('amqp://***:***@10.0.0.1:5672/vhost');
    expect(redactUrl('redis://:p4ss@127.0.0.1:6379')).toBe('redis://***:***@127.0.0.1:6379');
    expect(redactUrl('kafka://user@host:9092')).toBe('kafka://***:***@host:9092');
    expect(redactUrl('https://u:p@example.com/x')).toBe('https://***:***@example.com/x');
  });

  it('leaves URLs without secrets alone', () => {
    expect(redactUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(redactUrl('memory://')).toBe('memory://');
    expect(redactUrl('memory://bus')).toBe('memory://bus');
    expect(redactUrl('amqp://h:5672/%2F?heartbeat=10')).toBe('amqp://h:5672/%2F?heartbeat=10');
    expect(redactUrl('redis://[::1]:6379/2')).toBe('redis://[::1]:6379/2');
  });

  it('masks a password holding @ whole (userinfo ends at the last @)', () => {
    const out = redactUrl('amqp://guest:se@cret@host:5672');
    expect(out).toBe('amqp://***:***@host:5672');
    expectNone(out, 'se@', 'cret', 'guest');
  });

  it('masks a password holding / (the parser would split it at the slash)', () => {
    const out = redactUrl('nats://user:pa/ss@host:4222');
    expectNone(out, 'pa/ss', 'pa', '/ss', 'user');
    expect(out).toBe('nats://***:***@host:4222');
    const tricky = redactUrl('nats://user:a@b/c@host:4222');
    expectNone(tricky, 'a@b', 'b/c', '/c', 'user');
    expect(tricky).toBe('nats://***:***@host:4222');
  });

  it('masks a password holding spaces, ? or #', () => {
    expectNone(redactUrl('nats://user:pa ss word@host'), 'pa', 'ss', 'word', 'user');
    expectNone(redactUrl('redis://u:p?ss@host'), 'p?ss', 'ss@');
    expectNone(redactUrl('redis://u:p#ss@host'), 'p#ss', 'ss@');
  });

  it('masks secret-bearing query parameters, case-insensitively', () => {
    const names = [
      'password',
      'PASSWORD',
      'pass',
      'token',
      'secret',
      'key',
      'access_key',
      'secret_key',
      'sasl_password',
      'auth',
      'saslPassword',
      'api-key',
      'AccessToken',
    ];
    for (const name of names) {
      const out = redactUrl(`redis://127.0.0.1:6999/?db=1&${name}=hunter2&tls=true`);
      expectNone(out, 'hunter2');
      expect(out).toBe(`redis://127.0.0.1:6999/?db=1&${name}=***&tls=true`);
    }
  });

  it('masks query secrets in host lists the WHATWG parser rejects', () => {
    const out = redactUrl('kafka://u:pw@h1:9092,h2:9092?sasl_password=hunter2&ssl=true');
    expect(out).toBe('kafka://***:***@h1:9092,h2:9092?sasl_password=***&ssl=true');
    expectNone(out, 'hunter2', 'pw');
  });

  it('masks what it cannot read instead of echoing it', () => {
    expect(redactUrl('nats://ho st:4222')).toBe('nats://***');
    expect(redactUrl('redis://h:6379/?x=%zz&token=t0k')).not.toContain('t0k');
    expectNone(redactUrl('nats://u:p%zz@h'), 'p%zz');
    expect(redactUrl('amqp://h:abc')).toBe('amqp://h:abc');
  });

  it('drops fragments (they carry tokens in some schemes)', () => {
    expect(redactUrl('https://h/p#access_token=abc')).toBe('https://h/p');
  });

  it('echoes a string without scheme only as a bare host', () => {
    expect(redactUrl('localhost:6379')).toBe('localhost:6379');
    expect(redactUrl('guest:pw@nowhere')).toBe('***@nowhere');
    expect(redactUrl('user:password')).toBe('***');
    expect(redactUrl('nats:/u:p@h')).toBe('***@h');
  });
});

describe('redactText', () => {
  it('redacts every URL inside free text', () => {
    const out = redactText('connect ECONNREFUSED amqp://bob:pw@a:1 then redis://x:y@b:2 failed');
    expect(out).toBe('connect ECONNREFUSED amqp://***:***@a:1 then redis://***:***@b:2 failed');
  });

  it('masks a quoted URL with a password holding / and spaces (invalid URL errors)', () => {
    const out = redactText('invalid nats URL "nats://me:my pass/word@host:4222": bad host');
    expectNone(out, 'my pass', 'pass/word', 'word', 'me:');
    expect(out).toBe('invalid nats URL "nats://***:***@host:4222": bad host');
  });

  it('masks an unquoted password holding spaces up to the last @ of the line', () => {
    const out = redactText('cannot connect to nats://me:a b c@host:4222: refused\nnext line user@example');
    expectNone(out, 'a b c', 'me:');
    expect(out).toBe('cannot connect to nats://***:***@host:4222: refused\nnext line user@example');
  });

  it('masks query secrets inside text and keeps trailing punctuation', () => {
    const out = redactText('cannot reach redis://127.0.0.1:6999/?password=hunter2.');
    expect(out).toBe('cannot reach redis://127.0.0.1:6999/?password=***.');
  });

  it('leaves text without URLs untouched', () => {
    expect(redactText('plain text: a@b, c://')).toBe('plain text: a@b, c://');
  });
});

describe('isSecretParam', () => {
  it('knows secret names and not ordinary ones', () => {
    for (const n of [
      'password',
      'Pass',
      'pwd',
      'token',
      'x-auth-token',
      'client_secret',
      'sasl.password',
      'api_key',
      'auth',
    ])
      expect(isSecretParam(n), n).toBe(true);
    for (const n of ['heartbeat', 'db', 'tls', 'servername', 'frameMax', 'user'])
      expect(isSecretParam(n), n).toBe(false);
  });
});

describe('redactText on large input', () => {
  it('stays linear: 20,000 quoted URLs in well under a second', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `"amqp://u:p${i}@h:1"`).join(' ');
    const started = performance.now();
    const out = redactText(text);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(out).not.toContain(':p1');
    expect(out.split('amqp://***:***@h:1').length - 1).toBe(20_000);
  });
});
