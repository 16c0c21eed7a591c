import { describe, expect, it } from 'vitest';
import { routeOf } from './publish-route.js';

describe('routeOf', () => {
  it('routes topic messages by key, mandatory only when asked', () => {
    expect(routeOf({ kind: 'topic', exchange: 't' }, 'k1', false)).toEqual({
      exchange: 't',
      routingKey: 'k1',
      mandatory: false,
    });
    expect(routeOf({ kind: 'topic', exchange: 't' }, undefined, true)).toEqual({
      exchange: 't',
      routingKey: '',
      mandatory: true,
    });
    expect(routeOf({ kind: 'topic', exchange: 't' }, 'k'.repeat(300), false).routingKey).toBe('');
  });

  it('sends queue addresses through the default exchange, mandatory', () => {
    expect(routeOf({ kind: 'queue', queue: 'q' }, 'k', false)).toEqual({
      exchange: '',
      routingKey: 'q',
      mandatory: true,
    });
  });

  it('uses the address routing key, else the message key, on exchange addresses', () => {
    expect(routeOf({ kind: 'exchange', exchange: 'e', routingKey: 'rk' }, 'k', false)).toEqual({
      exchange: 'e',
      routingKey: 'rk',
      mandatory: true,
    });
    expect(routeOf({ kind: 'exchange', exchange: 'e', routingKey: undefined }, 'k', false).routingKey).toBe(
      'k',
    );
  });
});
