import { createInterface } from 'node:readline';
import { createMessage, schemeOf, type Transport } from '@polybus/core';
import { loadBridgeRegistry } from '../adapter-loader.js';
import { ConfigFileError } from '../config/config-problem.js';
import { createLogger } from '../logger.js';
import { encodeLine, type StdioFormat } from '../stdio/stdio-codec.js';
import { type CliIo, ExitCode, fail, parseAddress, parseOptions } from './cli-io.js';

/** A connected transport for `url` (only its scheme's adapter is imported). Exits through `fail`. */
async function connectTo(io: CliIo, url: string, options: string | undefined, logLevel: string | undefined) {
  let scheme: string | undefined;
  try {
    scheme = schemeOf(url);
  } catch {
    // createTransport reports the invalid URL
  }
  const adapterOptions = parseOptions(io, options);
  try {
    const registry = await loadBridgeRegistry(scheme === undefined ? undefined : [scheme]);
    const transport = registry.createTransport(url, adapterOptions, {
      logger: createLogger(logLevel ?? 'warn'),
    });
    await transport.connect();
    return transport;
  } catch (error) {
    fail(io, error);
  }
}

/** Options of {@link sendCommand}. */
export interface SendOptions {
  readonly header: readonly string[];
  readonly key?: string;
  readonly options?: string;
  readonly logLevel?: string;
}

/**
 * `polybus send`: publishes each line of `io.stdin` as one message body (in batches of 100, each
 * confirmed before the next), then closes. Resolves with the exit code.
 */
export async function sendCommand(
  io: CliIo,
  url: string,
  addressText: string,
  opts: SendOptions,
): Promise<number> {
  const headers: Record<string, string> = {};
  for (const pair of opts.header) {
    const i = pair.indexOf('=');
    if (i <= 0)
      fail(
        io,
        new ConfigFileError([{ file: 'argv', path: '--header', message: `expected k=v, got "${pair}"` }]),
      );
    headers[pair.slice(0, i)] = pair.slice(i + 1);
  }
  const address = parseAddress(addressText);
  const transport = await connectTo(io, url, opts.options, opts.logLevel);
  try {
    let batch: string[] = [];
    let sent = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const messages = batch.map((body) =>
        createMessage({ body, headers, ...(opts.key === undefined ? {} : { key: opts.key }) }),
      );
      batch = [];
      await transport.publish(address, messages);
      sent += messages.length;
    };
    for await (const line of createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
      batch.push(line);
      if (batch.length >= 100) await flush();
    }
    await flush();
    await transport.close();
    io.stderr.write(`polybus: sent ${sent} message(s)\n`);
    return ExitCode.ok;
  } catch (error) {
    fail(io, error);
  }
}

/** Options of {@link tailCommand}. */
export interface TailOptions {
  readonly group?: string;
  readonly format: StdioFormat;
  readonly options?: string;
  readonly logLevel?: string;
}

/**
 * `polybus tail`: writes every message arriving on the address to `io.stdout` (acking it) until
 * SIGTERM or SIGINT; then closes and resolves with 0. Says `polybus: subscribed` on stderr once the
 * subscription is established (what is published after that line reaches it).
 */
export async function tailCommand(
  io: CliIo,
  url: string,
  addressText: string,
  opts: TailOptions,
): Promise<number> {
  const transport: Transport = await connectTo(io, url, opts.options, opts.logLevel);
  try {
    await transport.subscribe(
      parseAddress(addressText),
      async (delivery) => {
        io.stdout.write(`${encodeLine(delivery.message, opts.format)}\n`);
        await delivery.ack();
      },
      opts.group === undefined ? {} : { group: opts.group },
    );
    io.stderr.write('polybus: subscribed, tailing until SIGTERM/SIGINT\n');
  } catch (error) {
    fail(io, error);
  }
  return new Promise((resolve) => {
    const stop = (): void => {
      void transport.close({ timeoutMs: 2000 }).then(() => resolve(ExitCode.ok));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
