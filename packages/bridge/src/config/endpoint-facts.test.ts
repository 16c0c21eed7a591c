import {
  type Address,
  type Capabilities,
  createRegistry,
  defineAdapter,
  memoryAdapter,
  type Transport,
} from '@polybus/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { stdioAdapter } from '../stdio/stdio-adapter.js';
import { readConfigWarnings } from './endpoint-facts.js';
import { parseConfig } from './load-config.js';

/** An adapter whose `channel` addresses are at-most-once and `stream` ones persistent; counts creates and closes. */
function lossyAdapter() {
  const counts = { created: 0, closed: 0 };
  const base: Capabilities = { ...memoryAdapter.capabilities, persistent: true, replay: true };
  const descriptor = defineAdapter<Record<string, never>>({
    scheme: 'lossy',
    description: 'test adapter',
    optionsSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
    addressSchema: z.union([z.string(), z.record(z.string(), z.string())]) as z.ZodType<Address>,
    capabilities: base,
    create() {
      counts.created += 1;
      return {
        capabilities: base,
        capabilitiesFor: (address: Address) =>
          typeof address === 'object' && 'channel' in address ? { ...base, persistent: false } : base,
        close: async () => {
          counts.closed += 1;
        },
      } as unknown as Transport;
    },
  });
  return { descriptor, counts };
}

describe('readConfigWarnings', () => {
  it('creates one unconnected transport per connection, asks it per address, closes them all, and returns the warnings', async () => {
    const { descriptor, counts } = lossyAdapter();
    const registry = createRegistry(memoryAdapter, stdioAdapter, descriptor);
    const { config } = parseConfig(
      `connections:
  l: lossy://x
  m: memory://m
  io: stdio://
routes:
  - name: r
    from: { connection: l, stream: s, group: g }
    to:
      - { connection: l, channel: c }
      - { connection: l, stream: kept }
      - { connection: io }
`,
      'f.yaml',
      { registry, env: {} },
    );
    counts.created = 0; // parseConfig asks the adapter too; count only what readConfigWarnings creates
    counts.closed = 0;
    const warnings = await readConfigWarnings(config, registry);
    expect(warnings.map((w) => [w.code, w.path])).toEqual([['AT_MOST_ONCE_SINK', 'routes[0].to[0]']]);
    expect(counts).toEqual({ created: 1, closed: 1 });
  });
});
