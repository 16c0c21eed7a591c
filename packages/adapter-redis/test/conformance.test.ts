import { describeConformance, requireBroker } from '@polybus/core/testing';
import { channelCapabilities } from '../src/index.js';
import { createTestTransport } from './helpers.js';

const up = await requireBroker('redis', '127.0.0.1', 6379);

if (up) {
  await describeConformance({
    name: 'redis streams',
    createTransport: () => createTestTransport(),
    address: (name) => name,
    invalidAddress: '',
  });

  await describeConformance({
    name: 'redis pub/sub channels',
    createTransport: () => createTestTransport(),
    address: (name) => ({ channel: name }),
    invalidAddress: { channel: '' },
    capabilities: channelCapabilities(4 * 1024 * 1024),
  });
}
