import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createBridgeRegistry } from '@polybus/bridge';
import { isLagReporter } from '@polybus/core';
import { requireBroker, uniqueName } from '@polybus/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { rawAdmin } from '../packages/adapter-kafka/test/helpers.js';
// A plain .mjs script (no type declarations): its steps are typed as Step below.
import { readmeSteps } from '../scripts/readme-commands.mjs';
import { ROOT, requireBuiltCli } from './helpers/bridge-process.js';
import { freePort } from './helpers/free-port.js';
import { recordIds } from './helpers/record-ids.js';

type Step =
  | { kind: 'file'; name: string; text: string }
  | { kind: 'run'; command: string }
  | { kind: 'skip'; command: string; reason: string };

const GUIDE = 'docs/migration.md';
const steps = (readmeSteps as (markdown: string) => Step[])(readFileSync(join(ROOT, GUIDE), 'utf8'));
const up =
  (await requireBroker('amqp', '127.0.0.1', 5672)) && (await requireBroker('kafka', '127.0.0.1', 9092));

const RUN = uniqueName('guide').replaceAll('.', '-');
const QUEUE = `orders-${RUN}.billing`;
const TOPICS = [`orders-${RUN}`, `payments-${RUN}`, `payments-v2-${RUN}`];
const FILES = ['bridge.pid', 'bridge.log', 'consumer.pid', 'consumer.log', `orders-${RUN}.ledger`];

afterAll(async () => {
  // Whatever a failed step left: the guide's bridge, its files, the queue and the topics.
  for (const pidFile of ['bridge.pid', 'consumer.pid'].map((f) => join(ROOT, f))) {
    if (!existsSync(pidFile)) continue;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const file of FILES) rmSync(join(ROOT, file), { force: true });
  if (!up) return;
  spawnSync('rabbitmqctl', ['-q', 'delete_queue', QUEUE]); // best effort: needs the broker host's cookie
  const admin = rawAdmin();
  await admin.connect();
  await admin.deleteTopics({ topics: TOPICS }).catch(() => undefined);
  await admin.disconnect();
});

describe('docs/migration.md, its commands run in order on the local brokers', () => {
  it('walks RabbitMQ → Kafka and Kafka → Kafka through copy, tail, verify, cutover and rollback', () => {
    const order = steps.map((s) => (s.kind === 'file' ? `file ${s.name}` : `${s.kind} ${s.command}`));
    const send = (url: string) =>
      expect.stringMatching(new RegExp(`^run seq \\d+ \\d+ .*npx polybus send ${url}`));
    const run = (file: string) =>
      `run ./node_modules/.bin/polybus run -c ${file} > bridge.log 2>&1 & echo $! > bridge.pid`;
    const drained = (file: string) =>
      `run timeout 120 bash -c 'until npx polybus status -c ${file}; do sleep 1; done'`;
    const stop = [
      'run kill -TERM "$(cat bridge.pid)"',
      expect.stringMatching(/^run timeout 60 bash -c 'while kill -0/),
    ];
    expect(order).toEqual([
      'run export RUN=demo1',
      expect.stringMatching(
        /^run \.\/node_modules\/\.bin\/polybus tail amqp:.* --group billing .*& echo \$! > consumer\.pid$/,
      ),
      "run timeout 60 bash -c 'until grep -q subscribed consumer.log; do sleep 0.2; done'",
      'run kill -TERM "$(cat consumer.pid)"',
      expect.stringMatching(/^run timeout 60 bash -c 'while kill -0 "\$\(cat consumer\.pid\)"/),
      send('amqp:'),
      'file rabbit-to-kafka.yaml',
      'run npx polybus validate -c rabbit-to-kafka.yaml',
      run('rabbit-to-kafka.yaml'),
      send('amqp:'),
      drained('rabbit-to-kafka.yaml'),
      expect.stringMatching(/^run curl .*polybus_route_lag_messages/),
      'run npx polybus verify -c rabbit-to-kafka.yaml --route orders --strict',
      ...stop,
      send('kafka:'),
      'file kafka-to-rabbit.yaml',
      run('kafka-to-rabbit.yaml'),
      drained('kafka-to-rabbit.yaml'),
      ...stop,
      "run npx polybus status -c rabbit-to-kafka.yaml | grep -F 'lag=550'",
      expect.stringMatching(
        /^run rm -f bridge\.pid bridge\.log consumer\.pid consumer\.log "orders-\$\{RUN:-demo\}\.ledger"$/,
      ),
      send('kafka:'),
      'file kafka-to-kafka.yaml',
      run('kafka-to-kafka.yaml'),
      send('kafka:'),
      drained('kafka-to-kafka.yaml'),
      'run npx polybus verify -c kafka-to-kafka.yaml --route payments --strict',
      ...stop,
      send('kafka:'),
      'file kafka-rollback.yaml',
      run('kafka-rollback.yaml'),
      drained('kafka-rollback.yaml'),
      ...stop,
      'run rm -f bridge.pid bridge.log',
      'run npx polybus verify -c kafka-rollback.yaml --route payments-back --strict',
    ]);
  });

  it.runIf(up)(
    'every command exits 0; the topics then hold 550 orders and 550 payments once, the queue 550 orders',
    async () => {
      requireBuiltCli();
      const port = await freePort();
      const started = Date.now();
      const result = spawnSync(process.execPath, [join(ROOT, 'scripts/readme-commands.mjs'), GUIDE], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 400_000,
        env: { ...process.env, RUN, POLYBUS_HTTP_PORT: String(port) },
      });
      const seconds = (Date.now() - started) / 1000;
      expect(result.stdout).not.toContain('FAIL');
      const commands = steps.filter((s) => s.kind === 'run').length;
      expect(result.stdout).toContain(`${commands}/${commands} migration.md commands exited 0`);
      expect(result.status).toBe(0);
      const registry = createBridgeRegistry();
      const kafka = registry.createTransport('kafka://127.0.0.1:9092', {});
      const rabbit = registry.createTransport('amqp://guest:guest@127.0.0.1:5672', {});
      await Promise.all([kafka.connect(), rabbit.connect()]);
      try {
        // A: 520 moved to Kafka plus 30 written there after the switch; all 550 went back to the queue.
        expect(await recordIds(kafka, `orders-${RUN}`)).toEqual({ records: 550, distinct: 550 });
        if (!isLagReporter(rabbit)) throw new Error('amqp reports no lag');
        expect((await rabbit.lag({ queue: QUEUE })).total).toBe(550);
        // B: the new topic 520 + 30; the old one got only those 30 back (dedupe dropped the 520).
        expect(await recordIds(kafka, `payments-v2-${RUN}`)).toEqual({ records: 550, distinct: 550 });
        expect(await recordIds(kafka, `payments-${RUN}`)).toEqual({ records: 550, distinct: 550 });
        for (const file of FILES) expect(existsSync(join(ROOT, file))).toBe(false);
      } finally {
        await Promise.all([kafka.close({ timeoutMs: 500 }), rabbit.close({ timeoutMs: 500 })]);
      }
      console.log(`docs/migration.md: ${commands} commands exited 0 in ${seconds.toFixed(1)} s`);
    },
    420_000,
  );
});
