import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestTable } from './digest-table.js';

const digest = (n: number): Buffer => createHash('sha256').update(String(n)).digest().subarray(0, 16);

describe('DigestTable', () => {
  it('inserts, finds and keeps values across growth', () => {
    const table = new DigestTable(4, 10);
    for (let i = 0; i < 5000; i++) {
      const { slot, created } = table.insert(digest(i));
      expect(created).toBe(true);
      table.data.writeUInt32LE(i, table.valueOffset(slot));
    }
    expect(table.size).toBe(5000);
    for (let i = 0; i < 5000; i++) {
      const slot = table.find(digest(i));
      expect(table.data.readUInt32LE(table.valueOffset(slot))).toBe(i);
    }
    expect(table.find(digest(5001))).toBe(-1);
    expect(table.insert(digest(7)).created).toBe(false);
    let visited = 0;
    table.forEach(() => {
      visited++;
    });
    expect(visited).toBe(5000);
  });
  it('accepts the all-zero digest', () => {
    const table = new DigestTable(1);
    expect(table.find(new Uint8Array(16))).toBe(-1);
    expect(table.insert(new Uint8Array(16)).created).toBe(true);
    expect(table.find(new Uint8Array(16))).toBeGreaterThanOrEqual(0);
    expect(table.insert(new Uint8Array(16)).created).toBe(false);
  });
});
