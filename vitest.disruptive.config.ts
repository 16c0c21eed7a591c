import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * Tests that restart or freeze a broker (`*.disruptive.test.ts`). They would break every other test
 * using that broker at the same moment, so they run after the main suite, one file at a time.
 */
export default mergeConfig(
  { ...base, test: { ...base.test, projects: undefined } },
  defineConfig({
    test: {
      name: 'disruptive',
      include: ['packages/*/test/**/*.disruptive.test.ts', 'test/**/*.disruptive.test.ts'],
      exclude: ['**/node_modules/**', 'test/faults/**'],
      fileParallelism: false,
      testTimeout: 180_000,
      hookTimeout: 120_000,
    },
  }),
);
