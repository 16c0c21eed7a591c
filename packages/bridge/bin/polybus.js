#!/usr/bin/env node
// The `polybus` executable npm links at install time. It is committed (npm links a bin only if its
// target exists when it installs, and dist/ is built later), and only hands over to the built CLI.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    'polybus: the CLI is not built yet (packages/bridge/dist/cli.js is missing).\n' +
      'Run `npm run build` at the repository root (`npm ci` does it through the `prepare` script).\n',
  );
  process.exit(1);
}
await import(cli.href);
