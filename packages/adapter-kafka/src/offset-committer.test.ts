import { describe, expect, it } from 'vitest';
import { type OffsetCommit, OffsetCommitter } from './offset-committer.js';
import type { PartitionCommit } from './offset-tracker.js';

/** A committer over a settable proposal, whose sends the test completes (or fails) one by one. */
function harness() {
  const state = { proposed: [] as PartitionCommit[], held: false, generation: 1 };
  const sends: Array<{ commits: readonly OffsetCommit[]; finish: (error?: unknown) => void }> = [];
  const committed: string[][] = [];
  const errors: unknown[] = [];
  const committer = new OffsetCommitter({
    proposed: () => state.proposed,
    held: () => state.held,
    generation: () => state.generation,
    send: (commits) =>
      new Promise<void>((resolve, reject) => {
        sends.push({ commits, finish: (error) => (error === undefined ? resolve() : reject(error)) });
      }),
    onCommitted: (commits) => committed.push(commits.map((c) => `${c.partition}@${c.offset}`)),
    onError: (error) => errors.push(error),
  });
  return { state, sends, committed, errors, committer };
}

const at = (partition: number, offset: number, deliveredUpTo = offset): PartitionCommit => ({
  partition,
  offset: String(offset),
  deliveredUpTo: String(deliveredUpTo),
});

describe('OffsetCommitter', () => {
  it('sends the proposal with metadata, then only what changed since', async () => {
    const { state, sends, committed, committer } = harness();
    state.proposed = [at(0, 5, 7), at(1, 3)];
    const first = committer.commit(false);
    await expect.poll(() => sends.length).toBe(1);
    expect(sends[0]?.commits).toEqual([
      { partition: 0, offset: '5', metadata: '{"deliveredUpTo":"7"}' },
      { partition: 1, offset: '3', metadata: '{"deliveredUpTo":"3"}' },
    ]);
    sends[0]?.finish();
    await first;
    state.proposed = [at(0, 5, 7), at(1, 4)];
    const second = committer.commit(false);
    await expect.poll(() => sends.length).toBe(2);
    expect(sends[1]?.commits.map((c) => c.partition)).toEqual([1]);
    sends[1]?.finish();
    await second;
    await committer.commit(false);
    expect(sends).toHaveLength(2);
    expect(committed).toEqual([['0@5', '1@3'], ['1@4']]);
  });

  it('coalesces acks: at most one commit waits behind the one in flight, reading the proposal when it starts', async () => {
    const { state, sends, committer } = harness();
    state.proposed = [at(0, 1)];
    committer.commitSoon();
    await expect.poll(() => sends.length).toBe(1);
    state.proposed = [at(0, 2)];
    committer.commitSoon();
    state.proposed = [at(0, 3)];
    committer.commitSoon();
    committer.commitSoon();
    sends[0]?.finish();
    await expect.poll(() => sends.length).toBe(2);
    expect(sends[1]?.commits.map((c) => c.offset)).toEqual(['3']);
    sends[1]?.finish();
    await committer.commit(false);
    expect(sends).toHaveLength(2);
  });

  it('holds commits while held unless forced, and retries a failed commit with the next one', async () => {
    const { state, sends, errors, committer } = harness();
    state.proposed = [at(0, 9)];
    state.held = true;
    await committer.commit(false);
    expect(sends).toHaveLength(0);
    const forced = committer.commit(true);
    await expect.poll(() => sends.length).toBe(1);
    sends[0]?.finish('coordinator moved');
    await forced;
    expect(errors).toEqual(['coordinator moved']);
    state.held = false;
    const retry = committer.commit(false);
    await expect.poll(() => sends.length).toBe(2);
    expect(sends[1]?.commits.map((c) => c.offset)).toEqual(['9']);
    sends[1]?.finish();
    await retry;
  });

  it('does not count a commit that finished in a later generation, and forgets all at forget()', async () => {
    const { state, sends, committer } = harness();
    state.proposed = [at(0, 4)];
    const first = committer.commit(false);
    await expect.poll(() => sends.length).toBe(1);
    state.generation = 2;
    sends[0]?.finish();
    await first;
    const again = committer.commit(false);
    await expect.poll(() => sends.length).toBe(2);
    sends[1]?.finish();
    await again;
    committer.forget();
    const afterForget = committer.commit(false);
    await expect.poll(() => sends.length).toBe(3);
    sends[2]?.finish();
    await afterForget;
  });

  it('a forced commit sends what was proposed when it was asked for, though the partitions are revoked before it runs', async () => {
    const { state, sends, committer } = harness();
    state.proposed = [at(0, 4)];
    const first = committer.commit(false);
    await expect.poll(() => sends.length).toBe(1);
    state.proposed = [at(0, 7), at(1, 2)];
    const forced = committer.commit(true);
    // what a rebalance does right after asking for it: revoke (nothing owned), hold
    state.proposed = [];
    state.held = true;
    sends[0]?.finish();
    await first;
    await expect.poll(() => sends.length).toBe(2);
    expect(sends[1]?.commits.map((c) => `${c.partition}@${c.offset}`)).toEqual(['0@7', '1@2']);
    sends[1]?.finish();
    await forced;
  });

  it('a forced commit never moves a partition back behind a commit that ran after it was asked for', async () => {
    const { state, sends, committer } = harness();
    state.proposed = [at(0, 4)];
    const first = committer.commit(false);
    await expect.poll(() => sends.length).toBe(1);
    const later = committer.commit(false); // queued: reads the proposal when it runs
    state.proposed = [at(0, 5), at(1, 1)];
    const forced = committer.commit(true); // snapshot: 0@5, 1@1
    state.proposed = [at(0, 8), at(1, 1)];
    sends[0]?.finish();
    await first;
    await expect.poll(() => sends.length).toBe(2);
    expect(sends[1]?.commits.map((c) => `${c.partition}@${c.offset}`)).toEqual(['0@8', '1@1']);
    sends[1]?.finish();
    await later;
    await forced;
    expect(sends).toHaveLength(2);
  });
});
