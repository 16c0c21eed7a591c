import { describe, expect, it } from 'vitest';
import { formatCommitMetadata, parseCommitMetadata } from './commit-metadata.js';

describe('commit metadata', () => {
  it('reads back what it writes', () => {
    expect(formatCommitMetadata('42')).toBe('{"deliveredUpTo":"42"}');
    expect(parseCommitMetadata(formatCommitMetadata('42'))).toEqual({ deliveredUpTo: '42' });
  });

  it('ignores empty, foreign, malformed and non-decimal metadata', () => {
    for (const text of [
      null,
      undefined,
      '',
      'not json',
      'null',
      '{}',
      '{"deliveredUpTo":42}',
      '{"deliveredUpTo":"-1"}',
      '{"deliveredUpTo":"1e3"}',
      '"x"',
    ]) {
      expect(parseCommitMetadata(text)).toBeUndefined();
    }
  });
});
