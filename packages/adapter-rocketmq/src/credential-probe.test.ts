import { describe, expect, it } from 'vitest';
import { credentialsRefused, UNAUTHORIZED } from './credential-probe.js';

describe('credentialsRefused', () => {
  it('refuses only on UNAUTHORIZED (40100); topic not found, forbidden or ok mean the proxy accepted us', () => {
    expect(credentialsRefused({ code: UNAUTHORIZED, message: 'check signature failed.' })).toBe(
      'check signature failed.',
    );
    expect(credentialsRefused({ code: UNAUTHORIZED })).toBe('unauthorized');
    expect(credentialsRefused({ code: 40402, message: 'topic not found' })).toBeUndefined();
    expect(credentialsRefused({ code: 40300, message: 'forbidden' })).toBeUndefined();
    expect(credentialsRefused({ code: 20000 })).toBeUndefined();
    expect(credentialsRefused(undefined)).toBeUndefined();
  });
});
