import { describe, expect, it } from 'vitest';
import type { RouteStatus } from '../route/route.js';
import { confirmDrained } from './fresh-drained.js';

function route(name: string, drained: boolean, updatedAt: string): RouteStatus {
  return {
    name,
    drained,
    lag: { total: drained ? 0 : 5, exact: true, groupExists: true, updatedAt, stale: false },
  } as unknown as RouteStatus;
}

/** A `/routes` reader that answers the given reads in turn (the last one again once exhausted). */
function reads(...answers: RouteStatus[][]) {
  let i = 0;
  const read = async () => answers[Math.min(i++, answers.length - 1)];
  return { read, count: () => i };
}

describe('confirmDrained', () => {
  it('confirms a drained route once its lag was updated twice after the first read', async () => {
    const r = reads([route('a', true, 't1')], [route('a', true, 't2')], [route('a', true, 't3')]);
    const routes = await confirmDrained([route('a', true, 't0')], { ...r, timeoutMs: 5000, pollMs: 1 });
    expect(routes[0]?.drained).toBe(true);
    expect(r.count()).toBe(2); // t0 -> t1 (one update) -> t2 (two): confirmed at the second re-read
  });

  it('reports a fresh answer that is no longer drained (the caller published just before)', async () => {
    const r = reads([route('a', false, 't1')]);
    const routes = await confirmDrained([route('a', true, 't0')], { ...r, timeoutMs: 5000, pollMs: 1 });
    expect(routes[0]?.drained).toBe(false);
    expect(routes[0]?.lag?.total).toBe(5);
  });

  it('leaves drained unknown when the lag is not updated in time; not-drained routes are not waited on', async () => {
    const r = reads([route('a', true, 't0'), route('b', false, 't0')]);
    const routes = await confirmDrained([route('a', true, 't0'), route('b', false, 't0')], {
      ...r,
      timeoutMs: 50,
      pollMs: 5,
    });
    expect(routes.map((x) => [x.name, x.drained])).toEqual([
      ['a', undefined],
      ['b', false],
    ]);
    const none = reads();
    expect(await confirmDrained([route('b', false, 't0')], { ...none, timeoutMs: 5000 })).toHaveLength(1);
    expect(none.count()).toBe(0);
  });
});
