import { describeConformance } from '@polybus/core/testing';
import { afterAll } from 'vitest';
import { artemisTransport, requireArtemis } from './amqp1-test-env.js';
import { ArtemisJanitor } from './artemis-janitor.js';

const up = await requireArtemis();

if (up) {
  const janitor = new ArtemisJanitor();
  afterAll(() => janitor.clean());

  await describeConformance({
    name: 'amqp1 (ActiveMQ Artemis) topics',
    createTransport: () => artemisTransport(),
    address: (name) => janitor.name(`pb.${name}`),
    invalidAddress: { queue: '' },
  });

  await describeConformance({
    name: 'amqp1 (ActiveMQ Artemis) queues',
    createTransport: () => artemisTransport(),
    address: (name) => ({ queue: janitor.name(`pbq.${name}`) }),
    invalidAddress: { queue: 'bad name' },
    capabilities: artemisTransport().capabilitiesFor({ queue: 'x' }),
  });
}
