import { memoryAdapter } from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { loadBrokerAdapters } from '../adapter-loader.js';
import { stdioAdapter } from '../stdio/stdio-adapter.js';
import { addressShape } from './address-forms.js';

describe('addressShape', () => {
  it('reads the string form and the native-key forms from an adapter address schema', async () => {
    const [amqp] = await loadBrokerAdapters(['amqp']);
    if (!amqp) throw new Error('amqp adapter not loaded');
    const shape = addressShape(amqp);
    expect(shape.schemes).toEqual(['amqp', 'amqps']);
    expect(shape.acceptsString).toBe(true);
    expect(shape.forms.map((f) => [Object.keys(f.properties), f.required])).toEqual([
      [['queue'], ['queue']],
      [['exchange', 'routingKey'], ['exchange']],
    ]);
  });

  it('gives stdio one form without keys, and memory a topic', () => {
    expect(addressShape(stdioAdapter).forms).toEqual([{ properties: {}, required: [] }]);
    expect(addressShape(memoryAdapter).forms.map((f) => Object.keys(f.properties))).toEqual([['topic']]);
  });
});
