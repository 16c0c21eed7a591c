import { describe, expect, it } from 'vitest';
import { formatClientLog } from './client-logger.js';

describe('formatClientLog', () => {
  it('fills printf tokens and appends what is left', () => {
    expect(formatClientLog(['a=%s b=%d c=%j 100%%', 'x', 2, { k: 1 }, new Error('late')])).toBe(
      'a=x b=2 c={"k":1} 100% late',
    );
  });

  it('keeps tokens without arguments and renders a non-string first argument', () => {
    expect(formatClientLog(['x=%s'])).toBe('x=%s');
    expect(formatClientLog([new Error('boom'), 3])).toBe('boom 3');
  });
});
