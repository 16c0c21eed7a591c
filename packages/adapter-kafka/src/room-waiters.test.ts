import { describe, expect, it } from 'vitest';
import { RoomWaiters } from './room-waiters.js';

describe('RoomWaiters', () => {
  it('wakes the waiter of one partition, those that pass a test, or all', async () => {
    const waiters = new RoomWaiters();
    const woken: number[] = [];
    for (const p of [0, 1, 2]) void waiters.wait(p).then(() => woken.push(p));
    expect(waiters.size).toBe(3);
    waiters.wake(1);
    waiters.wake(7);
    await Promise.resolve();
    expect(woken).toEqual([1]);
    waiters.wakeWhere((p) => p === 2);
    await Promise.resolve();
    expect(woken).toEqual([1, 2]);
    void waiters.wait(3).then(() => woken.push(3));
    waiters.wakeWhere();
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toEqual([1, 2, 0, 3]);
    expect(waiters.size).toBe(0);
  });
});
