import { describe, expect, it } from 'vitest';
import { HostAllowList, hostOf, isPublicBind } from './host-allow-list.js';

describe('hostOf', () => {
  it('strips port, brackets and trailing dot, lower-cases', () => {
    expect(hostOf('LocalHost:9464')).toBe('localhost');
    expect(hostOf('[::1]:80')).toBe('::1');
    expect(hostOf('example.com.')).toBe('example.com');
  });
  it('refuses malformed values', () => {
    for (const bad of ['[::1', '[::1]x', 'a b', 'h:port', 'user@host', 'h:123456'])
      expect(hostOf(bad), bad).toBeUndefined();
  });
});

describe('HostAllowList', () => {
  it('allows loopback names, the bind host, extras and IP literals; refuses other names and no Host', () => {
    const list = new HostAllowList('bridge.local', ['metrics.example']);
    for (const ok of [
      'localhost',
      '127.0.0.1:1',
      '[::1]',
      'bridge.local:9464',
      'METRICS.example',
      '192.168.1.9',
      '[fe80::1]:9',
    ])
      expect(list.allows(ok), ok).toBe(true);
    for (const no of [undefined, '', 'evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', '[::1'])
      expect(list.allows(no), String(no)).toBe(false);
  });
});

describe('isPublicBind', () => {
  it('knows loopback binds', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isPublicBind(h), h).toBe(false);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'bridge.example']) expect(isPublicBind(h), h).toBe(true);
  });
});
