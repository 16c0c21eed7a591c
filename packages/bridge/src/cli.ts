#!/usr/bin/env node
/**
 * The `polybus` executable: runs {@link main} on the process's arguments and streams, then exits with
 * its code once stdout and stderr are flushed. Everything else lives in `cli/main.ts`, which a test
 * can import.
 */
import { main } from './cli/main.js';

const code = await main(process.argv.slice(2));
await Promise.all(
  [process.stdout, process.stderr].map(
    (stream) => new Promise<void>((resolve) => stream.write('', () => resolve())),
  ),
);
process.exit(code);
