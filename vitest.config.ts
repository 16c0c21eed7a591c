import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Workspace packages resolve to their TypeScript sources, so tests never need a build. */
const alias = [
  { find: /^@polybus\/core\/testing$/, replacement: `${root}packages/core/src/testing/index.ts` },
  { find: /^@polybus\/core\/adapter-kit$/, replacement: `${root}packages/core/src/adapter-kit/index.ts` },
  { find: /^@polybus\/(core|adapter-[a-z0-9]+|bridge)$/, replacement: `${root}packages/$1/src/index.ts` },
];

const pkg = (name: string) => ({
  extends: true as const,
  test: {
    name,
    root: `${root}packages/${name}`,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/*.disruptive.test.ts', '**/node_modules/**'],
  },
});

export default defineConfig({
  resolve: { alias },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      pkg('core'),
      pkg('adapter-amqp'),
      pkg('adapter-kafka'),
      pkg('adapter-redis'),
      pkg('adapter-nats'),
      pkg('adapter-zeromq'),
      pkg('adapter-amqp1'),
      pkg('adapter-rocketmq'),
      pkg('adapter-mqtt'),
      pkg('bridge'),
      {
        extends: true,
        test: {
          name: 'e2e',
          root: `${root}test`,
          include: ['**/*.test.ts'],
          exclude: ['faults/scenarios/**', '**/*.disruptive.test.ts', '**/node_modules/**'],
        },
      },
    ],
  },
});
