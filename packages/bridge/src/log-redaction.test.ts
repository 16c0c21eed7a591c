import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { redactLogMethod, redactLogObject } from './log-redaction.js';

function capture(): { logger: pino.Logger; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  const logger = pino(
    { formatters: { log: redactLogObject }, hooks: { logMethod: redactLogMethod } },
    stream,
  );
  return { logger, text: () => out };
}

describe('log redaction safety net', () => {
  it('masks URL passwords in messages, fields, nested fields and errors', () => {
    const { logger, text } = capture();
    const url = 'amqp://guest:se@cret pw@127.0.0.1:5672/';
    logger.info({ url, nested: { list: [url] } }, `connecting to ${url}`);
    const error = Object.assign(new Error(`cannot reach redis://:hunter2@127.0.0.1:6999/?password=hunter3`), {
      code: 'E_X',
    });
    logger.error({ err: error }, 'failed');
    const out = text();
    for (const secret of ['se@cret', 'cret pw', 'hunter2', 'hunter3']) expect(out).not.toContain(secret);
    expect(out).toContain('127.0.0.1:5672');
    expect(out).toContain('"code":"E_X"');
    expect(out.trim().split('\n')).toHaveLength(2);
  });
});
