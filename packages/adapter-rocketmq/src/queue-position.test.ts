import { describe, expect, it } from 'vitest';
import { queuePosition } from './queue-position.js';

describe('queuePosition', () => {
  it('takes the queue id and offset of a message read from the topic itself', () => {
    expect(queuePosition('0 1796300472632 10000 3 0 polybus-broker 2 1 17105', 1)).toEqual({
      queueId: 2,
      offset: '1',
    });
    expect(queuePosition('7 1796300472632 30000 0 0 broker-a 15 7 99', 7)).toEqual({
      queueId: 15,
      offset: '7',
    });
  });

  it('gives no position for a redelivery read from the retry topic', () => {
    expect(queuePosition('0 1796300487592 10000 1 1 polybus-broker 0 5 23261', 5)).toEqual({});
    expect(queuePosition('0 1796300487592 10000 1 2 polybus-broker 0 5 23261', 5)).toEqual({});
  });

  it('keeps only the offset when the handle is of a form it does not know', () => {
    expect(queuePosition('opaque-handle', 4)).toEqual({ offset: '4' });
    expect(queuePosition('0 1 2 3 0 b 2 9 5', 4)).toEqual({ offset: '4' });
    expect(queuePosition('0 1 2 3 0 b x 4 5', 4)).toEqual({ offset: '4' });
    expect(queuePosition('opaque-handle', undefined)).toEqual({});
    expect(queuePosition('0 1 2 3 0 b 2 4 5', undefined)).toEqual({});
  });
});
