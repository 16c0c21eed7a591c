import { createMessage } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { interleavePoison, neverDeadLettered } from './poison-mix.js';

describe('interleavePoison', () => {
  const good = Array.from({ length: 7 }, (_, i) => createMessage({ id: `g${i}`, body: `{"n":${i}}` }));

  it('puts a poison message after every n-th good one, kinds in turn, and lists each by id', () => {
    const { messages, poison } = interleavePoison(good, {
      prefix: 't',
      every: 3,
      kinds: ['a', 'b'] as const,
      body: (kind, id) => new TextEncoder().encode(`${kind}:${id}`),
    });
    expect(messages.map((m) => m.id)).toEqual([
      'g0',
      'g1',
      'g2',
      't-poison-0',
      'g3',
      'g4',
      'g5',
      't-poison-1',
      'g6',
    ]);
    expect([...poison].map(([id, p]) => [id, p.kind, new TextDecoder().decode(p.body)])).toEqual([
      ['t-poison-0', 'a', 'a:t-poison-0'],
      ['t-poison-1', 'b', 'b:t-poison-1'],
    ]);
    const first = messages[3];
    expect(first?.key).toBe('poison');
    expect(first?.headers['content-type']).toBe('application/json');
  });

  it('names the poison ids no dead letter carried', () => {
    const poison = new Map([
      ['p0', 1],
      ['p1', 2],
      ['p2', 3],
    ]);
    expect(neverDeadLettered(poison, [{ id: 'p1' }, { id: 'g9' }])).toEqual(['p0', 'p2']);
  });
});
