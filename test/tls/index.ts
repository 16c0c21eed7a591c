/**
 * Test helpers for TLS and authentication: throwaway certificates (`scripts/tls/make-certs.sh`) and
 * second broker instances with TLS and auth on their own ports, started and stopped by the test.
 */

export type { ArtemisTlsServer } from './artemis-tls.js';
export { artemisCli, startArtemisTls, withTlsAcceptor } from './artemis-tls.js';
export type { MosquittoTlsServer } from './mosquitto-tls.js';
export { mosquittoTlsConfig, startMosquittoTls } from './mosquitto-tls.js';
export type { NatsOperatorSetup } from './nats-jwt.js';
export { natsOperatorSetup } from './nats-jwt.js';
export type { NatsAuthorization, NatsTlsServer } from './nats-tls.js';
export { natsTlsConfig, startNatsTls } from './nats-tls.js';
export type { TestCerts, TestProcess } from './processes.js';
export { makeTestCerts, startProcess, tempDir } from './processes.js';
export type { RabbitTlsServer } from './rabbit-tls.js';
export { startRabbitTls } from './rabbit-tls.js';
export type { RedisTlsServer } from './redis-tls.js';
export { startRedisTls } from './redis-tls.js';
export type { Closable } from './rejection.js';
export { ClosePool, expectConnectRefused, rejection } from './rejection.js';
export type { RocketmqAclOptions, RocketmqAclPorts, RocketmqAclServer } from './rocketmq-acl.js';
export { startRocketmqAcl } from './rocketmq-acl.js';
export { roundTrip } from './round-trip.js';
export { expectNoSecret } from './secrets.js';
