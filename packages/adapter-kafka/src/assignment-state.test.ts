import { describe, expect, it } from 'vitest';
import { AssignmentState, plannedStartOffsets } from './assignment-state.js';

describe('plannedStartOffsets', () => {
  const marks = [
    { partition: 0, low: '3', high: '10' },
    { partition: 1, low: '0', high: '7' },
  ];
  const committed = [
    { partition: 0, offset: '-1' },
    { partition: 1, offset: '5' },
    { partition: 2, offset: '-1' },
  ];

  it('plans the log end for latest and the log start for earliest, only where nothing is committed', () => {
    expect([...plannedStartOffsets(committed, marks, 'latest')]).toEqual([
      [0, '10'],
      [2, '0'],
    ]);
    expect([...plannedStartOffsets(committed, marks, 'earliest')]).toEqual([
      [0, '3'],
      [2, '0'],
    ]);
  });
});

describe('AssignmentState', () => {
  it('starts a new generation at every assignment, forgetting floors and the floor seeks', () => {
    const state = new AssignmentState();
    expect(state.generation).toBe(0);
    state.assign([0, 1]);
    expect(state.generation).toBe(1);
    expect([...state.owned]).toEqual([0, 1]);
    state.applyCommitted(1, [{ partition: 0, offset: '42' }]);
    expect(state.floorOf(0)).toBe(42n);
    expect(state.claimFloorSeek(0)).toBe(true);
    expect(state.claimFloorSeek(0)).toBe(false);
    state.assign([0]);
    expect(state.generation).toBe(2);
    expect(state.floorOf(0)).toBeUndefined();
    expect(state.claimFloorSeek(0)).toBe(true);
  });

  it('is current only for the same generation, an owned partition and no rebalance under way', () => {
    const state = new AssignmentState();
    state.assign([0, 1]);
    expect(state.isCurrent(1, 0)).toBe(true);
    expect(state.isCurrent(1, 2)).toBe(false);
    expect(state.isCurrent(0, 0)).toBe(false);
    state.revoke();
    expect(state.rebalancing).toBe(true);
    expect(state.isCurrent(1, 0)).toBe(false);
    state.assign([1]);
    expect(state.rebalancing).toBe(false);
    expect(state.isCurrent(1, 1)).toBe(false);
    expect(state.isCurrent(2, 1)).toBe(true);
    expect(state.isCurrent(2, 0)).toBe(false);
  });

  it('seeks only assigned partitions to their planned start, and commits only owned ones once', () => {
    const state = new AssignmentState();
    state.planStart(
      new Map([
        [0, '10'],
        [2, '4'],
      ]),
    );
    expect(state.assign([0, 1])).toEqual([{ partition: 0, offset: '10' }]);
    expect(state.takeStartCommits()).toEqual([{ partition: 0, offset: '10' }]);
    expect(state.takeStartCommits()).toEqual([]);
    expect(state.assign([0, 2])).toEqual([]);
  });

  it('takes floors and delivery hints of owned partitions for the current generation only', () => {
    const state = new AssignmentState();
    state.assign([0, 1]);
    const committed = [
      { partition: 0, offset: '5', metadata: '{"deliveredUpTo":"9"}' },
      { partition: 1, offset: '-1', metadata: '' },
      { partition: 2, offset: '7', metadata: '{"deliveredUpTo":"8"}' },
    ];
    expect(state.applyCommitted(0, committed)).toEqual([]);
    expect(state.floorOf(0)).toBeUndefined();
    expect(state.applyCommitted(1, committed)).toEqual([{ partition: 0, deliveredUpTo: '9' }]);
    expect(state.floorOf(0)).toBe(5n);
    expect(state.floorOf(1)).toBeUndefined();
    expect(state.floorOf(2)).toBeUndefined();
  });
});
