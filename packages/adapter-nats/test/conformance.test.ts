import { describeConformance, requireBroker } from '@polybus/core/testing';
import { afterAll } from 'vitest';
import { natsTransport, StreamJanitor } from './nats-test-env.js';

const up = await requireBroker('nats', '127.0.0.1', 4222);

if (up) {
  const janitor = new StreamJanitor();
  afterAll(() => janitor.clean());

  await describeConformance({
    name: 'nats JetStream',
    createTransport: () => natsTransport(),
    // A unique subject; its stream is created on demand (createStreams: true).
    address: (name) => janitor.subject(`pb.${name}`),
    invalidAddress: 'not a subject',
  });

  await describeConformance({
    name: 'nats core',
    createTransport: () => natsTransport(),
    address: (name) => ({ subject: `pbcore.${name}`, core: true }),
    invalidAddress: { subject: 'bad subject', core: true },
    capabilities: natsTransport().capabilitiesFor({ subject: 'x', core: true }),
  });
}
