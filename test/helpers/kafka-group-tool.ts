import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './bridge-process.js';

/**
 * The jar directory `scripts/brokers.sh` fetched Kafka into (`$POLYBUS_CACHE`, default
 * `~/.cache/polybus`, then `kafka-<version>/libs`, the version read from the script). Throws when it
 * is missing: the shared Kafka broker runs from these jars, so a machine with Kafka up has them.
 */
export function kafkaLibs(): string {
  const script = readFileSync(join(ROOT, 'scripts/brokers.sh'), 'utf8');
  const version = /^readonly KAFKA_VERSION=(\S+)/m.exec(script)?.[1];
  if (!version) throw new Error('no KAFKA_VERSION in scripts/brokers.sh');
  const cache = process.env.POLYBUS_CACHE ?? join(homedir(), '.cache', 'polybus');
  const libs = join(cache, `kafka-${version}`, 'libs');
  if (!existsSync(libs)) throw new Error(`${libs} is missing: run \`bash scripts/brokers.sh up kafka\``);
  return libs;
}

/**
 * Sums the LAG column of a `kafka-consumer-groups --describe` table for `group` (rows of other
 * groups ignored). Throws when the table has no row for the group or a row whose lag is not a
 * number (`-`: a partition without a committed offset). Pure.
 */
export function sumLagColumn(table: string, group: string): { lag: number; partitions: number } {
  const lines = table.split('\n').map((line) => line.trim().split(/\s+/));
  const header = lines.find((cells) => cells[0] === 'GROUP' && cells.includes('LAG'));
  if (!header) throw new Error(`no GROUP ... LAG header in:\n${table}`);
  const column = header.indexOf('LAG');
  let lag = 0;
  let partitions = 0;
  for (const cells of lines) {
    if (cells[0] !== group) continue;
    const value = Number(cells[column]);
    if (!Number.isInteger(value)) throw new Error(`LAG of a ${group} row is "${cells[column]}":\n${table}`);
    lag += value;
    partitions++;
  }
  if (partitions === 0) throw new Error(`no row for group ${group} in:\n${table}`);
  return { lag, partitions };
}

/**
 * The lag of `group` as Kafka's own tool reports it: `ConsumerGroupCommand --describe` (what
 * `kafka-consumer-groups.sh` runs) from the jars of `scripts/brokers.sh`, its LAG column summed over the
 * partitions. Blocks for the JVM's run (a few seconds); throws when the tool fails.
 */
export function kafkaToolGroupLag(group: string, bootstrap = '127.0.0.1:9092') {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const result = spawnSync(
    java,
    [
      '-Xmx256m',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${join(ROOT, 'scripts/kafka/tools-log4j.properties')}`,
      '-cp',
      `${kafkaLibs()}/*`,
      'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
      '--bootstrap-server',
      bootstrap,
      '--describe',
      '--group',
      group,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0)
    throw new Error(`ConsumerGroupCommand exited ${result.status ?? result.signal}: ${result.stderr}`);
  return sumLagColumn(result.stdout, group);
}
