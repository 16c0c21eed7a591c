import { describe, expect, it } from 'vitest';
import { sumLagColumn } from './kafka-group-tool.js';

// The shape ConsumerGroupCommand --describe prints (Kafka 3.9), one row per partition.
const TABLE = `
Consumer group 'g1' has no active members.

GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID
g1              orders          0          120             500             380             -               -               -
g1              orders          2          500             500             0               -               -               -
g1              orders          1          7               40              33              -               -               -
`;

describe('sumLagColumn', () => {
  it('sums the LAG column over the rows of the group', () => {
    expect(sumLagColumn(TABLE, 'g1')).toEqual({ lag: 413, partitions: 3 });
  });

  it('refuses a table without the group, and a partition without a committed offset', () => {
    expect(() => sumLagColumn(TABLE, 'other')).toThrow(/no row for group other/);
    expect(() => sumLagColumn(TABLE.replace('380', '-'), 'g1')).toThrow(/LAG of a g1 row is "-"/);
    expect(() => sumLagColumn('nothing here', 'g1')).toThrow(/no GROUP/);
  });
});
