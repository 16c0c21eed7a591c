import { describe, expect, it } from 'vitest';
import { groupClientId, SessionSlots } from './mqtt-client-id.js';

describe('group client ids', () => {
  it('are deterministic per (group, filter, member, slot) and differ otherwise', () => {
    const id = groupClientId('pb-', 'g', 'a/#', 'm0', 0);
    expect(id).toMatch(/^pb-[0-9a-f]{12}-m0-0$/);
    expect(groupClientId('pb-', 'g', 'a/#', 'm0', 0)).toBe(id);
    expect(groupClientId('pb-', 'g', 'a/+', 'm0', 0)).not.toBe(id);
    expect(groupClientId('pb-', 'h', 'a/#', 'm0', 0)).not.toBe(id);
    // "g" + "a/#" must not collide with "ga" + "/#" (the parts are separated).
    expect(groupClientId('pb-', 'ga', '/#', 'm0', 0)).not.toBe(groupClientId('pb-', 'g', 'a/#', 'm0', 0));
    expect(groupClientId('pb-', 'g', 'a/#', 'm1', 0)).not.toBe(id);
  });
});

describe('SessionSlots', () => {
  it('hands out the lowest free slot and reuses a released one', () => {
    const slots = new SessionSlots();
    expect(slots.claim('b')).toBe(0);
    expect(slots.claim('b')).toBe(1);
    expect(slots.claim('other')).toBe(0);
    slots.release('b', 0);
    slots.release('b', 0);
    expect(slots.claim('b')).toBe(0);
    expect(slots.claim('b')).toBe(2);
  });
});
