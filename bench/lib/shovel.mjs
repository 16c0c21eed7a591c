import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The RabbitMQ Shovel reference pipe of the RabbitMQ -> RabbitMQ pair: a dynamic shovel inside the
 * broker (`rabbitmqctl set_parameter shovel ...`; needs `rabbitmq-plugins enable rabbitmq_shovel`,
 * which starts the plugin without restarting the broker), from queue `from` to queue `to`, with the
 * same guarantee and window as the other pipes: `ack-mode: on-confirm` (the source message is acked
 * once the destination confirmed it) and `src-prefetch-count` = `maxInFlight`. Both ends use the
 * direct in-broker connection (`amqp://`), the fastest a shovel gets. Returns a handle shaped like a
 * child process' (`pid` undefined: the shovel's CPU is the broker's, not measured); `stop()` deletes
 * the shovel. Messages keep their properties (persistent stays persistent).
 */
export async function startShovel({ name, from, to, maxInFlight, logFile }) {
  const definition = {
    'src-protocol': 'amqp091',
    'src-uri': 'amqp://',
    'src-queue': from,
    'src-prefetch-count': maxInFlight,
    'dest-protocol': 'amqp091',
    'dest-uri': 'amqp://',
    'dest-queue': to,
    'ack-mode': 'on-confirm',
    'dest-add-forward-headers': false,
  };
  const log = (line) => appendFileSync(logFile, `${line}\n`);
  const ctl = async (args) => {
    const { stdout, stderr } = await run('rabbitmqctl', args, { timeout: 60_000 });
    log(`rabbitmqctl ${args[0]} ${args[2] ?? ''}: ${`${stdout}${stderr}`.trim()}`);
  };
  await ctl(['set_parameter', 'shovel', name, JSON.stringify(definition)]);
  let stopped = false;
  return {
    pid: undefined,
    // A shovel has no process of its own to exit; a failed one shows as a run that times out.
    exited: new Promise(() => undefined),
    async stop() {
      if (stopped) return 0;
      stopped = true;
      await ctl(['clear_parameter', 'shovel', name]).catch((error) =>
        log(`clear_parameter failed: ${error}`),
      );
      return 0;
    },
  };
}
