import { describeConformance } from '@polybus/core/testing';
import { MemoryTransport, memoryAdapter } from '../src/index.js';

const options = memoryAdapter.optionsSchema.parse({});

await describeConformance({
  name: 'memory',
  createTransport: () =>
    new MemoryTransport('conformance', options, { debug() {}, info() {}, warn() {}, error() {} }),
  address: (name) => name,
  invalidAddress: 'not a valid topic!',
});
