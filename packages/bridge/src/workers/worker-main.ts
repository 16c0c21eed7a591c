/**
 * Entry of a worker process forked by the supervisor (`polybus run --workers N`): runs
 * {@link runWorker} and exits with its code once stderr is flushed.
 */
import { runWorker } from './run-worker.js';

const code = await runWorker();
await new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
process.exit(code);
