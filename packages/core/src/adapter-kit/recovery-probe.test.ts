import { describe, expect, it } from 'vitest';
import { RecoveryProbe } from './recovery-probe.js';

const fast = { initialDelayMs: 1, maxDelayMs: 2, jitter: 0 };

describe('RecoveryProbe', () => {
  it('checks until the broker answers, then reports recovery once', async () => {
    let checks = 0;
    let recovered = 0;
    const probe = new RecoveryProbe({
      check: async () => {
        checks++;
        if (checks < 3) throw new Error('still down');
      },
      onRecovered: () => recovered++,
      backoff: fast,
    });
    await probe.start();
    expect([checks, recovered, probe.running]).toEqual([3, 1, false]);
  });

  it('runs one probe at a time: a second start joins the running one', async () => {
    let checks = 0;
    let recovered = 0;
    const probe = new RecoveryProbe({
      check: async () => {
        checks++;
        if (checks < 2) throw new Error('down');
      },
      onRecovered: () => recovered++,
      backoff: fast,
    });
    const first = probe.start();
    expect(probe.running).toBe(true);
    const second = probe.start();
    expect(second).toBe(first);
    await Promise.all([first, second]);
    expect([checks, recovered]).toEqual([2, 1]);
    await probe.start();
    expect([checks, recovered]).toEqual([3, 2]);
  });

  it('stops without reporting recovery when its signal aborts', async () => {
    const stop = new AbortController();
    let checks = 0;
    let recovered = 0;
    const probe = new RecoveryProbe({
      check: async () => {
        checks++;
        if (checks === 2) stop.abort();
        throw new Error('down');
      },
      onRecovered: () => recovered++,
      backoff: fast,
      signal: stop.signal,
    });
    await probe.start();
    expect([checks, recovered, probe.running]).toEqual([2, 0, false]);
  });
});
