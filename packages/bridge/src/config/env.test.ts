// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} references on purpose
import { describe, expect, it } from 'vitest';
import { substituteEnv, substituteString } from './env.js';

describe('substituteString', () => {
  it('replaces ${VAR} and ${VAR:-default}', () => {
    const env = { HOST: 'rabbit', EMPTY: '' };
    expect(substituteString('amqp://${HOST}:5672', env)).toEqual({
      value: 'amqp://rabbit:5672',
      missing: [],
    });
    expect(substituteString('${PORT:-5672}', env)).toEqual({ value: '5672', missing: [] });
    expect(substituteString('${EMPTY:-fallback}', env).value).toBe('fallback');
    expect(substituteString('${EMPTY}', env)).toEqual({ value: '', missing: [] });
  });
  it('reports variables with neither value nor default', () => {
    expect(substituteString('${A}-${B}', {})).toEqual({ value: '-', missing: ['A', 'B'] });
  });
  it('leaves $${VAR} as a literal', () => {
    expect(substituteString('$${HOME}', { HOME: '/root' }).value).toBe('${HOME}');
  });
});

describe('substituteEnv', () => {
  it('substitutes every string, deep, and reports the path of missing ones', () => {
    const input = {
      connections: { a: 'amqp://${USER}:${PASS}@h' },
      routes: [{ to: [{ topic: '${T}' }] }],
      n: 3,
    };
    const { value, missing } = substituteEnv(input, { USER: 'u', PASS: 'p' });
    expect(value).toEqual({ connections: { a: 'amqp://u:p@h' }, routes: [{ to: [{ topic: '' }] }], n: 3 });
    expect(missing).toEqual([{ path: ['routes', 0, 'to', 0, 'topic'], name: 'T' }]);
  });
});
