import { describe, expect, it } from 'vitest';
import { RecordChannel } from './record-channel.js';

describe('RecordChannel', () => {
  it('delivers in order and ends after the queued items', async () => {
    const channel = new RecordChannel<number>(2);
    const pushed = (async () => {
      for (let i = 0; i < 5; i++) await channel.push(i);
      channel.end();
    })();
    const got: number[] = [];
    for (let item = await channel.next(); item !== undefined; item = await channel.next()) got.push(item);
    await pushed;
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });
  it('holds a push while full', async () => {
    const channel = new RecordChannel<number>(1);
    await channel.push(1);
    let second = false;
    const pending = channel.push(2).then(() => {
      second = true;
    });
    await Promise.resolve();
    expect(second).toBe(false);
    expect(await channel.next()).toBe(1);
    await pending;
    expect(second).toBe(true);
  });
  it('throws the failure after the queued items, and close releases pushers', async () => {
    const channel = new RecordChannel<number>(1);
    await channel.push(1);
    channel.fail(new Error('boom'));
    expect(await channel.next()).toBe(1);
    await expect(channel.next()).rejects.toThrow('boom');
    const full = new RecordChannel<number>(1);
    await full.push(1);
    const waiting = full.push(2);
    full.close();
    await waiting;
  });
});
