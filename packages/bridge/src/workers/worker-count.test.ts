import { describe, expect, it } from 'vitest';
import { parseWorkerCount } from './worker-count.js';

describe('parseWorkerCount', () => {
  it('takes whole numbers, as numbers or digits', () => {
    expect(parseWorkerCount(1, 8)).toBe(1);
    expect(parseWorkerCount('3', 8)).toBe(3);
    expect(parseWorkerCount(' 2 ', 8)).toBe(2);
  });
  it('auto is one per core, at least one', () => {
    expect(parseWorkerCount('auto', 2)).toBe(2);
    expect(parseWorkerCount('auto', 0)).toBe(1);
  });
  it.each(['0', '-1', '1.5', 'many', '', '257'])('refuses %j with a config error', (value) => {
    expect(() => parseWorkerCount(value, 4)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
