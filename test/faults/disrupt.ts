import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/bridge-process.js';
import type { BrokerSpec } from './brokers.js';

/**
 * Faults on the shared local brokers (restart, SIGSTOP/SIGCONT), only through `scripts/brokers.sh`
 * and signals. Every broker is left running: {@link thaw} runs in `finally` blocks and on exit.
 */

const run = promisify(execFile);
const BROKERS_SH = join(ROOT, 'scripts/brokers.sh');

/** Set `POLYBUS_FAULTS_DISRUPTIVE=0` to skip the scenarios that restart or freeze a shared broker. */
export const DISRUPTIVE = process.env.POLYBUS_FAULTS_DISRUPTIVE !== '0';

/** Restarts a broker and resolves once it accepts connections again. */
export async function restartBroker(spec: BrokerSpec): Promise<void> {
  await run('bash', [BROKERS_SH, 'restart', spec.service], { timeout: 240_000 });
}

/**
 * Stops a broker (`scripts/brokers.sh stop`) and resolves once its processes are gone. Only for the
 * brokers this suite alone uses (RocketMQ, Artemis); pair it with {@link startBroker} in a `finally`.
 */
export async function stopBroker(spec: BrokerSpec): Promise<void> {
  await run('bash', [BROKERS_SH, 'stop', spec.service], { timeout: 240_000 });
}

/** Starts a broker (`scripts/brokers.sh start`; a running one is left alone) and waits until it accepts connections. */
export async function startBroker(spec: BrokerSpec): Promise<void> {
  await run('bash', [BROKERS_SH, 'start', spec.service], { timeout: 240_000 });
}

/** Makes sure every broker runs (after a scenario, whatever happened). */
export async function brokersUpAll(): Promise<void> {
  await run('bash', [BROKERS_SH, 'up'], { timeout: 300_000 }).catch(() => undefined);
}

const PGREP: Record<BrokerSpec['service'], string[]> = {
  kafka: ['-f', 'kafka.Kafka'],
  redis: ['-x', 'redis-server'],
  nats: ['-x', 'nats-server'],
  rabbitmq: ['-x', 'beam.smp'],
  artemis: ['-f', 'org.apache.activemq.artemis.boot.Artemis'],
  rocketmq: ['-f', 'org.apache.rocketmq.(broker|proxy).*Startup'],
  mosquitto: ['-x', 'mosquitto'],
};

const frozen = new Set<number>();
process.on('exit', () => {
  for (const pid of frozen) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone
    }
  }
});

/** Pids of a broker's server processes. */
export function brokerPids(spec: BrokerSpec): number[] {
  try {
    return execFileSync('pgrep', PGREP[spec.service], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Sends SIGSTOP to every process of the broker; returns the pids (pass them to {@link thaw}). */
export function freeze(spec: BrokerSpec): number[] {
  const pids = brokerPids(spec);
  for (const pid of pids) {
    frozen.add(pid);
    process.kill(pid, 'SIGSTOP');
  }
  return pids;
}

/** Sends SIGCONT to pids frozen by {@link freeze}. Safe to call twice. */
export function thaw(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone
    }
    frozen.delete(pid);
  }
}
