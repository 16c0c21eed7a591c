import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { ConfigError, UnknownSchemeError } from './errors.js';
import { memoryAdapter } from './memory/memory-adapter.js';
import { ADAPTER_DESCRIPTOR, AdapterRegistry, adapterModule, createRegistry, schemeOf } from './registry.js';

describe('AdapterRegistry', () => {
  it('resolves adapters by scheme, case-insensitively', () => {
    const r = createRegistry(memoryAdapter);
    expect(r.resolve('MEMORY://x')).toBe(memoryAdapter);
    expect(r.schemes()).toEqual(['memory']);
  });

  it('names the unknown scheme and the registered ones', () => {
    const r = createRegistry(memoryAdapter);
    expect(() => r.resolve('mqtt://h')).toThrow(UnknownSchemeError);
    expect(() => r.resolve('mqtt://h')).toThrow('registered: memory:');
  });

  it('rejects a URL without a scheme without echoing credentials', () => {
    expect(() => schemeOf('guest:pw@nowhere')).toThrow(ConfigError);
    expect(() => schemeOf('guest:pw@nowhere')).toThrow('invalid connection URL "***@nowhere"');
    expect(schemeOf('memory://')).toBe('memory');
  });

  it('validates adapter options and lists every bad option by path', () => {
    const r = createRegistry(memoryAdapter);
    let error: unknown;
    try {
      r.createTransport('memory://x', { maxQueuedPerGroup: -1, bogus: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('options.maxQueuedPerGroup');
    expect((error as ConfigError).message).toContain('bogus');
  });

  it('uses descriptors bound on an existing inversify container', () => {
    const container = new Container();
    container.loadSync(adapterModule(memoryAdapter));
    const r = new AdapterRegistry(container);
    expect(container.getAll(ADAPTER_DESCRIPTOR)).toHaveLength(1);
    expect(r.resolve('memory://').scheme).toBe('memory');
  });
});
