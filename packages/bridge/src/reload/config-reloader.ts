import { watch } from 'node:fs';
import { type Logger, redactText } from '@polybus/core';
import { loadBridgeRegistry } from '../adapter-loader.js';
import { ConfigFileError, formatProblem } from '../config/config-problem.js';
import { type LoadedConfigFile, loadConfig } from '../config/load-config.js';

/**
 * Wires `polybus run`'s reloads: SIGHUP (and, with `watch`, a change of `file`, debounced 200 ms)
 * re-reads the file and hands the result to `apply`. Reloads never overlap: one asked for while
 * another runs is done once after it. A file with problems is refused (logged as
 * `file:line: path: problem`) and `apply` is not called; an `apply` that rejects is logged. Returns
 * a function that stops watching (SIGHUP stays handled; a reload then changes nothing harmful).
 */
export function handleReloads(options: {
  readonly file: string;
  readonly watch: boolean;
  readonly logger: Logger;
  apply(next: LoadedConfigFile): Promise<void>;
}): () => void {
  const { file, logger } = options;
  let reloading = false;
  let again = false;
  const reload = async (why: string): Promise<void> => {
    if (reloading) {
      again = true;
      return;
    }
    reloading = true;
    try {
      do {
        again = false;
        logger.info({ config: file, why }, 'reloading config');
        try {
          await options.apply(await loadConfig(file, { registry: loadBridgeRegistry }));
        } catch (error) {
          if (error instanceof ConfigFileError)
            logger.error(
              { problems: error.problems.map(formatProblem) },
              'new config refused; the running one stays',
            );
          else
            logger.error(
              { err: redactText(error instanceof Error ? error.message : String(error)) },
              'reload failed',
            );
        }
      } while (again);
    } finally {
      reloading = false;
    }
  };
  process.on('SIGHUP', () => void reload('SIGHUP'));
  let debounce: NodeJS.Timeout | undefined;
  const watcher = options.watch
    ? watch(file, () => {
        clearTimeout(debounce);
        debounce = setTimeout(() => void reload('file changed'), 200);
      })
    : undefined;
  return () => {
    watcher?.close();
    clearTimeout(debounce);
  };
}
