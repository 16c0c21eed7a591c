import { describe, expect, it } from 'vitest';
import { chooseLogFormat, prettyLine } from './log-format.js';

describe('chooseLogFormat', () => {
  it('is pretty on a terminal and JSON on a pipe', () => {
    expect(chooseLogFormat({}, true)).toBe('pretty');
    expect(chooseLogFormat({}, false)).toBe('json');
  });
  it('is forced by POLYBUS_LOG_FORMAT, ignoring unknown values', () => {
    expect(chooseLogFormat({ POLYBUS_LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(chooseLogFormat({ POLYBUS_LOG_FORMAT: 'PRETTY' }, false)).toBe('pretty');
    expect(chooseLogFormat({ POLYBUS_LOG_FORMAT: 'xml' }, false)).toBe('json');
  });
});

describe('prettyLine', () => {
  it('shows time, level, message and the other fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 0, 1, 10, 2, 3, 45),
      pid: 1,
      hostname: 'h',
      service: 'polybus',
      route: 'orders',
      attempt: 2,
      err: 'broker said: no',
      msg: 'publish failed, retrying',
    });
    expect(prettyLine(line)).toBe(
      '10:02:03.045 WARN  publish failed, retrying route=orders attempt=2 err="broker said: no"\n',
    );
  });
  it('passes a line that is not JSON through', () => {
    expect(prettyLine('plain')).toBe('plain\n');
  });
});
